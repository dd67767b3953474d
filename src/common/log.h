// Structured logging: one logfmt line per event, e.g.
//   ts=2026-11-23T10:00:00.123Z level=info msg="http listening" addr=127.0.0.1:8080
// Usage: LJ_LOG_INFO("http listening", "addr", addr, "port", port);
// Thread-safe (spdlog's multi-threaded sink). Never log secrets or patient values at info level.
#pragma once

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <string>
#include <string_view>

namespace lj::log {

// Configures the global logger: level is trace|debug|info|warn|error; format is "logfmt" or "json".
void Init(std::string_view level, std::string_view format);
bool JsonFormat();

std::string Quote(std::string_view v);  // logfmt/json-safe quoted value

template <typename V>
void AppendKv(std::string& out, std::string_view k, const V& v) {
  std::string sv;
  if constexpr (std::is_arithmetic_v<V>) {
    sv = fmt::format("{}", v);
  } else {
    sv = Quote(fmt::format("{}", v));
  }
  if (JsonFormat()) {
    fmt::format_to(std::back_inserter(out), ",\"{}\":{}", k, sv);
  } else {
    fmt::format_to(std::back_inserter(out), " {}={}", k, sv);
  }
}

inline void AppendAll(std::string&) {}
template <typename V, typename... Rest>
void AppendAll(std::string& out, std::string_view k, const V& v, const Rest&... rest) {
  AppendKv(out, k, v);
  AppendAll(out, rest...);
}

template <typename... KV>
void Write(spdlog::level::level_enum lvl, std::string_view msg, const KV&... kv) {
  if (!spdlog::should_log(lvl)) return;
  std::string line = JsonFormat() ? "\"msg\":" + Quote(msg) : "msg=" + Quote(msg);
  AppendAll(line, kv...);
  spdlog::log(lvl, "{}", line);
}

}  // namespace lj::log

#define LJ_LOG_DEBUG(...) ::lj::log::Write(spdlog::level::debug, __VA_ARGS__)
#define LJ_LOG_INFO(...) ::lj::log::Write(spdlog::level::info, __VA_ARGS__)
#define LJ_LOG_WARN(...) ::lj::log::Write(spdlog::level::warn, __VA_ARGS__)
#define LJ_LOG_ERROR(...) ::lj::log::Write(spdlog::level::err, __VA_ARGS__)
