// libFuzzer target for every REST route's request handling (server/router.h), in process: the
// first input bytes pick a route of the table, the ids its path parameters take and a query,
// the rest is the request body. Access control is off here (its own tests pin it); what is
// fuzzed is each handler's reading of untrusted bodies and parameters — JSON nested 100,000 deep,
// invalid UTF-8, wrong types — which must be answered, never crash. Every JSON answer must be
// valid UTF-8.
#include <unistd.h>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "common/json.h"
#include "common/log.h"
#include "fuzz_util.h"
#include "graph/twin_graph.h"
#include "live/graph_resolver.h"
#include "live/live_state.h"
#include "live/pipeline.h"
#include "model/model.h"
#include "server/router.h"
#include "sim/ward_builder.h"

namespace {

using namespace lj;

struct World {
  model::ModelRegistry models;
  std::unique_ptr<graph::TwinGraph> graph;
  std::unique_ptr<live::LiveState> live;
  std::unique_ptr<live::Pipeline> pipeline;
  std::unique_ptr<live::GraphResolver> resolver;
  metrics::Registry metrics;
  std::unique_ptr<live::FanoutMetrics> fanout;
  std::unique_ptr<server::ServerContext> ctx;
  server::Router router;

  World() {
    log::Init("error", "logfmt");
    for (const auto& [name, text] : model::BuiltinWardModels())
      fuzz::Check(models.LoadJson(text, "builtin:" + name).ok());
    fuzz::Check(models.Resolve().ok());
    const std::string dir =
        std::filesystem::temp_directory_path() / ("lj_rest_fuzz_" + std::to_string(getpid()));
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    auto g = graph::TwinGraph::Open(dir + "/twins.db", models);
    fuzz::Check(g.ok());
    graph = std::move(g).value();
    sim::WardLayout layout;
    layout.beds = 2;
    layout.ward_id = "ward-a";
    fuzz::Check(sim::BuildWard(*graph, layout).ok());
    live = std::make_unique<live::LiveState>(models, live::LiveOptions{});
    graph->AddListener(live.get());
    auto twins = graph->ListTwins();
    fuzz::Check(twins.ok());
    for (const graph::Twin& t : *twins) live->OnTwinUpserted(t, true);
    pipeline = std::make_unique<live::Pipeline>(*live, metrics, live::PipelineOptions{});
    resolver = std::make_unique<live::GraphResolver>(*graph);
    fanout = std::make_unique<live::FanoutMetrics>(metrics);
    ctx.reset(new server::ServerContext{.models = models,
                                        .graph = *graph,
                                        .live = *live,
                                        .ingest = *pipeline,
                                        .resolver = *resolver,
                                        .metrics = metrics,
                                        .fanout = *fanout,
                                        .options = {}});
  }
};

// Values for a route's {parameters}: existing twins, a missing one, and odd text.
constexpr const char* kIds[] = {"patient-a01", "monitor-a01", "bed-a01", "ward-a",     "hospital",
                                "nosuch",      "hr",          "a%20b",   "occupiedBy", "1"};
constexpr const char* kQueries[] = {"",
                                    "?model=dtmi:lingjing:ward:Patient;1",
                                    "?precision=ms",
                                    "?from=0&to=9999999999999&buckets=10",
                                    "?series=monitor-a01/hr",
                                    "?twin=monitor-a01"};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static World* w = new World();
  if (size < 3) return 0;
  const auto& routes = w->router.routes();
  const server::Route& route = routes[data[0] % routes.size()];
  // The target: the route's pattern with each {param} replaced by one of kIds.
  std::string target;
  size_t pick = data[1];
  for (size_t i = 0; i < route.pattern.size();) {
    if (route.pattern[i] == '{') {
      const size_t close = route.pattern.find('}', i);
      target += kIds[pick % std::size(kIds)];
      pick /= 3;
      i = close + 1;
    } else {
      target += route.pattern[i++];
    }
  }
  target += kQueries[data[2] % std::size(kQueries)];
  server::Request req{route.method, target, 11};
  req.set(server::http::field::host, "127.0.0.1");
  req.set(server::http::field::content_type, "application/json");
  req.body().assign(reinterpret_cast<const char*>(data + 3), size - 3);
  req.prepare_payload();
  server::Response res = w->router.Handle(*w->ctx, req, "127.0.0.1:1");
  const std::string_view type = res[server::http::field::content_type];
  if (type.find("json") != std::string_view::npos) fuzz::Check(IsValidUtf8(res.body()));
  return 0;
}
