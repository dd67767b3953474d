#include "app/engine.h"

#include <fmt/format.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <thread>

#include <sys/resource.h>

#include "clinical/clinical_service.h"
#include "common/bounded_pool.h"
#include "common/log.h"
#include "common/time.h"
#include "fhir/fhir_service.h"
#include "hl7/mllp_server.h"
#include "live/graph_resolver.h"
#include "live/live_state.h"
#include "live/pipeline.h"
#include "live/presence.h"
#include "mqtt/mqtt_bridge.h"
#include "server/access.h"
#include "server/http_server.h"
#include "server/publisher_access.h"

namespace lj::app {

Status LoadModels(const Config& config, model::ModelRegistry& registry) {
  if (config.builtin_models) {
    for (const auto& [name, text] : model::BuiltinWardModels())
      LJ_RETURN_IF_ERROR(registry.LoadJson(text, "builtin:" + name));
  }
  for (const std::string& dir : config.model_dirs) LJ_RETURN_IF_ERROR(registry.LoadDirectory(dir));
  return registry.Resolve();
}

namespace {

Result<std::unique_ptr<history::HistoryStore>> OpenHistory(const Config& config,
                                                           metrics::Registry& metrics) {
  history::HistoryOptions o;
  o.dir = config.history.dir.empty() ? config.data_dir + "/history" : config.history.dir;
  o.sync = config.history.sync;
  o.sync_interval_ms = config.history.sync_interval_ms;
  o.chunk_cache_bytes = static_cast<size_t>(config.history.query_cache_mb) << 20;
  o.default_retention_s = config.history.retention_s;
  int64_t last_log = 0;
  auto progress = [&last_log](uint64_t done, uint64_t total) {
    const int64_t now = MonoNs();
    if (done < total && now - last_log < 1'000'000'000) return;
    last_log = now;
    LJ_LOG_INFO("history: replaying write-ahead log", "done_bytes", done, "total_bytes", total,
                "percent", total ? done * 100 / total : 100);
  };
  const int64_t t0 = MonoNs();
  Result<std::unique_ptr<history::HistoryStore>> store =
      history::HistoryStore::Open(o, &metrics, progress);
  if (!store.ok()) return store.status();
  history::HistoryStats st = (*store)->Stats();
  LJ_LOG_INFO("history opened", "dir", o.dir, "series", st.series, "segments", st.segments,
              "segment_bytes", st.segment_bytes, "wal_bytes", st.wal_bytes, "ms",
              (MonoNs() - t0) / 1'000'000);
  return store;
}

// Seeds live state from history: each scalar series' latest value, each waveform series' end
// time (so a restarted server shows the last values and rejects overlapping blocks).
void SeedLive(history::HistoryStore& store, live::LiveState& live) {
  size_t seeded = 0;
  for (uint32_t s = 0; s < live.shard_count(); ++s) {
    live.WithShard(s, [&](live::LiveState::TwinMap& twins) {
      for (auto& [id, tw] : twins) {
        for (size_t i = 0; i < tw->series.size(); ++i) {
          const model::Telemetry& tel = tw->model->telemetry[i];
          std::optional<history::SeriesId> hid = store.Find(id, tel.name);
          if (!hid) continue;
          Result<history::SeriesData> d = store.Latest(*hid);
          if (!d.ok() || d->size() == 0) continue;
          live::Series& se = tw->series[i];
          if (d->waveform) {
            const auto& r = d->runs.back();
            se.last_end_ns =
                r.t0_ns + static_cast<int64_t>(static_cast<double>(r.count) * 1e9 / r.rate_hz);
          } else {
            se.t_ns = d->t_ns.back();
            se.version = 1;
            switch (d->type) {
              case history::ValueType::kDouble:
                se.kind = ingest::ValueKind::kDouble;
                se.d = d->f64.back();
                break;
              case history::ValueType::kInt:
                se.kind = ingest::ValueKind::kInt;
                se.i = d->i64.back();
                break;
              case history::ValueType::kBool:
                se.kind = ingest::ValueKind::kBool;
                se.b = d->i64.back() != 0;
                break;
              case history::ValueType::kString:
                se.kind = ingest::ValueKind::kString;
                se.s = d->str.back();
                break;
            }
          }
          ++tw->version;
          ++seeded;
        }
      }
    });
  }
  LJ_LOG_INFO("live state seeded from history", "series", seeded);
}

}  // namespace

struct Engine::Impl {
  Config config;
  model::ModelRegistry models;
  metrics::Registry metrics;
  std::unique_ptr<history::HistoryStore> history;  // outlives the pipeline and the server
  bool history_closed = false;
  std::unique_ptr<graph::TwinGraph> graph;
  std::unique_ptr<live::LiveState> live;
  // Observers and graph listeners outlive the pipeline and are destroyed after the servers stop.
  std::unique_ptr<clinical::ClinicalService> clinical;
  std::unique_ptr<fhir::FhirService> fhir;
  std::unique_ptr<live::Pipeline> pipeline;
  std::unique_ptr<live::GraphResolver> resolver;
  std::unique_ptr<live::PresenceService> presence;  // outlives the server's sessions
  std::unique_ptr<live::FanoutMetrics> fanout;
  std::unique_ptr<server::ServerContext> ctx;
  std::unique_ptr<server::HttpServer> server;
  std::unique_ptr<mqtt::MqttBridge> mqtt;
  std::unique_ptr<hl7::MllpServer> hl7;
  // Access control ([auth], [audit]); the server (stopped first) only borrows them.
  std::unique_ptr<auth::IdentityStore> identities;
  std::unique_ptr<auth::GraphScopeResolver> scopes;
  std::unique_ptr<audit::AuditLog> audit;
  std::unique_ptr<server::AccessControl> access;
  std::unique_ptr<BoundedPool> hashing;  // password checks, off the io threads
  std::unique_ptr<server::PublisherAuthorizer> mqtt_publishers;  // with access control on
  std::unique_ptr<server::PublisherAuthorizer> hl7_publishers;   // with access control on
  std::string bootstrapped_admin;
  // Writes last-used times of tokens and sessions every [auth] usage_flush_s (and at Stop).
  std::thread usage_flusher;
  std::mutex usage_mu;
  std::condition_variable usage_cv;
  bool usage_stop = false;
  void StartUsageFlusher(int every_s);
  void StopUsageFlusher();
  Status OpenAccess(const Config& config);
};

// [auth]/[audit]: auth.db and audit.db in the data directory; the first start creates the admin
// and prints its one-time password to stdout (never to the log).
Status Engine::Impl::OpenAccess(const Config& config) {
  Engine::Impl& d = *this;
  if (!config.auth.enabled) return Status::Ok();  // nothing is enforced, so nothing is audited
  if (config.audit.enabled) {
    audit::AuditOptions ao = AuditOptionsFor(config);
    ao.metrics = &d.metrics;
    Result<std::unique_ptr<audit::AuditLog>> a = audit::AuditLog::Open(ao);
    if (!a.ok()) return a.status();
    d.audit = std::move(a).value();
  }
  if (!d.audit) return Status(ErrorCode::kInvalidArgument, "[auth] enabled needs [audit] enabled");
  Result<std::unique_ptr<auth::IdentityStore>> ids =
      auth::IdentityStore::Open(AuthDbPath(config), config.auth.options);
  if (!ids.ok()) return ids.status();
  d.identities = std::move(ids).value();
  Result<auth::BootstrapResult> boot = d.identities->BootstrapAdmin();
  if (!boot.ok()) return boot.status();
  if (boot->created) {
    d.bootstrapped_admin = boot->user;
    fmt::print(stdout, "First start: created user '{}' with password: {}\n(shown once)\n",
               boot->user, boot->password);
    std::fflush(stdout);
    LJ_LOG_INFO("created the first administrator", "user", boot->user);
  }
  d.scopes = std::make_unique<auth::GraphScopeResolver>(*d.graph, &d.models);
  d.graph->AddListener(d.scopes.get());
  server::AccessOptions opts;
  opts.cookie_secure = config.auth.cookie_secure || config.tls.enabled;
  opts.login.burst = config.auth.login_burst;
  opts.login.refill_s = config.auth.login_refill_s;
  opts.requests.burst = config.auth.requests_per_s > 0 ? config.auth.request_burst : 0;
  opts.requests.refill_s = config.auth.requests_per_s > 0 ? 1.0 / config.auth.requests_per_s : 0;
  d.access.reset(new server::AccessControl{*d.identities, *d.scopes, *d.audit, opts});
  d.access->rate_limited = &d.metrics.GetCounter(
      "lj_http_rate_limited_total",
      "Authenticated requests and WebSocket upgrades refused (429) over their identity's rate");
  d.hashing = std::make_unique<BoundedPool>(config.auth.options.max_concurrent_hashes,
                                            static_cast<size_t>(config.auth.hash_queue));
  d.access->hashing = d.hashing.get();
  d.access->hashing_busy = &d.metrics.GetCounter(
      "lj_auth_hashing_busy_total",
      "Requests needing a password check refused (503) because [auth] hash_queue were waiting");
  d.ctx->access = d.access.get();
  LJ_LOG_INFO("access control on", "auth_db", AuthDbPath(config));
  return Status::Ok();
}

void Engine::Impl::StartUsageFlusher(int every_s) {
  usage_flusher = std::thread([this, every_s] {
    std::unique_lock lk(usage_mu);
    while (!usage_cv.wait_for(lk, std::chrono::seconds(every_s), [this] { return usage_stop; })) {
      lk.unlock();
      if (Status s = identities->FlushUsage(); !s.ok())
        LJ_LOG_WARN("saving last-used times failed", "error", s.ToString());
      lk.lock();
    }
  });
}

void Engine::Impl::StopUsageFlusher() {
  {
    std::lock_guard lk(usage_mu);
    usage_stop = true;
  }
  usage_cv.notify_all();
  if (usage_flusher.joinable()) usage_flusher.join();
}

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
  live::PipelineOptions po = config.pipeline;
  if (config.history.enabled) {
    Result<std::unique_ptr<history::HistoryStore>> h = OpenHistory(config, d->metrics);
    if (!h.ok()) return h.status();
    d->history = std::move(h).value();
    SeedLive(*d->history, *d->live);
    po.retention = config.history.rules;
    // Viewers' poses are kept one day unless a configured rule says otherwise (rules listed
    // first win a tie).
    po.retention.push_back({live::kPresenceModel, "", 86400});
  }
  const bool presence = d->models.Find(live::kPresenceModel) != nullptr;
  if (presence) po.session_models.push_back(live::kPresenceModel);
  d->pipeline = std::make_unique<live::Pipeline>(*d->live, d->metrics, po, d->history.get());
  d->resolver = std::make_unique<live::GraphResolver>(*d->graph);
  if (presence) {
    Result<std::unique_ptr<live::PresenceService>> ps =
        live::PresenceService::Open(*d->graph, *d->pipeline, d->metrics);
    if (!ps.ok()) return ps.status();
    d->presence = std::move(ps).value();
  }
  d->fanout = std::make_unique<live::FanoutMetrics>(d->metrics);
  d->ctx.reset(new server::ServerContext{d->models,
                                         *d->graph,
                                         *d->live,
                                         *d->pipeline,
                                         *d->resolver,
                                         d->metrics,
                                         *d->fanout,
                                         config.server,
                                         {},
                                         {}});
  d->ctx->history = d->history.get();
  d->ctx->presence = d->presence.get();
  if (config.clinical.enabled) {
    clinical::ClinicalOptions co;
    co.db_path = config.data_dir + "/clinical.db";
    Result<std::unique_ptr<clinical::ClinicalService>> cs =
        clinical::ClinicalService::Open(*d->graph, *d->pipeline, &d->metrics, co);
    if (!cs.ok()) return cs.status();
    d->clinical = std::move(cs).value();
    d->graph->AddListener(d->clinical.get());
    d->pipeline->AddObserver(d->clinical.get());
    d->ctx->clinical = d->clinical.get();
  }
  if (config.fhir.enabled) {
    fhir::FhirOptions fo;
    fo.db_path = config.data_dir + "/fhir.db";
    fo.base_url = config.fhir.base_url;
    Result<std::unique_ptr<fhir::FhirService>> fs =
        fhir::FhirService::Open(fo, *d->graph, d->history.get());
    if (!fs.ok()) return fs.status();
    d->fhir = std::move(fs).value();
    d->graph->AddListener(d->fhir.get());
    d->ctx->fhir = d->fhir.get();
  }
  LJ_RETURN_IF_ERROR(d->OpenAccess(config));
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

namespace {

// The soft open-file limit is often 1024 while the hard one is far higher: each connection
// costs a descriptor, so raise the soft limit to the hard one (the server's connection cap is
// derived from it, server/context.h).
void RaiseOpenFileLimit() {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) != 0) return;
  const rlim_t before = lim.rlim_cur;
  if (lim.rlim_cur < lim.rlim_max) {
    lim.rlim_cur = lim.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &lim) != 0) {
      LJ_LOG_WARN("could not raise the open-file limit", "soft", before, "hard", lim.rlim_max);
      return;
    }
  }
  LJ_LOG_INFO("open-file limit", "soft", lim.rlim_cur, "was", before);
}

}  // namespace

