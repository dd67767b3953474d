#include "ingest/json_batch.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>

namespace lj::ingest {
namespace {

ParsedBatch Parse(std::string_view body, const JsonBatchOptions& o = {}) {
  ParsedBatch b;
  ParseJsonBatch(body, o, b);
  return b;
}

// Parses a batch with one item that must be rejected; returns the reject.
Reject Bad(const std::string& item, const JsonBatchOptions& o = {}) {
  ParsedBatch b = Parse("[" + item + "]", o);
  EXPECT_TRUE(b.samples.empty()) << item;
  EXPECT_TRUE(b.wave_values.empty()) << item;
  EXPECT_EQ(b.rejects.size(), 1u) << item;
  return b.rejects.empty() ? Reject{} : b.rejects[0];
}

std::string Values(size_t n) {
  std::string s = "[";
  for (size_t i = 0; i < n; ++i) s += i ? ",1" : "1";
  return s + "]";
}

TEST(JsonBatch, ScalarItemsOfEveryType) {
  ParsedBatch b = Parse(R"({"samples": [
    {"twin": "monitor-a01", "telemetry": "hr", "t": 1700000000000, "v": 72},
    {"twin": "monitor-a01", "telemetry": "temp", "t": 1700000000000, "v": 36.6},
    {"twin": "monitor-a01", "telemetry": "x", "v": 72.0},
    {"twin": "monitor-a01", "telemetry": "alarm", "v": true},
    {"twin": "monitor-a01", "telemetry": "note", "v": "ok"},
    {"twin": "monitor-a01", "telemetry": "big", "v": 10000000000000000000}]})");
  ASSERT_TRUE(b.rejects.empty());
  ASSERT_EQ(b.samples.size(), 6u);
  EXPECT_EQ(b.samples[0].twin, "monitor-a01");
  EXPECT_EQ(b.samples[0].telemetry, "hr");
  EXPECT_EQ(b.samples[0].t_ns, 1700000000000000000);
  EXPECT_EQ(b.samples[0].value.kind, ValueKind::kInt);
  EXPECT_EQ(b.samples[0].value.i, 72);
  EXPECT_EQ(b.samples[1].value.kind, ValueKind::kDouble);
  EXPECT_DOUBLE_EQ(b.samples[1].value.d, 36.6);
  EXPECT_EQ(b.samples[2].value.kind, ValueKind::kDouble);  // 72.0 is not an integral literal
  EXPECT_EQ(b.samples[3].value.kind, ValueKind::kBool);
  EXPECT_TRUE(b.samples[3].value.b);
  EXPECT_EQ(b.samples[4].value.kind, ValueKind::kString);
  EXPECT_EQ(b.samples[4].value.s, "ok");
  EXPECT_EQ(b.samples[5].value.kind, ValueKind::kDouble);  // beyond int64
  for (uint32_t i = 0; i < 6; ++i) {
    EXPECT_EQ(b.samples[i].source, i);
    EXPECT_FALSE(b.samples[i].is_block());
  }
}

TEST(JsonBatch, BareArrayAndDefaultTime) {
  JsonBatchOptions o;
  o.default_time_ns = 99;
  ParsedBatch b = Parse(R"([{"twin": "a", "telemetry": "hr", "v": 1}])", o);
  ASSERT_EQ(b.samples.size(), 1u);
  EXPECT_EQ(b.samples[0].t_ns, 99);
}

TEST(JsonBatch, TimeFormats) {
  ParsedBatch b = Parse(R"([
    {"twin": "a", "telemetry": "x", "v": 1, "t": 1700000000123},
    {"twin": "a", "telemetry": "x", "v": 1, "t": 1700000000123.5},
    {"twin": "a", "telemetry": "x", "v": 1, "t": "2026-11-23T10:00:00.5Z"},
    {"twin": "a", "telemetry": "x", "v": 1, "t": "2026-11-23T11:00:00+01:00"},
    {"twin": "a", "telemetry": "x", "v": 1, "t": -1000}])");
  ASSERT_TRUE(b.rejects.empty());
  ASSERT_EQ(b.samples.size(), 5u);
  EXPECT_EQ(b.samples[0].t_ns, 1700000000123000000);
  EXPECT_EQ(b.samples[1].t_ns, 1700000000123500000);
  EXPECT_EQ(b.samples[2].t_ns, 1795428000500000000);
  EXPECT_EQ(b.samples[3].t_ns, 1795428000000000000);
  EXPECT_EQ(b.samples[4].t_ns, -1000000000);
}

