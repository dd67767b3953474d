#include "live/client_state.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "common/time.h"
#include "live/live_test_util.h"

namespace lj::live {
namespace {

using ingest::ParsedBatch;
using ingest::ParsedSample;
using nlohmann::json;
using testing::LiveFixture;

class FakeResolver : public Resolver {
 public:
  std::vector<std::string> ids;
  Result<std::vector<std::string>> Resolve(const Target& t) override {
    if (t.id == "missing") return Status(ErrorCode::kNotFound, "no twin 'missing'");
    return ids;
  }
};

struct ClientFixture : LiveFixture {
  FakeResolver resolver;
  FanoutMetrics fanout{metrics};
  ClientState client{*live, resolver, fanout, ClientOptions{}};
  int64_t clock = 1'000'000'000;

  explicit ClientFixture(std::vector<std::string> ids, LiveOptions lo = {}) : LiveFixture(ids, lo) {
    resolver.ids = ids;
  }
  void Hr(const std::string& twin, double v, int64_t t) {
    ParsedBatch b;
    ParsedSample s;
    s.twin = twin;
    s.telemetry = "hr";
    s.t_ns = t;
    s.value = ingest::Value::Double(v);
    b.samples.push_back(s);
    ASSERT_EQ(pipeline->Ingest(b, ingest::Protocol::kHttpJson).accepted, 1u);
  }
  void Ecg(const std::string& twin, int64_t t0, size_t n) {
    ParsedBatch b;
    ParsedSample s;
    s.twin = twin;
    s.telemetry = "ecg";
    s.t_ns = t0;
    s.rate_hz = 250;
    s.count = static_cast<uint32_t>(n);
    b.wave_values.assign(n, 7);
    b.samples.push_back(s);
    ASSERT_EQ(pipeline->Ingest(b, ingest::Protocol::kHttpJson).accepted, n);
  }
  std::vector<json> Collect() {
    clock += 1'000'000'000;
    std::vector<std::string> frames;
    client.Collect(clock, &frames);
    std::vector<json> out;
    for (auto& f : frames) out.push_back(json::parse(f));
    return out;
  }
};

TEST(ClientState, SnapshotThenCoalescedDeltaLatestWins) {
  ClientFixture f({"m1", "m2"});
  const int64_t t = NowNs();
  f.Hr("m1", 60, t);
  std::vector<std::string> frames;
  ASSERT_TRUE(f.client.Subscribe("s", Target{}, 10, true, f.clock, &frames).ok());
  ASSERT_EQ(frames.size(), 1u);
  json snap = json::parse(frames[0]);
  EXPECT_EQ(snap["op"], "snapshot");
  ASSERT_EQ(snap["twins"].size(), 2u);
  bool found = false;
  for (const auto& tw : snap["twins"])
    if (tw["id"] == "m1") {
      EXPECT_EQ(tw["telemetry"]["hr"]["v"], 60);
      found = true;
    }
  EXPECT_TRUE(found);

  f.Hr("m1", 61, t + 1);
  f.Hr("m1", 62, t + 2);
  f.Hr("m1", 63, t + 3);
  std::vector<json> out = f.Collect();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0]["op"], "delta");
  EXPECT_EQ(out[0]["twins"]["m1"]["hr"]["v"], 63);
  EXPECT_FALSE(out[0]["twins"].contains("m2"));
  EXPECT_NE(f.metrics.RenderPrometheus().find("lj_live_coalesced_total 2"), std::string::npos);
  EXPECT_TRUE(f.Collect().empty());  // nothing new, nothing sent
}

