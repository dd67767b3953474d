#include "model/internal/syntax.h"
#include "model/model.h"

#include <fmt/format.h>

namespace lj::model::internal {
namespace {

bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAlnum(char c) { return IsAlpha(c) || IsDigit(c); }

// Keeps messages short: long or binary input is cut and non-printable bytes are escaped.
std::string Cut(std::string_view s) {
  constexpr size_t kMax = 80;
  std::string out;
  for (size_t i = 0; i < s.size() && i < kMax; ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c == 0x7f) {
      out += fmt::format("\\x{:02x}", c);
    } else {
      out += static_cast<char>(c);
    }
  }
  if (s.size() > kMax) out += "...";
  return out;
}

// "" when `seg` is a valid DTMI path segment; system segments (leading '_') are refused.
std::string SegmentProblem(std::string_view seg) {
  if (seg.empty()) return "empty path segment";
  for (char c : seg) {
    if (!IsAlnum(c) && c != '_') {
      return fmt::format("segment '{}' may contain only letters, digits and '_'", Cut(seg));
    }
  }
  if (IsDigit(seg.front())) return fmt::format("segment '{}' starts with a digit", Cut(seg));
  if (seg.back() == '_') return fmt::format("segment '{}' ends with '_'", Cut(seg));
  if (seg.front() == '_') {
    return fmt::format("system segment '{}' is not allowed in models", Cut(seg));
  }
  return "";
}

// A version part: 1..max_digits digits, no leading zero.
bool IsVersionPart(std::string_view p, size_t max_digits) {
  if (p.empty() || p.size() > max_digits || p.front() == '0') return false;
  for (char c : p) {
    if (!IsDigit(c)) return false;
  }
  return true;
}

}  // namespace

Status ModelError(ErrorCode code, std::string_view file, std::string_view pointer,
                  std::string_view reason) {
  return Status(code, fmt::format("{}: {}: {}", file, pointer.empty() ? "/" : pointer, reason));
}

std::string Child(std::string_view base, std::string_view key) {
  return std::string(base) + '/' + JsonPointerToken(key);
}

std::string Child(std::string_view base, size_t index) { return fmt::format("{}/{}", base, index); }

std::string_view JsonTypeName(const json& v) {
  switch (v.type()) {
    case json::value_t::null:
      return "null";
    case json::value_t::boolean:
      return "boolean";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
      return "integer";
    case json::value_t::number_float:
      return "number";
    case json::value_t::string:
      return "string";
    case json::value_t::array:
      return "array";
    case json::value_t::object:
      return "object";
    default:
      return "value";
  }
}

std::string DtmiProblem(std::string_view s, size_t max_length) {
  auto bad = [&](std::string_view why) {
    return fmt::format("invalid DTMI '{}': {}", Cut(s), why);
  };
  if (s.size() > max_length) return bad(fmt::format("longer than {} characters", max_length));
  constexpr std::string_view kScheme = "dtmi:";
  if (s.substr(0, kScheme.size()) != kScheme) return bad("missing 'dtmi:' scheme");
  std::string_view rest = s.substr(kScheme.size());
  if (rest.find('#') != std::string_view::npos) return bad("fragments are not allowed");
  std::string_view path = rest;
  size_t semi = rest.find(';');
  if (semi != std::string_view::npos) {
    path = rest.substr(0, semi);
    std::string_view version = rest.substr(semi + 1);
    size_t dot = version.find('.');
    bool ok = dot == std::string_view::npos ? IsVersionPart(version, 9)
                                            : IsVersionPart(version.substr(0, dot), 9) &&
                                                  IsVersionPart(version.substr(dot + 1), 6);
    if (!ok) {
      return bad(fmt::format(
          "version '{}' must be 1 to 9 digits with an optional .minor of 1 to 6 digits, "
          "without leading zeros",
          Cut(version)));
    }
  }
  size_t start = 0;
  while (true) {
    size_t colon = path.find(':', start);
    std::string_view seg =
        path.substr(start, colon == std::string_view::npos ? path.npos : colon - start);
    std::string why = SegmentProblem(seg);
    if (!why.empty()) return bad(why);
    if (colon == std::string_view::npos) break;
    start = colon + 1;
  }
  return "";
}

bool IsReservedDtmi(std::string_view s) {
  return s.substr(0, 10) == "dtmi:dtdl:" || s.substr(0, 14) == "dtmi:standard:";
}

