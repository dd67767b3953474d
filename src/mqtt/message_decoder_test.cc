#include "mqtt/message_decoder.h"

#include <gtest/gtest.h>

#include <memory>

#include <nlohmann/json.hpp>

namespace lj::mqtt::internal {
namespace {

using ingest::Reject;
using ingest::Value;
using ingest::ValueKind;

struct Parsed {
  bool ok;
  Value value;
  std::string storage;
  Reject reject;
};

// Returns a unique_ptr: Value::s may point into `storage`, which must not move.
std::unique_ptr<Parsed> ParseValue(std::string_view payload, ingest::Limits limits = {}) {
  auto p = std::make_unique<Parsed>();
  p->ok = ParseValuePayload(payload, limits, &p->storage, &p->value, &p->reject);
  return p;
}

TEST(ValuePayloadTest, NumbersLikeJson) {
  auto p = ParseValue("72");
  ASSERT_TRUE(p->ok);
  EXPECT_EQ(p->value.kind, ValueKind::kInt);
  EXPECT_EQ(p->value.i, 72);
  p = ParseValue(" -5\n");
  ASSERT_TRUE(p->ok);
  EXPECT_EQ(p->value.kind, ValueKind::kInt);
  EXPECT_EQ(p->value.i, -5);
  p = ParseValue("72.5");
  ASSERT_TRUE(p->ok);
  EXPECT_EQ(p->value.kind, ValueKind::kDouble);
  EXPECT_DOUBLE_EQ(p->value.d, 72.5);
  p = ParseValue("1e3");
  ASSERT_TRUE(p->ok);
  EXPECT_EQ(p->value.kind, ValueKind::kDouble);
  EXPECT_DOUBLE_EQ(p->value.d, 1000);
  p = ParseValue("18446744073709551615");  // beyond int64 → double
  ASSERT_TRUE(p->ok);
  EXPECT_EQ(p->value.kind, ValueKind::kDouble);
}

TEST(ValuePayloadTest, BooleansAndStrings) {
  auto p = ParseValue("true");
  ASSERT_TRUE(p->ok);
  EXPECT_EQ(p->value.kind, ValueKind::kBool);
  EXPECT_TRUE(p->value.b);
  p = ParseValue("false");
  ASSERT_TRUE(p->ok);
  EXPECT_FALSE(p->value.b);
  p = ParseValue(R"("on \"battery\"")");
  ASSERT_TRUE(p->ok);
  EXPECT_EQ(p->value.kind, ValueKind::kString);
  EXPECT_EQ(p->value.s, "on \"battery\"");
  p = ParseValue("standby mode\n");  // not JSON: the trimmed text
  ASSERT_TRUE(p->ok);
  EXPECT_EQ(p->value.kind, ValueKind::kString);
  EXPECT_EQ(p->value.s, "standby mode");
  p = ParseValue("NaN");
  ASSERT_TRUE(p->ok);
  EXPECT_EQ(p->value.s, "NaN");
}

TEST(ValuePayloadTest, Rejects) {
  auto p = ParseValue("");
  ASSERT_FALSE(p->ok);
  EXPECT_EQ(p->reject.code, ErrorCode::kMissingField);
  EXPECT_FALSE(ParseValue("  \r\n")->ok);
  p = ParseValue(R"({"v": 1})");
  ASSERT_FALSE(p->ok);
  EXPECT_EQ(p->reject.code, ErrorCode::kWrongType);
  EXPECT_FALSE(ParseValue("[1,2]")->ok);
  EXPECT_FALSE(ParseValue("null")->ok);
  p = ParseValue("\xff\xfe garbage");
  ASSERT_FALSE(p->ok);
  EXPECT_EQ(p->reject.code, ErrorCode::kWrongType);
  ingest::Limits small;
  small.max_string_bytes = 4;
  p = ParseValue("hello", small);
  ASSERT_FALSE(p->ok);
  EXPECT_EQ(p->reject.code, ErrorCode::kOversize);
}

TEST(DecodeMessageTest, ValueMappingExpandsTopicLevels) {
  Mapping m{"lingjing/twins/+/telemetry/+", "{3}", "{5}", PayloadFormat::kValue};
  DecodeScratch s;
  DecodeMessage(m, "lingjing/twins/bed-1/telemetry/spo2", "97.5", 1234, {}, s);
  ASSERT_EQ(s.batch.samples.size(), 1u);
  EXPECT_TRUE(s.batch.rejects.empty());
  const ingest::ParsedSample& sample = s.batch.samples[0];
  EXPECT_EQ(sample.twin, "bed-1");
  EXPECT_EQ(sample.telemetry, "spo2");
  EXPECT_EQ(sample.t_ns, 1234);
  EXPECT_DOUBLE_EQ(sample.value.d, 97.5);

  // Reuse clears the previous message.
  DecodeMessage(m, "lingjing/twins/bed-2/telemetry/mode", "\"auto\"", 99, {}, s);
  ASSERT_EQ(s.batch.samples.size(), 1u);
  EXPECT_EQ(s.batch.samples[0].twin, "bed-2");
  EXPECT_EQ(s.batch.samples[0].value.s, "auto");
}

TEST(DecodeMessageTest, TemplateProblemsBecomeRejects) {
  Mapping m{"dev/#", "{2}", "{3}", PayloadFormat::kValue};
  DecodeScratch s;
  DecodeMessage(m, "dev/x", "1", 0, {}, s);  // no level 3
  EXPECT_TRUE(s.batch.samples.empty());
  ASSERT_EQ(s.batch.rejects.size(), 1u);
  EXPECT_EQ(s.batch.rejects[0].code, ErrorCode::kMissingField);

  Mapping j{"dev/+/data", "{2}", "", PayloadFormat::kJsonObject};
  DecodeMessage(j, "dev//data", "{\"hr\": 1}", 0, {}, s);  // empty twin id
  EXPECT_TRUE(s.batch.samples.empty());
  ASSERT_EQ(s.batch.rejects.size(), 1u);
  EXPECT_EQ(s.batch.rejects[0].code, ErrorCode::kMissingField);
}

TEST(RejectReportTest, JsonShape) {
  ingest::IngestReport report;
  report.accepted = 2;
  report.rejected = 1;
  report.rejects.push_back(Reject{3, ErrorCode::kUnknownTwin, "no twin 'nope' \xff"});
  auto doc = nlohmann::json::parse(
      RejectReportJson("lingjing/line", PayloadFormat::kLineProtocol, report));
  EXPECT_EQ(doc["topic"], "lingjing/line");
  EXPECT_EQ(doc["accepted"], 2);
  EXPECT_EQ(doc["rejected"], 1);
  ASSERT_EQ(doc["errors"].size(), 1u);
  EXPECT_EQ(doc["errors"][0]["line"], 3);
  EXPECT_EQ(doc["errors"][0]["code"], 2001);
  EXPECT_EQ(doc["errors"][0]["error"], "unknown_twin");
  EXPECT_FALSE(doc["errors"][0]["message"].get<std::string>().empty());

  doc = nlohmann::json::parse(RejectReportJson("t", PayloadFormat::kJsonBatch, report));
  EXPECT_EQ(doc["errors"][0]["index"], 3);
  EXPECT_FALSE(doc["errors"][0].contains("line"));
}

}  // namespace
}  // namespace lj::mqtt::internal