TEST(ClientState, WaveBlocksArriveWholeAndInOrder) {
  ClientFixture f({"m1"});
  std::vector<std::string> frames;
  ASSERT_TRUE(f.client.Subscribe("s", Target{}, 10, true, f.clock, &frames).ok());
  const int64_t t = NowNs() - 1'000'000'000;
  f.Ecg("m1", t, 25);
  f.Ecg("m1", t + 100'000'000, 25);  // contiguous with the first: same message
  f.Ecg("m1", t + 500'000'000, 25);  // after a hole: a message of its own
  std::vector<json> out = f.Collect();
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0]["op"], "wave");
  EXPECT_EQ(out[0]["values"].size(), 50u);
  EXPECT_EQ(out[0]["rate"], 250);
  EXPECT_DOUBLE_EQ(out[0]["t0"].get<double>(), t / 1e6);
  EXPECT_EQ(out[1]["values"].size(), 25u);
  EXPECT_DOUBLE_EQ(out[1]["t0"].get<double>(), (t + 500'000'000) / 1e6);
  EXPECT_NE(f.metrics.RenderPrometheus().find("lj_live_blocks_total 3"), std::string::npos);
}

TEST(ClientState, SlowViewerGetsGapMarkerForBlocksThatAgedOut) {
  LiveOptions lo;
  lo.wave_buffer_seconds = 0.5;
  ClientFixture f({"m1"}, lo);
  const int64_t t = NowNs() - 60'000'000'000LL;
  f.Ecg("m1", t, 25);
  std::vector<std::string> frames;
  ASSERT_TRUE(f.client.Subscribe("s", Target{}, 10, true, f.clock, &frames).ok());
  for (int k = 1; k < 30; ++k) f.Ecg("m1", t + k * 100'000'000LL, 25);  // 3 s; ring keeps ~0.5 s
  std::vector<json> out = f.Collect();
  ASSERT_GE(out.size(), 2u);
  EXPECT_EQ(out[0]["op"], "gap");
  EXPECT_EQ(out[0]["reason"], "slow_consumer");
  EXPECT_LT(out[0]["from"].get<double>(), out[0]["to"].get<double>());
  EXPECT_EQ(out[1]["op"], "wave");
  EXPECT_DOUBLE_EQ(out[1]["t0"].get<double>(), out[0]["to"].get<double>());
  // Everything still held after the gap arrives, whole, up to the newest block.
  size_t values = 0;
  for (size_t k = 1; k < out.size(); ++k) values += out[k]["values"].size();
  const double last_end_ms = (t + 30 * 100'000'000LL) / 1e6;
  EXPECT_DOUBLE_EQ(out[1]["t0"].get<double>() + values * 4.0, last_end_ms);
}

TEST(ClientState, MembershipChangesAreReported) {
  ClientFixture f({"m1"});
  std::vector<std::string> frames;
  ASSERT_TRUE(f.client.Subscribe("s", Target{}, 10, true, f.clock, &frames).ok());
  graph::Twin t;
  t.id = "m3";
  t.model = "dtmi:test:Monitor;1";
  f.live->OnTwinUpserted(t, true);
  f.resolver.ids = {"m3"};
  std::vector<json> out = f.Collect();
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0]["op"], "twin");
  EXPECT_EQ(out[0]["twin"]["id"], "m3");
  EXPECT_EQ(out[1]["op"], "twin");
  EXPECT_EQ(out[1]["id"], "m1");
  EXPECT_EQ(out[1]["removed"], true);
}

TEST(ClientState, BadRequestsAreRefusedWithCodes) {
  ClientFixture f({"m1"});
  std::vector<std::string> frames;
  Target missing;
  missing.id = "missing";
  EXPECT_EQ(f.client.Subscribe("s", missing, 10, true, f.clock, &frames).code(),
            ErrorCode::kNotFound);
  EXPECT_EQ(f.client.Subscribe("s", Target{}, 1000, true, f.clock, &frames).code(),
            ErrorCode::kInvalidArgument);
  ASSERT_TRUE(f.client.Subscribe("s", Target{}, 10, true, f.clock, &frames).ok());
  EXPECT_EQ(f.client.Subscribe("s", Target{}, 10, true, f.clock, &frames).code(),
            ErrorCode::kAlreadyExists);
  EXPECT_EQ(f.client.Unsubscribe("x").code(), ErrorCode::kNotFound);
  EXPECT_TRUE(f.client.Unsubscribe("s").ok());
}

}  // namespace
}  // namespace lj::live
