// ServerContext: the engine's subsystems as the network layer sees them. Owned by the app;
// every member outlives the server. Thread-safety: each member documents its own; the atomics
// here are updated by sessions on any io thread.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

#include "graph/twin_graph.h"
#include "history/history.h"
#include "ingest/ingest_sink.h"
#include "ingest/line_protocol.h"
#include "live/client_state.h"
#include "live/live_state.h"
#include "live/presence.h"
#include "metrics/metrics.h"
#include "model/model.h"

namespace lj::clinical {
class ClinicalService;
}  // namespace lj::clinical

namespace lj::fhir {
class FhirService;
}

namespace lj::server {

struct AccessControl;  // access.h

struct ServerOptions {
  std::string address = "127.0.0.1";
  uint16_t port = 8080;
  bool tls = false;  // every connection is TLS (set with the server's TLS context)
  int threads = 2;
  size_t max_body_bytes = 32 << 20;        // HTTP request bodies (line protocol batches)
  size_t max_ws_message_bytes = 16 << 20;  // one WebSocket message
  int header_timeout_s = 30;               // slow-loris guard: whole request header within this
  size_t max_connections_per_ip = 256;     // HTTP + WebSocket connections per address; 0 = any
  // HTTP + WebSocket connections in all; 0 = what the open-file limit leaves after fd_reserve
  // (the app raises the soft limit to the hard one at start). Beyond it, reserved_connections
  // more serve only /healthz and administrators, one request each, to addresses that hold at
  // most one other connection (not to those that filled the server).
  size_t max_connections = 0;
  size_t reserved_connections = 16;
  size_t fd_reserve = 128;  // descriptors kept for files: history, databases, logs, peers
  size_t client_queue_bytes = 8 << 20;  // per-viewer send queue (see websocket.md)
  int socket_send_buffer_bytes = 0;     // per-viewer kernel send buffer; 0 = kernel default
  double slow_client_timeout_s = 15;
  ingest::LineProtocolOptions line_protocol;
  ingest::Limits limits;
  live::ClientOptions client;
};

// Subscriptions still receiving history, per identity over all its connections: each costs
// store reads and socket time until drained, so one identity cannot open hundreds at once.
class HistoryStreams {
 public:
  bool TryAcquire(const std::string& identity) {
    std::lock_guard lk(mu_);
    size_t& n = open_[identity];
    if (n >= max_per_identity) return false;
    ++n;
    return true;
  }
  void Release(const std::string& identity, size_t n = 1) {
    std::lock_guard lk(mu_);
    auto it = open_.find(identity);
    if (it == open_.end()) return;
    it->second -= std::min(it->second, n);
    if (it->second == 0) open_.erase(it);
  }
  size_t max_per_identity = 32;

 private:
  std::mutex mu_;
  std::unordered_map<std::string, size_t> open_;
};

struct ServerStats {
  std::atomic<int64_t> http_sessions{0};
  std::atomic<int64_t> ws_clients{0};
  std::atomic<int64_t> ws_queue_bytes{0};
};

struct ServerContext {
  const model::ModelRegistry& models;
  graph::TwinGraph& graph;
  live::LiveState& live;
  ingest::IngestSink& ingest;
  live::Resolver& resolver;
  metrics::Registry& metrics;
  live::FanoutMetrics& fanout;
  ServerOptions options;
  ServerStats stats;
  HistoryStreams history_streams;                 // per identity (access control on)
  history::HistoryStore* history = nullptr;       // null when history is disabled
  clinical::ClinicalService* clinical = nullptr;  // null when the clinical layer is off
  fhir::FhirService* fhir = nullptr;              // null when FHIR is off (doc/protocols/fhir.md)
  live::PresenceService* presence = nullptr;      // null: `presence`/`pose` ops are unsupported

  // Access control of the HTTP routes (access.h); null: [auth] enabled = false, no enforcement.
  AccessControl* access = nullptr;
};

}  // namespace lj::server
