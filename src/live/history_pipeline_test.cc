// Pipeline → history: accepted samples reach the store before live viewers can see them,
// observers see each batch once, and a failed write rejects with `storage`.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>

#include <filesystem>

#include "common/time.h"
#include "live/client_state.h"
#include "live/live_test_util.h"
#include "live/pipeline.h"

namespace lj::live {
namespace {

using ingest::ParsedBatch;
using ingest::ParsedSample;
using ingest::Value;

std::string TempDir() {
  char name[] = "/tmp/lj-hist-pipe-XXXXXX";
  return mkdtemp(name);
}

struct HistFixture {
  std::string dir = TempDir();
  std::unique_ptr<history::HistoryStore> store;
  std::unique_ptr<testing::LiveFixture> f;
  explicit HistFixture(PipelineOptions po = {}) {
    history::HistoryOptions o;
    o.dir = dir;
    o.sync = history::SyncPolicy::kBatch;
    Result<std::unique_ptr<history::HistoryStore>> s = history::HistoryStore::Open(o);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    store = std::move(s).value();
    f = std::make_unique<testing::LiveFixture>(std::vector<std::string>{"m1", "m2"});
    f->pipeline = std::make_unique<Pipeline>(*f->live, f->metrics, po, store.get());
  }
  ~HistFixture() {
    (void)store->Close();
    std::filesystem::remove_all(dir);
  }
};

ParsedSample Scalar(std::string_view twin, std::string_view tel, int64_t t, Value v) {
  ParsedSample s;
  s.twin = twin;
  s.telemetry = tel;
  s.t_ns = t;
  s.value = v;
  return s;
}

ParsedSample Block(ParsedBatch& b, std::string_view twin, int64_t t0, std::vector<double> v) {
  ParsedSample s;
  s.twin = twin;
  s.telemetry = "ecg";
  s.t_ns = t0;
  s.rate_hz = 250;
  s.offset = static_cast<uint32_t>(b.wave_values.size());
  s.count = static_cast<uint32_t>(v.size());
  b.wave_values.insert(b.wave_values.end(), v.begin(), v.end());
  return s;
}

TEST(PipelineHistory, AcceptedSamplesAreWrittenWithTheirModelTypes) {
  HistFixture h;
  const int64_t t = NowNs() - 10'000'000'000;
  ParsedBatch b;
  b.samples.push_back(Scalar("m1", "hr", t, Value::Int(72)));       // double schema
  b.samples.push_back(Scalar("m1", "beats", t, Value::Double(7)));  // integer schema
  b.samples.push_back(Scalar("m1", "leadsOff", t, Value::Bool(true)));
  b.samples.push_back(Scalar("m2", "note", t, Value::String("ok")));
  b.samples.push_back(Block(b, "m1", t, {1, 2, 3, 4}));
  b.samples.push_back(Block(b, "m1", t + 16'000'000, {5, 6}));     // continues: one block
  b.samples.push_back(Scalar("m1", "hr", t, Value::String("x")));  // rejected: not written
  ingest::IngestReport r = h.f->pipeline->Ingest(b, ingest::Protocol::kHttpJson);
  EXPECT_EQ(r.accepted, 10u);
  EXPECT_EQ(r.rejected, 1u);
  ASSERT_GT(r.lsn, 0u);
  ASSERT_TRUE(h.store->WaitDurable(r.lsn).ok());

  auto read = [&](const char* twin, const char* tel) {
    std::optional<history::SeriesId> id = h.store->Find(twin, tel);
    EXPECT_TRUE(id.has_value()) << twin << "/" << tel;
    Result<history::SeriesData> d = h.store->Read(id.value_or(0), 0, INT64_MAX);
    EXPECT_TRUE(d.ok());
    return std::move(d).value();
  };
  history::SeriesData hr = read("m1", "hr");
  EXPECT_EQ(hr.type, history::ValueType::kDouble);
  ASSERT_EQ(hr.f64.size(), 1u);
  EXPECT_EQ(hr.f64[0], 72);
  history::SeriesData beats = read("m1", "beats");
  EXPECT_EQ(beats.type, history::ValueType::kInt);
  ASSERT_EQ(beats.i64.size(), 1u);
  EXPECT_EQ(beats.i64[0], 7);
  EXPECT_EQ(read("m1", "leadsOff").type, history::ValueType::kBool);
  history::SeriesData note = read("m2", "note");
  ASSERT_EQ(note.str.size(), 1u);
  EXPECT_EQ(note.str[0], "ok");
  history::SeriesData ecg = read("m1", "ecg");
  EXPECT_TRUE(ecg.waveform);
  ASSERT_EQ(ecg.size(), 6u);
  EXPECT_EQ(ecg.runs.front().t0_ns, t);
  EXPECT_EQ(ecg.i64.back(), 6);
}

TEST(PipelineHistory, OverlappingWaveformIsRejectedWithHistory) {
  HistFixture h;
  const int64_t t = NowNs() - 10'000'000'000;
  ParsedBatch b;
  b.samples.push_back(Block(b, "m1", t, {1, 2, 3, 4}));
  ASSERT_EQ(h.f->pipeline->Ingest(b, ingest::Protocol::kHttpJson).accepted, 4u);
  ParsedBatch b2;
  b2.samples.push_back(Block(b2, "m1", t + 8'000'000, {9, 9}));  // overlaps values 3 and 4
  ingest::IngestReport r = h.f->pipeline->Ingest(b2, ingest::Protocol::kHttpJson);
  ASSERT_EQ(r.rejects.size(), 1u);
  EXPECT_EQ(r.rejects[0].code, ErrorCode::kOutOfOrder);
  EXPECT_EQ(r.lsn, 0u);
}

struct Recorder : SampleObserver {
  int calls = 0;
  std::vector<std::string> seen;
  void OnAccepted(ingest::Protocol, std::span<const AcceptedScalar> scalars,
                  std::span<const AcceptedBlock> blocks) override {
    ++calls;
    for (const auto& s : scalars)
      seen.push_back(fmt::format("{}/{}={}", s.twin, s.telemetry,
                                 s.value.kind == ingest::ValueKind::kInt ? "int" : "other"));
    for (const auto& b : blocks)
      seen.push_back(fmt::format("{}/{}[{}]", b.twin, b.telemetry, b.values.size()));
  }
};

TEST(PipelineHistory, ObserversSeeEachAcceptedBatchOnce) {
  HistFixture h;
  Recorder rec;
  h.f->pipeline->AddObserver(&rec);
  const int64_t t = NowNs() - 10'000'000'000;
  ParsedBatch b;
  b.samples.push_back(Scalar("m1", "beats", t, Value::Double(3)));
  b.samples.push_back(Scalar("nope", "hr", t, Value::Double(3)));
  b.samples.push_back(Block(b, "m2", t, {1, 2, 3}));
  h.f->pipeline->Ingest(b, ingest::Protocol::kHttpJson);
  EXPECT_EQ(rec.calls, 1);
  EXPECT_EQ(rec.seen, (std::vector<std::string>{"m1/beats=int", "m2/ecg[3]"}));
  ParsedBatch none;
  none.samples.push_back(Scalar("nope", "hr", t, Value::Double(3)));
  h.f->pipeline->Ingest(none, ingest::Protocol::kHttpJson);
  EXPECT_EQ(rec.calls, 1);  // nothing accepted: not called
}

TEST(PipelineHistory, WriteFailureRejectsWithStorageAndHidesBlocks) {
  HistFixture h;
  const int64_t t = NowNs() - 10'000'000'000;
  ParsedBatch b;
  b.samples.push_back(Block(b, "m1", t, {1, 2}));
  ASSERT_EQ(h.f->pipeline->Ingest(b, ingest::Protocol::kHttpJson).accepted, 2u);
  ASSERT_TRUE(h.store->Close().ok());
  ParsedBatch b2;
  b2.samples.push_back(Block(b2, "m1", t + 8'000'000, {3, 4}));
  b2.samples.push_back(Scalar("m1", "hr", t, Value::Double(60)));
  ingest::IngestReport r = h.f->pipeline->Ingest(b2, ingest::Protocol::kHttpJson);
  EXPECT_EQ(r.accepted, 0u);
  EXPECT_EQ(r.rejected, 3u);
  ASSERT_EQ(r.rejects.size(), 2u);
  EXPECT_EQ(r.rejects[0].code, ErrorCode::kStorage);
  auto tw = h.f->live->Find("m1");
  const Series& se = tw->series[tw->model->FindTelemetry("ecg")];
  EXPECT_EQ(se.ring.size(), 1u);  // the failed block never went live
  EXPECT_EQ(se.next_seq, 1u);     // and its sequence number is reused
}

class AllResolver : public Resolver {
 public:
  Result<std::vector<std::string>> Resolve(const Target&) override {
    return std::vector<std::string>{"m1"};
  }
};

// History frames + live frames of a subscription joining mid-stream are exactly the stream.
TEST(PipelineHistory, SubscriptionHistoryThenLiveHasNoGapNoDuplicate) {
  HistFixture h;
  AllResolver resolver;
  FanoutMetrics fanout(h.f->metrics);
  const int64_t t0 = NowNs() - 100'000'000'000;
  int next = 0;
  auto send = [&](int blocks) {
    for (int k = 0; k < blocks; ++k, ++next) {
      ParsedBatch b;
      b.samples.push_back(Block(
          b, "m1", t0 + next * 40'000'000LL,
          {10.0 * next, 10.0 * next + 1, 10.0 * next + 2, 10.0 * next + 3, 10.0 * next + 4,
           10.0 * next + 5, 10.0 * next + 6, 10.0 * next + 7, 10.0 * next + 8, 10.0 * next + 9}));
      b.samples.push_back(Scalar("m1", "beats", t0 + next * 40'000'000LL, Value::Int(next)));
      ASSERT_EQ(h.f->pipeline->Ingest(b, ingest::Protocol::kHttpJson).accepted, 11u);
    }
  };
  for (int join : {0, 1, 7, 30}) {
    ClientOptions co;
    co.history_frame_values = 25;  // force split frames
    ClientState client(*h.f->live, resolver, fanout, co, h.store.get());
    if (next < join) send(join - next);
    std::vector<std::string> frames;
    int64_t clock = 0;
    ASSERT_TRUE(client.Subscribe("s", Target{}, 10, true, clock, &frames, 3600).ok());
    // History is read lazily, page by page: samples arriving before it is read stay out of it
    // (they are after the seam) and come live.
    if (join % 2 == 1) send(2);
    while (client.NextHistory(100, &frames)) {
    }
    std::vector<double> wave;
    std::vector<int64_t> beats;
    std::optional<int64_t> snap;  // the snapshot value follows the history before the seam
    auto take = [&](const std::vector<std::string>& fs) {
      for (const std::string& f : fs) {
        nlohmann::json j = nlohmann::json::parse(f);
        if (j["op"] == "history" && j["telemetry"] == "ecg") {
          for (const auto& run : j["runs"])
            for (const auto& v : run["values"]) wave.push_back(v);
        } else if (j["op"] == "history" && j["telemetry"] == "beats") {
          for (const auto& v : j["v"]) beats.push_back(v);
        } else if (j["op"] == "wave") {
          for (const auto& v : j["values"]) wave.push_back(v);
        } else if (j["op"] == "snapshot") {
          auto& tel = j["twins"][0]["telemetry"];
          if (tel.contains("beats")) snap = tel["beats"]["v"];
        } else if (j["op"] == "delta") {
          beats.push_back(j["twins"]["m1"]["beats"]["v"]);
        }
      }
    };
    take(frames);
    if (snap) beats.push_back(*snap);
    send(3);
    frames.clear();
    client.Collect(clock += 1'000'000'000, &frames);
    take(frames);
    ASSERT_EQ(wave.size(), static_cast<size_t>(next) * 10) << "join after " << join;
    for (size_t i = 0; i < wave.size(); ++i) ASSERT_EQ(wave[i], static_cast<double>(i));
    // Scalars: history is exact up to the seam, then live coalesces (latest wins).
    ASSERT_FALSE(beats.empty());
    for (size_t i = 1; i < beats.size(); ++i) ASSERT_LT(beats[i - 1], beats[i]);
    EXPECT_EQ(beats.back(), next - 1);
  }
}

// History is read page by page as the viewer drains it: each NextHistory call appends about
// max_bytes, every sample arrives once and in order (equal time stamps across page boundaries
// included), and a connection holds at most max_history_streams pending history subscriptions.
TEST(PipelineHistory, HistoryIsPagedLazilyCompletelyAndBounded) {
  HistFixture h;
  AllResolver resolver;
  FanoutMetrics fanout(h.f->metrics);
  const int64_t t0 = NowNs() - 100'000'000'000;
  ParsedBatch b;
  for (int k = 0; k < 300; ++k)  // pairs of samples share a time stamp
    b.samples.push_back(Scalar("m1", "beats", t0 + (k / 2) * 1'000'000LL, Value::Int(k)));
  ASSERT_EQ(h.f->pipeline->Ingest(b, ingest::Protocol::kHttpJson).accepted, 300u);
  ClientOptions co;
  co.history_frame_values = 7;  // pages end between the two samples of a pair
  co.max_history_streams = 2;
  ClientState client(*h.f->live, resolver, fanout, co, h.store.get());
  std::vector<std::string> frames;
  ASSERT_TRUE(client.Subscribe("a", Target{}, 10, true, 0, &frames, 3600).ok());
  ASSERT_TRUE(client.Subscribe("b", Target{}, 10, true, 0, &frames, 3600).ok());
  EXPECT_EQ(client.history_streams(), 2u);
  EXPECT_EQ(client.Subscribe("c", Target{}, 10, true, 0, &frames, 3600).code(),
            ErrorCode::kRateLimited);
  ASSERT_TRUE(client.Subscribe("d", Target{}, 10, true, 0, &frames).ok()) << "no history: fine";
  EXPECT_TRUE(client.history_pending());
  frames.clear();
  // One call: at least one frame, about max_bytes, not everything.
  EXPECT_TRUE(client.NextHistory(1, &frames));
  EXPECT_EQ(frames.size(), 1u);
  std::map<std::string, std::vector<int64_t>> got;
  size_t calls = 1;
  do {
    for (const std::string& f : frames) {
      nlohmann::json j = nlohmann::json::parse(f);
      ASSERT_EQ(j["op"], "history");
      ASSERT_LE(j["v"].size(), 7u);
      for (const auto& v : j["v"]) got[j["sub"]].push_back(v);
    }
    frames.clear();
    ++calls;
  } while (client.NextHistory(200, &frames) || !frames.empty());
  EXPECT_GT(calls, 10u);
  // History ends before the seam, the time of the latest value (which the snapshot carries):
  // the last pair shares that time.
  for (const char* sub : {"a", "b"}) {
    ASSERT_EQ(got[sub].size(), 298u) << sub;
    for (int k = 0; k < 298; ++k) ASSERT_EQ(got[sub][k], k) << sub;
  }
  EXPECT_EQ(client.history_streams(), 0u);
  EXPECT_TRUE(client.Subscribe("c", Target{}, 10, true, 0, &frames, 3600).ok());
  // Unsubscribing drops what was still to send.
  EXPECT_TRUE(client.Unsubscribe("c").ok());
  EXPECT_FALSE(client.history_pending());
}

}  // namespace
}  // namespace lj::live
