#include "live/presence.h"

#include <fmt/format.h>

#include <cctype>
#include <cmath>
#include <numbers>
#include <random>

#include "common/log.h"
#include "common/time.h"
#include "ingest/sample.h"

namespace lj::live {
namespace {

using nlohmann::json;

// Avatar colours, distinct from the alarm-priority colours (green, cyan, amber, red).
constexpr const char* kPalette[] = {"#a78bfa", "#f472b6", "#2dd4bf", "#a3e635",
                                    "#fb923c", "#818cf8", "#e879f9", "#facc15"};
constexpr const char* kPoseFields[] = {"x", "y", "z", "heading", "pitch"};

Status Invalid(std::string msg) { return Status(ErrorCode::kInvalidArgument, std::move(msg)); }

bool HasControlChar(std::string_view s) {
  for (unsigned char c : s)
    if (c < 0x20 || c == 0x7f) return true;
  return false;
}

std::string Trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && (s[b] == ' ' || s[b] == '\t')) ++b;
  while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t')) --e;
  return std::string(s.substr(b, e - b));
}

bool IsHexColour(std::string_view s) {
  if (s.size() != 7 || s[0] != '#') return false;
  for (char c : s.substr(1))
    if (!std::isxdigit(static_cast<unsigned char>(c))) return false;
  return true;
}

// A string field of at most `max` bytes without control characters.
Result<std::string> IdField(const json& v, std::string_view name, size_t max) {
  if (!v.is_string()) return Invalid(fmt::format("'{}' must be a string", name));
  const std::string& s = v.get_ref<const std::string&>();
  if (s.size() > max)
    return Invalid(fmt::format("'{}' is {} bytes; at most {}", name, s.size(), max));
  if (HasControlChar(s)) return Invalid(fmt::format("'{}' contains control characters", name));
  return s;
}

}  // namespace

// ---- PresenceService ----

PresenceService::PresenceService(graph::TwinGraph& graph, ingest::IngestSink& sink,
                                 metrics::Registry& metrics, PresenceOptions options)
    : graph_(graph),
      sink_(sink),
      metrics_(metrics),
      options_(std::move(options)),
      poses_(metrics.GetCounter("lj_presence_poses_total",
                                "Viewer poses accepted as presence telemetry.")),
      active_(metrics.GetGauge("lj_presence_viewers", "Viewers with a presence twin.")) {}

PresenceService::~PresenceService() = default;

Result<std::unique_ptr<PresenceService>> PresenceService::Open(graph::TwinGraph& graph,
                                                               ingest::IngestSink& sink,
                                                               metrics::Registry& metrics,
                                                               PresenceOptions options) {
  std::unique_ptr<PresenceService> s(new PresenceService(graph, sink, metrics, std::move(options)));
  LJ_RETURN_IF_ERROR(s->RemoveStale());
  return s;
}

Status PresenceService::RemoveStale() {
  Result<std::vector<graph::Twin>> twins = graph_.ListTwins(options_.model, true);
  if (!twins.ok()) return twins.status();
  for (const graph::Twin& t : *twins) {
    LJ_RETURN_IF_ERROR(DeleteTwin(t.id));
    ++stale_removed_;
  }
  if (stale_removed_ > 0)
    LJ_LOG_INFO("presence: removed twins of viewers of an earlier run", "twins", stale_removed_);
  return Status::Ok();
}

Status PresenceService::DeleteTwin(const std::string& id) {
  Status s = graph_.DeleteTwin(id);
  if (s.code() == ErrorCode::kTwinHasRelationships) {
    // Presence twins declare no relationships, but another model's untyped relationship may
    // point at one: drop those so the twin can go.
    if (auto in = graph_.IncomingRelationships(id); in.ok())
      for (const graph::Relationship& r : *in)
        graph_.DeleteRelationship(r.source, r.id).IgnoreError();  // retried by DeleteTwin below
    s = graph_.DeleteTwin(id);
  }
  if (s.code() == ErrorCode::kNotFound) return Status::Ok();  // already gone (REST delete)
  return s;
}

std::string PresenceService::NewTwinId() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return fmt::format("presence-{:016x}", rng());
}

