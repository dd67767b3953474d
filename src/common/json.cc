#include "common/json.h"

#include <fmt/format.h>
#include <simdjson.h>

namespace lj {

Status CheckJsonDepth(std::string_view text, size_t max_depth, size_t* at) {
  size_t depth = 0;
  const char* p = text.data();
  const char* const end = p + text.size();
  while (p < end) {
    const char c = *p;
    if (c == '"') {
      // Skip the string: to the next quote not escaped by a backslash.
      for (++p; p < end && *p != '"'; ++p)
        if (*p == '\\') ++p;
    } else if (c == '[' || c == '{') {
      if (++depth > max_depth) {
        if (at) *at = static_cast<size_t>(p - text.data());
        return Status(ErrorCode::kParseError,
                      fmt::format("JSON nests deeper than {} levels (at byte {})", max_depth,
                                  p - text.data()));
      }
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
    ++p;
  }
  return Status::Ok();
}

Result<nlohmann::json> ParseJson(std::string_view text, size_t max_depth) {
  LJ_RETURN_IF_ERROR(CheckJsonDepth(text, max_depth));
  try {
    return nlohmann::json::parse(text.begin(), text.end());
  } catch (const nlohmann::json::exception& e) {
    // e.what(): "[json.exception.parse_error.101] parse error at line 1, column 3: ...; last
    // read: '...'" — the quoted input may hold any bytes.
    std::string_view what = e.what();
    if (size_t at = what.find("] "); what.rfind("[json.exception.", 0) == 0 && at != what.npos)
      what.remove_prefix(at + 2);
    return Status(ErrorCode::kParseError, "invalid JSON: " + ToValidUtf8(what));
  }
}

bool IsValidUtf8(std::string_view s) { return simdjson::validate_utf8(s.data(), s.size()); }

size_t FirstInvalidUtf8(std::string_view s) {
  // Well-formed sequences, Unicode 15 table 3-7.
  const auto* b = reinterpret_cast<const unsigned char*>(s.data());
  const size_t n = s.size();
  size_t i = 0;
  while (i < n) {
    const unsigned char c = b[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t len;
    unsigned char lo = 0x80, hi = 0xBF;  // bounds of the second byte
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      if (c == 0xE0) lo = 0xA0;  // no overlong forms
      if (c == 0xED) hi = 0x9F;  // no surrogates
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      if (c == 0xF0) lo = 0x90;  // no overlong forms
      if (c == 0xF4) hi = 0x8F;  // nothing above U+10FFFF
    } else {
      return i;
    }
    if (i + len > n || b[i + 1] < lo || b[i + 1] > hi) return i;
    for (size_t k = 2; k < len; ++k)
      if ((b[i + k] & 0xC0) != 0x80) return i;
    i += len;
  }
  return std::string_view::npos;
}

std::string ToValidUtf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  while (!s.empty()) {
    const size_t bad = FirstInvalidUtf8(s);
    if (bad == std::string_view::npos) {
      out.append(s);
      break;
    }
    out.append(s.substr(0, bad));
    out.append("\xEF\xBF\xBD");  // U+FFFD REPLACEMENT CHARACTER
    // Skip the lead byte and any continuation bytes that followed it.
    size_t skip = bad + 1;
    while (skip < s.size() && (static_cast<unsigned char>(s[skip]) & 0xC0) == 0x80 &&
           skip < bad + 4)
      ++skip;
    s.remove_prefix(skip);
  }
  return out;
}

}  // namespace lj