TEST(JsonBatch, BadTimes) {
  const std::pair<const char*, const char*> cases[] = {
      {R"("2026-13-01")", "invalid time '2026-13-01'"},
      {R"("9999-01-01T00:00:00Z")", "time '9999-01-01T00:00:00Z' is out of range"},
      {"1e300", "time 1e+300 ms is out of range"},
      {"9223372036854775807", "time 9223372036854775807 ms is out of range"},
      {"null", "'t' must be milliseconds since the epoch or an RFC 3339 string"},
  };
  for (const auto& [t, msg] : cases) {
    Reject r = Bad(std::string(R"({"twin": "a", "telemetry": "x", "v": 1, "t": )") + t + "}");
    EXPECT_EQ(r.code, ErrorCode::kBadTimestamp) << t;
    EXPECT_EQ(r.message, msg);
  }
}

TEST(JsonBatch, BlockItems) {
  ParsedBatch b = Parse(R"([
    {"twin": "m1", "telemetry": "ecg", "t": 1000, "rate": 250, "values": [512, 515.5, -3]},
    {"twin": "m1", "telemetry": "pleth", "t": 2000, "rate": 62.5, "values": [1, 2]}])");
  ASSERT_TRUE(b.rejects.empty());
  ASSERT_EQ(b.samples.size(), 2u);
  const ParsedSample& e = b.samples[0];
  EXPECT_TRUE(e.is_block());
  EXPECT_EQ(e.telemetry, "ecg");
  EXPECT_EQ(e.rate_hz, 250);
  EXPECT_EQ(e.t_ns, 1000000000);
  EXPECT_EQ(e.offset, 0u);
  EXPECT_EQ(e.count, 3u);
  EXPECT_EQ(b.samples[1].offset, 3u);
  EXPECT_EQ(b.samples[1].count, 2u);
  EXPECT_EQ(b.samples[1].rate_hz, 62.5);
  EXPECT_EQ(b.wave_values, (std::vector<double>{512, 515.5, -3, 1, 2}));
}

TEST(JsonBatch, MultiItems) {
  ParsedBatch b = Parse(R"([{"twin": "m1", "t": 1000, "values": {
      "hr": 72, "note": "ok", "ecg": {"rate": 250, "values": [1, 2, 3], "t": 500},
      "bad": null, "pleth": {"rate": 0, "values": [1]}}}])");
  ASSERT_EQ(b.samples.size(), 3u);
  EXPECT_EQ(b.samples[0].telemetry, "hr");
  EXPECT_EQ(b.samples[0].value.i, 72);
  EXPECT_EQ(b.samples[0].t_ns, 1000000000);
  EXPECT_EQ(b.samples[1].value.s, "ok");
  EXPECT_EQ(b.samples[2].telemetry, "ecg");
  EXPECT_TRUE(b.samples[2].is_block());
  EXPECT_EQ(b.samples[2].t_ns, 500000000);  // the block's own time
  EXPECT_EQ(b.samples[2].count, 3u);
  ASSERT_EQ(b.rejects.size(), 2u);  // bad values reject only their own key
  EXPECT_EQ(b.rejects[0].message, "'bad' must be a number, boolean, string or waveform object");
  EXPECT_EQ(b.rejects[1].code, ErrorCode::kBadWaveform);
  EXPECT_EQ(b.rejects[1].message, "'pleth': 'rate' must be > 0");
}

