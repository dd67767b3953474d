// The clinical REST handlers in-process (Router::Handle, no sockets): alarms list and filters,
// acknowledge, silence, history, limits, NEWS2, and their stable error codes.
#include <gtest/gtest.h>

#include "clinical/clinical_test_env.h"
#include "live/graph_resolver.h"
#include "server/access_test_util.h"
#include "server/router.h"

namespace lj::clinical {
namespace {

using server::http::verb;
using testing::ClinicalEnv;

struct Rest {
  ClinicalEnv env;
  live::GraphResolver resolver{*env.graph};
  live::FanoutMetrics fanout{env.metrics};
  server::ServerContext ctx{env.models, *env.graph, *env.live, *env.pipeline, resolver, env.metrics,
                            fanout,     {},         {}};
  server::Router router;
  Rest() { ctx.clinical = env.service.get(); }

  std::pair<int, nlohmann::json> Call(verb v, const std::string& target,
                                      const std::string& body = "") {
    server::Request req(v, target, 11);
    req.body() = body;
    req.prepare_payload();
    server::Response res = router.Handle(ctx, req);
    return {res.result_int(), nlohmann::json::parse(res.body(), nullptr, false)};
  }
};

TEST(ClinicalRoutes, AlarmsAcknowledgeSilenceHistory) {
  Rest r;
  r.env.Observe("patient-a01", 0, "alert", false);
  for (int s = 0; s <= 16; ++s) r.env.Vitals("monitor-a01", s, 80, 16, 86, 120, 37.0);
  auto [code, list] = r.Call(verb::get, "/api/v1/alarms?ward=ward-a");
  ASSERT_EQ(code, 200) << list.dump();
  ASSERT_EQ(list["value"].size(), 1u);
  EXPECT_EQ(list["value"][0]["kind"], "spo2_low");
  EXPECT_EQ(list["value"][0]["message"], "SpO2 86 < 90");
  const std::string id = list["value"][0]["id"];
  EXPECT_EQ(r.Call(verb::get, "/api/v1/alarms?state=acknowledged").second["value"].size(), 0u);
  EXPECT_EQ(r.Call(verb::get, "/api/v1/alarms?patient=patient-a02").second["value"].size(), 0u);

  auto [sc, silenced] =
      r.Call(verb::post, "/api/v1/alarms/" + id + "/silence", R"({"seconds":60})");
  EXPECT_EQ(sc, 200) << silenced.dump();
  EXPECT_FALSE(silenced["silencedUntil"].is_null());
  auto [ac, acked] = r.Call(verb::post, "/api/v1/alarms/" + id + "/acknowledge", R"({"by":"rn"})");
  EXPECT_EQ(ac, 200);
  EXPECT_EQ(acked["state"], "acknowledged");
  EXPECT_EQ(acked["acknowledgedBy"], "unauthenticated:rn");  // no access control: a claim
  // Silencing an acknowledged alarm: 409 conflict.
  auto [cc, conflict] = r.Call(verb::post, "/api/v1/alarms/" + id + "/silence");
  EXPECT_EQ(cc, 409);
  EXPECT_EQ(conflict["code"], 1006);

  auto [hc, hist] = r.Call(verb::get, "/api/v1/patients/patient-a01/alarms/history?from=0");
  ASSERT_EQ(hc, 200) << hist.dump();
  ASSERT_EQ(hist["value"].size(), 1u);
  EXPECT_EQ(hist["value"][0]["events"].size(), 3u);  // raised, silenced, acknowledged
}

// Issue item 11: `acknowledgedBy` was whatever the request body said. Without access control
// there is nobody to verify, so the claim is recorded as unauthenticated.
TEST(ClinicalRoutes, AcknowledgedByWithoutAccessControlIsMarkedUnauthenticated) {
  Rest r;
  r.env.Observe("patient-a01", 0, "alert", false);
  r.env.Observe("patient-a02", 0, "alert", false);
  for (int s = 0; s <= 16; ++s) {
    r.env.Vitals("monitor-a01", s, 80, 16, 86, 120, 37.0);
    r.env.Vitals("monitor-a02", s, 80, 16, 86, 120, 37.0);
  }
  auto [code, list] = r.Call(verb::get, "/api/v1/alarms");
  ASSERT_EQ(code, 200);
  ASSERT_EQ(list["value"].size(), 2u) << list.dump();
  const std::string a = list["value"][0]["id"], b = list["value"][1]["id"];
  auto [ac, acked] =
      r.Call(verb::post, "/api/v1/alarms/" + a + "/acknowledge", R"({"by":"administrator"})");
  EXPECT_EQ(ac, 200) << acked.dump();
  EXPECT_EQ(acked["acknowledgedBy"], "unauthenticated:administrator");
  auto [bc, anon] = r.Call(verb::post, "/api/v1/alarms/" + b + "/acknowledge");
  EXPECT_EQ(bc, 200) << anon.dump();
  EXPECT_EQ(anon["acknowledgedBy"], "unauthenticated:anonymous");
  // The history keeps what was recorded.
  r.env.service->store().Flush();
  auto [hc, hist] = r.Call(
      verb::get, "/api/v1/patients/" + std::string(acked["patient"]) + "/alarms/history?from=0");
  ASSERT_EQ(hc, 200);
  EXPECT_EQ(hist["value"][0]["acknowledgedBy"], "unauthenticated:administrator");
}

// With access control on, the alarm names the authenticated caller, whatever the body claims:
// a user by name, a service token as "service:<name>".
class ClinicalAccess : public server::testing::AccessServerTest {
 protected:
  void SetUp() override {
    AccessServerTest::SetUp();
    if (HasFatalFailure()) return;
    pipeline_ = std::make_unique<live::Pipeline>(*live_, metrics_, live::PipelineOptions{});
    ClinicalOptions o;
    o.db_path = (dir_ / "clinical.db").string();
    auto s = ClinicalService::Open(*graph_, *pipeline_, nullptr, o);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    clinical_ = std::move(s).value();
    graph_->AddListener(clinical_.get());
    pipeline_->AddObserver(clinical_.get());
    ctx_->clinical = clinical_.get();
  }
  void TearDown() override {
    if (server_) server_->Stop();
    clinical_.reset();
    AccessServerTest::TearDown();
  }
  // SpO2 86 % for 16 s on the monitor: an spo2_low alarm (15-s onset); returns its id. Each
  // call sends later samples (the service runs on data time, one clock for every patient).
  std::string RaiseAlarm(const std::string& monitor, const std::string& patient) {
    const int64_t t0 = next_ms_;
    next_ms_ += 20'000;
    for (int s = 0; s <= 16; ++s) {
      ingest::ParsedBatch batch;
      ingest::ParseJsonBatch(
          fmt::format(R"({{"samples":[{{"twin":"{}","t":{},"values":{{"spo2":86}}}}]}})", monitor,
                      t0 + s * 1000),
          {}, batch);
      EXPECT_EQ(pipeline_->Ingest(batch, ingest::Protocol::kHttpJson).rejected, 0u);
    }
    for (const Alarm& a : clinical_->Alarms({.patient = patient})) return std::to_string(a.id);
    ADD_FAILURE() << "no alarm for " << patient;
    return "0";
  }

