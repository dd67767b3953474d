// The /fhir route handlers in-process: the router table, content type, repeated query
// parameters, $lastn routing before read, OperationOutcome bodies, a missing service.
#include <gtest/gtest.h>

#include "fhir/test_util.h"
#include "live/live_state.h"
#include "server/router.h"

namespace lj::fhir::testing {
namespace {

namespace http = server::http;

struct NullSink : ingest::IngestSink {
  ingest::IngestReport Ingest(ingest::ParsedBatch&, ingest::Protocol) override { return {}; }
};
struct NullResolver : live::Resolver {
  Result<std::vector<std::string>> Resolve(const live::Target&) override {
    return std::vector<std::string>{};
  }
};

class RoutesTest : public FhirTest {
 protected:
  void SetUp() override {
    FhirTest::SetUp();
    live_ = std::make_unique<live::LiveState>(models_, live::LiveOptions{});
    fanout_ = std::make_unique<live::FanoutMetrics>(metrics_);
    ctx_.reset(new server::ServerContext{.models = models_,
                                         .graph = *graph_,
                                         .live = *live_,
                                         .ingest = sink_,
                                         .resolver = resolver_,
                                         .metrics = metrics_,
                                         .fanout = *fanout_});
    ctx_->fhir = service_.get();
  }
  server::Response Call(http::verb verb, const std::string& target, const std::string& body = "") {
    server::Request req(verb, target, 11);
    req.body() = body;
    req.prepare_payload();
    return router_.Handle(*ctx_, req);
  }
  Json JsonOf(const server::Response& r) { return Json::parse(r.body()); }

  server::Router router_;
  metrics::Registry metrics_;
  NullSink sink_;
  NullResolver resolver_;
  std::unique_ptr<live::LiveState> live_;
  std::unique_ptr<live::FanoutMetrics> fanout_;
  std::unique_ptr<server::ServerContext> ctx_;
};

TEST_F(RoutesTest, EveryFhirRouteIsInTheTableWithASummary) {
  size_t n = 0;
  for (const server::Route& r : router_.routes()) {
    if (r.pattern.rfind("/fhir", 0) != 0) continue;
    ++n;
    EXPECT_FALSE(r.summary.empty()) << r.pattern;
  }
  EXPECT_EQ(n, 3 + 2 * SupportedTypes().size());
}

TEST_F(RoutesTest, MetadataAndReadsAreFhirJson) {
  server::Response m = Call(http::verb::get, "/fhir/metadata");
  EXPECT_EQ(m.result_int(), 200);
  EXPECT_EQ(m[http::field::content_type], "application/fhir+json");
  EXPECT_EQ(JsonOf(m)["resourceType"], "CapabilityStatement");
  server::Response p = Call(http::verb::get, "/fhir/Patient/patient-1");
  EXPECT_EQ(p.result_int(), 200);
  EXPECT_EQ(JsonOf(p)["id"], "patient-1");
  server::Response nf = Call(http::verb::get, "/fhir/Patient/nobody");
  EXPECT_EQ(nf.result_int(), 404);
  EXPECT_EQ(JsonOf(nf)["resourceType"], "OperationOutcome");
}

TEST_F(RoutesTest, SearchKeepsRepeatedParametersAndLastNIsNotARead) {
  Admit("bed-1", "patient-1", kT0);
  for (int i = 0; i < 5; ++i) Vital("monitor-1", "hr", kT0 + i * kSecond, 60 + i);
  server::Response r = Call(http::verb::get,
                            "/fhir/Observation?patient=patient-1&date=ge2026-01-01T10:00:01Z"
                            "&date=lt2026-01-01T10:00:03Z&code=http%3A%2F%2Floinc.org%7C8867-4");
  ASSERT_EQ(r.result_int(), 200) << r.body();
  EXPECT_EQ(JsonOf(r)["total"], 2);
  server::Response l = Call(http::verb::get, "/fhir/Observation/$lastn?patient=patient-1");
  ASSERT_EQ(l.result_int(), 200) << l.body();
  EXPECT_EQ(JsonOf(l)["entry"][0]["resource"]["valueQuantity"]["value"], 64);
}

TEST_F(RoutesTest, PostBundleImportsAndBadBodiesGetOutcomes) {
  Json bundle = {
      {"resourceType", "Bundle"},
      {"type", "transaction"},
      {"entry", Json::array({{{"resource",
                               {{"resourceType", "Condition"},
                                {"subject", {{"reference", "Patient/patient-2"}}},
                                {"code", {{"text", "Gout"}}}}},
                              {"request", {{"method", "POST"}, {"url", "Condition"}}}}})}};
  server::Response ok = Call(http::verb::post, "/fhir", bundle.dump());
  ASSERT_EQ(ok.result_int(), 200) << ok.body();
  server::Response s = Call(http::verb::get, "/fhir/Condition?patient=patient-2");
  EXPECT_EQ(JsonOf(s)["total"], 1);
  server::Response bad = Call(http::verb::post, "/fhir", "{");
  EXPECT_EQ(bad.result_int(), 400);
  EXPECT_EQ(JsonOf(bad)["issue"][0]["code"], "structure");
}

TEST_F(RoutesTest, WithoutTheServiceEveryRouteIs503) {
  ctx_->fhir = nullptr;
  server::Response r = Call(http::verb::get, "/fhir/Patient");
  EXPECT_EQ(r.result_int(), 503);
  EXPECT_EQ(JsonOf(r)["resourceType"], "OperationOutcome");
}

}  // namespace
}  // namespace lj::fhir::testing