TEST(JsonBatch, RejectReasonsCarryTheIndex) {
  ParsedBatch b = Parse(R"([
    {"twin": "a", "telemetry": "hr", "v": 1},
    {"twin": "a", "telemetry": "ecg", "rate": 250, "values": [1, "x"]},
    {"twin": "a", "telemetry": "hr", "v": 2},
    {"twin": "a", "telemetry": "hr", "v": 3, "t": "2026-13-01"},
    {"telemetry": "hr", "v": 4},
    {"twin": "a", "telemetry": "ecg", "rate": -1, "values": [1]}])");
  ASSERT_EQ(b.samples.size(), 2u);
  EXPECT_EQ(b.samples[0].source, 0u);
  EXPECT_EQ(b.samples[1].source, 2u);
  EXPECT_TRUE(b.wave_values.empty());  // the bad block's values were rolled back
  ASSERT_EQ(b.rejects.size(), 4u);
  EXPECT_EQ(b.rejects[0].source, 1u);
  EXPECT_EQ(b.rejects[0].message, "'values' must be an array of numbers");
  EXPECT_EQ(b.rejects[1].message, "invalid time '2026-13-01'");
  EXPECT_EQ(b.rejects[2].code, ErrorCode::kMissingField);
  EXPECT_EQ(b.rejects[2].message, "missing 'twin'");
  EXPECT_EQ(b.rejects[3].message, "'rate' must be > 0");
}

TEST(JsonBatch, ItemErrors) {
  struct Case {
    std::string item;
    ErrorCode code;
    const char* msg;
  } cases[] = {
      {"42", ErrorCode::kParseError, "expected an object"},
      {R"({"twin": 5, "telemetry": "x", "v": 1})", ErrorCode::kParseError,
       "'twin' must be a string"},
      {R"({"twin": "", "telemetry": "x", "v": 1})", ErrorCode::kMissingField,
       "'twin' must not be empty"},
      {R"({"twin": "a", "v": 1})", ErrorCode::kMissingField, "missing 'telemetry'"},
      {R"({"twin": "a", "telemetry": "x"})", ErrorCode::kMissingField, "missing 'v' or 'values'"},
      {R"({"twin": "a", "telemetry": "x", "v": [1]})", ErrorCode::kParseError,
       "'v' must be a number, boolean or string"},
      {R"({"twin": "a", "telemetry": "x", "v": null})", ErrorCode::kParseError,
       "'v' must be a number, boolean or string"},
      {R"({"twin": "a", "telemetry": "x", "values": 3})", ErrorCode::kParseError,
       "'values' must be an array of numbers or an object"},
      {R"({"twin": "a", "telemetry": "x", "values": [1]})", ErrorCode::kMissingField,
       "missing 'rate'"},
      {R"({"twin": "a", "telemetry": "x", "rate": "fast", "values": [1]})", ErrorCode::kParseError,
       "'rate' must be a number"},
      {R"({"twin": "a", "telemetry": "x", "rate": 0, "values": [1]})", ErrorCode::kBadWaveform,
       "'rate' must be > 0"},
      {R"({"twin": "a", "telemetry": "x", "rate": 250, "values": []})", ErrorCode::kBadWaveform,
       "waveform block has no values"},
      {R"({"twin": "a", "telemetry": "x", "values": {"hr": 1}})", ErrorCode::kParseError,
       "'telemetry' must not be given with a 'values' object"},
      {R"({"twin": "a", "values": {}})", ErrorCode::kMissingField, "'values' has no telemetry"},
      {R"({"twin": "a", "values": {"ecg": {"rate": 5}}})", ErrorCode::kMissingField,
       "'ecg': missing 'values'"},
      {R"({"twin": "a", "telemetry": "x", "rate": 250, "values": )" + Values(70000) + "}",
       ErrorCode::kOversize, "waveform block has 70000 values (limit 65536)"},
  };
  for (const Case& c : cases) {
    Reject r = Bad(c.item);
    EXPECT_EQ(r.code, c.code) << c.item.substr(0, 80);
    EXPECT_EQ(r.message, c.msg);
  }
  ParsedBatch b =
      Parse(R"([{"twin": "a", "telemetry": "x", "rate": 250, "values": )" + Values(65536) + "}]");
  ASSERT_EQ(b.samples.size(), 1u);  // exactly at the limit is fine
  EXPECT_EQ(b.samples[0].count, 65536u);
}

