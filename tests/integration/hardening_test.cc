// Hardening of the real binary with access control on (the default): slow headers are dropped
// while others are served, an oversize header gets 431, one address cannot hold more than
// max_connections_per_ip connections, one identity's request rate is limited without slowing
// another identity, and no credential ever reaches the log. Waits are bounded; nothing here
// asserts a speed.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

#include "harness.h"

namespace lj::it {
namespace {

using namespace std::chrono_literals;

std::string Config(const std::string& name, const std::string& text) {
  const std::string path = MakeTempDir("lj-it-conf") + "/" + name;
  std::ofstream(path) << text;
  return path;
}

// A device token made with the CLI before the server starts (prints its secret alone).
std::string DeviceToken(const std::string& data_dir) {
  std::string out;
  EXPECT_EQ(RunCommand({LingjingBinary(), "token", "create", "--kind", "device", "--name", "mon-x",
                        "--twin", "monitor-x", "--data", data_dir},
                       &out),
            0)
      << out;
  size_t at = out.find("ljd_");
  return at == std::string::npos ? "" : out.substr(at, 47);
}

TEST(Hardening, SlowHeadersAreDroppedWhileOthersAreServed) {
  auto s =
      Server::Start("serve", {"--config", Config("slow.toml", "[server]\nheader_timeout_s = 2\n")});
  ASSERT_TRUE(s);
  int fd = ConnectTcp(s->port);
  ASSERT_GE(fd, 0);
  ASSERT_TRUE(SendAll(fd, "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n"));
  // A header line every 300 ms, never finishing: the connection must be closed (at ~2 s).
  bool closed = false;
  for (int i = 0; i < 40 && !closed; ++i) {
    EXPECT_EQ(HttpRequest(s->port, "GET", "/healthz").status, 200) << "others are still served";
    closed = ClosedWithin(fd, 300ms) || !SendAll(fd, "X-Slow: " + std::to_string(i) + "\r\n");
  }
  EXPECT_TRUE(closed) << "a header trickling in forever kept its connection";
  close(fd);
}

TEST(Hardening, OversizeHeaderGets431AndOneAddressHoldsAtMostItsShareOfConnections) {
  auto s = Server::Start(
      "serve", {"--config", Config("conn.toml", "[server]\nmax_connections_per_ip = 4\n")});
  ASSERT_TRUE(s);
  int big = ConnectTcp(s->port);
  ASSERT_GE(big, 0);
  ASSERT_TRUE(SendAll(big, "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " +
                               std::string(20000, 'a') + "\r\n\r\n"));
  char buf[512] = {};
  pollfd p{big, POLLIN, 0};
  ASSERT_GT(poll(&p, 1, 10000), 0);
  ASSERT_GT(recv(big, buf, sizeof buf - 1, 0), 0);
  EXPECT_EQ(std::string(buf).substr(0, 12), "HTTP/1.1 431") << buf;
  close(big);

  // Eight idle connections from one address: at most four stay open, the rest are closed at
  // once (one of the four may still be held by an earlier request closing).
  std::vector<int> fds;
  for (int i = 0; i < 8; ++i) fds.push_back(ConnectTcp(s->port));
  int closed = 0;
  for (int fd : fds) closed += ClosedWithin(fd, 1000ms) ? 1 : 0;
  EXPECT_GE(closed, 4);
  EXPECT_LT(closed, 8) << "some connections must be admitted";
  for (int fd : fds) close(fd);
  EXPECT_TRUE(WaitFor([&] { return s->Metric("lj_http_connections_refused_total") >= 4; }, 20s));
  EXPECT_EQ(HttpRequest(s->port, "GET", "/healthz").status, 200) << "closed slots are reused";
}

TEST(Hardening, OneIdentitysRequestRateIsLimitedWithoutSlowingAnother) {
  const std::string data = MakeTempDir("lj-it-data");
  const std::string token = DeviceToken(data);
  ASSERT_FALSE(token.empty());
  auto s = Server::Start(
      "serve",
      {"--config", Config("rate.toml", "[auth]\nrequests_per_s = 0.5\nrequest_burst = 5\n")}, data);
  ASSERT_TRUE(s);
  // Twenty requests on one connection as the device: five pass, the rest are refused.
  std::vector<std::string> argv = {
      "curl", "-s", "-w", "%{http_code}\\n", "-H", "Authorization: Bearer " + token};
  const std::string url = "http://127.0.0.1:" + std::to_string(s->port) + "/api/v1/whoami";
  for (int i = 0; i < 20; ++i)
    for (const std::string& a : {std::string("-o"), std::string("/dev/null"), url})
      argv.push_back(a);
  std::string out;
  ASSERT_EQ(RunCommand(argv, &out), 0) << out;
  int ok = 0, limited = 0;
  std::istringstream lines(out);
  for (std::string l; std::getline(lines, l);) {
    ok += l == "200";
    limited += l == "429";
  }
  EXPECT_GE(ok, 5) << out;
  EXPECT_GE(limited, 10) << out;
  EXPECT_EQ(ok + limited, 20) << out;
  // The body says why, and when to retry.
  out.clear();
  RunCommand({"curl", "-s", "-i", "-H", "Authorization: Bearer " + token, url}, &out);
  EXPECT_NE(out.find("429"), std::string::npos) << out;
  EXPECT_NE(out.find("Retry-After: 1"), std::string::npos) << out;
  EXPECT_NE(out.find("too many requests from 'mon-x'"), std::string::npos) << out;
  // Another identity (the administrator's session) is not slowed by it.
  EXPECT_EQ(HttpRequest(s->port, "GET", "/api/v1/whoami").status, 200);
}

TEST(Hardening, LastUsedTimesAreSavedWhileTheServerRuns) {
  const std::string data = MakeTempDir("lj-it-data");
  const std::string token = DeviceToken(data);
  ASSERT_FALSE(token.empty());
  auto s = Server::Start("serve", {"--config", Config("usage.toml", "[auth]\nusage_flush_s = 1\n")},
                         data);
  ASSERT_TRUE(s);
  // The token's line in `lingjing token list` (another process) has a date once its last use
  // is saved: it never expires, so the only date on the line is the last use.
  auto used = [&] {
    std::string out;
    RunCommand({LingjingBinary(), "token", "list", "--data", data}, &out);
    const size_t at = out.find("mon-x");
    const std::string line = at == std::string::npos ? "" : out.substr(at, out.find('\n', at) - at);
    return std::regex_search(line, std::regex("[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}Z"));
  };
  EXPECT_FALSE(used());
  std::string out;
  RunCommand({"curl", "-s", "-H", "Authorization: Bearer " + token,
              "http://127.0.0.1:" + std::to_string(s->port) + "/api/v1/whoami"},
             &out);
  // Saved within usage_flush_s, without stopping the server.
  EXPECT_TRUE(WaitFor(used, 20s));
}

TEST(Hardening, CredentialsNeverReachTheLog) {
  const std::string data = MakeTempDir("lj-it-data");
  const std::string token = DeviceToken(data);
  ASSERT_FALSE(token.empty());
  auto s = Server::Start("serve", {"--log-level", "debug"}, data);
  ASSERT_TRUE(s);
  const std::string url = "http://127.0.0.1:" + std::to_string(s->port);
  const std::string bogus = "ljs_" + std::string(43, 'Q');
  const std::string wrong_password = "not-the-password-7731";
  std::string out;
  RunCommand({"curl", "-s", "-H", "Authorization: Bearer " + token, url + "/api/v1/whoami"}, &out);
  RunCommand({"curl", "-s", "-H", "Authorization: Bearer " + bogus, url + "/api/v1/twins"}, &out);
  RunCommand({"curl", "-s", "-u", "admin:" + wrong_password, url + "/api/v1/twins"}, &out);
  RunCommand(
      {"curl", "-s", "-H", "Content-Type: application/json", "-d",
       "{\"name\":\"admin\",\"password\":\"" + wrong_password + "\"}", url + "/api/v1/login"},
      &out);
  const std::string cookie = SessionCookieFor(s->port);  // from the one-time link
  ASSERT_EQ(cookie.rfind("lj_session=ljx_", 0), 0u) << cookie;
  EXPECT_EQ(HttpRequest(s->port, "GET", "/api/v1/twins").status, 200);
  s->process->Stop();
  const std::string log = s->process->Log();
  ASSERT_NE(log.find("level=info"), std::string::npos) << "the structured log is there";
  for (const std::string& secret :
       {token, token.substr(4), bogus, wrong_password, cookie.substr(11), cookie.substr(15)})
    EXPECT_EQ(log.find(secret), std::string::npos) << "a credential is in the log: " << secret;
}

}  // namespace
}  // namespace lj::it
