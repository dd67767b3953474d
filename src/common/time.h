// Time helpers. All engine timestamps are int64 nanoseconds since the Unix epoch (UTC).
// Thread-safe (pure functions).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace lj {

inline int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}
inline int64_t MonoNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}
// later - earlier in nanoseconds as a double, defined for any two timestamps (exact while the
// difference fits in int64; beyond that, within double precision). Timestamps from clients can
// be anywhere in int64: plain subtraction would overflow.
inline double ElapsedNs(int64_t later, int64_t earlier) {
  int64_t d = 0;
  if (!__builtin_sub_overflow(later, earlier, &d)) return static_cast<double>(d);
  return static_cast<double>(later) - static_cast<double>(earlier);
}
// Parses RFC 3339 ("2026-11-23T10:00:00.123Z", "+01:00" offsets); nullopt when malformed or
// outside the years 1678..2261 that int64 nanoseconds can hold.
std::optional<int64_t> ParseRfc3339Ns(std::string_view s);
// Formats as RFC 3339 UTC with millisecond precision.
std::string FormatRfc3339(int64_t ns);

}  // namespace lj