metrics::Counter& PresenceService::Rejected(ErrorCode code) {
  return metrics_.GetCounter("lj_presence_rejected_total",
                             "Presence and pose requests rejected, by reason.",
                             {{"reason", std::string(ErrorCodeName(code))}});
}

std::unique_ptr<PresenceSession> PresenceService::NewSession(std::string label) {
  label = Trim(label);
  if (label.size() > options_.max_label_bytes || HasControlChar(label)) label.clear();
  return std::unique_ptr<PresenceSession>(new PresenceSession(*this, std::move(label)));
}

// ---- PresenceSession ----

PresenceSession::~PresenceSession() {
  if (twin_id_.empty()) return;
  Status s = service_.DeleteTwin(twin_id_);
  if (!s.ok())
    LJ_LOG_WARN("presence: cannot delete a closed session's twin", "twin", twin_id_, "error",
                s.ToString());
  service_.active_.Set(static_cast<double>(service_.active_count_.fetch_sub(1) - 1));
}

Status PresenceSession::Reject(Status s) {
  service_.Rejected(s.code()).Inc();
  return s;
}

Result<json> PresenceSession::Update(const json& msg) {
  const PresenceOptions& o = service_.options_;
  if (!msg.is_object()) return Reject(Invalid("'presence' must be a JSON object"));
  json props = json::object();
  for (const auto& [key, v] : msg.items()) {
    if (key == "op" || key == "seq") continue;
    if (key == "label") {
      if (!v.is_string()) return Reject(Invalid("'label' must be a string"));
      std::string label = Trim(v.get_ref<const std::string&>());
      if (label.empty() || label.size() > o.max_label_bytes)
        return Reject(Invalid(fmt::format("'label' must be 1..{} bytes (after trimming), got {}",
                                          o.max_label_bytes, label.size())));
      if (HasControlChar(label)) return Reject(Invalid("'label' contains control characters"));
      props["label"] = std::move(label);
    } else if (key == "color") {
      if (!v.is_string() || !IsHexColour(v.get_ref<const std::string&>()))
        return Reject(Invalid("'color' must be a string '#rrggbb'"));
      props["color"] = v;
    } else if (key == "leading") {
      if (!v.is_boolean()) return Reject(Invalid("'leading' must be a boolean"));
      props["leading"] = v;
    } else if (key == "scene" || key == "following" || key == "focusPatient") {
      Result<std::string> s = IdField(v, key, o.max_id_bytes);
      if (!s.ok()) return Reject(s.status());
      if (!s->empty() && key != "scene") {
        Result<graph::Twin> t = service_.graph_.GetTwin(*s);
        if (!t.ok())
          return Reject(Status(ErrorCode::kNotFound, fmt::format("'{}': no twin '{}'", key, *s)));
        if (key == "following" && (t->model != o.model || *s == twin_id_))
          return Reject(
              Invalid(fmt::format("'following': '{}' is not another viewer's presence twin", *s)));
      }
      props[key] = std::move(s).value();
    } else {
      return Reject(Invalid(fmt::format(
          "unknown field '{}' (presence has label, color, scene, leading, following, focusPatient)",
          key)));
    }
  }
  if (!twin_id_.empty()) {
    if (props.empty()) {
      Result<graph::Twin> t = service_.graph_.GetTwin(twin_id_);
      if (t.ok()) return t->properties;
      if (t.status().code() != ErrorCode::kNotFound) return Reject(t.status());
    } else {
      json patch = json::array();
      for (const auto& [k, v] : props.items())
        patch.push_back({{"op", "add"}, {"path", "/" + k}, {"value", v}});
      Result<graph::Twin> t = service_.graph_.PatchTwin(twin_id_, patch);
      if (t.ok()) return t->properties;
      if (t.status().code() != ErrorCode::kNotFound) return Reject(t.status());
    }
    // The twin was deleted behind the session's back (REST): announce it again.
    twin_id_.clear();
    service_.active_.Set(static_cast<double>(service_.active_count_.fetch_sub(1) - 1));
  }
  const std::string id = service_.NewTwinId();
  json full = {{"label", default_label_.empty() ? fmt::format("Guest {}", id.substr(id.size() - 4))
                                                : default_label_},
               {"color", kPalette[std::hash<std::string>{}(id) % std::size(kPalette)]},
               {"scene", ""},
               {"leading", false},
               {"following", ""},
               {"focusPatient", ""},
               {"connectedAt", FormatRfc3339(NowNs())}};
  for (const auto& [k, v] : props.items()) full[k] = v;
  Result<graph::Twin> t = service_.graph_.PutTwin(id, o.model, full, /*if_none_match=*/true);
  if (!t.ok()) {
    return Reject(Status(t.status().code() == ErrorCode::kAlreadyExists ? ErrorCode::kInternal
                                                                        : ErrorCode::kUnsupported,
                         fmt::format("presence unavailable: {}", t.status().message())));
  }
  twin_id_ = id;
  service_.active_.Set(static_cast<double>(service_.active_count_.fetch_add(1) + 1));
  return t->properties;
}

