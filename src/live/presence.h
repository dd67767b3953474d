// PresenceService: every connected viewer of the live API is a twin. A WebSocket session that
// announces itself (`presence` op) gets an ephemeral twin of the Presence model
// (models/ward/presence.json: label, colour, scene, leading, following, focusPatient as
// properties; x, y, z, heading, pitch as telemetry), which other viewers receive through their
// ordinary subscriptions (snapshot, deltas, `twin` join/leave). See doc/protocols/websocket.md.
//
// Contract:
//   - The engine creates and deletes presence twins, never a client: a PresenceSession creates
//     its twin on its first Update() and deletes it when destroyed (the connection closed).
//     Open() deletes presence twins left by an earlier process (crash, kill).
//   - Pose telemetry of a presence twin comes only from its own session: Pose() ingests with
//     Protocol::kPresence for the session's own twin, and the Pipeline rejects telemetry for
//     presence twins from any other protocol (PipelineOptions::session_models, `forbidden`).
//     Poses are rate-limited per session (token bucket, max_pose_hz) and never reach
//     SampleObservers, so presence stays out of the clinical layer.
//   - Bad input is rejected with a precise Status and counted in
//     lj_presence_rejected_total{reason}; nothing here throws.
// Thread-safety: PresenceService is safe from any thread; a PresenceSession belongs to one
// connection (its strand) and is not thread-safe.
#pragma once

#include <nlohmann/json.hpp>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "common/status.h"
#include "graph/twin_graph.h"
#include "ingest/ingest_sink.h"
#include "metrics/metrics.h"

namespace lj::live {

inline constexpr const char* kPresenceModel = "dtmi:lingjing:ward:Presence;1";

struct PresenceOptions {
  std::string model = kPresenceModel;
  double max_pose_hz = 10;          // sustained poses per second per session
  double pose_burst = 3;            // token-bucket depth (poses accepted back to back)
  double max_abs_coordinate = 1e5;  // metres; |x|, |y|, |z| above this are rejected
  size_t max_label_bytes = 64;
  size_t max_id_bytes = 256;  // scene, following, focusPatient
};

class PresenceService;

class PresenceSession {
 public:
  ~PresenceSession();  // deletes the session's twin, if it was created
  PresenceSession(const PresenceSession&) = delete;
  PresenceSession& operator=(const PresenceSession&) = delete;

  // Applies a `presence` op: {"label", "color", "scene", "leading", "following",
  // "focusPatient"}, all optional ("op", "seq" ignored). The first call creates the twin
  // (label defaults to "Guest xxxx", colour to one derived from the id); later calls patch it.
  // Returns the twin's current properties.
  Result<nlohmann::json> Update(const nlohmann::json& msg);
  // Applies a `pose` op: {"x", "y", "z", "heading", "pitch"} (numbers, all required) as
  // telemetry of the session's twin, timestamped `t_ns` (server time). `mono_ns` drives the
  // rate limit.
  Status Pose(const nlohmann::json& msg, int64_t mono_ns, int64_t t_ns);
  // Empty until the first successful Update().
  const std::string& twin_id() const { return twin_id_; }

 private:
  friend class PresenceService;
  PresenceSession(PresenceService& service, std::string label)
      : service_(service), default_label_(std::move(label)) {}
  Status Reject(Status s);

  PresenceService& service_;
  std::string default_label_;
  std::string twin_id_;
  double tokens_ = 0;  // pose token bucket
  int64_t tokens_at_ = 0;
  bool bucket_started_ = false;
};

class PresenceService {
 public:
  // Deletes presence twins left in the graph by an earlier process. `graph`, `sink` and
  // `metrics` must outlive the service (and the service every session).
  static Result<std::unique_ptr<PresenceService>> Open(graph::TwinGraph& graph,
                                                       ingest::IngestSink& sink,
                                                       metrics::Registry& metrics,
                                                       PresenceOptions options = {});
  ~PresenceService();

  // `label`: the twin's label until the client sends one (e.g. the user's login name); empty
  // means "Guest <id>". It must satisfy the `label` rules (trimmed, 1..max_label_bytes, no
  // control characters); otherwise it is ignored.
  std::unique_ptr<PresenceSession> NewSession(std::string label = "");
  size_t stale_removed() const { return stale_removed_; }
  const PresenceOptions& options() const { return options_; }

 private:
  friend class PresenceSession;
  PresenceService(graph::TwinGraph& graph, ingest::IngestSink& sink, metrics::Registry& metrics,
                  PresenceOptions options);
  Status RemoveStale();
  Status DeleteTwin(const std::string& id);
  std::string NewTwinId();
  metrics::Counter& Rejected(ErrorCode code);

  graph::TwinGraph& graph_;
  ingest::IngestSink& sink_;
  metrics::Registry& metrics_;
  PresenceOptions options_;
  metrics::Counter& poses_;
  metrics::Gauge& active_;
  std::atomic<int64_t> active_count_{0};
  size_t stale_removed_ = 0;
};

}  // namespace lj::live
