// ServerContext: the engine's subsystems as the network layer sees them. Owned by the app;
// every member outlives the server. Thread-safety: each member documents its own; the atomics
// here are updated by sessions on any io thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

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
  int threads = 2;
  size_t max_body_bytes = 32 << 20;        // HTTP request bodies (line protocol batches)
  size_t max_ws_message_bytes = 16 << 20;  // one WebSocket message
  int header_timeout_s = 30;               // slow-loris guard: whole request header within this
  size_t max_connections_per_ip = 256;     // HTTP + WebSocket connections per address; 0 = any
  size_t client_queue_bytes = 8 << 20;     // per-viewer send queue (see websocket.md)
  int socket_send_buffer_bytes = 0;        // per-viewer kernel send buffer; 0 = kernel default
  double slow_client_timeout_s = 15;
  ingest::LineProtocolOptions line_protocol;
  ingest::Limits limits;
  live::ClientOptions client;
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
  history::HistoryStore* history = nullptr;       // null when history is disabled
  clinical::ClinicalService* clinical = nullptr;  // null when the clinical layer is off
  fhir::FhirService* fhir = nullptr;              // null when FHIR is off (doc/protocols/fhir.md)
  live::PresenceService* presence = nullptr;      // null: `presence`/`pose` ops are unsupported

  // Access control of the HTTP routes (access.h); null: [auth] enabled = false, no enforcement.
  AccessControl* access = nullptr;
};

}  // namespace lj::server
