// The WebSocket live API under access control (server/ws_access.h), over real WebSocket
// upgrades against an in-process server: no credential → 401; a session cookie from another
// site → 403; viewers and devices → 403; an administrator is admitted and served; an admitted
// service without `ingest` cannot ingest and a non-user cannot announce presence; a clinician's
// subtree subscription carries only twins of their ward — every admission, refusal and patient
// seen in the audit trail.
#include <boost/beast/websocket.hpp>
#include <map>
#include <set>

#include "server/access_test_util.h"
#include "server/publisher_access.h"
#include "server/ws_access.h"

namespace lj::server::testing {
namespace {

namespace http = boost::beast::http;
namespace websocket = boost::beast::websocket;
namespace net = boost::asio;

struct Upgrade {
  int status = 0;  // 101 when upgraded
  std::unique_ptr<net::io_context> ioc;
  std::unique_ptr<websocket::stream<net::ip::tcp::socket>> ws;

  // One message sent, the next frame received.
  nlohmann::json Exchange(const nlohmann::json& msg) {
    ws->write(net::buffer(msg.dump()));
    boost::beast::flat_buffer buf;
    ws->read(buf);
    return nlohmann::json::parse(boost::beast::buffers_to_string(buf.data()), nullptr, false);
  }
};

class WsAccessTest : public AccessServerTest {
 protected:
  // `auth` as for Http(); `origin` sets the Origin header when not empty.
  Upgrade Open(const std::string& auth, const std::string& origin = "") {
    Upgrade u;
    u.ioc = std::make_unique<net::io_context>();
    u.ws = std::make_unique<websocket::stream<net::ip::tcp::socket>>(*u.ioc);
    u.ws->next_layer().connect({net::ip::make_address("127.0.0.1"), server_->port()});
    u.ws->set_option(websocket::stream_base::decorator([&](websocket::request_type& r) {
      if (auth.rfind("lj_session=", 0) == 0)
        r.set(http::field::cookie, auth);
      else if (!auth.empty())
        r.set(http::field::authorization, auth);
      if (!origin.empty()) r.set(http::field::origin, origin);
    }));
    boost::beast::error_code ec;
    const std::string host = "127.0.0.1:" + std::to_string(server_->port());
    u.ws->handshake(host, "/ws", ec);
    u.status = ec ? 0 : 101;
    return u;
  }
  // The status of an upgrade request (101 when upgraded), over a raw HTTP exchange.
  int Probe(const std::string& auth, const std::string& origin = "") {
    net::io_context ioc;
    net::ip::tcp::socket sock(ioc);
    sock.connect({net::ip::make_address("127.0.0.1"), server_->port()});
    http::request<http::empty_body> req{http::verb::get, "/ws", 11};
    req.set(http::field::host, "127.0.0.1:" + std::to_string(server_->port()));
    req.set(http::field::upgrade, "websocket");
    req.set(http::field::connection, "Upgrade");
    req.set(http::field::sec_websocket_key, "dGhlIHNhbXBsZSBub25jZQ==");
    req.set(http::field::sec_websocket_version, "13");
    if (auth.rfind("lj_session=", 0) == 0)
      req.set(http::field::cookie, auth);
    else if (!auth.empty())
      req.set(http::field::authorization, auth);
    if (!origin.empty()) req.set(http::field::origin, origin);
    http::write(sock, req);
    boost::beast::flat_buffer buf;
    http::response_parser<http::string_body> res;
    res.skip(true);  // a 101 has no body; read the header only
    boost::beast::error_code ec;
    http::read_header(sock, buf, res, ec);
    return ec ? -1 : res.get().result_int();
  }
  std::vector<audit::Record> Trail() {
    EXPECT_TRUE(audit_->Flush().ok());
    auto page = audit_->Query(audit::AuditQuery{.limit = 1000});
    EXPECT_TRUE(page.ok());
    return page.ok() ? page->records : std::vector<audit::Record>{};
  }
  static int Count(const std::vector<audit::Record>& rs, const std::string& actor, bool allowed,
                   const std::string& reason) {
    int n = 0;
    for (const auto& r : rs)
      n += r.interface == audit::Interface::kWs && r.actor == actor && r.allowed == allowed &&
           r.reason == reason;
    return n;
  }
};

TEST_F(WsAccessTest, NoCredentialIs401AndAudited) {
  EXPECT_EQ(Probe(""), 401);
  EXPECT_EQ(Probe("Bearer ljd_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"), 401);
  auto trail = Trail();
  ASSERT_EQ(trail.size(), 2u);
  for (const auto& r : trail) {
    EXPECT_EQ(r.interface, audit::Interface::kWs);
    EXPECT_FALSE(r.allowed);
    EXPECT_EQ(r.action, "authenticate");
  }
}

TEST_F(WsAccessTest, AdministratorIsAdmittedAndServedAndAudited) {
  AddUser("boss", auth::Role::kAdministrator);
  Upgrade u = Open(SessionCookie("boss"), "http://127.0.0.1:" + std::to_string(server_->port()));
  ASSERT_EQ(u.status, 101);
  nlohmann::json pong = u.Exchange({{"op", "ping"}, {"seq", 7}});
  EXPECT_EQ(pong["op"], "pong");
  EXPECT_EQ(pong["seq"], 7);
  EXPECT_EQ(Count(Trail(), "boss", true, "administrator"), 1);
}

TEST_F(WsAccessTest, SessionCookieFromAnotherSiteIsRefused) {
  AddUser("boss", auth::Role::kAdministrator);
  const std::string cookie = SessionCookie("boss");
  EXPECT_EQ(Probe(cookie, "https://evil.example"), 403);
  EXPECT_EQ(Probe(cookie, "null"), 403);
  EXPECT_EQ(Count(Trail(), "boss", false, "cross_origin"), 2);
  // A tool without an Origin, and a bearer token from any page, are not cookie-borne.
  EXPECT_EQ(Open(cookie).status, 101);
  const std::string token = Token(auth::TokenKind::kService, "siem", {}, auth::kScopeRead);
  EXPECT_EQ(Open("Bearer " + token, "https://elsewhere.example").status, 101);
}

// Every frame of a subscription, until `until` op arrives (or 8 frames).
std::vector<nlohmann::json> Frames(Upgrade& u, const nlohmann::json& msg,
                                   const std::string& until) {
  std::vector<nlohmann::json> out;
  u.ws->write(net::buffer(msg.dump()));
  for (int i = 0; i < 8; ++i) {
    boost::beast::flat_buffer buf;
    u.ws->read(buf);
    out.push_back(nlohmann::json::parse(boost::beast::buffers_to_string(buf.data())));
    if (out.back().value("op", "") == until) break;
  }
  return out;
}

TEST_F(WsAccessTest, ASubtreeSubscriptionNeverCarriesAnOutOfScopeTwin) {
  AddUser("clin-a", auth::Role::kClinician, {"ward-a"});
  AddUser("boss", auth::Role::kAdministrator);
  const nlohmann::json sub = {
      {"op", "subscribe"}, {"id", "all"}, {"target", {{"subtree", "hospital"}}}};
  auto ids_of = [](const std::vector<nlohmann::json>& frames) {
    std::set<std::string> ids;
    for (const auto& f : frames)
      if (f.value("op", "") == "snapshot")
        for (const auto& t : f["twins"]) ids.insert(t["id"].get<std::string>());
    return ids;
  };
  Upgrade boss = Open(SessionCookie("boss"));
  ASSERT_EQ(boss.status, 101);
  const std::set<std::string> all = ids_of(Frames(boss, sub, "snapshot"));
  ASSERT_TRUE(all.count("patient-b01") && all.count("monitor-b02") && all.count("ward-b"));

  Upgrade clin = Open(SessionCookie("clin-a"));
  ASSERT_EQ(clin.status, 101);
  const std::set<std::string> seen = ids_of(Frames(clin, sub, "snapshot"));
  EXPECT_TRUE(seen.count("patient-a01") && seen.count("monitor-a02") && seen.count("ward-a"));
  EXPECT_TRUE(seen.count("hospital"));  // the structure above the clinician's ward
  for (const std::string& id : seen) {
    EXPECT_EQ(id.find("-b0"), std::string::npos) << id << " is in ward-b";
    EXPECT_NE(id, "ward-b");
  }
  EXPECT_LT(seen.size(), all.size());
  // A ward-b twin named directly yields an empty snapshot, not the twin.
  const std::set<std::string> direct = ids_of(Frames(
      clin, {{"op", "subscribe"}, {"id", "b"}, {"target", {{"twin", "patient-b01"}}}}, "snapshot"));
  EXPECT_TRUE(direct.empty());

  auto trail = Trail();
  EXPECT_EQ(Count(trail, "clin-a", true, "filtered"), 1);  // the admission
  int a_patients = 0, b_patients = 0;
  for (const auto& r : trail) {
    if (r.actor != "clin-a" || r.patient.empty()) continue;
    a_patients += r.patient.rfind("patient-a", 0) == 0 && r.allowed;
    b_patients += r.patient.rfind("patient-b", 0) == 0;
  }
  EXPECT_EQ(a_patients, 2);  // each patient audited once per connection
  EXPECT_EQ(b_patients, 0);
}

TEST_F(WsAccessTest, AdmittedConnectionsMayOnlyDoWhatThePrincipalMay) {
  const std::string reader = Token(auth::TokenKind::kService, "dashboard", {}, auth::kScopeRead);
  Upgrade u = Open("Bearer " + reader);
  ASSERT_EQ(u.status, 101);
  nlohmann::json ingest = {
      {"op", "ingest"},
      {"seq", 1},
      {"samples", {{{"twin", "monitor-b01"}, {"telemetry", "hr"}, {"v", 80}}}}};
  nlohmann::json refused = u.Exchange(ingest);
  EXPECT_EQ(refused["error"], "forbidden") << refused.dump();
  EXPECT_EQ(refused["seq"], 1);
  nlohmann::json presence = u.Exchange({{"op", "presence"}, {"seq", 2}, {"name", "x"}});
  EXPECT_EQ(presence["error"], "forbidden") << presence.dump();
  auto trail = Trail();
  EXPECT_EQ(Count(trail, "dashboard", true, "scope_grants"), 1);
  EXPECT_EQ(Count(trail, "dashboard", false, "missing_scope"), 1);
  EXPECT_EQ(Count(trail, "dashboard", false, "not_a_user"), 1);
}

// The op × role table of the live API, as access_table_test.cc is for HTTP routes: every op of
// kWsOps (a new op without a row fails), on a fresh connection per cell. Y: not refused; N:
// refused as forbidden; -: the upgrade itself is refused (403, or 401 anonymous).
TEST_F(WsAccessTest, EveryOpTimesEveryRoleMatchesTheTable) {
  AddUser("admin", auth::Role::kAdministrator);
  AddUser("clin-a", auth::Role::kClinician, {"ward-a"});
  AddUser("clin-b", auth::Role::kClinician, {"ward-b"});
  AddUser("family", auth::Role::kViewer, {}, "patient-a01");
  const std::vector<std::pair<std::string, std::string>> roles = {
      {"admin", SessionCookie("admin")},
      {"clinician ward-a", SessionCookie("clin-a")},
      {"clinician ward-b", SessionCookie("clin-b")},
      {"viewer of patient-a01", SessionCookie("family")},
      {"device monitor-a01",
       "Bearer " + Token(auth::TokenKind::kDevice, "monitor", {"monitor-a01"}, 0)},
      {"service (all scopes)",
       "Bearer " + Token(auth::TokenKind::kService, "his", {}, auth::kAllScopes)},
      {"service (metrics only)",
       "Bearer " + Token(auth::TokenKind::kService, "prometheus", {}, auth::kScopeMetrics)},
      {"anonymous", ""}};
  //                                                   AdCaCbVwDvSaSmAn
  const std::map<std::string, std::string> expected = {
      {"subscribe", "YYYYNY--"}, {"unsubscribe", "YYYYYY--"}, {"ingest", "YYNNYY--"},
      {"presence", "YYYYNN--"},  {"pose", "YYYYNN--"},        {"ping", "YYYYYY--"}};
  const std::map<std::string, nlohmann::json> messages = {
      {"subscribe", {{"op", "subscribe"}, {"id", "s"}, {"target", {{"twin", "monitor-a01"}}}}},
      {"unsubscribe", {{"op", "unsubscribe"}, {"id", "none"}}},
      {"ingest",
       {{"op", "ingest"},
        {"seq", 1},
        {"samples", {{{"twin", "monitor-a01"}, {"telemetry", "hr"}, {"v", 70}}}}}},
      {"presence", {{"op", "presence"}, {"label", "x"}}},
      {"pose", {{"op", "pose"}, {"x", 0}, {"y", 1.6}, {"z", 0}, {"heading", 0}, {"pitch", 0}}},
      {"ping", {{"op", "ping"}}}};
  for (std::string_view op : kWsOps) {
    ASSERT_TRUE(expected.count(std::string(op))) << "new op without a row in this table: " << op;
    ASSERT_TRUE(messages.count(std::string(op))) << op;
  }
  EXPECT_EQ(expected.size(), kWsOps.size()) << "a row for an op that no longer exists";
  for (const auto& [op, row] : expected) {
    for (size_t c = 0; c < roles.size(); ++c) {
      Upgrade u = Open(roles[c].second);
      std::string got = "-";
      if (u.status == 101) {
        // The op, then a ping: everything before the pong answers the op.
        u.ws->write(net::buffer(messages.at(op).dump()));
        u.ws->write(net::buffer(nlohmann::json{{"op", "ping"}, {"seq", 999}}.dump()));
        got = "Y";
        for (int i = 0; i < 50; ++i) {
          boost::beast::flat_buffer buf;
          u.ws->read(buf);
          auto m =
              nlohmann::json::parse(boost::beast::buffers_to_string(buf.data()), nullptr, false);
          if (m.value("op", "") == "pong" && m.value("seq", 0) == 999) break;
          if (m.value("op", "") == "error" && m.value("error", "") == "forbidden") got = "N";
        }
      }
      EXPECT_EQ(got, std::string(1, row[c])) << op << " as " << roles[c].first;
    }
  }
  // Anything else is not an op at all.
  Upgrade u = Open(roles[0].second);
  ASSERT_EQ(u.status, 101);
  EXPECT_EQ(u.Exchange({{"op", "shutdown"}})["error"], "unsupported");
}

TEST_F(WsAccessTest, AViewerSeesOnlyTheirPatientAndNeverTheRecord) {
  AddUser("family", auth::Role::kViewer, {}, "patient-a01");
  AddUser("boss", auth::Role::kAdministrator);
  const nlohmann::json sub = {
      {"op", "subscribe"}, {"id", "all"}, {"target", {{"subtree", "hospital"}}}};
  auto snapshot_of = [](const std::vector<nlohmann::json>& frames) {
    std::map<std::string, nlohmann::json> twins;
    for (const auto& f : frames)
      if (f.value("op", "") == "snapshot")
        for (const auto& t : f["twins"]) twins[t["id"]] = t;
    return twins;
  };
  Upgrade admin = Open(SessionCookie("boss"));
  ASSERT_EQ(admin.status, 101);
  auto all = snapshot_of(Frames(admin, sub, "snapshot"));
  ASSERT_TRUE(all.count("patient-a01"));
  ASSERT_TRUE(all["patient-a01"]["properties"].contains("allergies"));  // the record is there

  Upgrade u = Open(SessionCookie("family"));
  ASSERT_EQ(u.status, 101);
  auto mine = snapshot_of(Frames(u, sub, "snapshot"));
  ASSERT_TRUE(mine.count("patient-a01")) << "the viewer's own patient";
  for (const auto& [id, t] : mine) {
    EXPECT_TRUE(id.find("a01") != std::string::npos) << "not the viewer's patient: " << id;
    for (const char* p : {"allergies", "problems", "medications"})
      EXPECT_FALSE(t["properties"].contains(p)) << id << " carries " << p;
  }
  EXPECT_FALSE(mine.count("patient-a02"));
  EXPECT_FALSE(mine.count("patient-b01"));
  EXPECT_EQ(Count(Trail(), "family", true, "filtered"), 1);
}

TEST_F(WsAccessTest, ADeviceMayOnlyWriteItsOwnTwinsAndCannotSubscribe) {
  const std::string device = Token(auth::TokenKind::kDevice, "mon-a01", {"monitor-a01"}, 0);
  Upgrade u = Open("Bearer " + device);
  ASSERT_EQ(u.status, 101);
  nlohmann::json sub =
      u.Exchange({{"op", "subscribe"}, {"id", "s"}, {"target", {{"twin", "monitor-a01"}}}});
  EXPECT_EQ(sub["error"], "forbidden") << sub.dump();
  nlohmann::json own =
      u.Exchange({{"op", "ingest"},
                  {"seq", 1},
                  {"samples", {{{"twin", "monitor-a01"}, {"telemetry", "hr"}, {"v", 80}}}}});
  EXPECT_EQ(own["op"], "ack") << own.dump();
  EXPECT_EQ(own["accepted"], 1);
  // Another bed, alone or hidden in a batch with its own: the whole message is refused.
  for (const nlohmann::json& samples :
       {nlohmann::json{{{"twin", "monitor-b01"}, {"telemetry", "hr"}, {"v", 80}}},
        nlohmann::json{{{"twin", "monitor-a01"}, {"telemetry", "hr"}, {"v", 81}},
                       {{"twin", "monitor-a02"}, {"telemetry", "hr"}, {"v", 82}}}}) {
    nlohmann::json other = u.Exchange({{"op", "ingest"}, {"seq", 2}, {"samples", samples}});
    EXPECT_EQ(other["error"], "forbidden") << other.dump();
    EXPECT_NE(other["message"].get<std::string>().find("not_own_twin"), std::string::npos);
  }
  auto trail = Trail();
  EXPECT_EQ(Count(trail, "mon-a01", true, "ingest_only"), 1);
  EXPECT_EQ(Count(trail, "mon-a01", false, "role_forbids"), 1);  // the subscription
  EXPECT_EQ(Count(trail, "mon-a01", false, "not_own_twin"), 2);
  int b01 = 0, a02 = 0;
  for (const auto& r : trail) {
    b01 += r.actor == "mon-a01" && !r.allowed && r.twin == "monitor-b01";
    a02 += r.actor == "mon-a01" && !r.allowed && r.twin == "monitor-a02";
  }
  EXPECT_EQ(b01, 1);
  EXPECT_EQ(a02, 1);
}

TEST_F(WsAccessTest, AnAllowedWriteAfterARefusedOneIsStillAudited) {
  const std::string device = Token(auth::TokenKind::kDevice, "mon-a01", {"monitor-a01"}, 0);
  auto scope = scopes_->Resolve("monitor-a01");
  ASSERT_TRUE(scope.ok());
  ASSERT_FALSE((*scope)->patient.empty());
  Upgrade u = Open("Bearer " + device);
  ASSERT_EQ(u.status, 101);
  nlohmann::json refused =
      u.Exchange({{"op", "ingest"},
                  {"seq", 1},
                  {"samples",
                   {{{"twin", "monitor-a01"}, {"telemetry", "hr"}, {"v", 80}},
                    {{"twin", "monitor-b01"}, {"telemetry", "hr"}, {"v", 81}}}}});
  EXPECT_EQ(refused["error"], "forbidden") << refused.dump();
  nlohmann::json ok =
      u.Exchange({{"op", "ingest"},
                  {"seq", 2},
                  {"samples", {{{"twin", "monitor-a01"}, {"telemetry", "hr"}, {"v", 82}}}}});
  EXPECT_EQ(ok["op"], "ack") << ok.dump();
  int allowed = 0;
  for (const auto& r : Trail())
    allowed += r.allowed && r.actor == "mon-a01" && r.patient == (*scope)->patient;
  EXPECT_EQ(allowed, 1);
}

TEST_F(WsAccessTest, APrincipalThatMayNeitherReadNorWriteIsRefused) {
  const std::string metrics = Token(auth::TokenKind::kService, "prom", {}, auth::kScopeMetrics);
  EXPECT_EQ(Probe("Bearer " + metrics), 403);
  EXPECT_EQ(Count(Trail(), "prom", false, "missing_scope"), 1);
}

}  // namespace
}  // namespace lj::server::testing