TEST(JsonBatch, StringAndIdLimits) {
  JsonBatchOptions o;
  o.limits.max_id_bytes = 4;
  o.limits.max_string_bytes = 3;
  Reject r = Bad(R"({"twin": "abcde", "telemetry": "x", "v": 1})", o);
  EXPECT_EQ(r.code, ErrorCode::kOversize);
  EXPECT_EQ(r.message, "'twin' 'abcde' is longer than 4 bytes");
  EXPECT_EQ(Bad(R"({"twin": "a", "telemetry": "abcde", "v": 1})", o).code, ErrorCode::kOversize);
  r = Bad(R"({"twin": "a", "telemetry": "x", "v": "abcd"})", o);
  EXPECT_EQ(r.code, ErrorCode::kOversize);
  EXPECT_EQ(r.message, "'v' is a string of 4 bytes (limit 3)");
  EXPECT_EQ(Bad(R"({"twin": "a", "values": {"abcde": 1}})", o).code, ErrorCode::kOversize);
}

TEST(JsonBatch, DocumentErrorsAreOneRejectAtSourceZero) {
  for (const char* body : {"", "not json", "{\"samples\": [", R"({"samples": 5})", R"({"x": []})",
                           "42", R"([{"twin": "a", "telemetry": "x", "v": 1},])"}) {
    ParsedBatch b = Parse(body);
    EXPECT_TRUE(b.samples.empty()) << body;
    ASSERT_EQ(b.rejects.size(), 1u) << body;
    EXPECT_EQ(b.rejects[0].source, 0u);
    EXPECT_EQ(b.rejects[0].code, ErrorCode::kParseError);
  }
  EXPECT_EQ(Parse("nope").rejects[0].message.rfind("body is not valid JSON: ", 0), 0u);
}

TEST(JsonBatch, StringsSurviveTheBody) {
  ParsedBatch b;
  {
    auto body = std::make_unique<std::string>(
        R"([{"twin": "bed-\u00e9\"1\"", "telemetry": "no\\te", "v": "line1\nline2 \u2764"},)"
        R"({"twin": "bed-2", "values": {"ecg": {"rate": 5, "values": [1.5]}, "s": "x\ty"}}])");
    ParseJsonBatch(*body, {}, b);
    std::fill(body->begin(), body->end(), '#');
  }
  ASSERT_TRUE(b.rejects.empty());
  ASSERT_EQ(b.samples.size(), 3u);
  EXPECT_EQ(b.samples[0].twin, "bed-\xC3\xA9\"1\"");
  EXPECT_EQ(b.samples[0].telemetry, "no\\te");
  EXPECT_EQ(b.samples[0].value.s, "line1\nline2 \xE2\x9D\xA4");
  EXPECT_EQ(b.samples[1].twin, "bed-2");
  EXPECT_EQ(b.samples[1].telemetry, "ecg");
  EXPECT_EQ(b.wave_values[b.samples[1].offset], 1.5);
  EXPECT_EQ(b.samples[2].telemetry, "s");
  EXPECT_EQ(b.samples[2].value.s, "x\ty");
}

TEST(JsonBatch, TwinObject) {
  ParsedBatch b;
  ParseJsonTwinObject(
      R"({"t": 1000, "hr": 72, "spo2": 97.5, "ecg": {"rate": 250, "values": [1, 2]}, "x": []})",
      "monitor-a01", {}, b);
  ASSERT_EQ(b.samples.size(), 3u);
  for (const ParsedSample& s : b.samples) {
    EXPECT_EQ(s.twin, "monitor-a01");
    EXPECT_EQ(s.t_ns, 1000000000);
    EXPECT_EQ(s.source, 0u);
  }
  EXPECT_EQ(b.samples[0].telemetry, "hr");
  EXPECT_EQ(b.samples[1].value.d, 97.5);
  EXPECT_TRUE(b.samples[2].is_block());
  ASSERT_EQ(b.rejects.size(), 1u);
  EXPECT_EQ(b.rejects[0].message, "'x' must be a number, boolean, string or waveform object");

  ParsedBatch c;
  ParseJsonTwinObject(R"([1])", "a", {}, c);
  ASSERT_EQ(c.rejects.size(), 1u);
  EXPECT_EQ(c.rejects[0].message, "expected a JSON object");
  ParsedBatch d;
  ParseJsonTwinObject(R"({"t": "bad", "hr": 1})", "a", {}, d);
  EXPECT_TRUE(d.samples.empty());
  ASSERT_EQ(d.rejects.size(), 1u);
  EXPECT_EQ(d.rejects[0].code, ErrorCode::kBadTimestamp);
}

}  // namespace
}  // namespace lj::ingest