Status Engine::Start() {
  // Configuration that can fail is checked before any port is opened.
  if (impl_->config.hl7.enabled && impl_->access && impl_->config.hl7.token.empty())
    return Status(ErrorCode::kInvalidArgument,
                  "[hl7] token: with [auth] enabled, name the service token the HL7 feed acts "
                  "as, e.g. `lingjing token create --kind service --name hl7-feed --scope adt "
                  "--scope ingest` and token = \"hl7-feed\"");
  RaiseOpenFileLimit();
  std::shared_ptr<boost::asio::ssl::context> tls;
  if (impl_->config.tls.enabled) {
    server::TlsOptions o = impl_->config.tls;
    if (o.dev_dir.empty()) o.dev_dir = impl_->config.data_dir + "/tls";
    Result<server::ServerTls> t = server::MakeServerTls(o);
    if (!t.ok()) return t.status();
    LJ_LOG_INFO(t->generated ? "tls: generated a self-signed development certificate" : "tls on",
                "cert", t->cert_file, "sha256", t->fingerprint_sha256);
    tls = t->context;
  }
  hl7::MllpOptions ho = impl_->config.hl7.mllp;
  if (impl_->history) {  // an AA is sent once the message's samples are durable
    ho.when_durable = [h = impl_->history.get()](uint64_t lsn, std::function<void(Status)> done) {
      h->WhenDurable(lsn, std::move(done));
    };
  }
  if (impl_->config.hl7.enabled) {
    if (impl_->access) {  // MLLP carries no credentials: the feed acts as a named service token
      const std::string token = impl_->config.hl7.token;
      impl_->hl7_publishers =
          std::make_unique<server::PublisherAuthorizer>(*impl_->access, audit::Interface::kHl7);
      ho.authorize = [a = impl_->hl7_publishers.get(), token](const hl7::MessageAccess& m) {
        const std::string where = fmt::format("{} {}", m.remote, m.message);
        if (m.graph_change) return a->AuthorizeGraphChange(token, where, m.patient);
        return a->AuthorizeWrites(token, where, m.twins ? *m.twins : std::vector<std::string>{});
      };
    }
    if (impl_->config.hl7.tls) {
      server::TlsOptions o = impl_->config.tls;
      o.enabled = true;
      o.cert_file = impl_->config.hl7.tls_cert;
      o.key_file = impl_->config.hl7.tls_key;
      if (o.dev_dir.empty()) o.dev_dir = impl_->config.data_dir + "/tls";
      Result<server::ServerTls> t = server::MakeServerTls(o);
      if (!t.ok()) return Status(t.status().code(), "hl7 tls: " + t.status().message());
      LJ_LOG_INFO("hl7: mllp over tls", "cert", t->cert_file, "sha256", t->fingerprint_sha256);
      ho.tls = t->context;
    }
  }
  if (impl_->clinical) impl_->clinical->Start();
  if (impl_->identities && !impl_->usage_flusher.joinable())
    impl_->StartUsageFlusher(impl_->config.auth.usage_flush_s);
  impl_->ctx->options.tls = tls != nullptr;  // links the server builds say https
  impl_->server = std::make_unique<server::HttpServer>(*impl_->ctx, std::move(tls));
  LJ_RETURN_IF_ERROR(impl_->server->Start());
  if (impl_->config.hl7.enabled) {
    Result<std::unique_ptr<hl7::MllpServer>> h =
        hl7::MllpServer::Start(ho, *impl_->graph, *impl_->pipeline, impl_->metrics);
    if (!h.ok()) return h.status();
    impl_->hl7 = std::move(h).value();
  }
  if (impl_->config.mqtt.enabled) {
    mqtt::Config mc = impl_->config.mqtt;
    if (impl_->access) {  // publishers are named by the topic, pinned by the broker's ACL
      impl_->mqtt_publishers =
          std::make_unique<server::PublisherAuthorizer>(*impl_->access, audit::Interface::kMqtt);
      mc.authorize = [a = impl_->mqtt_publishers.get()](std::string_view id, std::string_view topic,
                                                        const ingest::ParsedBatch& batch) {
        return a->Authorize(id, topic, batch);
      };
    }
    Result<std::unique_ptr<mqtt::MqttBridge>> b =
        mqtt::MqttBridge::Start(mc, *impl_->pipeline, impl_->metrics);
    if (!b.ok()) return b.status();
    impl_->mqtt = std::move(b).value();
  }
  return Status::Ok();
}