bool IsValidName(std::string_view s) {
  if (s.empty() || s.size() > kMaxNameLength || !IsAlpha(s.front())) return false;
  for (char c : s) {
    if (!IsAlnum(c) && c != '_') return false;
  }
  return s.back() != '_';
}

std::string InvalidNameReason(std::string_view s) {
  return fmt::format(
      "invalid name '{}': must start with a letter, contain only letters, digits and '_', "
      "not end with '_', and be at most {} characters",
      Cut(s), kMaxNameLength);
}

Status ReadName(const json& el, std::string_view file, const std::string& pointer,
                std::string* out) {
  auto it = el.find("name");
  if (it == el.end()) return Invalid(file, pointer, "missing required property 'name'");
  std::string p = Child(pointer, "name");
  if (!it->is_string()) {
    return Invalid(file, p, fmt::format("expected a string, got {}", JsonTypeName(*it)));
  }
  const std::string& name = it->get_ref<const std::string&>();
  if (!IsValidName(name)) return Invalid(file, p, InvalidNameReason(name));
  *out = name;
  return Status::Ok();
}

Status ReadElementId(const json& el, std::string_view file, const std::string& pointer,
                     std::vector<Ref>* ids, std::string* out) {
  auto it = el.find("@id");
  if (it == el.end()) return Status::Ok();
  std::string p = Child(pointer, "@id");
  if (!it->is_string()) {
    return Invalid(file, p, fmt::format("expected a DTMI string, got {}", JsonTypeName(*it)));
  }
  const std::string& id = it->get_ref<const std::string&>();
  if (std::string why = DtmiProblem(id, kMaxElementIdLength); !why.empty()) {
    return Invalid(file, p, why);
  }
  if (IsReservedDtmi(id)) {
    return Invalid(file, p, fmt::format("'{}' is in a namespace reserved by DTDL", Cut(id)));
  }
  ids->push_back(Ref{id, p});
  *out = id;
  return Status::Ok();
}

Status ParseLocalizable(const json& v, std::string_view file, const std::string& pointer,
                        std::string* out) {
  auto check_text = [&](const json& t, const std::string& p) -> Status {
    if (!t.is_string()) {
      return Invalid(file, p, fmt::format("expected a string, got {}", JsonTypeName(t)));
    }
    if (t.get_ref<const std::string&>().size() > kMaxTextLength) {
      return Invalid(file, p, fmt::format("longer than {} characters", kMaxTextLength));
    }
    return Status::Ok();
  };
  if (v.is_string()) {
    LJ_RETURN_IF_ERROR(check_text(v, pointer));
    *out = v.get<std::string>();
    return Status::Ok();
  }
  if (!v.is_object()) {
    return Invalid(file, pointer,
                   fmt::format("expected a string or a language map, got {}", JsonTypeName(v)));
  }
  out->clear();
  bool have_english = false;
  for (const auto& [lang, text] : v.items()) {
    std::string p = Child(pointer, lang);
    // A BCP 47 tag, loosely: alphanumeric subtags of 1..8 characters joined by '-'.
    bool tag_ok = !lang.empty() && IsAlpha(lang.front()) && lang.back() != '-';
    size_t run = 0;
    for (char c : lang) {
      run = c == '-' ? 0 : run + 1;
      if ((!IsAlnum(c) && c != '-') || run > 8) tag_ok = false;
    }
    if (!tag_ok || lang.find("--") != std::string::npos) {
      return Invalid(file, p, fmt::format("invalid language tag '{}'", Cut(lang)));
    }
    LJ_RETURN_IF_ERROR(check_text(text, p));
    if (lang == "en" || lang.rfind("en-", 0) == 0) {
      if (!have_english) *out = text.get<std::string>();
      have_english = true;
    } else if (!have_english && out->empty()) {
      *out = text.get<std::string>();
    }
  }
  return Status::Ok();
}

std::string Preview(const json& v) {
  if (v.is_string()) return fmt::format("'{}'", Cut(v.get_ref<const std::string&>()));
  if (v.is_primitive()) return Cut(v.dump());
  return std::string(JsonTypeName(v));
}

}  // namespace lj::model::internal

namespace lj::model {

std::string JsonPointerToken(std::string_view key) {
  std::string out;
  out.reserve(key.size());
  for (char c : key) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace lj::model
