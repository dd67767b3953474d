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
  EXPECT_EQ(n, 4 + 2 * SupportedTypes().size());
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

// Bundle links are absolute (FHIR: fullUrl is an absolute URL): from the Host the client used,
// checked; a Host that is not a host name and port falls back to the listening address.
TEST_F(RoutesTest, BundleLinksAreAbsoluteFromTheRequestsHost) {
  auto get = [&](const std::string& target, const std::string& host) {
    server::Request req(http::verb::get, target, 11);
    if (!host.empty()) req.set(http::field::host, host);
    return router_.Handle(*ctx_, req);
  };
  Json b = JsonOf(get("/fhir/Patient?_id=patient-1", "ward.example:8443"));
  ASSERT_EQ(b["entry"].size(), 1u) << b.dump();
  EXPECT_EQ(b["entry"][0]["fullUrl"], "http://ward.example:8443/fhir/Patient/patient-1");
  EXPECT_EQ(
      b["link"][0]["url"].get<std::string>().rfind("http://ward.example:8443/fhir/Patient?", 0),
      0u);
  Json m = JsonOf(get("/fhir/metadata", "ward.example:8443"));
  EXPECT_EQ(m["implementation"]["url"], "http://ward.example:8443/fhir");
  for (const std::string host : {"", "evil.example/x?", "a\"b", "x y"}) {
    Json f = JsonOf(get("/fhir/Patient?_id=patient-1", host));
    EXPECT_EQ(f["entry"][0]["fullUrl"], "http://127.0.0.1:8080/fhir/Patient/patient-1") << host;
  }
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

// Interactions this server does not support are 405 with an Allow header and an
// OperationOutcome (not 415 and not a non-FHIR body), like every other error under /fhir.
TEST_F(RoutesTest, UnsupportedInteractionsAre405WithAnOperationOutcome) {
  for (http::verb v : {http::verb::post, http::verb::put, http::verb::delete_}) {
    for (const std::string target :
         {"/fhir/Observation", "/fhir/Patient", "/fhir/Patient/patient-1", "/fhir/metadata"}) {
      const bool create = target == "/fhir/Observation";  // POST creates a vital-signs reading
      if (create && v == http::verb::post) continue;
      server::Response r = Call(v, target, "{}");
      EXPECT_EQ(r.result_int(), 405) << http::to_string(v) << " " << target << ": " << r.body();
      EXPECT_EQ(r[http::field::content_type], "application/fhir+json") << target;
      EXPECT_EQ(r[http::field::allow], create ? "POST, GET, HEAD" : "GET, HEAD") << target;
      const Json oo = JsonOf(r);
      EXPECT_EQ(oo["resourceType"], "OperationOutcome") << r.body();
      EXPECT_EQ(oo["issue"][0]["code"], "not-supported");
    }
  }
  // An unknown path under /fhir: 404 as an OperationOutcome too.
  server::Response nf = Call(http::verb::get, "/fhir/Device");
  EXPECT_EQ(nf.result_int(), 404);
  EXPECT_EQ(JsonOf(nf)["resourceType"], "OperationOutcome");
  EXPECT_EQ(JsonOf(nf)["issue"][0]["code"], "not-found");
}

// JSON only: asking for XML (Accept or _format) is 406 with an OperationOutcome; JSON types,
// wildcards and no preference are served.
TEST_F(RoutesTest, OtherFormatsThanJsonAre406) {
  auto get = [&](const std::string& target, const std::string& accept) {
    server::Request req(http::verb::get, target, 11);
    if (!accept.empty()) req.set(http::field::accept, accept);
    req.prepare_payload();
    return router_.Handle(*ctx_, req);
  };
  for (const std::string& target : {std::string("/fhir/metadata"), std::string("/fhir/Patient"),
                                    std::string("/fhir/Patient/patient-1")}) {
    server::Response x = get(target, "application/fhir+xml");
    EXPECT_EQ(x.result_int(), 406) << target;
    EXPECT_EQ(JsonOf(x)["resourceType"], "OperationOutcome");
    EXPECT_EQ(get(target + "?_format=xml", "").result_int(), 406) << target;
    for (const char* ok : {"", "application/fhir+json", "application/json", "*/*",
                           "application/fhir+xml;q=0.9, application/fhir+json"})
      EXPECT_EQ(get(target, ok).result_int(), 200) << target << " Accept: " << ok;
    EXPECT_EQ(get(target + (target.find('?') == std::string::npos ? "?" : "&") +
                      "_format=application/fhir%2Bjson",
                  "")
                  .result_int(),
              200)
        << target;
  }
}

// A search for a patient this server does not know is an empty searchset (FHIR search never
// answers 404 for a missing match), for Observation as for every other type.
TEST_F(RoutesTest, SearchForAnUnknownPatientIsAnEmptySearchset) {
  for (const char* target :
       {"/fhir/Observation?patient=nobody", "/fhir/Observation?subject=Patient/nobody",
        "/fhir/Observation/$lastn?patient=nobody", "/fhir/Encounter?patient=nobody",
        "/fhir/Condition?patient=nobody"}) {
    server::Response r = Call(http::verb::get, target);
    ASSERT_EQ(r.result_int(), 200) << target << ": " << r.body();
    const Json b = JsonOf(r);
    EXPECT_EQ(b["resourceType"], "Bundle") << target;
    EXPECT_EQ(b["type"], "searchset") << target;
    EXPECT_TRUE(!b.contains("entry") || b["entry"].empty()) << target;
  }
}

TEST_F(RoutesTest, WithoutTheServiceEveryRouteIs503) {
  ctx_->fhir = nullptr;
  server::Response r = Call(http::verb::get, "/fhir/Patient");
  EXPECT_EQ(r.result_int(), 503);
  EXPECT_EQ(JsonOf(r)["resourceType"], "OperationOutcome");
}

}  // namespace
}  // namespace lj::fhir::testing
