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
// Parses RFC 3339 ("2026-11-23T10:00:00.123Z", "+01:00" offsets); nullopt when malformed or
// outside the years 1678..2261 that int64 nanoseconds can hold.
std::optional<int64_t> ParseRfc3339Ns(std::string_view s);
// Formats as RFC 3339 UTC with millisecond precision.
std::string FormatRfc3339(int64_t ns);

}  // namespace lj
