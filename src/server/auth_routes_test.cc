// Login, logout, the session cookie's flags, whoami, the failed-login limit, the audit trail of
// allowed and denied patient-data access (and its chain), record properties withheld from
// viewers, and fail-closed auditing — over real HTTP against an in-process server.
#include "server/access_test_util.h"

namespace lj::server::testing {
namespace {

namespace http = boost::beast::http;

std::string Login(const std::string& user, const std::string& password) {
  return nlohmann::json{{"name", user}, {"password", password}}.dump();
}

// "lj_session=ljx_…" from a Set-Cookie value.
std::string CookieOf(const std::string& set_cookie) {
  return set_cookie.substr(0, set_cookie.find(';'));
}

TEST_F(AccessServerTest, LoginSetsAStrictCookieWhoAmIAndLogoutEndsIt) {
  AddUser("nurse", auth::Role::kClinician, {"ward-a"});
  Reply anon = Http(http::verb::get, "/api/v1/whoami", "");
  EXPECT_EQ(anon.status, 401);
  EXPECT_EQ(anon.www_authenticate, "Bearer");
  EXPECT_EQ(anon.Json()["error"], "unauthorized");

  Reply in = Http(http::verb::post, "/api/v1/login", "", Login("nurse", kPassword));
  ASSERT_EQ(in.status, 200) << in.body;
  EXPECT_EQ(in.Json()["role"], "clinician");
  EXPECT_EQ(in.set_cookie.rfind("lj_session=ljx_", 0), 0u);
  EXPECT_NE(in.set_cookie.find("; HttpOnly"), std::string::npos);
  EXPECT_NE(in.set_cookie.find("; SameSite=Strict"), std::string::npos);
  EXPECT_NE(in.set_cookie.find("; Path=/"), std::string::npos);
  EXPECT_EQ(in.set_cookie.find("Secure"), std::string::npos);  // not configured, no TLS
  EXPECT_EQ(in.body.find("ljx_"), std::string::npos);          // the secret only in the cookie
  const std::string cookie = CookieOf(in.set_cookie);

  Reply me = Http(http::verb::get, "/api/v1/whoami", cookie);
  ASSERT_EQ(me.status, 200) << me.body;
  EXPECT_EQ(me.Json()["name"], "nurse");
  EXPECT_EQ(me.Json()["wards"], nlohmann::json::array({"ward-a"}));

  Reply out = Http(http::verb::post, "/api/v1/logout", cookie);
  EXPECT_EQ(out.status, 204);
  EXPECT_NE(out.set_cookie.find("Max-Age=0"), std::string::npos);
  EXPECT_EQ(Http(http::verb::get, "/api/v1/whoami", cookie).status, 401);

  access_->options.cookie_secure = true;
  Reply secure = Http(http::verb::post, "/api/v1/login", "", Login("nurse", kPassword));
  ASSERT_EQ(secure.status, 200);
  EXPECT_NE(secure.set_cookie.find("; Secure"), std::string::npos);
}

TEST_F(AccessServerTest, FailedLoginsAreAuditedAndLimitedPerUserAndAddress) {
  AddUser("nurse", auth::Role::kClinician, {"ward-a"});
  AddUser("doctor", auth::Role::kClinician, {"ward-a"});
  // The limit is 3 failures (fixture); the 4th attempt is refused even with the right password.
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(Http(http::verb::post, "/api/v1/login", "", Login("nurse", "wrong password!")).status,
              401);
  Reply limited = Http(http::verb::post, "/api/v1/login", "", Login("nurse", kPassword));
  EXPECT_EQ(limited.status, 429);
  EXPECT_EQ(limited.Json()["error"], "rate_limited");
  // Same address (127.0.0.1): its bucket is empty too, so another user is refused as well.
  EXPECT_EQ(Http(http::verb::post, "/api/v1/login", "", Login("doctor", kPassword)).status, 429);

  ASSERT_TRUE(audit_->Flush().ok());
  audit::AuditQuery q;
  q.actor = "nurse";
  auto page = audit_->Query(q);
  ASSERT_TRUE(page.ok());
  int failed = 0, limited_records = 0;
  for (const audit::Record& r : page->records) {
    EXPECT_EQ(r.action, "login");
    EXPECT_FALSE(r.allowed);
    EXPECT_EQ(r.remote.rfind("127.0.0.1:", 0), 0u) << r.remote;
    if (r.reason == "rate_limited")
      ++limited_records;
    else
      ++failed;
  }
  EXPECT_EQ(failed, 3);
  EXPECT_EQ(limited_records, 1);
}

TEST_F(AccessServerTest, BasicCredentialsShareTheFailedLoginLimit) {
  AddUser("nurse", auth::Role::kClinician, {"ward-a"});
  auto basic = [](const std::string& user, const std::string& pw) {
    std::string plain = user + ":" + pw, out;
    static const char* k = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t i = 0;
    for (; i + 2 < plain.size(); i += 3) {
      uint32_t v = (uint8_t(plain[i]) << 16) | (uint8_t(plain[i + 1]) << 8) | uint8_t(plain[i + 2]);
      for (int s = 18; s >= 0; s -= 6) out += k[(v >> s) & 63];
    }
    if (i + 1 == plain.size()) {
      uint32_t v = uint8_t(plain[i]) << 16;
      out += std::string{k[(v >> 18) & 63], k[(v >> 12) & 63]} + "==";
    } else if (i + 2 == plain.size()) {
      uint32_t v = (uint8_t(plain[i]) << 16) | (uint8_t(plain[i + 1]) << 8);
      out += std::string{k[(v >> 18) & 63], k[(v >> 12) & 63], k[(v >> 6) & 63]} + "=";
    }
    return "Basic " + out;
  };
  EXPECT_EQ(Http(http::verb::get, "/api/v1/whoami", basic("nurse", kPassword)).status, 200);
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(Http(http::verb::get, "/api/v1/whoami", basic("nurse", "wrong password!")).status,
              401);
  // Now the right password is refused exactly like a wrong one would be: no guessing oracle.
  EXPECT_EQ(Http(http::verb::get, "/api/v1/whoami", basic("nurse", kPassword)).status, 429);
  EXPECT_EQ(Http(http::verb::get, "/api/v1/whoami", basic("nurse", "another guess")).status, 429);
}

TEST_F(AccessServerTest, AllowedAndDeniedPatientReadsAreInTheAuditTrail) {
  AddUser("clin-a", auth::Role::kClinician, {"ward-a"});
  AddUser("clin-b", auth::Role::kClinician, {"ward-b"});
  AddUser("admin", auth::Role::kAdministrator);
  EXPECT_EQ(Http(http::verb::get, "/api/v1/twins/patient-a01", SessionCookie("clin-a")).status,
            200);
  Reply denied = Http(http::verb::get, "/api/v1/twins/monitor-a01/telemetry/hr/history",
                      SessionCookie("clin-b"));
  EXPECT_EQ(denied.status, 403);
  EXPECT_EQ(denied.Json()["code"], 1011);
  EXPECT_NE(denied.Json()["message"].get<std::string>().find("not_in_ward"), std::string::npos);

  Reply trail = Http(http::verb::get, "/api/v1/audit?patient=patient-a01", SessionCookie("admin"));
  ASSERT_EQ(trail.status, 200) << trail.body;
  bool allowed = false, refused = false;
  const nlohmann::json records = trail.Json();
  for (const auto& r : records["value"]) {
    if (r["actor"] == "clin-a" && r["outcome"] == "allow" && r["action"] == "read_twin" &&
        r["twin"] == "patient-a01" && r["interface"] == "rest" && r["reason"] == "in_ward")
      allowed = true;
    if (r["actor"] == "clin-b" && r["outcome"] == "deny" && r["action"] == "read_history" &&
        r["twin"] == "monitor-a01" && r["reason"] == "not_in_ward" && r["actorRole"] == "clinician")
      refused = true;
    EXPECT_EQ(r["remote"].get<std::string>().rfind("127.0.0.1:", 0), 0u);
  }
  EXPECT_TRUE(allowed) << trail.body;
  EXPECT_TRUE(refused) << trail.body;
  // Only administrators and audit-scoped services read the trail.
  EXPECT_EQ(Http(http::verb::get, "/api/v1/audit?user=clin-a", SessionCookie("clin-a")).status,
            403);
  ASSERT_TRUE(audit_->Flush().ok());
  auto v = audit_->Verify();
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(v->ok) << v->message;
  EXPECT_GE(v->records, 3);
}

TEST_F(AccessServerTest, ViewersNeverSeeRecordProperties) {
  AddUser("family", auth::Role::kViewer, {}, "patient-a01");
  AddUser("clin-a", auth::Role::kClinician, {"ward-a"});
  auto has_record = [](const nlohmann::json& twin) {
    for (auto it = twin.begin(); it != twin.end(); ++it)
      if (auth::IsRecordProperty(it.key())) return true;
    return false;
  };
  // The clinician sees the record, so the patient twin really has one.
  Reply full = Http(http::verb::get, "/api/v1/twins/patient-a01", SessionCookie("clin-a"));
  ASSERT_EQ(full.status, 200);
  ASSERT_TRUE(has_record(full.Json())) << full.body;

  const std::string viewer = SessionCookie("family");
  Reply one = Http(http::verb::get, "/api/v1/twins/patient-a01", viewer);
  ASSERT_EQ(one.status, 200);
  EXPECT_FALSE(has_record(one.Json())) << one.body;
  EXPECT_EQ(one.Json()["$dtId"], "patient-a01");
  Reply list = Http(http::verb::get, "/api/v1/twins", viewer);
  ASSERT_EQ(list.status, 200);
  bool saw_patient = false;
  const nlohmann::json twins = list.Json();
  for (const auto& t : twins["value"]) {
    EXPECT_FALSE(has_record(t)) << t.dump();
    saw_patient |= t["$dtId"] == "patient-a01";
    EXPECT_NE(t["$dtId"], "patient-a02");
  }
  EXPECT_TRUE(saw_patient);
  Reply walk = Http(http::verb::get, "/api/v1/twins/patient-a01/traverse", viewer);
  ASSERT_EQ(walk.status, 200);
  const nlohmann::json walked = walk.Json();
  for (const auto& t : walked["value"]) EXPECT_FALSE(has_record(t)) << t.dump();
  EXPECT_EQ(Http(http::verb::get, "/fhir/Condition?patient=patient-a01", viewer).status, 403);
}

TEST_F(AccessServerTest, WhenTheAuditTrailRefusesNoDataIsServed) {
  AddUser("clin-a", auth::Role::kClinician, {"ward-a"});
  const std::string cookie = SessionCookie("clin-a");
  audit_->Close();  // Append now fails closed (unavailable)
  Reply r = Http(http::verb::get, "/api/v1/twins/patient-a01", cookie);
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.Json()["error"], "unavailable");
  EXPECT_EQ(r.body.find("patient-a01"), std::string::npos);
}

TEST_F(AccessServerTest, BadCredentialsAre401AndAudited) {
  Reply bad = Http(http::verb::get, "/api/v1/twins/patient-a01",
                   "Bearer ljd_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
  EXPECT_EQ(bad.status, 401);
  EXPECT_EQ(bad.www_authenticate, "Bearer");
  EXPECT_EQ(Http(http::verb::get, "/api/v1/twins", "Bearer nonsense").status, 401);
  EXPECT_EQ(Http(http::verb::get, "/healthz", "Bearer nonsense").status, 200);
  ASSERT_TRUE(audit_->Flush().ok());
  auto v = audit_->Verify();
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->records, 2);  // two refused credentials; the health check is not audited
}

}  // namespace
}  // namespace lj::server::testing