namespace lj::server::testing {
namespace {

// MQTT publishers (server/publisher_access.h): the broker authenticated the token name the topic
// carries; each message's twins are checked like any other ingest.
class PublisherAccessTest : public AccessServerTest {
 protected:
  static ingest::ParsedBatch Batch(std::vector<std::string> twins) {
    ingest::ParsedBatch b;
    for (const std::string& t : twins) {
      b.owned.push_back(t);
      ingest::ParsedSample s;
      s.twin = b.owned.back();
      s.telemetry = "hr";
      b.samples.push_back(s);
    }
    return b;
  }
  std::vector<audit::Record> Trail() {
    EXPECT_TRUE(audit_->Flush().ok());
    auto page = audit_->Query(audit::AuditQuery{.limit = 1000});
    return page.ok() ? page->records : std::vector<audit::Record>{};
  }
};

TEST_F(PublisherAccessTest, ADeviceMayOnlyWriteItsOwnTwinsOverMqtt) {
  Token(auth::TokenKind::kDevice, "mon-a01", {"monitor-a01"}, 0);
  PublisherAuthorizer authz(*access_, audit::Interface::kMqtt, /*refresh_ms=*/0);
  const std::string topic = "lingjing/devices/mon-a01/line";
  EXPECT_TRUE(authz.Authorize("mon-a01", topic, Batch({"monitor-a01"})).ok());
  EXPECT_TRUE(authz.Authorize("mon-a01", topic, Batch({"monitor-a01"})).ok());
  Status other = authz.Authorize("mon-a01", topic, Batch({"monitor-a01", "monitor-b01"}));
  EXPECT_EQ(other.code(), ErrorCode::kForbidden);
  EXPECT_NE(other.message().find("monitor-b01"), std::string::npos) << other.message();
  EXPECT_EQ(authz.Authorize("nobody", topic, Batch({"monitor-a01"})).code(), ErrorCode::kForbidden);
  EXPECT_EQ(authz.Authorize("", "lingjing/line", Batch({"monitor-a01"})).code(),
            ErrorCode::kForbidden);
  int denied_b01 = 0, unknown = 0, anonymous = 0, allowed = 0;
  for (const auto& r : Trail()) {
    if (r.interface != audit::Interface::kMqtt) continue;
    denied_b01 += !r.allowed && r.actor == "mon-a01" && r.twin == "monitor-b01" &&
                  r.reason == "not_own_twin" && r.detail == topic;
    unknown += !r.allowed && r.actor == "nobody" && r.reason == "unknown_publisher";
    anonymous += !r.allowed && r.reason == "no_publisher";
    allowed += r.allowed && r.actor == "mon-a01";
  }
  EXPECT_EQ(denied_b01, 1);
  EXPECT_EQ(unknown, 1);
  EXPECT_EQ(anonymous, 1);
  EXPECT_LE(allowed, 1);  // once per patient, if the monitor belongs to one
}

TEST_F(PublisherAccessTest, ARefusedMessageMarksNoPatientAsAudited) {
  Token(auth::TokenKind::kDevice, "mon-a01", {"monitor-a01"}, 0);
  auto scope = scopes_->Resolve("monitor-a01");
  ASSERT_TRUE(scope.ok());
  ASSERT_FALSE((*scope)->patient.empty()) << "the fixture's monitor belongs to a patient";
  PublisherAuthorizer authz(*access_, audit::Interface::kMqtt, /*refresh_ms=*/0);
  // The own twin sorts first, the foreign one refuses the message: nothing was written.
  EXPECT_EQ(authz.Authorize("mon-a01", "t", Batch({"monitor-a01", "monitor-b01"})).code(),
            ErrorCode::kForbidden);
  EXPECT_TRUE(authz.Authorize("mon-a01", "t", Batch({"monitor-a01"})).ok());
  EXPECT_TRUE(authz.Authorize("mon-a01", "t", Batch({"monitor-a01"})).ok());
  int allowed = 0;
  for (const auto& r : Trail())
    allowed += r.allowed && r.actor == "mon-a01" && r.patient == (*scope)->patient;
  EXPECT_EQ(allowed, 1);  // the first allowed write, once
}

TEST_F(PublisherAccessTest, ARevokedOrAmbiguousTokenNameIsRefused) {
  Token(auth::TokenKind::kDevice, "mon-a01", {"monitor-a01"}, 0);
  PublisherAuthorizer authz(*access_, audit::Interface::kMqtt, /*refresh_ms=*/0);
  ASSERT_TRUE(authz.Authorize("mon-a01", "t", Batch({"monitor-a01"})).ok());
  auto tokens = identities_->ListTokens();
  ASSERT_TRUE(tokens.ok());
  ASSERT_TRUE(identities_->RevokeToken(tokens->front().id).ok());
  EXPECT_EQ(authz.Authorize("mon-a01", "t", Batch({"monitor-a01"})).code(), ErrorCode::kForbidden);
  // Two active tokens with one name: which device is publishing is unknown.
  Token(auth::TokenKind::kDevice, "twin-name", {"monitor-a01"}, 0);
  Token(auth::TokenKind::kDevice, "twin-name", {"monitor-b01"}, 0);
  EXPECT_EQ(authz.Authorize("twin-name", "t", Batch({"monitor-a01"})).code(),
            ErrorCode::kForbidden);
}

}  // namespace
}  // namespace lj::server::testing