void Engine::Stop() {
  if (!impl_) return;
  if (impl_->clinical) impl_->clinical->Stop();
  if (impl_->hl7) impl_->hl7->Stop();
  impl_->hl7.reset();
  if (impl_->mqtt) impl_->mqtt->Stop();
  impl_->mqtt.reset();
  if (impl_->server) impl_->server->Stop();
  // Password checks still on the pool post their answers to the (stopped) server's io context:
  // finish them before that context is destroyed.
  if (impl_->access) impl_->access->hashing = nullptr;
  impl_->hashing.reset();
  impl_->server.reset();
  impl_->StopUsageFlusher();
  if (impl_->identities) (void)impl_->identities->FlushUsage();
  if (impl_->audit) impl_->audit->Close();
  if (impl_->history && !impl_->history_closed) {
    impl_->history_closed = true;
    Status s = impl_->history->Close();
    if (!s.ok()) LJ_LOG_ERROR("history close failed", "error", s.ToString());
  }
}

const model::ModelRegistry& Engine::models() const { return impl_->models; }
graph::TwinGraph& Engine::graph() { return *impl_->graph; }
ingest::IngestSink& Engine::ingest() { return *impl_->pipeline; }
live::Pipeline& Engine::pipeline() { return *impl_->pipeline; }
live::LiveState& Engine::live() { return *impl_->live; }
history::HistoryStore* Engine::history() { return impl_->history.get(); }
metrics::Registry& Engine::metrics() { return impl_->metrics; }
uint16_t Engine::port() const { return impl_->server ? impl_->server->port() : 0; }
uint16_t Engine::hl7_port() const { return impl_->hl7 ? impl_->hl7->port() : 0; }
auth::IdentityStore* Engine::identities() { return impl_->identities.get(); }
const std::string& Engine::bootstrapped_admin() const { return impl_->bootstrapped_admin; }

}  // namespace lj::app
