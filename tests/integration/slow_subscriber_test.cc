// A viewer that stops reading must not slow ingest or other viewers: it is coalesced, then
// given gap markers, then disconnected, while a fast viewer receives every waveform block.
#include <gtest/gtest.h>

#include <fstream>

#include "harness.h"

namespace lj::it {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

TEST(SlowSubscriber, DoesNotSlowIngestOrFastViewerAndIsDisconnected) {
  std::string dir = MakeTempDir("lj-it-slow");
  std::ofstream(dir + "/lingjing.toml")
      << "[live]\nclient_queue_bytes = 262144\n"
         "slow_client_timeout_s = 2.0\nwave_buffer_seconds = 600\n"
         "socket_send_buffer_bytes = 16384\n";
  auto server = Server::Start("serve", {"--config", dir + "/lingjing.toml"});
  ASSERT_TRUE(server);
  CreateTestWard(*server);

  auto fast = WsClient::Connect(server->port);
  auto slow = WsClient::Connect(server->port, /*rcvbuf=*/4096);
  ASSERT_TRUE(fast && slow);
  json sub = {
      {"op", "subscribe"}, {"id", "m"}, {"target", {{"twin", "monitor-1"}}}, {"rate_hz", 20}};
  fast->Send(sub);
  slow->Send(sub);
  ASSERT_TRUE(fast->ReadUntil([](const json& m) { return m["op"] == "snapshot"; }, 10s));
  ASSERT_TRUE(slow->ReadUntil([](const json& m) { return m["op"] == "snapshot"; }, 10s));
  // From here on the slow viewer never reads again.

  // Ingest 400 blocks of 1 s of ECG (100,000 values), in the past so none is "in the future".
  const int kBlocks = 400, kValues = 250;
  int64_t t0 = std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::system_clock::now().time_since_epoch())
                   .count() -
               3600 * 1000;
  size_t fast_values = 0, fast_blocks = 0, fast_gaps = 0;
  int ok_posts = 0;
  std::vector<int> values(kValues);
  for (int i = 0; i < kValues; ++i) values[i] = (i * 37) % 2000 - 1000;
  for (int b = 0; b < kBlocks; ++b) {
    json batch = {{"samples",
                   {{{"twin", "monitor-1"},
                     {"telemetry", "ecg"},
                     {"t", t0 + b * 1000},
                     {"rate", 250},
                     {"values", values}}}}};
    HttpResult r = HttpRequest(server->port, "POST", "/api/v1/telemetry", batch.dump());
    if (r.status == 200) ++ok_posts;
    // Drain the fast viewer as we go.
    while (auto m = fast->Read(1ms)) {
      if ((*m)["op"] == "wave") {
        ++fast_blocks;
        fast_values += (*m)["values"].size();
      } else if ((*m)["op"] == "gap") {
        ++fast_gaps;
      }
    }
  }
  EXPECT_EQ(ok_posts, kBlocks);
  WaitFor(
      [&] {
        while (auto m = fast->Read(5ms)) {
          if ((*m)["op"] == "wave") {
            ++fast_blocks;
            fast_values += (*m)["values"].size();
          } else if ((*m)["op"] == "gap") {
            ++fast_gaps;
          }
        }
        return fast_values == static_cast<size_t>(kBlocks * kValues);
      },
      60s);
  EXPECT_GE(fast_blocks, 1u);  // contiguous blocks may share one `wave` message
  EXPECT_EQ(fast_values, static_cast<size_t>(kBlocks * kValues));
  EXPECT_EQ(fast_gaps, 0u);
  // The slow viewer is cut off by the server (policy: bounded queue, then disconnect).
  EXPECT_TRUE(WaitFor(
      [&] { return server->Metric("lj_live_disconnects_total{reason=\"slow_consumer\"}") >= 1; },
      30s))
      << server->Get("/metrics").body;
  EXPECT_EQ(server->Metric("lj_ingest_samples_total{protocol=\"http_json\"}"), kBlocks * kValues);
  EXPECT_EQ(server->Get("/healthz").status, 200);
}

}  // namespace
}  // namespace lj::it
