// Engine: assembles the subsystems in dependency order (models → twin graph → history store →
// live state (seeded from history: latest scalar values, waveform end times) → ingest pipeline
// → HTTP/WebSocket server → MQTT bridge) and tears them down in reverse (Stop() closes the
// history store after the server and the MQTT bridge stopped).
// Thread-safety: Open/Start/Stop from the main thread; the accessors' objects are thread-safe.
#pragma once

#include <memory>

#include "app/config.h"
#include "graph/twin_graph.h"
#include "history/history.h"
#include "ingest/ingest_sink.h"
#include "metrics/metrics.h"
#include "model/model.h"

namespace lj::auth {
class IdentityStore;
}  // namespace lj::auth

namespace lj::live {
class LiveState;
class Pipeline;
}  // namespace lj::live

namespace lj::app {

// Loads built-in and configured models; fails with "<file>: <pointer>: <reason>".
Status LoadModels(const Config& config, model::ModelRegistry& registry);

class Engine {
 public:
  static Result<std::unique_ptr<Engine>> Open(const Config& config);
  ~Engine();
  Status Start();  // starts the server and the MQTT bridge
  void Stop();

  const model::ModelRegistry& models() const;
  graph::TwinGraph& graph();
  ingest::IngestSink& ingest();
  // The pipeline, e.g. to AddObserver() clinical rules or FHIR before Start().
  live::Pipeline& pipeline();
  live::LiveState& live();
  history::HistoryStore* history();  // null when [history] enabled = false
  metrics::Registry& metrics();
  uint16_t port() const;
  uint16_t hl7_port() const;  // 0 when the HL7 listener is off
  // With [auth] enabled: the identities (e.g. for the demo's ready link), else null.
  auth::IdentityStore* identities();
  // The administrator the first start created in this run ("" when users existed already).
  const std::string& bootstrapped_admin() const;

 private:
  struct Impl;
  explicit Engine(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace lj::app
