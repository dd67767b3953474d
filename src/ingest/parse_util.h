// Internal helpers shared by the ingest parsers (not part of the public contract).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace lj::ingest::internal {

// A short, printable excerpt of untrusted input for an error message: at most `max` bytes
// (cut on a UTF-8 boundary, "..." appended), control bytes and invalid UTF-8 replaced by '?',
// so messages are always safe to embed in JSON responses.
inline std::string Snippet(std::string_view s, size_t max = 64) {
  std::string out;
  out.reserve(s.size() < max ? s.size() : max + 3);
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    size_t len = c < 0x80           ? 1
                 : (c >> 5) == 0x6  ? 2
                 : (c >> 4) == 0xE  ? 3
                 : (c >> 3) == 0x1E ? 4
                                    : 0;
    bool valid = len > 0 && i + len <= s.size();
    for (size_t k = 1; valid && k < len; ++k) {
      valid = (static_cast<unsigned char>(s[i + k]) & 0xC0) == 0x80;
    }
    if (!valid) len = 1;
    if (out.size() + len > max) {
      out += "...";
      break;
    }
    if (!valid || (len == 1 && (c < 0x20 || c == 0x7F))) {
      out += '?';
    } else {
      out.append(s.data() + i, len);
    }
    i += len;
  }
  return out;
}

// Checked `v * factor`; false on int64 overflow.
inline bool MulOverflows(int64_t v, int64_t factor, int64_t* out) {
  return __builtin_mul_overflow(v, factor, out);
}

}  // namespace lj::ingest::internal
