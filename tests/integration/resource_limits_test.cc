// Resource exhaustion against the real binary (access control on): idle connections from many
// addresses must not use up the file descriptors (a global cap below the limit, a reserve for the
// health check and administrators), a storm of password checks must not occupy the io threads,
// and viewers asking for an hour of history on many subscriptions must not take the server's
// memory. Assertions are about what is answered and in which order, and about memory held,
// never about speed.
#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <future>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>

#include "harness.h"

namespace lj::it {
namespace {

using namespace std::chrono_literals;

std::string Config(const std::string& text) {
  const std::string path = MakeTempDir("lj-it-conf") + "/c.toml";
  std::ofstream(path) << text;
  return path;
}

int64_t RssKiB(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(in, line);)
    if (line.rfind("VmRSS:", 0) == 0) return std::stoll(line.substr(6));
  return -1;
}

TEST(ResourceLimits, IdleConnectionsFromManyAddressesCannotExhaustFileDescriptors) {
  if (RunCommand({"prlimit", "--version"}) != 0) GTEST_SKIP() << "prlimit (util-linux) not found";
  // 400 descriptors: the server keeps 128 for files and 16 in reserve, so it admits 256.
  auto s = Server::Start("serve", {}, "", {"prlimit", "--nofile=400:400"});
  ASSERT_TRUE(s);
  std::vector<int> fds;
  int refused = 0;
  for (const char* from : {"127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5", "127.0.0.6"}) {
    for (int i = 0; i < 80; ++i) {
      int fd = ConnectTcp(s->port, from);
      if (fd < 0) {
        ++refused;
        continue;
      }
      fds.push_back(fd);
    }
  }
  std::this_thread::sleep_for(2s);  // the server accepts and closes what is over its cap
  int closed = 0;
  for (int fd : fds) closed += ClosedWithin(fd, 0ms) ? 1 : 0;
  EXPECT_GE(closed + refused, 400 - 256 - 16 - 2) << "connections beyond the cap are closed";
  // The server still answers: the health check and the administrator, from an address that
  // holds nothing, over the reserved connections.
  EXPECT_TRUE(s->process->Running());
  EXPECT_EQ(HttpRequestWith(s->port, "GET", "/healthz", "", "", "").status, 200);
  EXPECT_EQ(s->Get("/api/v1/twins").status, 200);
  EXPECT_GE(s->Metric("lj_http_connections_over_limit_total"), 1);
  for (int fd : fds) close(fd);
  // Once the flood is gone, everyone is served again.
  EXPECT_TRUE(WaitFor(
      [&] { return HttpRequestWith(s->port, "GET", "/api/v1/twins", "", "", "").status == 401; },
      20s));
  EXPECT_NE(s->process->Log().find("max_connections reached"), std::string::npos);
}

TEST(ResourceLimits, PasswordStormsWaitOnTheHashingPoolNotOnTheIoThreads) {
  // Expensive hashes (argon2id 64 MiB × 8 passes) on two threads (as many as io threads), and
  // four checks at most in the pool: two running, two waiting.
  auto s = Server::Start(
      "serve",
      {"--config", Config("[auth]\nargon2_memory_kib = 65536\nargon2_iterations = 8\n"
                          "max_concurrent_hashes = 2\nhash_queue = 4\nlogin_burst = 100\n")});
  ASSERT_TRUE(s);
  const uint16_t port = s->port;
  // Twelve wrong logins at once: at most four are hashed, the rest are answered busy at once.
  std::atomic<int> pending{12};
  std::vector<std::future<int>> logins;
  for (int i = 0; i < 12; ++i)
    logins.push_back(std::async(std::launch::async, [&, i] {
      int status =
          HttpRequestWith(port, "POST", "/api/v1/login",
                          nlohmann::json{{"name", "nobody" + std::to_string(i)},
                                         {"password", "wrong password " + std::to_string(i)}}
                              .dump(),
                          "application/json", "")
              .status;
      pending.fetch_sub(1);
      return status;
    }));
  // Wait until the pool is busy (some logins were answered 503 at once), then ask for health and
  // data: both are answered while password checks are still waiting.
  ASSERT_TRUE(WaitFor([&] { return s->Metric("lj_auth_hashing_busy_total") >= 1; }, 30s));
  EXPECT_EQ(HttpRequestWith(port, "GET", "/healthz", "", "", "").status, 200);
  EXPECT_EQ(s->Get("/api/v1/twins").status, 200);
  EXPECT_GE(pending.load(), 2) << "the health check waited for the password checks";
  int unauthorized = 0, busy = 0;
  for (auto& f : logins) {
    const int status = f.get();
    unauthorized += status == 401;
    busy += status == 503;
  }
  EXPECT_EQ(unauthorized + busy, 12);
  EXPECT_GE(busy, 8) << "the pool holds at most four password checks";
}

TEST(ResourceLimits, ManyViewersAskingForAnHourOfHistoryDoNotTakeTheServersMemory) {
  // Under AddressSanitizer freed memory waits in a quarantine (256 MiB by default) before it is
  // reused: keep it small for this server, so its RSS shows what it holds.
  const char* asan = std::getenv("ASAN_OPTIONS");
  const std::string saved = asan ? asan : "";
  setenv("ASAN_OPTIONS", (saved + (saved.empty() ? "" : ":") + "quarantine_size_mb=8").c_str(), 1);
  auto s = Server::Start("serve");
  if (asan)
    setenv("ASAN_OPTIONS", saved.c_str(), 1);
  else
    unsetenv("ASAN_OPTIONS");
  ASSERT_TRUE(s);
  CreateTestWard(*s);
  // 40 minutes of 250 Hz ECG on monitor-1 (600,000 values), written in one-minute blocks.
  const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
  for (int minute = 40; minute > 0; --minute) {
    std::string values;
    for (int k = 0; k < 250 * 60; ++k) values += (k ? "," : "") + std::to_string(500 + k % 97);
    const std::string body = R"([{"twin":"monitor-1","telemetry":"ecg","t":)" +
                             std::to_string(now_ms - minute * 60000) + R"(,"rate":250,"values":[)" +
                             values + "]}]";
    ASSERT_EQ(HttpRequest(s->port, "POST", "/api/v1/telemetry", body).status, 200);
  }
  const int64_t before = RssKiB(s->process->pid());
  ASSERT_GT(before, 0);
  // Eight viewers, eight subscriptions each, every one asking for the hour; none reads.
  std::vector<std::unique_ptr<WsClient>> viewers;
  for (int v = 0; v < 8; ++v) {
    auto ws = WsClient::Connect(s->port);
    ASSERT_TRUE(ws);
    for (int k = 0; k < 8; ++k)
      ws->Send({{"op", "subscribe"},
                {"id", "h" + std::to_string(k)},
                {"target", {{"twin", "monitor-1"}}},
                {"history_s", 3600}});
    viewers.push_back(std::move(ws));
  }
  std::this_thread::sleep_for(3s);  // let the server do whatever it does with them
  const int64_t during = RssKiB(s->process->pid());
  // 64 subscriptions × 600,000 values ≈ 64 × 3.5 MB of JSON if the history were built up front.
  // Paged, each connection holds at most its send queue (8 MiB by default).
  std::cout << "[ figures  ] RSS with 64 idle history subscriptions: " << before << " -> " << during
            << " KiB\n";
  EXPECT_LT(during - before, 160 * 1024)
      << "RSS grew from " << before << " to " << during << " KiB";
  // A viewer that reads gets the whole hour, in order.
  auto reader = WsClient::Connect(s->port);
  ASSERT_TRUE(reader);
  reader->Send(
      {{"op", "subscribe"}, {"id", "r"}, {"target", {{"twin", "monitor-1"}}}, {"history_s", 3600}});
  size_t values = 0;
  int64_t last_t0 = 0;
  reader->ReadUntil(
      [&](const nlohmann::json& m) {
        if (m.value("op", "") == "history" && m.value("telemetry", "") == "ecg") {
          for (const auto& run : m["runs"]) {
            EXPECT_GT(run["t0"].get<int64_t>(), last_t0);
            last_t0 = run["t0"].get<int64_t>();
            values += run["values"].size();
          }
        }
        return values >= 600000;
      },
      60s);
  EXPECT_EQ(values, 600000u);
  viewers.clear();
}

}  // namespace
}  // namespace lj::it
