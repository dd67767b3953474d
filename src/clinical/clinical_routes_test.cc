// The clinical REST handlers in-process (Router::Handle, no sockets): alarms list and filters,
// acknowledge, silence, history, limits, NEWS2, and their stable error codes.
#include <gtest/gtest.h>

#include "clinical/clinical_test_env.h"
#include "live/graph_resolver.h"
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
  EXPECT_EQ(acked["acknowledgedBy"], "rn");
  // Silencing an acknowledged alarm: 409 conflict.
  auto [cc, conflict] = r.Call(verb::post, "/api/v1/alarms/" + id + "/silence");
  EXPECT_EQ(cc, 409);
  EXPECT_EQ(conflict["code"], 1006);

  auto [hc, hist] = r.Call(verb::get, "/api/v1/patients/patient-a01/alarms/history?from=0");
  ASSERT_EQ(hc, 200) << hist.dump();
  ASSERT_EQ(hist["value"].size(), 1u);
  EXPECT_EQ(hist["value"][0]["events"].size(), 3u);  // raised, silenced, acknowledged
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
