// History through the real binary: durable acknowledgements (HTTP and WebSocket), the REST
// history API, "history then live" on the WebSocket with random join points, restart seeding,
// and `lingjing import wfdb`.
#include <gtest/gtest.h>

#include <atomic>
#include <cstring>
#include <filesystem>
#include <random>
#include <thread>

#include "common/time.h"
#include "harness.h"
#include "wfdb/wfdb.h"

namespace lj::it {
namespace {

using nlohmann::json;

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

double Fsyncs(const Server& s) { return s.Metric("lj_history_fsyncs_total"); }

TEST(History, HttpAndWebSocketAcksArriveOnlyAfterTheBatchWasSynced) {
  auto s = Server::Start("serve");
  ASSERT_TRUE(s);
  CreateTestWard(*s);
  const int64_t t0 = NowMs() - 60'000;
  for (int i = 0; i < 10; ++i) {
    const double before = Fsyncs(*s);
    ASSERT_GE(before, 0) << "lj_history_fsyncs_total missing";
    json body = {
        {"samples",
         {{{"twin", "monitor-1"}, {"telemetry", "hr"}, {"t", t0 + i * 1000}, {"v", 60 + i}}}}};
    HttpResult r = HttpRequest(s->port, "POST", "/api/v1/telemetry", body.dump());
    ASSERT_EQ(r.status, 200) << r.body;
    // The sync that made this batch durable began after `before` was read.
    EXPECT_GT(Fsyncs(*s), before) << "request " << i;
  }
  auto ws = WsClient::Connect(s->port);
  ASSERT_TRUE(ws);
  for (int i = 0; i < 5; ++i) {
    const double before = Fsyncs(*s);
    ASSERT_TRUE(ws->Send({{"op", "ingest"},
                          {"seq", i},
                          {"samples",
                           {{{"twin", "monitor-1"},
                             {"telemetry", "hr"},
                             {"t", t0 + 20'000 + i * 1000},
                             {"v", 80 + i}}}}}));
    auto ack =
        ws->ReadUntil([](const json& j) { return j["op"] == "ack"; }, std::chrono::seconds(20));
    ASSERT_TRUE(ack);
    EXPECT_EQ((*ack)["seq"], i);
    EXPECT_EQ((*ack)["accepted"], 1);
    EXPECT_FALSE(ack->contains("code")) << ack->dump();
    EXPECT_GT(Fsyncs(*s), before) << "ws ingest " << i;
  }
}

TEST(History, RestApiRawBucketsLatestMultiAndColumns) {
  auto s = Server::Start("serve");
  ASSERT_TRUE(s);
  CreateTestWard(*s);
  const int64_t t0 = NowMs() - 100'000;
  json samples = json::array();
  for (int i = 0; i < 100; ++i)
    samples.push_back({{"twin", "monitor-1"}, {"telemetry", "hr"}, {"t", t0 + i * 1000}, {"v", i}});
  std::vector<int> ecg(500);
  for (int i = 0; i < 500; ++i) ecg[i] = i - 250;
  samples.push_back(
      {{"twin", "monitor-1"}, {"telemetry", "ecg"}, {"t", t0}, {"rate", 250}, {"values", ecg}});
  ASSERT_EQ(
      HttpRequest(s->port, "POST", "/api/v1/telemetry", json{{"samples", samples}}.dump()).status,
      200);
  const std::string base = "/api/v1/twins/monitor-1/telemetry/";
  const std::string range = "?from=" + std::to_string(t0) + "&to=" + std::to_string(t0 + 100'000);

  HttpResult raw = s->Get(base + "hr/history" + range + "&limit=10");
  ASSERT_EQ(raw.status, 200) << raw.body;
  json j = raw.json();
  EXPECT_EQ(j["count"], 10);
  EXPECT_TRUE(j["truncated"]);
  EXPECT_EQ(j["v"][9], 9.0);
  EXPECT_EQ(j["t"][0], static_cast<double>(t0));

  HttpResult b = s->Get(base + "hr/history" + range + "&buckets=10");
  ASSERT_EQ(b.status, 200) << b.body;
  j = b.json();
  ASSERT_EQ(j["buckets"].size(), 10u);
  EXPECT_EQ(j["buckets"][0]["count"], 10);
  EXPECT_EQ(j["buckets"][0]["min"], 0.0);
  EXPECT_EQ(j["buckets"][0]["max"], 9.0);
  EXPECT_EQ(j["buckets"][0]["avg"], 4.5);
  EXPECT_EQ(j["buckets"][9]["last"], 99.0);
  EXPECT_EQ(j["buckets"][9]["last_t"], static_cast<double>(t0 + 99'000));
  EXPECT_EQ(j["buckets"][3]["t"], static_cast<double>(t0 + 30'000));
  EXPECT_EQ(j["width_ms"], 10'000.0);
  EXPECT_EQ(j["twin"], "monitor-1");
  EXPECT_EQ(j["telemetry"], "hr");
  EXPECT_EQ(j["from"], FormatRfc3339(t0 * 1'000'000));

  // Several series in buckets; a range past the data leaves empty buckets (count 0 only).
  HttpResult mb = s->Get("/api/v1/history?series=monitor-1/hr,monitor-1/ecg&buckets=4&from=" +
                         std::to_string(t0) + "&to=" + std::to_string(t0 + 200'000));
  ASSERT_EQ(mb.status, 200) << mb.body;
  j = mb.json();
  ASSERT_EQ(j["series"].size(), 2u);
  EXPECT_EQ(j["series"][0]["twin"], "monitor-1");
  EXPECT_EQ(j["series"][0]["telemetry"], "hr");
  EXPECT_EQ(j["series"][0]["buckets"][0]["count"], 50);
  EXPECT_EQ(j["series"][0]["buckets"][1]["max"], 99.0);
  EXPECT_EQ(j["series"][0]["buckets"][3], json({{"count", 0}, {"t", t0 + 150'000.0}}));
  EXPECT_EQ(j["series"][1]["telemetry"], "ecg");
  EXPECT_EQ(j["series"][1]["buckets"][0]["count"], 500);
  EXPECT_EQ(j["series"][1]["buckets"][0]["min"], -250.0);
  EXPECT_EQ(j["to"], FormatRfc3339((t0 + 200'000) * 1'000'000));

  HttpResult w = s->Get(base + "ecg/history" + range);
  ASSERT_EQ(w.status, 200) << w.body;
  j = w.json();
  EXPECT_TRUE(j["waveform"]);
  ASSERT_EQ(j["runs"].size(), 1u);
  EXPECT_EQ(j["runs"][0]["rate"], 250.0);
  EXPECT_EQ(j["runs"][0]["values"].size(), 500u);
  EXPECT_EQ(j["runs"][0]["values"][0], -250);

  HttpResult latest = s->Get(base + "hr/history/latest");
  ASSERT_EQ(latest.status, 200) << latest.body;
  EXPECT_EQ(latest.json()["v"], 99.0);

  HttpResult multi =
      s->Get("/api/v1/history?series=monitor-1/hr,monitor-1/ecg&from=" + std::to_string(t0) +
             "&to=" + std::to_string(t0 + 100'000));
  ASSERT_EQ(multi.status, 200) << multi.body;
  ASSERT_EQ(multi.json()["series"].size(), 2u);
  EXPECT_EQ(multi.json()["series"][1]["telemetry"], "ecg");

  HttpResult col = s->Get(base + "hr/history" + range + "&format=columns");
  ASSERT_EQ(col.status, 200);
  ASSERT_GE(col.body.size(), 20u + 100 * 16);
  EXPECT_EQ(col.body.substr(0, 4), "LJHC");
  uint64_t count = 0;
  std::memcpy(&count, col.body.data() + 8, 8);
  EXPECT_EQ(count, 100u);
  double v99 = 0;
  std::memcpy(&v99, col.body.data() + 20 + 100 * 8 + 99 * 8, 8);
  EXPECT_EQ(v99, 99.0);
  EXPECT_EQ(col.body.size(), 20u + 100 * 16);

  // Errors carry stable codes.
  EXPECT_EQ(s->Get(base + "hr/history?from=yesterday").json()["code"], 2006);
  EXPECT_EQ(s->Get(base + "hr/history?buckets=0").json()["code"], 1000);
  EXPECT_EQ(s->Get(base + "hr/history?from=10&to=5").json()["code"], 1000);
  EXPECT_EQ(s->Get(base + "nope/history").status, 404);
  EXPECT_EQ(s->Get("/api/v1/history").json()["code"], 2007);
  EXPECT_EQ(s->Get("/api/v1/history?series=noslash").json()["code"], 1000);
}

// An ingest stream of numbered ECG blocks and scalars; subscribers with history_s join at random
// moments; history + live must be exactly the sent sequence.
TEST(History, WebSocketHistoryThenLiveIsExactAtRandomJoinPoints) {
  auto s = Server::Start("serve");
  ASSERT_TRUE(s);
  CreateTestWard(*s);
  constexpr int kBlock = 10;  // values per block, 250 Hz → 40 ms
  const int64_t t0 = NowMs() - 60'000;
  std::atomic<int> sent_blocks{0};
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    for (int k = 0; !stop && k < 6000; ++k) {
      std::vector<int> vals(kBlock);
      for (int i = 0; i < kBlock; ++i) vals[i] = k * kBlock + i;
      json body = {{"samples",
                    {{{"twin", "monitor-1"},
                      {"telemetry", "ecg"},
                      {"t", t0 + k * 40},
                      {"rate", 250},
                      {"values", vals}},
                     {{"twin", "monitor-1"}, {"telemetry", "hr"}, {"t", t0 + k * 40}, {"v", k}}}}};
      HttpResult r = HttpRequest(s->port, "POST", "/api/v1/telemetry", body.dump());
      if (r.status != 200) {
        ADD_FAILURE() << "ingest " << k << ": " << r.status << " " << r.body;
        return;
      }
      sent_blocks = k + 1;
      std::this_thread::sleep_for(std::chrono::milliseconds(15));
    }
  });
  std::mt19937 rng(12345);
  for (int join = 0; join < 12; ++join) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50 + rng() % 400));
    auto ws = WsClient::Connect(s->port);
    ASSERT_TRUE(ws);
    ASSERT_TRUE(ws->Send({{"op", "subscribe"},
                          {"id", "h"},
                          {"target", {{"twin", "monitor-1"}}},
                          {"rate_hz", 60},
                          {"history_s", 3600}}));
    const int at_join = sent_blocks;
    std::vector<int64_t> wave, hr;
    std::optional<int64_t> snap_hr;
    size_t hr_hist = 0;  // history values before the snapshot's
    bool live_started = false;
    while (static_cast<int>(wave.size()) < (at_join + 20) * kBlock) {
      std::optional<json> m = ws->Read(std::chrono::seconds(30));
      ASSERT_TRUE(m) << "join " << join << ": timed out with " << wave.size() << " values";
      const std::string op = (*m)["op"];
      if (op == "snapshot") {
        const json& tel = (*m)["twins"][0]["telemetry"];
        if (tel.contains("hr")) snap_hr = static_cast<int64_t>(tel["hr"]["v"].get<double>());
      } else if (op == "history") {
        ASSERT_FALSE(live_started) << "history after live";
        ASSERT_FALSE(m->contains("code")) << m->dump();
        if ((*m)["telemetry"] == "ecg") {
          for (const json& run : (*m)["runs"])
            for (const json& v : run["values"]) wave.push_back(v.get<int64_t>());
        } else if ((*m)["telemetry"] == "hr") {
          for (const json& v : (*m)["v"]) hr.push_back(static_cast<int64_t>(v.get<double>()));
        }
      } else if (op == "wave") {
        if (!live_started && snap_hr) hr_hist = hr.size(), hr.push_back(*snap_hr), snap_hr.reset();
        live_started = true;
        for (const json& v : (*m)["values"]) wave.push_back(v.get<int64_t>());
      } else if (op == "delta") {
        if (!live_started && snap_hr) hr_hist = hr.size(), hr.push_back(*snap_hr), snap_hr.reset();
        live_started = true;
        hr.push_back(static_cast<int64_t>((*m)["twins"]["monitor-1"]["hr"]["v"].get<double>()));
      } else if (op == "gap") {
        FAIL() << "gap: " << m->dump();
      }
    }
    for (size_t i = 0; i < wave.size(); ++i)
      ASSERT_EQ(wave[i], static_cast<int64_t>(i)) << "join " << join << " at value " << i;
    // Scalars: history exact up to the seam, then (coalesced) live values, strictly increasing.
    for (size_t i = 0; i < hr.size(); ++i) {
      if (i > 0) ASSERT_LT(hr[i - 1], hr[i]) << "join " << join;
    }
    ASSERT_FALSE(hr.empty());
    for (size_t i = 0; i <= hr_hist && i < hr.size(); ++i)
      ASSERT_EQ(hr[i], static_cast<int64_t>(i)) << "join " << join << ": history of hr";
  }
  stop = true;
  writer.join();
}

TEST(History, RestartSeedsLiveStateAndRejectsOverlappingBlocks) {
  auto s = Server::Start("serve");
  ASSERT_TRUE(s);
  CreateTestWard(*s);
  const int64_t t0 = NowMs() - 60'000;
  json body = {{"samples",
                {{{"twin", "monitor-1"}, {"telemetry", "hr"}, {"t", t0}, {"v", 77}},
                 {{"twin", "monitor-1"},
                  {"telemetry", "ecg"},
                  {"t", t0},
                  {"rate", 250},
                  {"values", {1, 2, 3, 4}}}}}};
  ASSERT_EQ(HttpRequest(s->port, "POST", "/api/v1/telemetry", body.dump()).status, 200);
  const std::string dir = s->data_dir;
  s->process->Stop();
  s.reset();
  s = Server::Start("serve", {}, dir);
  ASSERT_TRUE(s);
  auto ws = WsClient::Connect(s->port);
  ASSERT_TRUE(ws);
  ASSERT_TRUE(ws->Send({{"op", "subscribe"}, {"id", "a"}, {"target", {{"twin", "monitor-1"}}}}));
  auto snap =
      ws->ReadUntil([](const json& j) { return j["op"] == "snapshot"; }, std::chrono::seconds(10));
  ASSERT_TRUE(snap);
  EXPECT_EQ((*snap)["twins"][0]["telemetry"]["hr"]["v"], 77.0);
  json overlap = {{"samples",
                   {{{"twin", "monitor-1"},
                     {"telemetry", "ecg"},
                     {"t", t0 + 4},
                     {"rate", 250},
                     {"values", {9, 9}}}}}};
  HttpResult r = HttpRequest(s->port, "POST", "/api/v1/telemetry", overlap.dump());
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.json()["errors"][0]["code"], 2004) << r.body;
}

TEST(History, ImportWfdbWritesExactMicrovolts) {
  const std::string rec = std::string(LJ_SHARED_DIR) + "/data/mitdb/100";
  if (!std::filesystem::exists(rec + ".hea")) GTEST_SKIP() << "no " << rec << ".hea";
  auto s = Server::Start("serve");
  ASSERT_TRUE(s);
  CreateTestWard(*s);
  const std::string dir = s->data_dir;
  s->process->Stop();
  s.reset();
  std::string out;
  int rc = RunCommand({LingjingBinary(), "import", "wfdb", rec, "--twin", "monitor-1", "--signal",
                       "MLII=ecg", "--start", "2026-01-01T00:00:00Z", "--data-dir", dir},
                      &out);
  ASSERT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("imported 650000 of 650000 samples"), std::string::npos) << out;
  Result<wfdb::Record> record = wfdb::ReadRecord(rec);
  ASSERT_TRUE(record.ok());
  s = Server::Start("serve", {}, dir);
  ASSERT_TRUE(s);
  HttpResult r = s->Get(
      "/api/v1/twins/monitor-1/telemetry/ecg/history?from=2026-01-01T00:00:00Z&to=2026-01-01T00:00:"
      "10Z");
  ASSERT_EQ(r.status, 200) << r.body;
  json j = r.json();
  ASSERT_EQ(j["count"], 3600);
  std::vector<int64_t> got;
  for (const json& run : j["runs"]) {
    EXPECT_EQ(run["rate"], 360.0);
    for (const json& v : run["values"]) got.push_back(v);
  }
  const auto& adc = record->samples[0];
  const int32_t base = record->header.signals[0].baseline;
  for (size_t i = 0; i < got.size(); ++i) ASSERT_EQ(got[i], (adc[i] - base) * 5) << "sample " << i;
}

}  // namespace
}  // namespace lj::it
