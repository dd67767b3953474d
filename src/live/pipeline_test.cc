#include "live/pipeline.h"

#include <gtest/gtest.h>

#include "common/time.h"
#include "live/live_test_util.h"

namespace lj::live {
namespace {

using ingest::ParsedBatch;
using ingest::ParsedSample;
using ingest::Value;
using testing::LiveFixture;

ParsedSample Scalar(std::string_view twin, std::string_view tel, int64_t t, Value v, uint32_t src) {
  ParsedSample s;
  s.twin = twin;
  s.telemetry = tel;
  s.t_ns = t;
  s.value = v;
  s.source = src;
  return s;
}

ParsedSample Block(ParsedBatch& b, std::string_view twin, int64_t t0, double rate,
                   std::vector<double> values, uint32_t src) {
  ParsedSample s;
  s.twin = twin;
  s.telemetry = "ecg";
  s.t_ns = t0;
  s.rate_hz = rate;
  s.offset = static_cast<uint32_t>(b.wave_values.size());
  s.count = static_cast<uint32_t>(values.size());
  s.source = src;
  b.wave_values.insert(b.wave_values.end(), values.begin(), values.end());
  return s;
}

const Series& SeriesOf(LiveFixture& f, const std::string& twin, const std::string& tel) {
  auto tw = f.live->Find(twin);
  return tw->series[tw->model->FindTelemetry(tel)];
}

TEST(Pipeline, RejectsEachBadSampleWithReasonAndKeepsNeighbours) {
  LiveFixture f({"m1", "m2"});
  const int64_t t = NowNs();
  ParsedBatch b;
  b.samples.push_back(Scalar("m1", "hr", t, Value::Double(72), 0));
  b.samples.push_back(Scalar("nope", "hr", t, Value::Double(72), 1));
  b.samples.push_back(Scalar("m1", "bogus", t, Value::Double(72), 2));
  b.samples.push_back(Scalar("m1", "leadsOff", t, Value::Double(1), 3));
  b.samples.push_back(Scalar("m1", "beats", t, Value::Double(7.5), 4));
  b.samples.push_back(Scalar("m2", "hr", t + 3600'000'000'000LL, Value::Double(80), 5));
  b.samples.push_back(Scalar("m2", "hr", t, Value::Double(81), 6));
  b.samples.push_back(Scalar("m2", "note", t, Value::String("ok"), 7));
  b.samples.push_back(Block(b, "m1", t, 250, {1, 2, 3}, 8));
  b.samples.push_back(Block(b, "m1", t, 500, {1, 2, 3}, 9));
  b.samples.push_back(Scalar("m1", "hr", t, Value::Double(NAN), 10));
  b.rejects.push_back({11, ErrorCode::kParseError, "bad line"});

  ingest::IngestReport r = f.pipeline->Ingest(b, ingest::Protocol::kHttpJson);
  EXPECT_EQ(r.accepted, 3u + 3u);  // m1.hr, m2.hr(81), m2.note, and 3 ecg values
  EXPECT_EQ(r.rejected, 5u + 3u + 1u + 1u);
  ASSERT_EQ(r.rejects.size(), 8u);
  EXPECT_EQ(r.rejects[0].source, 1u);
  EXPECT_EQ(r.rejects[0].code, ErrorCode::kUnknownTwin);
  EXPECT_EQ(r.rejects[0].message, "unknown twin 'nope'");
  EXPECT_EQ(r.rejects[1].code, ErrorCode::kUnknownTelemetry);
  EXPECT_EQ(r.rejects[2].code, ErrorCode::kWrongType);
  EXPECT_EQ(r.rejects[2].message, "'leadsOff': expected boolean, got number");
  EXPECT_EQ(r.rejects[3].code, ErrorCode::kWrongType);
  EXPECT_EQ(r.rejects[4].code, ErrorCode::kBadTimestamp);
  EXPECT_EQ(r.rejects[5].code, ErrorCode::kBadWaveform);
  EXPECT_EQ(r.rejects[6].code, ErrorCode::kWrongType);  // NaN
  EXPECT_EQ(r.rejects[7].code, ErrorCode::kParseError);
  EXPECT_DOUBLE_EQ(SeriesOf(f, "m1", "hr").d, 72);
  EXPECT_DOUBLE_EQ(SeriesOf(f, "m2", "hr").d, 81);
  EXPECT_EQ(SeriesOf(f, "m2", "note").s, "ok");
  std::string prom = f.metrics.RenderPrometheus();
  EXPECT_NE(prom.find("lj_ingest_rejected_total{protocol=\"http_json\",reason=\"unknown_twin\"} 1"),
            std::string::npos);
  EXPECT_NE(prom.find("lj_ingest_samples_total{protocol=\"http_json\"} 6"), std::string::npos);
}

TEST(Pipeline, OutOfOrderBeyondToleranceIsRejectedLateWithinIsKeptButNotLatest) {
  PipelineOptions po;
  po.out_of_order_tolerance_ns = 2'000'000'000;
  LiveFixture f({"m1"}, {}, po);
  const int64_t t = NowNs();
  ParsedBatch b;
  b.samples.push_back(Scalar("m1", "hr", t, Value::Double(70), 0));
  b.samples.push_back(Scalar("m1", "hr", t - 1'000'000'000, Value::Double(60), 1));
  b.samples.push_back(Scalar("m1", "hr", t - 3'000'000'000, Value::Double(50), 2));
  ingest::IngestReport r = f.pipeline->Ingest(b, ingest::Protocol::kLineProtocol);
  EXPECT_EQ(r.accepted, 2u);
  ASSERT_EQ(r.rejects.size(), 1u);
  EXPECT_EQ(r.rejects[0].code, ErrorCode::kOutOfOrder);
  EXPECT_EQ(r.rejects[0].source, 2u);
  EXPECT_DOUBLE_EQ(SeriesOf(f, "m1", "hr").d, 70);  // the late sample did not win
}

TEST(Pipeline, IntegerTelemetryStoresIntsAndAcceptsIntegralDoubles) {
  LiveFixture f({"m1"});
  ParsedBatch b;
  b.samples.push_back(Scalar("m1", "beats", NowNs(), Value::Double(12), 0));
  ingest::IngestReport r = f.pipeline->Ingest(b, ingest::Protocol::kHttpJson);
  EXPECT_EQ(r.accepted, 1u);
  EXPECT_EQ(SeriesOf(f, "m1", "beats").kind, ingest::ValueKind::kInt);
  EXPECT_EQ(SeriesOf(f, "m1", "beats").i, 12);
}

TEST(Pipeline, ConsecutiveWaveformSamplesBecomeOneBlockPerBatch) {
  LiveFixture f({"m1"});
  const int64_t t = NowNs() - 1'000'000'000;
  ParsedBatch b;
  for (int i = 0; i < 10; ++i)
    b.samples.push_back(Scalar("m1", "ecg", t + i * 4'000'000, Value::Int(100 + i), i));
  b.samples.push_back(Block(b, "m1", t + 40'000'000, 250, {1, 2}, 10));  // continues
  b.samples.push_back(Block(b, "m1", t + 400'000'000, 250, {5}, 11));    // jump: new block
  ingest::IngestReport r = f.pipeline->Ingest(b, ingest::Protocol::kLineProtocol);
  EXPECT_EQ(r.accepted, 13u);
  const Series& se = SeriesOf(f, "m1", "ecg");
  ASSERT_EQ(se.ring.size(), 2u);
  EXPECT_EQ(se.ring[0]->values.size(), 12u);
  EXPECT_EQ(se.ring[0]->values[0], 100);
  EXPECT_EQ(se.ring[0]->t0_ns, t);
  EXPECT_EQ(se.ring[1]->values.size(), 1u);
  EXPECT_EQ(se.ring[1]->seq, se.ring[0]->seq + 1);
}

TEST(Pipeline, WaveRingKeepsOnlyTheBufferWindow) {
  LiveOptions lo;
  lo.wave_buffer_seconds = 1;
  LiveFixture f({"m1"}, lo);
  const int64_t t = NowNs() - 10'000'000'000;
  for (int k = 0; k < 20; ++k) {
    ParsedBatch b;
    b.samples.push_back(Block(b, "m1", t + k * 400'000'000LL, 250, std::vector<double>(100, 1), 0));
    ASSERT_EQ(f.pipeline->Ingest(b, ingest::Protocol::kHttpJson).accepted, 100u);
  }
  const Series& se = SeriesOf(f, "m1", "ecg");
  EXPECT_LE(se.ring.size(), 4u);
  EXPECT_EQ(se.ring.back()->seq, 19u);
  EXPECT_EQ(se.next_seq, 20u);
}

}  // namespace
}  // namespace lj::live

namespace lj::live {
namespace {

TEST(Pipeline, WaveformRejectsCarryTheirOwnReason) {
  PipelineOptions po;
  po.max_block_values = 4;
  LiveFixture f({"m1"}, {}, po);
  const int64_t t = NowNs() - 60'000'000'000LL;
  ingest::ParsedBatch b;
  b.samples.push_back(Block(b, "m1", t, 250, {1, 2}, 0));                       // ok
  b.samples.push_back(Block(b, "m1", t - 30'000'000'000LL, 250, {1, 2}, 1));    // 30 s back
  b.samples.push_back(Block(b, "m1", t + 8'000'000, 250, {1, 2, 3, 4, 5}, 2));  // > 4 values
  b.samples.push_back(Block(b, "m1", t + 8'000'000, 250, {1.5}, 3));            // integer schema
  b.samples.push_back(Scalar("m1", "ecg", t + 8'000'000, Value::String("x"), 4));
  ingest::IngestReport r = f.pipeline->Ingest(b, ingest::Protocol::kHttpJson);
  EXPECT_EQ(r.accepted, 2u);
  ASSERT_EQ(r.rejects.size(), 4u);
  EXPECT_EQ(r.rejects[0].code, ErrorCode::kOutOfOrder);
  EXPECT_EQ(r.rejects[1].code, ErrorCode::kOversize);
  EXPECT_EQ(r.rejects[1].message, "'ecg': block has 5 values (limit 4)");
  EXPECT_EQ(r.rejects[2].code, ErrorCode::kBadWaveform);
  EXPECT_EQ(r.rejects[3].code, ErrorCode::kWrongType);
}

}  // namespace
}  // namespace lj::live

namespace lj::live {
namespace {

TEST(Pipeline, DerivedTelemetryIsAcceptedOnlyFromTheEnginesOwnProtocol) {
  LiveFixture f({"m1"});
  const int64_t t = NowNs();
  for (int p = 0; p < static_cast<int>(ingest::Protocol::kCount); ++p) {
    const auto protocol = static_cast<ingest::Protocol>(p);
    if (protocol == ingest::Protocol::kClinical) continue;
    ParsedBatch b;
    b.samples.push_back(Scalar("m1", "score", t, Value::Int(0), 0));
    b.samples.push_back(Scalar("m1", "beats", t, Value::Int(3), 1));
    ingest::IngestReport r = f.pipeline->Ingest(b, protocol);
    EXPECT_EQ(r.accepted, 1u) << ingest::ProtocolName(protocol);
    ASSERT_EQ(r.rejects.size(), 1u) << ingest::ProtocolName(protocol);
    EXPECT_EQ(r.rejects[0].code, ErrorCode::kForbidden);
    EXPECT_EQ(r.rejects[0].message,
              "'score' of twin 'm1' is derived by the engine (dtmi:test:Monitor;1); it cannot be "
              "written from outside");
  }
  EXPECT_FALSE(SeriesOf(f, "m1", "score").has_value());
  ParsedBatch b;
  b.samples.push_back(Scalar("m1", "score", t, Value::Int(7), 0));
  ingest::IngestReport r = f.pipeline->Ingest(b, ingest::Protocol::kClinical);
  EXPECT_EQ(r.accepted, 1u);
  EXPECT_EQ(SeriesOf(f, "m1", "score").i, 7);
}

TEST(Pipeline, SamplesOlderThanMaxAgeAreRefusedWithTheFloor) {
  PipelineOptions po;
  po.max_age_ns = 3600'000'000'000LL;  // one hour
  LiveFixture f({"m1"}, {}, po);
  const int64_t t = NowNs();
  ParsedBatch b;
  b.samples.push_back(Scalar("m1", "hr", -8520336000000000000LL, Value::Double(70), 0));  // 1700
  b.samples.push_back(Scalar("m1", "hr", t - 7200'000'000'000LL, Value::Double(71), 1));
  b.samples.push_back(Scalar("m1", "hr", t - 60'000'000'000LL, Value::Double(72), 2));
  ingest::IngestReport r = f.pipeline->Ingest(b, ingest::Protocol::kHttpJson);
  EXPECT_EQ(r.accepted, 1u);
  ASSERT_EQ(r.rejects.size(), 2u);
  for (const auto& rej : r.rejects) {
    EXPECT_EQ(rej.code, ErrorCode::kBadTimestamp);
    EXPECT_NE(rej.message.find("older than the oldest accepted"), std::string::npos) << rej.message;
    EXPECT_NE(rej.message.find("max_age 3600 s"), std::string::npos) << rej.message;
  }
  EXPECT_DOUBLE_EQ(SeriesOf(f, "m1", "hr").d, 72);
}

TEST(Pipeline, IllFormedUtf8StringsAreRefusedFromAnyPath) {
  LiveFixture f({"m1"});
  const int64_t t = NowNs();
  ParsedBatch b;
  b.samples.push_back(Scalar("m1", "note", t, Value::String("ok \xe7\x81\xb5"), 0));
  b.samples.push_back(Scalar("m1", "note", t + 1, Value::String("bad \xff"), 1));
  ingest::IngestReport r = f.pipeline->Ingest(b, ingest::Protocol::kHl7);
  EXPECT_EQ(r.accepted, 1u);
  ASSERT_EQ(r.rejects.size(), 1u);
  EXPECT_EQ(r.rejects[0].code, ErrorCode::kInvalidUtf8);
  EXPECT_EQ(r.rejects[0].message, "'note': string value is not valid UTF-8 (byte 5)");
  EXPECT_EQ(SeriesOf(f, "m1", "note").s, "ok \xe7\x81\xb5");
  EXPECT_NE(f.metrics.RenderPrometheus().find(
                "lj_ingest_rejected_total{protocol=\"hl7\",reason=\"invalid_utf8\"} 1"),
            std::string::npos);
}

}  // namespace
}  // namespace lj::live
