#include "common/log.h"

#include <spdlog/sinks/stdout_color_sinks.h>

#include <atomic>

namespace lj::log {
namespace {
std::atomic<bool> g_json{false};
}

bool JsonFormat() { return g_json.load(std::memory_order_relaxed); }

std::string Quote(std::string_view v) {
  bool plain = !v.empty() && !JsonFormat();
  for (char c : v) {
    if (c == ' ' || c == '"' || c == '=' || c == '\\' || static_cast<unsigned char>(c) < 0x20) {
      plain = false;
      break;
    }
  }
  if (plain) return std::string(v);
  std::string out = "\"";
  for (char c : v) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += fmt::format("\\u{:04x}", static_cast<unsigned>(c));
        } else {
          out += c;
        }
    }
  }
  out += '"';
  return out;
}

void Init(std::string_view level, std::string_view format) {
  g_json = (format == "json");
  auto logger = spdlog::stderr_color_mt("lingjing");
  spdlog::set_default_logger(logger);
  if (g_json) {
    spdlog::set_pattern("{\"ts\":\"%Y-%m-%dT%H:%M:%S.%eZ\",\"level\":\"%l\",%v}",
                        spdlog::pattern_time_type::utc);
  } else {
    spdlog::set_pattern("ts=%Y-%m-%dT%H:%M:%S.%eZ level=%l %v", spdlog::pattern_time_type::utc);
  }
  spdlog::set_level(spdlog::level::from_str(std::string(level)));
}

}  // namespace lj::log
