// Test fixture for the clinical service: the built-in ward models, a twin graph in a temporary
// file with a small ward (sim::BuildWard), live state, the real Pipeline with the service as its
// observer, and a manual wall clock. Test-only.
#pragma once

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <memory>
#include <string>

#include "clinical/clinical_service.h"
#include "common/time.h"
#include "graph/twin_graph.h"
#include "ingest/json_batch.h"
#include "live/live_state.h"
#include "live/pipeline.h"
#include "metrics/metrics.h"
#include "model/model.h"
#include "sim/ward_builder.h"

namespace lj::clinical::testing {

inline constexpr int64_t kS = 1'000'000'000;

struct ClinicalEnv {
  model::ModelRegistry models;
  metrics::Registry metrics;
  std::string dir;
  std::unique_ptr<graph::TwinGraph> graph;
  std::unique_ptr<live::LiveState> live;
  std::unique_ptr<live::Pipeline> pipeline;
  std::unique_ptr<ClinicalService> service;
  std::atomic<int64_t> wall{0};
  int64_t t0 = 0;

  explicit ClinicalEnv(int beds = 2, ClinicalOptions opts = {}) {
    for (const auto& [name, text] : model::BuiltinWardModels())
      EXPECT_TRUE(models.LoadJson(text, name).ok());
    EXPECT_TRUE(models.Resolve().ok());
    static std::atomic<int> n{0};
    dir = ::testing::TempDir() + "/lj_clinical_" + std::to_string(::getpid()) + "_" +
          std::to_string(n++);
    std::filesystem::create_directories(dir);
    auto g = graph::TwinGraph::Open(dir + "/twins.db", models);
    EXPECT_TRUE(g.ok()) << g.status().ToString();
    graph = std::move(g).value();
    live = std::make_unique<live::LiveState>(models, live::LiveOptions{});
    graph->AddListener(live.get());
    sim::WardLayout layout;
    layout.beds = beds;
    EXPECT_TRUE(sim::BuildWard(*graph, layout).ok());
    pipeline = std::make_unique<live::Pipeline>(*live, metrics, live::PipelineOptions{});
    t0 = NowNs() / kS * kS;
    wall = t0;
    opts.clock = [this] { return wall.load(); };
    if (opts.db_path == ":memory:") opts.db_path = dir + "/clinical.db";
    auto s = ClinicalService::Open(*graph, *pipeline, &metrics, opts);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    service = std::move(s).value();
    graph->AddListener(service.get());
    pipeline->AddObserver(service.get());
  }
  ~ClinicalEnv() {
    service.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }

  // Ingests a JSON batch (doc/protocols/json-ingest.md) as an HTTP client would.
  ingest::IngestReport Send(const std::string& body) {
    ingest::ParsedBatch batch;
    ingest::ParseJsonBatch(body, {}, batch);
    return pipeline->Ingest(batch, ingest::Protocol::kHttpJson);
  }
  // One vitals item for `monitor` at t0 + sec.
  ingest::IngestReport Vitals(const std::string& monitor, double sec, double hr, double rr,
                              double spo2, double sbp, double temp, bool leads_off = false) {
    wall = t0 + static_cast<int64_t>(sec * kS);
    return Send(fmt::format(
        R"({{"samples":[{{"twin":"{}","t":{},"values":{{"hr":{},"rr":{},"spo2":{},"nibpSys":{},)"
        R"("temp":{},"ecgLeadsOff":{},"spo2SensorOff":false}}}}]}})",
        monitor, (t0 + static_cast<int64_t>(sec * kS)) / 1'000'000, hr, rr, spo2, sbp, temp,
        leads_off ? "true" : "false"));
  }
  ingest::IngestReport Observe(const std::string& patient, double sec, const char* acvpu, bool o2) {
    return Send(fmt::format(
        R"({{"samples":[{{"twin":"{}","t":{},"values":{{"consciousness":"{}","supplementalO2":{}}}}}]}})",
        patient, (t0 + static_cast<int64_t>(sec * kS)) / 1'000'000, acvpu, o2 ? "true" : "false"));
  }

  // The live value of a patient's derived telemetry as JSON (null when none).
  nlohmann::json LiveValue(const std::string& twin, const std::string& tel) {
    nlohmann::json out;
    std::shared_ptr<live::TwinState> t = live->Find(twin);
    if (!t) return out;
    live->WithShard(live->ShardOf(twin), [&](live::LiveState::TwinMap&) {
      const int idx = t->model->FindTelemetry(tel);
      if (idx < 0) return;
      const live::Series& se = t->series[static_cast<size_t>(idx)];
      if (!se.has_value()) return;
      switch (se.kind) {
        case ingest::ValueKind::kDouble:
          out = se.d;
          break;
        case ingest::ValueKind::kInt:
          out = se.i;
          break;
        case ingest::ValueKind::kBool:
          out = se.b;
          break;
        case ingest::ValueKind::kString:
          out = se.s;
          break;
      }
    });
    return out;
  }
};

}  // namespace lj::clinical::testing