Status PresenceSession::Pose(const json& msg, int64_t mono_ns, int64_t t_ns) {
  const PresenceOptions& o = service_.options_;
  if (twin_id_.empty())
    return Reject(Invalid("no presence twin for this connection: send a 'presence' op first"));
  if (!msg.is_object()) return Reject(Invalid("'pose' must be a JSON object"));
  double v[std::size(kPoseFields)];
  for (const auto& [key, val] : msg.items()) {
    if (key == "op" || key == "seq") continue;
    bool known = false;
    for (const char* f : kPoseFields) known = known || key == f;
    if (!known)
      return Reject(
          Invalid(fmt::format("unknown field '{}' (pose has x, y, z, heading, pitch)", key)));
  }
  for (size_t i = 0; i < std::size(kPoseFields); ++i) {
    const char* f = kPoseFields[i];
    auto it = msg.find(f);
    if (it == msg.end() || !it->is_number())
      return Reject(Invalid(fmt::format("'{}' must be a number", f)));
    v[i] = it->get<double>();
    if (!std::isfinite(v[i])) return Reject(Invalid(fmt::format("'{}' is not finite", f)));
  }
  for (size_t i = 0; i < 3; ++i)
    if (std::fabs(v[i]) > o.max_abs_coordinate)
      return Reject(Invalid(
          fmt::format("'{}' = {} is beyond ±{} m", kPoseFields[i], v[i], o.max_abs_coordinate)));
  constexpr double kPi = std::numbers::pi;
  if (std::fabs(v[4]) > kPi / 2 + 1e-9)
    return Reject(Invalid(fmt::format("'pitch' = {} is outside -pi/2..pi/2", v[4])));
  v[3] = std::remainder(v[3], 2 * kPi);  // heading into -pi..pi

  // Token bucket: max_pose_hz sustained, pose_burst back to back.
  if (!bucket_started_) {
    bucket_started_ = true;
    tokens_ = o.pose_burst;
  } else {
    tokens_ = std::min(o.pose_burst,
                       tokens_ + static_cast<double>(mono_ns - tokens_at_) * 1e-9 * o.max_pose_hz);
  }
  tokens_at_ = mono_ns;
  if (tokens_ < 1) {
    return Reject(Status(ErrorCode::kRateLimited,
                         fmt::format("pose rate above {} Hz; send at most one pose per {} ms",
                                     o.max_pose_hz, static_cast<int>(1000 / o.max_pose_hz))));
  }
  tokens_ -= 1;

  ingest::ParsedBatch batch;
  for (size_t i = 0; i < std::size(kPoseFields); ++i) {
    ingest::ParsedSample s;
    s.twin = twin_id_;
    s.telemetry = kPoseFields[i];
    s.t_ns = t_ns;
    s.value = ingest::Value::Double(v[i]);
    s.source = static_cast<uint32_t>(i);
    batch.samples.push_back(s);
  }
  ingest::IngestReport r = service_.sink_.Ingest(batch, ingest::Protocol::kPresence);
  if (r.rejected > 0) {
    const ingest::Reject& first = r.rejects.front();
    return Reject(Status(first.code, first.message));
  }
  service_.poses_.Inc();
  return Status::Ok();
}

}  // namespace lj::live
