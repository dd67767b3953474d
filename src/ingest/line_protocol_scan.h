// Lexical helpers of the line protocol parser (internal; only line_protocol.cc includes this).
// All functions work on [p, e) ranges of one line and never read outside them.
#pragma once

#include <array>
#include <bit>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <string_view>

namespace lj::ingest::lp {

// Byte classes: which scans stop at a byte. A backslash stops name scans so the escape is
// handled; field values end at ',' or ' ' only.
enum : uint8_t { kStopMeasurement = 1, kStopKey = 2, kStopTagValue = 4, kStopFieldValue = 8 };

constexpr std::array<uint8_t, 256> MakeClasses() {
  std::array<uint8_t, 256> t{};
  t[','] = kStopMeasurement | kStopKey | kStopTagValue | kStopFieldValue;
  t[' '] = kStopMeasurement | kStopKey | kStopTagValue | kStopFieldValue;
  t['='] = kStopKey;
  t['\\'] = kStopMeasurement | kStopKey | kStopTagValue;
  return t;
}
constexpr std::array<uint8_t, 256> kClass = MakeClasses();

inline uint8_t ClassOf(char c) { return kClass[static_cast<unsigned char>(c)]; }

// Scans a measurement, tag key, tag value or field key from p to the first unescaped byte of
// class `stop`. A backslash and the byte after it are skipped together (the escaped byte is never
// a delimiter); *escaped is set so the caller knows an unescaped copy is needed.
inline const char* ScanName(const char* p, const char* e, uint8_t stop, bool* escaped) {
  while (p < e) {
    if (!(ClassOf(*p) & stop)) {
      ++p;
    } else if (*p != '\\') {
      break;
    } else if (p + 1 < e) {
      *escaped = true;
      p += 2;
    } else {
      ++p;  // a trailing backslash is literal
    }
  }
  return p;
}

// Escape sequences: measurement `\,` `\ ` `\\`; tag keys/values and field keys also `\=`.
// A backslash before any other byte is a literal backslash.
inline bool Escapable(char c, bool measurement) {
  return c == ',' || c == ' ' || c == '\\' || (!measurement && c == '=');
}

inline void AppendUnescapedName(const char* b, const char* e, bool measurement, std::string& out) {
  for (const char* p = b; p < e; ++p) {
    if (*p == '\\' && p + 1 < e && Escapable(p[1], measurement)) ++p;
    out += *p;
  }
}

inline bool EqualsUnescapedKey(const char* b, const char* e, std::string_view want) {
  size_t i = 0;
  for (const char* p = b; p < e; ++p, ++i) {
    if (*p == '\\' && p + 1 < e && Escapable(p[1], false)) ++p;
    if (i >= want.size() || want[i] != *p) return false;
  }
  return i == want.size();
}

// p is just after the opening quote. Returns the closing quote, or nullptr when unterminated.
// Only `\"` and `\\` are escapes inside string field values.
inline const char* ScanString(const char* p, const char* e, bool* escaped) {
  const auto* q = static_cast<const char*>(std::memchr(p, '"', e - p));
  if (q && !std::memchr(p, '\\', q - p)) return q;  // fast path: no backslash before the quote
  while (p < e) {
    if (*p == '"') return p;
    if (*p == '\\' && p + 1 < e && (p[1] == '"' || p[1] == '\\')) {
      *escaped = true;
      p += 2;
    } else {
      ++p;
    }
  }
  return nullptr;
}

inline bool ParseBool(std::string_view s, bool* out) {
  if (s == "t" || s == "T" || s == "true" || s == "True" || s == "TRUE") {
    *out = true;
    return true;
  }
  if (s == "f" || s == "F" || s == "false" || s == "False" || s == "FALSE") {
    *out = false;
    return true;
  }
  return false;
}

inline bool EndsValue(const char* q, const char* e) { return q == e || *q == ',' || *q == ' '; }

// Tag keys are short: a byte loop beats a memcmp call.
inline bool ShortEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i] != b[i]) return false;
  }
  return true;
}

// Timestamps are ~19 digits and dominated the profile with std::from_chars, so they are parsed
// 8 digits at a time (SWAR); anything unusual (more than 19 digits) goes to std::from_chars,
// which also defines the result: same ptr/ec semantics.
inline bool EightDigits(const char* p, uint64_t* chunk) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  if (((v & 0xF0F0F0F0F0F0F0F0) | (((v + 0x0606060606060606) & 0xF0F0F0F0F0F0F0F0) >> 4)) !=
      0x3333333333333333) {
    return false;
  }
  v = ((v & 0x0F0F0F0F0F0F0F0F) * 2561) >> 8;  // pairs of digits (little-endian bytes)
  v = ((v & 0x00FF00FF00FF00FF) * 6553601) >> 16;
  *chunk = ((v & 0x0000FFFF0000FFFF) * 42949672960001) >> 32;
  return true;
}

inline std::from_chars_result ParseTimestamp(const char* p, const char* e, int64_t* out) {
  if constexpr (std::endian::native == std::endian::little) {
    const bool neg = p < e && *p == '-';
    const char* d = p + neg;
    uint64_t v = 0, chunk;
    const char* q = d;
    while (e - q >= 8 && q - d <= 8 && EightDigits(q, &chunk)) {
      v = v * 100000000 + chunk;
      q += 8;
    }
    while (q < e && q - d < 19 && static_cast<unsigned>(*q - '0') < 10) v = v * 10 + (*q++ - '0');
    const bool more = q < e && static_cast<unsigned>(*q - '0') < 10;
    if (q > d && !more) {  // 1 to 19 digits: v is exact
      const uint64_t limit = static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) + neg;
      if (v > limit) return {q, std::errc::result_out_of_range};
      *out = neg ? static_cast<int64_t>(0 - v) : static_cast<int64_t>(v);
      return {q, std::errc()};
    }
  }
  return std::from_chars(p, e, *out);
}

}  // namespace lj::ingest::lp
