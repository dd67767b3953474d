#include "mqtt/topic_mapping.h"

#include <algorithm>
#include <cstdint>

#include <fmt/format.h>

namespace lj::mqtt {
namespace {

// Iterates the '/'-separated levels of a topic or filter ("" has one empty level).
class Levels {
 public:
  explicit Levels(std::string_view s) : s_(s) {}
  bool Next(std::string_view* level) {
    if (done_) return false;
    size_t end = s_.find('/', pos_);
    if (end == std::string_view::npos) {
      *level = s_.substr(pos_);
      done_ = true;
    } else {
      *level = s_.substr(pos_, end - pos_);
      pos_ = end + 1;
    }
    return true;
  }

 private:
  std::string_view s_;
  size_t pos_ = 0;
  bool done_ = false;
};

size_t CountLevels(std::string_view s) { return std::count(s.begin(), s.end(), '/') + 1; }

bool StartsWithWildcard(std::string_view filter) {
  return !filter.empty() && (filter[0] == '+' || filter[0] == '#');
}

// If tmpl[i] starts a "{N}" reference, stores N (saturated at UINT32_MAX) and the index just past
// the "}" and returns true.
bool ScanRef(std::string_view tmpl, size_t i, uint64_t* n, size_t* end) {
  if (tmpl[i] != '{') return false;
  size_t j = i + 1;
  uint64_t v = 0;
  while (j < tmpl.size() && tmpl[j] >= '0' && tmpl[j] <= '9') {
    v = std::min<uint64_t>(v * 10 + static_cast<uint64_t>(tmpl[j] - '0'), UINT32_MAX);
    ++j;
  }
  if (j == i + 1 || j >= tmpl.size() || tmpl[j] != '}') return false;
  *n = v;
  *end = j + 1;
  return true;
}

}  // namespace

std::vector<Mapping> DefaultMappings() {
  return {
      {"lingjing/twins/+/telemetry", "{3}", "", PayloadFormat::kJsonObject},
      {"lingjing/twins/+/telemetry/+", "{3}", "{5}", PayloadFormat::kValue},
      {"lingjing/line", "", "", PayloadFormat::kLineProtocol},
      {"lingjing/batch", "", "", PayloadFormat::kJsonBatch},
      {"lingjing/devices/+/twins/+/telemetry", "{5}", "", PayloadFormat::kJsonObject, "{3}"},
      {"lingjing/devices/+/twins/+/telemetry/+", "{5}", "{7}", PayloadFormat::kValue, "{3}"},
      {"lingjing/devices/+/line", "", "", PayloadFormat::kLineProtocol, "{3}"},
      {"lingjing/devices/+/batch", "", "", PayloadFormat::kJsonBatch, "{3}"},
  };
}

bool ParsePayloadFormat(std::string_view s, PayloadFormat* out) {
  if (s == "json") {
    *out = PayloadFormat::kJsonObject;
  } else if (s == "value") {
    *out = PayloadFormat::kValue;
  } else if (s == "line") {
    *out = PayloadFormat::kLineProtocol;
  } else if (s == "batch") {
    *out = PayloadFormat::kJsonBatch;
  } else {
    return false;
  }
  return true;
}

std::string_view PayloadFormatName(PayloadFormat f) {
  switch (f) {
    case PayloadFormat::kJsonObject:
      return "json";
    case PayloadFormat::kValue:
      return "value";
    case PayloadFormat::kLineProtocol:
      return "line";
    case PayloadFormat::kJsonBatch:
      return "batch";
  }
  return "unknown";
}

bool TopicMatches(std::string_view filter, std::string_view topic) {
  if (!internal::ValidTopicFilter(filter) || !internal::ValidPublishTopic(topic)) return false;
  // MQTT 3.1.1 §4.7.2: wildcards at the first level do not match topics starting with '$'.
  if (topic[0] == '$' && StartsWithWildcard(filter)) return false;
  Levels f(filter), t(topic);
  std::string_view fl, tl;
  while (f.Next(&fl)) {
    if (fl == "#") return true;  // also matches the parent level: "a/#" matches "a"
    if (!t.Next(&tl)) return false;
    if (fl != "+" && fl != tl) return false;
  }
  return !t.Next(&tl);
}

bool ExpandTemplate(std::string_view tmpl, std::string_view topic, std::string* out) {
  out->clear();
  size_t levels = 0;  // computed lazily
  for (size_t i = 0; i < tmpl.size();) {
    uint64_t n = 0;
    size_t end = 0;
    if (!ScanRef(tmpl, i, &n, &end)) {
      out->push_back(tmpl[i++]);
      continue;
    }
    if (levels == 0) levels = CountLevels(topic);
    if (n < 1 || n > levels) return false;
    Levels t(topic);
    std::string_view level;
    for (uint64_t k = 0; k < n; ++k) t.Next(&level);
    out->append(level);
    i = end;
  }
  return true;
}

namespace internal {

bool ValidTopicFilter(std::string_view filter) {
  if (filter.empty() || filter.size() > 65535) return false;
  if (filter.find('\0') != std::string_view::npos) return false;
  Levels f(filter);
  std::string_view level;
  bool last_was_hash = false;
  while (f.Next(&level)) {
    if (last_was_hash) return false;  // "#" must be the last level
    if (level == "#") {
      last_was_hash = true;
    } else if (level != "+" && level.find_first_of("+#") != std::string_view::npos) {
      return false;
    }
  }
  return true;
}

bool ValidPublishTopic(std::string_view topic) {
  return !topic.empty() && topic.size() <= 65535 &&
         topic.find_first_of(std::string_view("+#\0", 3)) == std::string_view::npos;
}

bool FilterCovers(std::string_view outer, std::string_view inner) {
  if (!ValidTopicFilter(outer) || !ValidTopicFilter(inner)) return false;
  // `inner` may match "$..." topics that a wildcard-first `outer` never matches.
  if (StartsWithWildcard(outer) && !StartsWithWildcard(inner) && inner[0] == '$') return false;
  Levels o(outer), i(inner);
  std::string_view ol, il;
  while (o.Next(&ol)) {
    if (ol == "#") return true;
    if (!i.Next(&il)) return false;  // inner matches a shorter topic than outer accepts
    if (il == "#") return false;     // inner matches any depth, outer a fixed one
    if (ol == "+") continue;         // covers a literal level and "+"
    if (il == "+" || ol != il) return false;
  }
  return !i.Next(&il);
}

std::vector<std::string> SubscriptionFilters(const std::vector<Mapping>& mappings) {
  std::vector<std::string> distinct;
  for (const Mapping& m : mappings) {
    if (std::find(distinct.begin(), distinct.end(), m.topic) == distinct.end()) {
      distinct.push_back(m.topic);
    }
  }
  std::vector<std::string> out;
  for (size_t i = 0; i < distinct.size(); ++i) {
    bool covered = false;
    for (size_t j = 0; j < distinct.size() && !covered; ++j) {
      // Equal coverage (impossible for distinct valid filters, but be safe): keep the first.
      covered = j != i && FilterCovers(distinct[j], distinct[i]) &&
                (!FilterCovers(distinct[i], distinct[j]) || j < i);
    }
    if (!covered) out.push_back(distinct[i]);
  }
  return out;
}

Status ValidateTemplate(std::string_view tmpl, std::string_view filter, std::string_view what) {
  const bool open_ended = !filter.empty() && filter.back() == '#';
  const size_t levels = CountLevels(filter);
  for (size_t i = 0; i < tmpl.size();) {
    uint64_t n = 0;
    size_t end = 0;
    if (!ScanRef(tmpl, i, &n, &end)) {
      ++i;
      continue;
    }
    if (n < 1) {
      return Status(ErrorCode::kInvalidArgument,
                    fmt::format("{}: topic levels are numbered from 1, got {{0}}", what));
    }
    // With a trailing '#', the last filter level may stand for zero levels, so only
    // levels before it are guaranteed to exist; deeper references are checked per message.
    if (!open_ended && n > levels) {
      return Status(ErrorCode::kInvalidArgument,
                    fmt::format("{}: {{{}}} is beyond the {} levels of topic filter '{}'", what, n,
                                levels, filter));
    }
    i = end;
  }
  return Status::Ok();
}

}  // namespace internal

Status ValidateConfig(const Config& c) {
  auto invalid = [](std::string msg) {
    return Status(ErrorCode::kInvalidArgument, std::move(msg));
  };
  if (c.host.empty()) return invalid("mqtt.host must not be empty");
  if (c.port < 1 || c.port > 65535) {
    return invalid(fmt::format("mqtt.port must be 1..65535, got {}", c.port));
  }
  if (c.qos < 0 || c.qos > 2)
    return invalid(fmt::format("mqtt.qos must be 0, 1 or 2, got {}", c.qos));
  if (c.keepalive_s < 5 || c.keepalive_s > 65535) {
    return invalid(fmt::format("mqtt.keepalive_s must be 5..65535, got {}", c.keepalive_s));
  }
  if (!c.clean_session && c.client_id.empty()) {
    return invalid("mqtt.client_id is required when clean_session is false");
  }
  if (c.tls && c.tls_ca_file.empty())
    return invalid("mqtt.tls_ca_file is required with mqtt.tls (the CA that signed the broker)");
  if (c.tls_cert_file.empty() != c.tls_key_file.empty())
    return invalid("mqtt.tls_cert_file and mqtt.tls_key_file go together");
  if (c.username.empty() && !c.password.empty()) {
    return invalid("mqtt.password is set without mqtt.username");
  }
  if (!c.reject_topic.empty() && !internal::ValidPublishTopic(c.reject_topic)) {
    return invalid(fmt::format("mqtt.reject_topic '{}' must not contain + or #", c.reject_topic));
  }
  const std::vector<Mapping> defaults =
      c.mappings.empty() ? DefaultMappings() : std::vector<Mapping>{};
  const std::vector<Mapping>& mappings = c.mappings.empty() ? defaults : c.mappings;
  for (size_t i = 0; i < mappings.size(); ++i) {
    const Mapping& m = mappings[i];
    const std::string where = fmt::format("mqtt.mapping[{}] ('{}')", i, m.topic);
    if (!internal::ValidTopicFilter(m.topic)) {
      return invalid(where +
                     ": topic is not a valid MQTT filter ('+' and '#' must be whole "
                     "levels, '#' only last)");
    }
    const bool needs_twin =
        m.payload == PayloadFormat::kJsonObject || m.payload == PayloadFormat::kValue;
    if (needs_twin && m.twin.empty()) {
      return invalid(where + ": twin is required for payload \"" +
                     std::string(PayloadFormatName(m.payload)) + "\"");
    }
    if (m.payload == PayloadFormat::kValue && m.telemetry.empty()) {
      return invalid(where + ": telemetry is required for payload \"value\"");
    }
    LJ_RETURN_IF_ERROR(internal::ValidateTemplate(m.twin, m.topic, where + " twin"));
    LJ_RETURN_IF_ERROR(internal::ValidateTemplate(m.telemetry, m.topic, where + " telemetry"));
    LJ_RETURN_IF_ERROR(internal::ValidateTemplate(m.identity, m.topic, where + " identity"));
  }
  return Status::Ok();
}

}  // namespace lj::mqtt
