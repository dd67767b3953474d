// Sessions and sockets under attack, against the real binary (access control on): an open
// WebSocket must not outlive its credential (token revocation, logout), a cookie-borne state
// change from another site's page is refused (CSRF), and every refusal is counted on /metrics.
// Waits are bounded; nothing here asserts a speed.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <string>
#include <thread>

#include "harness.h"

namespace lj::it {
namespace {

using namespace std::chrono_literals;

std::string DeviceToken(const std::string& data_dir, const std::string& twin) {
  std::string out;
  EXPECT_EQ(RunCommand({LingjingBinary(), "token", "create", "--kind", "device", "--name",
                        "dev-" + twin, "--twin", twin, "--data", data_dir},
                       &out),
            0)
      << out;
  size_t at = out.find("ljd_");
  return at == std::string::npos ? "" : out.substr(at, 47);
}

std::string Config(const std::string& text) {
  const std::string path = MakeTempDir("lj-it-conf") + "/c.toml";
  std::ofstream(path) << text;
  return path;
}

nlohmann::json IngestHr(double v) {
  return {{"op", "ingest"},
          {"seq", v},
          {"samples", {{{"twin", "monitor-1"}, {"telemetry", "hr"}, {"v", v}}}}};
}

// Audit records by one actor (`lingjing audit query --user`), one JSON object per line.
std::string AuditText(const std::string& data, const std::string& user) {
  std::string out;
  RunCommand({LingjingBinary(), "audit", "query", "--user", user, "--json", "--limit", "1000",
              "--data", data},
             &out);
  return out;
}

TEST(SessionSecurity, ARevokedTokensOpenWebSocketIsClosedAndWritesNothingMore) {
  const std::string data = MakeTempDir("lj-it-data");
  const std::string token = DeviceToken(data, "monitor-1");
  ASSERT_FALSE(token.empty());
  auto s = Server::Start("serve", {}, data);
  ASSERT_TRUE(s);
  CreateTestWard(*s);
  auto ws = WsClient::Connect(s->port, 0, "Bearer " + token);
  ASSERT_TRUE(ws);
  ASSERT_TRUE(ws->Send(IngestHr(70)));
  auto ack = ws->ReadUntil([](const nlohmann::json& m) { return m.value("op", "") == "ack"; }, 10s);
  ASSERT_TRUE(ack);
  EXPECT_EQ((*ack)["accepted"], 1);
  // Revoked by another process (the CLI): the server learns of it within revocation_check_ms.
  std::string out;
  ASSERT_EQ(RunCommand({LingjingBinary(), "token", "revoke", "1", "--data", data}, &out), 0) << out;
  const auto revoked_at = std::chrono::steady_clock::now();
  int accepted_after = 0;
  for (int i = 0; std::chrono::steady_clock::now() - revoked_at < 15s && !ws->closed(); ++i) {
    ws->Send(IngestHr(71 + i % 50));
    auto m = ws->Read(100ms);
    std::this_thread::sleep_for(50ms);
    // The server checks auth.db for changes at most every second: writes in that window pass.
    if (m && m->value("op", "") == "ack" && std::chrono::steady_clock::now() - revoked_at > 3s)
      accepted_after += (*m)["accepted"].get<int>();
  }
  ASSERT_TRUE(ws->closed()) << "the revoked token's connection stayed open";
  EXPECT_EQ(ws->close_code(), 1008);
  EXPECT_EQ(accepted_after, 0);
  EXPECT_EQ(WsClient::Connect(s->port, 0, "Bearer " + token, /*connect_only=*/true), nullptr)
      << "a new connection with the revoked token is refused";
  EXPECT_TRUE(WaitFor(
      [&] {
        return s->Metric("lj_ws_closes_total{code=\"1008\",by=\"server\",reason=\"revoked\"}") >= 1;
      },
      10s));
  EXPECT_NE(AuditText(data, "dev-monitor-1").find("credential no longer valid"), std::string::npos);
}

TEST(SessionSecurity, LoggingOutClosesTheSessionsLiveViewers) {
  auto s = Server::Start("serve");
  ASSERT_TRUE(s);
  CreateTestWard(*s);
  auto ws = WsClient::Connect(s->port);  // the administrator's browser session
  ASSERT_TRUE(ws);
  ASSERT_TRUE(ws->Send({{"op", "subscribe"}, {"id", "w"}, {"target", {{"subtree", "ward-t"}}}}));
  ASSERT_TRUE(
      ws->ReadUntil([](const nlohmann::json& m) { return m.value("op", "") == "snapshot"; }, 10s));
  HttpResult r = HttpRequest(s->port, "POST", "/api/v1/logout", "");
  ASSERT_LT(r.status, 300) << r.body;
  // Vitals keep arriving for the patient; the logged-out viewer must not get them.
  ws->ReadUntil([&](const nlohmann::json&) { return false; }, 5s);
  EXPECT_TRUE(ws->closed()) << "a logged-out viewer kept its live feed";
  EXPECT_EQ(ws->close_code(), 1008);
}

TEST(SessionSecurity, CookieBorneStateChangesFromAnotherSitesPageAreRefused) {
  auto s = Server::Start("serve");
  ASSERT_TRUE(s);
  CreateTestWard(*s);
  const std::string url = "http://127.0.0.1:" + std::to_string(s->port);
  const std::string cookie = SessionCookieFor(s->port);
  auto post = [&](const std::vector<std::string>& headers, const std::string& path,
                  const std::string& body) {
    std::vector<std::string> argv = {"curl", "-s",
                                     "-o",   "/dev/null",
                                     "-w",   "%{http_code}",
                                     "-H",   "Cookie: " + cookie,
                                     "-H",   "Content-Type: text/plain"};
    for (const std::string& h : headers) {
      argv.push_back("-H");
      argv.push_back(h);
    }
    argv.push_back("--data-binary");
    argv.push_back(body);
    argv.push_back(url + path);
    std::string out;
    RunCommand(argv, &out);
    return out;
  };
  const std::string line = "vitals,twin=monitor-1 hr=72";
  // A sibling origin (another port of the same host) and a cross-site fetch without Origin.
  EXPECT_EQ(post({"Origin: http://127.0.0.1:9999"}, "/write", line), "403");
  EXPECT_EQ(post({"Sec-Fetch-Site: cross-site"}, "/write", line), "403");
  EXPECT_EQ(post({"Sec-Fetch-Site: same-site"}, "/write", line), "403");
  EXPECT_EQ(post({"Origin: http://127.0.0.1:9999"}, "/api/v1/alarms/1/acknowledge", "{}"), "403");
  EXPECT_EQ(post({"Origin: http://127.0.0.1:9999"}, "/api/v1/logout", ""), "403");
  // The server's own pages, and tools that send no Origin, are served.
  EXPECT_EQ(post({"Origin: http://127.0.0.1:" + std::to_string(s->port)}, "/write", line), "204");
  EXPECT_EQ(post({"Sec-Fetch-Site: same-origin"}, "/write", line), "204");
  EXPECT_EQ(post({}, "/write", line), "204");
  EXPECT_GE(s->Metric("lj_http_responses_total{code=\"403\"}"), 5);
}

TEST(SessionSecurity, EveryKindOfRefusalIsCountedAndTheHealthCheckTellsNothing) {
  auto s = Server::Start(
      "serve", {"--config", Config("[server]\nmax_body_bytes = 1024\nheader_timeout_s = 2\n"
                                   "max_ws_message_bytes = 4096\n[auth]\nlogin_burst = 2\n")});
  ASSERT_TRUE(s);
  const uint16_t port = s->port;
  EXPECT_EQ(HttpRequestWith(port, "GET", "/api/v1/twins", "", "", "").status, 401);
  EXPECT_EQ(HttpRequest(port, "POST", "/write", std::string(4096, 'x'), "text/plain").status, 413);
  for (int i = 0; i < 4; ++i)  // a wrong password until the login limiter answers 429
    HttpRequestWith(port, "POST", "/api/v1/login", R"({"name":"admin","password":"wrong-wrong"})",
                    "application/json", "");
  EXPECT_EQ(HttpRequestWith(port, "POST", "/api/v1/login",
                            R"({"name":"admin","password":"wrong-wrong"})", "application/json", "")
                .status,
            429);
  int big = ConnectTcp(port);
  std::string req =
      "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(20000, 'a') + "\r\n\r\n";
  send(big, req.data(), req.size(), MSG_NOSIGNAL);
  char buf[64];
  pollfd p{big, POLLIN, 0};
  poll(&p, 1, 10000);
  recv(big, buf, sizeof buf, 0);
  close(big);
  int slow = ConnectTcp(port);  // a header that never ends: dropped after header_timeout_s
  send(slow, "GET / HTTP/1.1\r\n", 16, MSG_NOSIGNAL);
  auto ws = WsClient::Connect(port);
  ASSERT_TRUE(ws);
  ws->SendText(std::string(8192, ' '));  // over max_ws_message_bytes: closed with 1009
  ws->ReadUntil([](const nlohmann::json&) { return false; }, 3s);
  EXPECT_TRUE(ws->closed());
  EXPECT_TRUE(WaitFor([&] { return s->Metric("lj_http_header_timeouts_total") >= 1; }, 20s));
  close(slow);
  for (const char* code : {"401", "413", "429", "431"})
    EXPECT_GE(s->Metric(std::string("lj_http_responses_total{code=\"") + code + "\"}"), 1) << code;
  EXPECT_GE(s->Metric("lj_ws_closes_total{code=\"1009\",by=\"server\",reason=\"message_too_big\"}"),
            1);
  // The health check answers anyone, and says only that the server is up.
  HttpResult h = HttpRequestWith(port, "GET", "/healthz", "", "", "");
  EXPECT_EQ(h.status, 200);
  EXPECT_EQ(h.json(), (nlohmann::json{{"status", "ok"}})) << h.body;
}

}  // namespace
}  // namespace lj::it