  std::unique_ptr<live::Pipeline> pipeline_;
  std::unique_ptr<ClinicalService> clinical_;
  int64_t next_ms_ = (NowNs() / testing::kS - 120) * 1000;  // two minutes ago
};

TEST_F(ClinicalAccess, AcknowledgedByIsTheAuthenticatedCaller) {
  namespace http = boost::beast::http;
  AddUser("nurse.jones", auth::Role::kClinician, {"ward-a"});
  const std::string cookie = SessionCookie("nurse.jones");
  const std::string id = RaiseAlarm("monitor-a01", "patient-a01");
  server::testing::Reply r = Http(http::verb::post, "/api/v1/alarms/" + id + "/acknowledge", cookie,
                                  R"({"by":"dr.somebody-else"})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Json()["acknowledgedBy"], "nurse.jones");
  // A nurse-call integration with a service token (scope alarms).
  const std::string bearer =
      "Bearer " + Token(auth::TokenKind::kService, "nurse-call", {}, auth::kScopeAlarms);
  const std::string id2 = RaiseAlarm("monitor-b01", "patient-b01");
  r = Http(http::verb::post, "/api/v1/alarms/" + id2 + "/acknowledge", bearer);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Json()["acknowledgedBy"], "service:nurse-call");
  // Persisted as recorded.
  clinical_->store().Flush();
  Result<nlohmann::json> h = clinical_->History("patient-a01", 0, NowNs() + testing::kS);
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  ASSERT_EQ(h->size(), 1u);
  EXPECT_EQ((*h)[0]["acknowledgedBy"], "nurse.jones");
  // Not allowed to acknowledge: nothing recorded at all.
  AddUser("viewer.a01", auth::Role::kViewer, {}, "patient-a01");
  const std::string id3 = RaiseAlarm("monitor-a02", "patient-a02");
  r = Http(http::verb::post, "/api/v1/alarms/" + id3 + "/acknowledge", SessionCookie("viewer.a01"),
           R"({"by":"nurse.jones"})");
  EXPECT_EQ(r.status, 403) << r.body;
  EXPECT_EQ(clinical_->Alarms({.patient = "patient-a02"})[0].state, AlarmState::kActive);
}

TEST(ClinicalRoutes, LimitsAndNews2) {
  Rest r;
  r.env.Vitals("monitor-a01", 0, 80, 16, 97, 120, 37.0);
  auto [gc, lim] = r.Call(verb::get, "/api/v1/patients/patient-a01/alarm-limits");
  ASSERT_EQ(gc, 200);
  EXPECT_EQ(lim["effective"]["hr"]["high"], 120);
  auto [pc, put] =
      r.Call(verb::put, "/api/v1/patients/patient-a01/alarm-limits", R"({"hr":{"high":130}})");
  ASSERT_EQ(pc, 200) << put.dump();
  EXPECT_EQ(put["effective"]["hr"]["high"], 130);
  EXPECT_EQ(put["overrides"]["hr"]["high"], 130);
  auto [nc, news] = r.Call(verb::get, "/api/v1/patients/patient-a01/news2");
  ASSERT_EQ(nc, 200);
  EXPECT_EQ(news["score"], 0);
  EXPECT_EQ(news["complete"], false);
  EXPECT_EQ(news["parameters"]["consciousness"]["missing"], true);
  EXPECT_EQ(news["parameters"]["pulse"]["value"], 80);
}

TEST(ClinicalRoutes, StableErrors) {
  Rest r;
  struct Case {
    verb v;
    std::string target, body;
    int http, code;
  };
  const std::vector<Case> cases = {
      {verb::get, "/api/v1/alarms?state=bogus", "", 400, 1000},
      {verb::get, "/api/v1/alarms?state=cleared", "", 400, 1000},
      {verb::post, "/api/v1/alarms/abc/acknowledge", "", 400, 1000},
      {verb::post, "/api/v1/alarms/0/acknowledge", "", 400, 1000},
      {verb::post, "/api/v1/alarms/424242/acknowledge", "", 404, 1004},
      {verb::post, "/api/v1/alarms/1/acknowledge", "{not json", 400, 1001},
      {verb::post, "/api/v1/alarms/1/acknowledge", R"({"by":7})", 400, 1000},
      {verb::post, "/api/v1/alarms/1/silence", R"({"seconds":-5})", 400, 1000},
      {verb::get, "/api/v1/patients/nobody/news2", "", 404, 1004},
      {verb::get, "/api/v1/patients/nobody/alarm-limits", "", 404, 1004},
      {verb::get, "/api/v1/patients/nobody/alarms/history", "", 404, 1004},
      {verb::get, "/api/v1/patients/patient-a01/alarms/history?from=yesterday", "", 400, 1000},
      {verb::get, "/api/v1/patients/patient-a01/alarms/history?from=10&to=5", "", 400, 1000},
      {verb::get, "/api/v1/patients/patient-a01/alarms/history?limit=0", "", 400, 1000},
      {verb::put, "/api/v1/patients/patient-a01/alarm-limits", R"({"hr":{"low":200}})", 400, 1000},
      {verb::put, "/api/v1/patients/patient-a01/alarm-limits", "[]", 400, 1000},
  };
  for (const Case& c : cases) {
    auto [http, body] = r.Call(c.v, c.target, c.body);
    EXPECT_EQ(http, c.http) << c.target << " " << body.dump();
    EXPECT_EQ(body["code"], c.code) << c.target << " " << body.dump();
  }
  r.ctx.clinical = nullptr;
  auto [http, body] = r.Call(verb::get, "/api/v1/alarms");
  EXPECT_EQ(http, 503);
  EXPECT_EQ(body["code"], 5003);
}

}  // namespace
}  // namespace lj::clinical
