// The route × role table: every route of the real route table, called over real HTTP by every
// kind of principal, against an expected-decision table. A route missing from the table fails
// ("new endpoint without a rule"), as does a table entry for a route that no longer exists.
#include <map>
#include <set>

#include "server/access_test_util.h"
#include "server/router.h"

namespace lj::server::testing {
namespace {

namespace http = boost::beast::http;

// Roles, in the column order of the expectations below.
enum Col { kAdmin, kClinA, kClinB, kViewer, kDevice, kSvcAll, kSvcMetrics, kAnon, kCols };
const char* kColNames[] = {"admin",
                           "clinician ward-a",
                           "clinician ward-b",
                           "viewer of patient-a01",
                           "device monitor-a01",
                           "service (all scopes)",
                           "service (metrics only)",
                           "anonymous"};

// Y: passes access control (any answer but 401/403); F: passes, answer filtered per principal;
// N: refused (401 anonymous, 403 otherwise). Requests concern patient-a01 in ward-a (its
// monitor-a01 for ingest and multi-series history), alarm 1 (unknown: no clinical layer here).
//                                                         AdCaCbVwDvSaSmAn
const std::map<std::string, std::string> kExpected = {
    {"GET /", "YYYYYYYY"},
    {"GET /assets/{file}", "YYYYYYYY"},
    {"GET /classic", "YYYYYYYY"},
    {"GET /healthz", "YYYYYYYY"},
    {"POST /api/v1/login", "YYYYYYYY"},
    {"POST /api/v1/login/link", "YYYYYYYY"},
    {"POST /api/v1/logout", "YYYYYYYY"},
    {"GET /ping", "YYYYYYYN"},
    {"GET /api/v1", "YYYYYYYN"},
    {"GET /api/v1/whoami", "YYYYYYYN"},
    {"GET /fhir/metadata", "YYYYYYYY"},  // capabilities before authentication; no patient data
    {"GET /metrics", "YNNNNYYN"},
    {"GET /api/v1/audit", "YNNNNYNN"},
    {"GET /api/v1/models", "YYYYNYNN"},
    {"GET /api/v1/models/{id}", "YYYYNYNN"},
    {"GET /api/v1/twins", "YFFFFYFN"},
    {"GET /api/v1/alarms", "YYYYYYYN"},  // filtered per patient; 503 here (no clinical layer)
    {"PUT /api/v1/twins/{id}", "YNNNNYNN"},
    {"DELETE /api/v1/twins/{id}", "YNNNNYNN"},
    {"PUT /api/v1/twins/{id}/relationships/{rel}", "YNNNNYNN"},
    {"DELETE /api/v1/twins/{id}/relationships/{rel}", "YNNNNYNN"},
    {"POST /fhir", "YNNNNYNN"},
    // Scoped callers need the twin written; a body that cannot be checked ("{" here) names none.
    {"POST /fhir/Observation", "YNNNNYNN"},
    {"GET /api/v1/twins/{id}", "YYNYNYNN"},
    {"GET /api/v1/twins/{id}/relationships", "YYNYNYNN"},
    {"GET /api/v1/twins/{id}/incomingrelationships", "YYNYNYNN"},
    {"GET /api/v1/twins/{id}/relationships/{rel}", "YYNYNYNN"},
    {"GET /api/v1/twins/{id}/traverse", "YYNYNYNN"},
    {"GET /api/v1/twins/{id}/telemetry", "YYNYNYNN"},
    {"PATCH /api/v1/twins/{id}", "YYNNNYNN"},
    {"GET /api/v1/twins/{id}/telemetry/{name}/history", "YYNYNYNN"},
    {"GET /api/v1/twins/{id}/telemetry/{name}/history/latest", "YYNYNYNN"},
    {"GET /api/v1/history", "YYNYNYNN"},
    {"POST /write", "YYNNYYNN"},
    {"POST /api/v2/write", "YYNNYYNN"},
    {"POST /api/v1/telemetry", "YYNNYYNN"},
    {"POST /api/v1/alarms/{alarm_id}/acknowledge", "YNNNNYNN"},
    {"POST /api/v1/alarms/{alarm_id}/silence", "YNNNNYNN"},
    {"GET /api/v1/patients/{id}/alarms/history", "YYNYNYNN"},
    {"GET /api/v1/patients/{id}/alarm-limits", "YYNYNYNN"},
    {"PUT /api/v1/patients/{id}/alarm-limits", "YYNNNYNN"},
    {"GET /api/v1/patients/{id}/news2", "YYNYNYNN"},
    {"GET /fhir/Observation/$lastn", "YYNYNYNN"},
    {"GET /fhir/Patient", "YYNYNYNN"},
    {"GET /fhir/Patient/{id}", "YYNYNYNN"},
    {"GET /fhir/Encounter", "YYNYNYNN"},
    {"GET /fhir/Observation", "YYNYNYNN"},
    {"GET /fhir/Condition", "YYNNNYNN"},
    {"GET /fhir/AllergyIntolerance", "YYNNNYNN"},
    {"GET /fhir/MedicationStatement", "YYNNNYNN"},
    {"GET /fhir/Encounter/{id}", "YNNNNYNN"},
    {"GET /fhir/Observation/{id}", "YNNNNYNN"},
    {"GET /fhir/Condition/{id}", "YNNNNYNN"},
    {"GET /fhir/AllergyIntolerance/{id}", "YNNNNYNN"},
    {"GET /fhir/MedicationStatement/{id}", "YNNNNYNN"},
};

std::string Key(const Route& r) { return std::string(http::to_string(r.method)) + " " + r.pattern; }

// A concrete request for a route pattern.
std::string TargetFor(const std::string& pattern) {
  std::string t = pattern;
  for (auto [param, value] : {std::pair<const char*, const char*>{"{id}", "patient-a01"},
                              {"{rel}", "occupiedBy"},
                              {"{name}", "hr"},
                              {"{file}", "none.js"},
                              {"{alarm_id}", "1"}})
    for (size_t p; (p = t.find(param)) != std::string::npos;) t.replace(p, strlen(param), value);
  if (pattern == "/api/v1/history") t += "?series=monitor-a01/hr";
  if (pattern == "/api/v1/audit") t += "?patient=patient-a01";
  if (pattern == "/fhir/Patient") t += "?_id=patient-a01";
  if (pattern.rfind("/fhir/", 0) == 0 && pattern.find('{') == std::string::npos &&
      pattern != "/fhir/Patient" && pattern != "/fhir/metadata")
    t += "?patient=patient-a01";
  return t;
}

std::string BodyFor(const std::string& pattern) {
  if (pattern == "/write" || pattern == "/api/v2/write") return "vitals,twin=monitor-a01 hr=72";
  if (pattern == "/api/v1/telemetry")
    return R"({"samples": [{"twin": "monitor-a01", "telemetry": "hr", "v": 72}]})";
  return "{";  // writes get a malformed body: the handler refuses it after access control
}

TEST_F(AccessServerTest, EveryRouteTimesEveryRoleMatchesTheTable) {
  AddUser("admin", auth::Role::kAdministrator);
  AddUser("clin-a", auth::Role::kClinician, {"ward-a"});
  AddUser("clin-b", auth::Role::kClinician, {"ward-b"});
  AddUser("family", auth::Role::kViewer, {}, "patient-a01");
  std::string creds[kCols] = {
      SessionCookie("admin"),
      SessionCookie("clin-a"),
      SessionCookie("clin-b"),
      SessionCookie("family"),
      "Bearer " + Token(auth::TokenKind::kDevice, "monitor", {"monitor-a01"}, 0),
      "Bearer " + Token(auth::TokenKind::kService, "his", {}, auth::kAllScopes),
      "Bearer " + Token(auth::TokenKind::kService, "prometheus", {}, auth::kScopeMetrics),
      ""};

  // The server's own table (HttpServer dispatches on a Router built the same way).
  const Router router;
  std::vector<const Route*> routes;
  std::set<std::string> seen;
  for (const Route& r : router.routes()) {
    routes.push_back(&r);
    seen.insert(Key(r));
    EXPECT_TRUE(kExpected.count(Key(r))) << "new endpoint without a rule in this table: " << Key(r);
  }
  for (const auto& [key, row] : kExpected) EXPECT_TRUE(seen.count(key)) << "stale entry " << key;
  // Destructive calls last, logout at the very end (it ends the session it is called with).
  auto rank = [](const Route* r) {
    return r->pattern == "/api/v1/logout" ? 2 : r->method == http::verb::delete_ ? 1 : 0;
  };
  std::stable_sort(routes.begin(), routes.end(),
                   [&](const Route* a, const Route* b) { return rank(a) < rank(b); });

  for (const Route* r : routes) {
    auto it = kExpected.find(Key(*r));
    if (it == kExpected.end()) continue;
    for (int c = 0; c < kCols; ++c) {
      const char want = it->second[c];
      Reply rep = Http(r->method, TargetFor(r->pattern), creds[c], BodyFor(r->pattern));
      const bool refused = rep.status == 401 || rep.status == 403;
      SCOPED_TRACE(Key(*r) + " as " + kColNames[c] + ": " + std::to_string(rep.status) + " " +
                   rep.body.substr(0, 200));
      if (want == 'N') {
        EXPECT_TRUE(refused);
        EXPECT_EQ(rep.status, c == kAnon ? 401 : 403);
        if (c == kAnon) EXPECT_EQ(rep.www_authenticate, "Bearer");
        if (r->pattern.rfind("/fhir", 0) == 0) {  // FHIR answers errors as OperationOutcomes
          const nlohmann::json oo = rep.Json();
          EXPECT_EQ(oo.value("resourceType", ""), "OperationOutcome");
          EXPECT_EQ(oo["issue"][0]["code"], c == kAnon ? "login" : "forbidden");
          EXPECT_EQ(oo["issue"][0]["details"]["coding"][0]["code"],
                    c == kAnon ? "unauthorized" : "forbidden");
        } else {
          EXPECT_EQ(rep.Json().value("code", 0), c == kAnon ? 1010 : 1011);
        }
      } else {
        EXPECT_FALSE(refused);
        if (want == 'F') EXPECT_EQ(rep.status, 200);
      }
    }
  }
  EXPECT_TRUE(audit_->Flush().ok());
  auto v = audit_->Verify();
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(v->ok) << v->message;
}

TEST_F(AccessServerTest, ListingsAreFilteredPerPrincipal) {
  AddUser("clin-b", auth::Role::kClinician, {"ward-b"});
  Reply all = Http(http::verb::get, "/api/v1/twins", SessionCookie("clin-b"));
  ASSERT_EQ(all.status, 200);
  std::set<std::string> ids;
  const nlohmann::json all_json = all.Json();
  for (const auto& t : all_json["value"]) ids.insert(t["$dtId"].get<std::string>());
  EXPECT_TRUE(ids.count("patient-b01"));
  EXPECT_TRUE(ids.count("monitor-b02"));
  EXPECT_TRUE(ids.count("hospital"));  // the structure above the wards
  EXPECT_FALSE(ids.count("patient-a01"));
  EXPECT_FALSE(ids.count("ward-a"));
  Reply device = Http(http::verb::get, "/api/v1/twins",
                      "Bearer " + Token(auth::TokenKind::kDevice, "m", {"monitor-a01"}, 0));
  ASSERT_EQ(device.status, 200);
  EXPECT_TRUE(device.Json()["value"].empty());
}

TEST_F(AccessServerTest, IncompleteRulesFailTheStartUpCheck) {
  // Access has no default constructor (a Route without one does not compile); a rule that
  // names no way to find its twin is refused by the check Router's constructor runs.
  Access broken = Access::Custom(auth::Action::kReadTwin, "", nullptr);
  EXPECT_FALSE(CheckAccessRule(broken).ok());
  EXPECT_FALSE(CheckAccessRule(Access::Global(auth::Action::kReadHistory)).ok());
  EXPECT_TRUE(CheckAccessRule(Access::PathTwin(auth::Action::kReadHistory)).ok());
  const Router router;
  for (const Route& r : router.routes()) EXPECT_TRUE(CheckAccessRule(r.access).ok()) << r.pattern;
}

}  // namespace
}  // namespace lj::server::testing
