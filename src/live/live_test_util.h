// Test fixture pieces shared by the live tests: a tiny model and a LiveState holding twins of it.
#pragma once

#include <gtest/gtest.h>

#include <memory>

#include "graph/twin_graph.h"
#include "live/live_state.h"
#include "live/pipeline.h"
#include "metrics/metrics.h"
#include "model/model.h"

namespace lj::live::testing {

inline constexpr const char* kMonitorModel = R"({
  "@id": "dtmi:test:Monitor;1", "@type": "Interface",
  "@context": ["dtmi:dtdl:context;3", "dtmi:lingjing:extension:ward;1"],
  "contents": [
    {"@type": "Telemetry", "name": "hr", "schema": "double"},
    {"@type": "Telemetry", "name": "beats", "schema": "integer"},
    {"@type": "Telemetry", "name": "leadsOff", "schema": "boolean"},
    {"@type": "Telemetry", "name": "note", "schema": "string"},
    {"@type": ["Telemetry", "Derived"], "name": "score", "schema": "integer"},
    {"@type": ["Telemetry", "Waveform"], "name": "ecg", "schema": "integer", "sampleRate": 250}
  ]})";

struct LiveFixture {
  model::ModelRegistry models;
  metrics::Registry metrics;
  std::unique_ptr<LiveState> live;
  std::unique_ptr<Pipeline> pipeline;

  explicit LiveFixture(std::vector<std::string> twins, LiveOptions lo = {},
                       PipelineOptions po = {}) {
    Status s = models.LoadJson(kMonitorModel, "monitor.json");
    EXPECT_TRUE(s.ok()) << s.ToString();
    s = models.Resolve();
    EXPECT_TRUE(s.ok()) << s.ToString();
    live = std::make_unique<LiveState>(models, lo);
    for (const auto& id : twins) {
      graph::Twin t;
      t.id = id;
      t.model = "dtmi:test:Monitor;1";
      live->OnTwinUpserted(t, true);
    }
    pipeline = std::make_unique<Pipeline>(*live, metrics, po);
  }
};

}  // namespace lj::live::testing
