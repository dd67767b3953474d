#include "app/engine.h"

#include <fmt/format.h>

#include <filesystem>

#include "common/log.h"
#include "live/graph_resolver.h"
#include "live/live_state.h"
#include "live/pipeline.h"
#include "mqtt/mqtt_bridge.h"
#include "server/http_server.h"

namespace lj::app {

Status LoadModels(const Config& config, model::ModelRegistry& registry) {
  if (config.builtin_models) {
    for (const auto& [name, text] : model::BuiltinWardModels())
      LJ_RETURN_IF_ERROR(registry.LoadJson(text, "builtin:" + name));
  }
  for (const std::string& dir : config.model_dirs) LJ_RETURN_IF_ERROR(registry.LoadDirectory(dir));
  return registry.Resolve();
}

struct Engine::Impl {
  Config config;
  model::ModelRegistry models;
  metrics::Registry metrics;
  std::unique_ptr<graph::TwinGraph> graph;
  std::unique_ptr<live::LiveState> live;
  std::unique_ptr<live::Pipeline> pipeline;
  std::unique_ptr<live::GraphResolver> resolver;
  std::unique_ptr<live::FanoutMetrics> fanout;
  std::unique_ptr<server::ServerContext> ctx;
  std::unique_ptr<server::HttpServer> server;
  std::unique_ptr<mqtt::MqttBridge> mqtt;
};

Engine::Engine(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Engine::~Engine() { Stop(); }

Result<std::unique_ptr<Engine>> Engine::Open(const Config& config) {
  auto d = std::make_unique<Impl>();
  d->config = config;
  LJ_RETURN_IF_ERROR(LoadModels(config, d->models));
  std::error_code ec;
  std::filesystem::create_directories(config.data_dir, ec);
  if (ec)
    return Status(ErrorCode::kIo, fmt::format("cannot create data directory '{}': {}",
                                              config.data_dir, ec.message()));
  Result<std::unique_ptr<graph::TwinGraph>> g =
      graph::TwinGraph::Open(config.data_dir + "/twins.db", d->models);
  if (!g.ok()) return g.status();
  d->graph = std::move(g).value();
  d->live = std::make_unique<live::LiveState>(d->models, config.live);
  d->graph->AddListener(d->live.get());
  Result<std::vector<graph::Twin>> twins = d->graph->ListTwins();
  if (!twins.ok()) return twins.status();
  for (const graph::Twin& t : *twins) d->live->OnTwinUpserted(t, true);
  d->pipeline = std::make_unique<live::Pipeline>(*d->live, d->metrics, config.pipeline);
  d->resolver = std::make_unique<live::GraphResolver>(*d->graph);
  d->fanout = std::make_unique<live::FanoutMetrics>(d->metrics);
  d->ctx.reset(new server::ServerContext{d->models,
                                         *d->graph,
                                         *d->live,
                                         *d->pipeline,
                                         *d->resolver,
                                         d->metrics,
                                         *d->fanout,
                                         config.server,
                                         {}});
  auto* ctx = d->ctx.get();
  auto* live = d->live.get();
  metrics::Registry& m = d->metrics;
  metrics::Gauge& clients = m.GetGauge("lj_live_clients", "Connected WebSocket viewers.");
  metrics::Gauge& queue = m.GetGauge("lj_live_queue_bytes", "Bytes queued to all viewers.");
  metrics::Gauge& http = m.GetGauge("lj_http_connections", "Open HTTP connections.");
  metrics::Gauge& ntwins = m.GetGauge("lj_twins", "Twins in the live state.");
  m.AddCollector([=, &clients, &queue, &http, &ntwins] {
    clients.Set(static_cast<double>(ctx->stats.ws_clients.load()));
    queue.Set(static_cast<double>(ctx->stats.ws_queue_bytes.load()));
    http.Set(static_cast<double>(ctx->stats.http_sessions.load()));
    ntwins.Set(static_cast<double>(live->TwinCount()));
  });
  LJ_LOG_INFO("engine opened", "data_dir", config.data_dir, "models", d->models.All().size(),
              "twins", twins->size());
  return std::unique_ptr<Engine>(new Engine(std::move(d)));
}

Status Engine::Start() {
  impl_->server = std::make_unique<server::HttpServer>(*impl_->ctx);
  LJ_RETURN_IF_ERROR(impl_->server->Start());
  if (impl_->config.mqtt.enabled) {
    Result<std::unique_ptr<mqtt::MqttBridge>> b =
        mqtt::MqttBridge::Start(impl_->config.mqtt, *impl_->pipeline, impl_->metrics);
    if (!b.ok()) return b.status();
    impl_->mqtt = std::move(b).value();
  }
  return Status::Ok();
}

void Engine::Stop() {
  if (!impl_) return;
  if (impl_->mqtt) impl_->mqtt->Stop();
  impl_->mqtt.reset();
  if (impl_->server) impl_->server->Stop();
  impl_->server.reset();
}

const model::ModelRegistry& Engine::models() const { return impl_->models; }
graph::TwinGraph& Engine::graph() { return *impl_->graph; }
ingest::IngestSink& Engine::ingest() { return *impl_->pipeline; }
metrics::Registry& Engine::metrics() { return impl_->metrics; }
uint16_t Engine::port() const { return impl_->server ? impl_->server->port() : 0; }

}  // namespace lj::app
