#include "ingest/line_protocol.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>

namespace lj::ingest {
namespace {

ParsedBatch Parse(std::string_view body, const LineProtocolOptions& o = {}) {
  ParsedBatch b;
  ParseLineProtocol(body, o, b);
  return b;
}

// Parses one line that must yield exactly one sample.
ParsedSample One(std::string_view body, ParsedBatch& keep, const LineProtocolOptions& o = {}) {
  keep = Parse(body, o);
  EXPECT_TRUE(keep.rejects.empty()) << (keep.rejects.empty() ? "" : keep.rejects[0].message);
  EXPECT_EQ(keep.samples.size(), 1u);
  return keep.samples.empty() ? ParsedSample{} : keep.samples[0];
}

// Parses one line that must be rejected; returns the reject.
Reject Bad(std::string_view body, const LineProtocolOptions& o = {}) {
  ParsedBatch b = Parse(body, o);
  EXPECT_TRUE(b.samples.empty());
  EXPECT_EQ(b.rejects.size(), 1u) << body;
  return b.rejects.empty() ? Reject{} : b.rejects[0];
}

TEST(LineProtocol, ParsesAllValueTypesOfOneLine) {
  const std::string body =
      "vitals,ward=a,twin=bed-01 hr=72i,spo2=98.5,alarm=false,note=\"ok\",n=7u 1700000000000000000";
  ParsedBatch b = Parse(body);
  ASSERT_TRUE(b.rejects.empty());
  ASSERT_EQ(b.samples.size(), 5u);
  for (const ParsedSample& s : b.samples) {
    EXPECT_EQ(s.twin, "bed-01");
    EXPECT_EQ(s.t_ns, 1700000000000000000);
    EXPECT_EQ(s.source, 1u);
    EXPECT_FALSE(s.is_block());
  }
  EXPECT_EQ(b.samples[0].telemetry, "hr");
  EXPECT_EQ(b.samples[0].value.kind, ValueKind::kInt);
  EXPECT_EQ(b.samples[0].value.i, 72);
  EXPECT_EQ(b.samples[1].value.kind, ValueKind::kDouble);
  EXPECT_DOUBLE_EQ(b.samples[1].value.d, 98.5);
  EXPECT_EQ(b.samples[2].value.kind, ValueKind::kBool);
  EXPECT_FALSE(b.samples[2].value.b);
  EXPECT_EQ(b.samples[3].value.kind, ValueKind::kString);
  EXPECT_EQ(b.samples[3].value.s, "ok");
  EXPECT_EQ(b.samples[4].value.kind, ValueKind::kInt);
  EXPECT_EQ(b.samples[4].value.i, 7);
  // Unescaped names are zero-copy views into the body.
  EXPECT_GE(b.samples[0].twin.data(), body.data());
  EXPECT_LT(b.samples[0].twin.data(), body.data() + body.size());
  EXPECT_TRUE(b.owned.empty());
}

TEST(LineProtocol, Numbers) {
  struct Case {
    const char* v;
    ValueKind kind;
    double d;
  } cases[] = {{"1", ValueKind::kDouble, 1},
               {"-1.5", ValueKind::kDouble, -1.5},
               {"1e3", ValueKind::kDouble, 1000},
               {"1.5E-2", ValueKind::kDouble, 0.015},
               {"-2.5e+2", ValueKind::kDouble, -250},
               {".5", ValueKind::kDouble, 0.5},
               {"1.", ValueKind::kDouble, 1},
               {"-9223372036854775808i", ValueKind::kInt, 0},
               {"-5i", ValueKind::kInt, -5},
               {"0u", ValueKind::kInt, 0},
               {"9223372036854775807u", ValueKind::kInt, 0}};
  for (const Case& c : cases) {
    ParsedBatch keep;
    ParsedSample s = One(std::string("m,twin=a x=") + c.v, keep);
    EXPECT_EQ(s.value.kind, c.kind) << c.v;
    if (c.kind == ValueKind::kDouble) {
      EXPECT_DOUBLE_EQ(s.value.d, c.d) << c.v;
    }
  }
  ParsedBatch keep;
  EXPECT_TRUE(std::signbit(One("m,twin=a x=-0", keep).value.d));
  EXPECT_DOUBLE_EQ(One("m,twin=a x=12345678901234567890", keep).value.d, 12345678901234567890.0);
  ParsedBatch b = Parse("m,twin=a a=36,b=36 1\nm,twin=a c=-7,d=2.5e1 2");
  ASSERT_EQ(b.samples.size(), 4u);
  EXPECT_EQ(b.samples[0].value.kind, ValueKind::kDouble);
  EXPECT_EQ(b.samples[0].value.d, 36);
  EXPECT_EQ(b.samples[1].value.d, 36);
  EXPECT_EQ(b.samples[2].value.d, -7);
  EXPECT_EQ(b.samples[3].value.d, 25);
  EXPECT_EQ(One("m,twin=a x=-9223372036854775808i", keep).value.i, INT64_MIN);
  EXPECT_EQ(One("m,twin=a x=9223372036854775807u", keep).value.i, INT64_MAX);
}

TEST(LineProtocol, Booleans) {
  for (const char* t : {"t", "T", "true", "True", "TRUE"}) {
    ParsedBatch keep;
    ParsedSample s = One(std::string("m,twin=a x=") + t, keep);
    EXPECT_EQ(s.value.kind, ValueKind::kBool);
    EXPECT_TRUE(s.value.b) << t;
  }
  for (const char* f : {"f", "F", "false", "False", "FALSE"}) {
    ParsedBatch keep;
    ParsedSample s = One(std::string("m,twin=a x=") + f, keep);
    EXPECT_EQ(s.value.kind, ValueKind::kBool);
    EXPECT_FALSE(s.value.b) << f;
  }
  EXPECT_EQ(Bad("m,twin=a x=tRUE").message, "field 'x': invalid boolean 'tRUE'");
}

TEST(LineProtocol, InvalidValues) {
  EXPECT_EQ(Bad("m,twin=a hr=7x2").message, "field 'hr': invalid number '7x2'");
  EXPECT_EQ(Bad("m,twin=a x=inf").message, "field 'x': invalid number 'inf'");
  EXPECT_EQ(Bad("m,twin=a x=nan").message, "field 'x': invalid number 'nan'");
  EXPECT_EQ(Bad("m,twin=a x=+1").message, "field 'x': invalid number '+1'");
  EXPECT_EQ(Bad("m,twin=a x=1e").message, "field 'x': invalid number '1e'");
  EXPECT_EQ(Bad("m,twin=a x=-").message, "field 'x': invalid number '-'");
  EXPECT_EQ(Bad("m,twin=a x=1.5i").message, "field 'x': invalid integer '1.5i'");
  EXPECT_EQ(Bad("m,twin=a x=i").message, "field 'x': invalid integer 'i'");
  EXPECT_EQ(Bad("m,twin=a x=-1u").message, "field 'x': invalid integer '-1u'");
  EXPECT_EQ(Bad("m,twin=a x=9223372036854775808i").message,
            "field 'x': integer '9223372036854775808i' is out of range");
  EXPECT_EQ(Bad("m,twin=a x=9223372036854775808u").message,
            "field 'x': integer '9223372036854775808u' is out of range");
  EXPECT_EQ(Bad("m,twin=a x=1e999").message, "field 'x': number '1e999' is out of range");
  for (const char* body : {"m,twin=a x=7x2", "m,twin=a x=tru", "m,twin=a x=1i2"}) {
    EXPECT_EQ(Bad(body).code, ErrorCode::kParseError) << body;
  }
}

TEST(LineProtocol, MeasurementEscapes) {
  LineProtocolOptions o;
  o.naming = TelemetryNaming::kMeasurementField;
  ParsedBatch keep;
  EXPECT_EQ(One(R"(my\,meas\ x,twin=a f=1)", keep, o).telemetry, "my,meas x_f");
  // '=' is not special in a measurement: "\=" stays as written; "\\" is one backslash.
  EXPECT_EQ(One(R"(a\=b,twin=a f=1)", keep, o).telemetry, R"(a\=b_f)");
  EXPECT_EQ(One(R"(a\\b,twin=a f=1)", keep, o).telemetry, R"(a\b_f)");
  EXPECT_EQ(One(R"(a=b,twin=a f=1)", keep, o).telemetry, "a=b_f");
}

TEST(LineProtocol, TagEscapes) {
  ParsedBatch keep;
  EXPECT_EQ(One(R"(m,twin=bed\ 01\,a\=b f=1)", keep).twin, "bed 01,a=b");
  EXPECT_EQ(keep.owned.size(), 1u);                          // the unescaped twin id
  EXPECT_EQ(One(R"(m,twin=a\b f=1)", keep).twin, R"(a\b)");  // literal backslash
  EXPECT_EQ(One(R"(m,twin=a\\ f=1)", keep).twin, R"(a\)");   // "\\" then the space delimiter
  LineProtocolOptions o;
  o.twin_tag = "dev id";
  EXPECT_EQ(One(R"(m,dev\ id=x,twin=y f=1)", keep, o).twin, "x");
  o.twin_tag = "a=b";
  EXPECT_EQ(One(R"(m,a\=b=x f=1)", keep, o).twin, "x");
}

TEST(LineProtocol, FieldKeyEscapes) {
  ParsedBatch keep;
  EXPECT_EQ(One(R"(m,twin=a my\ field\,x\=y=1)", keep).telemetry, "my field,x=y");
  EXPECT_EQ(One(R"(m,twin=a f\"q=1)", keep).telemetry, R"(f\"q)");
}

TEST(LineProtocol, StringFieldEscapes) {
  ParsedBatch keep;
  EXPECT_EQ(One(R"(m,twin=a s="say \"hi\" \\ c:\path")", keep).value.s, R"(say "hi" \ c:\path)");
  EXPECT_EQ(One(R"(m,twin=a s="a, b=c d")", keep).value.s, "a, b=c d");
  EXPECT_EQ(One(R"(m,twin=a s="")", keep).value.s, "");
  ParsedBatch b = Parse(R"(m,twin=a s="x\"y",n=1i 5)");
  ASSERT_EQ(b.samples.size(), 2u);
  EXPECT_EQ(b.samples[0].value.s, "x\"y");
  EXPECT_EQ(b.samples[1].t_ns, 5);
}

TEST(LineProtocol, MeasurementFieldNamingReusesNames) {
  LineProtocolOptions o;
  o.naming = TelemetryNaming::kMeasurementField;
  ParsedBatch b =
      Parse("vitals,twin=a hr=1,rr=2 1\nvitals,twin=b hr=3,rr=4 2\nvitals,twin=c hr=5 3", o);
  ASSERT_EQ(b.samples.size(), 5u);
  EXPECT_EQ(b.samples[0].telemetry, "vitals_hr");
  EXPECT_EQ(b.samples[1].telemetry, "vitals_rr");
  EXPECT_EQ(b.samples[4].telemetry, "vitals_hr");
  EXPECT_EQ(b.samples[4].telemetry.data(), b.samples[0].telemetry.data());
  EXPECT_EQ(b.owned.size(), 2u);  // one owned string per distinct name, not per line
}

TEST(LineProtocol, Precision) {
  struct Case {
    Precision p;
    int64_t ns;
  } cases[] = {{Precision::kNanoseconds, 2},        {Precision::kMicroseconds, 2000},
               {Precision::kMilliseconds, 2000000}, {Precision::kSeconds, 2000000000},
               {Precision::kMinutes, 120000000000}, {Precision::kHours, 7200000000000}};
  for (const Case& c : cases) {
    LineProtocolOptions o;
    o.precision = c.p;
    ParsedBatch keep;
    EXPECT_EQ(One("m,twin=a x=1 2", keep, o).t_ns, c.ns);
    EXPECT_EQ(One("m,twin=a x=1 -2", keep, o).t_ns, -c.ns);
  }
  Precision p;
  const std::pair<const char*, Precision> ok[] = {
      {"n", Precision::kNanoseconds},   {"ns", Precision::kNanoseconds},
      {"u", Precision::kMicroseconds},  {"us", Precision::kMicroseconds},
      {"ms", Precision::kMilliseconds}, {"s", Precision::kSeconds},
      {"m", Precision::kMinutes},       {"h", Precision::kHours}};
  for (const auto& [s, want] : ok) {
    ASSERT_TRUE(ParsePrecision(s, &p)) << s;
    EXPECT_EQ(p, want);
  }
  for (const char* s : {"", "x", "MS", "sec", "mss", "nanos"})
    EXPECT_FALSE(ParsePrecision(s, &p)) << s;
}

TEST(LineProtocol, Timestamps) {
  LineProtocolOptions o;
  o.default_time_ns = 42;
  ParsedBatch keep;
  EXPECT_EQ(One("m,twin=a x=1", keep, o).t_ns, 42);
  EXPECT_EQ(One("m,twin=a x=1   ", keep, o).t_ns, 42);
  EXPECT_EQ(One("m,twin=a x=1  7  ", keep, o).t_ns, 7);
  const std::pair<const char*, int64_t> ok[] = {{"0", 0},
                                                {"-1", -1},
                                                {"12345678", 12345678},
                                                {"123456789", 123456789},
                                                {"1234567890123456", 1234567890123456},
                                                {"1795428000123456789", 1795428000123456789},
                                                {"9223372036854775807", INT64_MAX},
                                                {"-9223372036854775808", INT64_MIN},
                                                {"00000000000000000000001", 1}};
  for (const auto& [ts, want] : ok) {
    EXPECT_EQ(One(std::string("m,twin=a x=1 ") + ts, keep).t_ns, want) << ts;
  }
  for (const char* ts : {"12345678a", "1234567890123456789a", "1-2", "-", "--1", "0x10"}) {
    EXPECT_EQ(Bad(std::string("m,twin=a x=1 ") + ts).message,
              std::string("invalid timestamp '") + ts + "'");
  }
  for (const char* ts : {"9223372036854775808", "-9223372036854775809", "99999999999999999999"}) {
    EXPECT_EQ(Bad(std::string("m,twin=a x=1 ") + ts).code, ErrorCode::kBadTimestamp) << ts;
  }
  Reject r = Bad("m,twin=a x=1 12a");
  EXPECT_EQ(r.code, ErrorCode::kParseError);
  EXPECT_EQ(r.message, "invalid timestamp '12a'");
  EXPECT_EQ(Bad("m,twin=a x=1 1 2").message, "unexpected '2' after the timestamp");
  EXPECT_EQ(Bad("m,twin=a x=1 +5").code, ErrorCode::kParseError);
  r = Bad("m,twin=a x=1 9223372036854775808");
  EXPECT_EQ(r.code, ErrorCode::kBadTimestamp);
  o.precision = Precision::kHours;
  r = Bad("m,twin=a x=1 9223372036854775", o);
  EXPECT_EQ(r.code, ErrorCode::kBadTimestamp);
  EXPECT_EQ(r.message, "timestamp '9223372036854775' (h) overflows int64 nanoseconds");
}

TEST(LineProtocol, CommentsBlankLinesCrlfAndLineNumbers) {
  const std::string body =
      "# header comment\r\n"
      "\r\n"
      "m,twin=a x=1 1\r\n"
      "   \n"
      "  # indented comment\n"
      "\tm,twin=b x=2 2\r\n"
      "m,twin=c x=oops\r\n"
      "m,twin=d s=\"v\" 4\r\n";
  ParsedBatch b = Parse(body);
  ASSERT_EQ(b.samples.size(), 3u);
  EXPECT_EQ(b.samples[0].source, 3u);
  EXPECT_EQ(b.samples[1].twin, "b");
  EXPECT_EQ(b.samples[1].source, 6u);
  EXPECT_EQ(b.samples[2].value.s, "v");
  EXPECT_EQ(b.samples[2].t_ns, 4);
  ASSERT_EQ(b.rejects.size(), 1u);
  EXPECT_EQ(b.rejects[0].source, 7u);
  EXPECT_EQ(b.rejects[0].message, "field 'x': invalid number 'oops'");
}

TEST(LineProtocol, MissingTwinTag) {
  ParsedBatch b = Parse("m,twin=a x=1\nm,twin=b x=2\nm,host=h x=3\n");
  EXPECT_EQ(b.samples.size(), 2u);
  ASSERT_EQ(b.rejects.size(), 1u);
  EXPECT_EQ(b.rejects[0].code, ErrorCode::kMissingField);
  EXPECT_EQ(b.rejects[0].source, 3u);
  EXPECT_EQ(b.rejects[0].message, "missing tag 'twin'");
  LineProtocolOptions o;
  o.twin_tag = "device";
  EXPECT_EQ(Bad("m,twin=a x=1", o).message, "missing tag 'device'");
  ParsedBatch keep;
  EXPECT_EQ(One("m,twin=a,device=d x=1", keep, o).twin, "d");
}

TEST(LineProtocol, SyntaxErrors) {
  const std::pair<const char*, const char*> cases[] = {
      {"m,twin=a", "missing fields"},
      {"m,twin=a ", "missing fields"},
      {"m,twin=a x", "field 'x' has no value"},
      {"m,twin=a x=", "field 'x' has no value"},
      {"m,twin=a x=1,", "empty field key"},
      {"m,twin=a =1", "empty field key"},
      {"m,twin= x=1", "tag 'twin' has an empty value"},
      {"m,twin x=1", "tag 'twin' has no value"},
      {"m,,twin=a x=1", "empty tag key"},
      {",twin=a x=1", "missing measurement"},
      {"m,twin=a s=\"abc", "field 's': unterminated string"},
      {"m,twin=a s=\"abc\"x", "field 's': unexpected 'x' after string"},
      {"m,twin=a s=\"a\\\"", "field 's': unterminated string"},
  };
  for (const auto& [body, msg] : cases) {
    Reject r = Bad(body);
    EXPECT_EQ(r.code, ErrorCode::kParseError) << body;
    EXPECT_EQ(r.message, msg);
    EXPECT_EQ(r.source, 1u);
  }
}

TEST(LineProtocol, BadLineIsRejectedWholeAndNeighboursKept) {
  ParsedBatch b;
  b.samples.resize(1);  // appends, never clears
  ParseLineProtocol("m,twin=a x=1,y=2 1\nm,twin=b x=1,y=bad,z=3 2\nm,twin=c z=3 3\n", {}, b);
  ASSERT_EQ(b.samples.size(), 4u);
  EXPECT_EQ(b.samples[1].twin, "a");
  EXPECT_EQ(b.samples[2].twin, "a");
  EXPECT_EQ(b.samples[3].twin, "c");
  EXPECT_EQ(b.samples[3].source, 3u);
  ASSERT_EQ(b.rejects.size(), 1u);
  EXPECT_EQ(b.rejects[0].message, "field 'y': invalid number 'bad'");
}

TEST(LineProtocol, Limits) {
  LineProtocolOptions o;
  o.limits.max_id_bytes = 8;
  o.limits.max_string_bytes = 4;
  ParsedBatch keep;
  EXPECT_EQ(One("m,twin=12345678 abcdefgh=1", keep, o).twin, "12345678");
  Reject r = Bad("m,twin=123456789 x=1", o);
  EXPECT_EQ(r.code, ErrorCode::kOversize);
  EXPECT_EQ(r.message, "twin id '123456789' is longer than 8 bytes");
  r = Bad("m,twin=a abcdefghi=1", o);
  EXPECT_EQ(r.code, ErrorCode::kOversize);
  EXPECT_EQ(r.message, "telemetry name 'abcdefghi' is longer than 8 bytes");
  o.naming = TelemetryNaming::kMeasurementField;
  EXPECT_EQ(Bad("vitals,twin=a hr=1", o).code, ErrorCode::kOversize);  // "vitals_hr" is 9 bytes
  o.naming = TelemetryNaming::kField;
  EXPECT_EQ(One(R"(m,twin=a s="ab\"d")", keep, o).value.s, "ab\"d");  // 4 bytes unescaped
  r = Bad(R"(m,twin=a s="abcde")", o);
  EXPECT_EQ(r.code, ErrorCode::kOversize);
  EXPECT_EQ(r.message, "field 's': string of 5 bytes exceeds the limit of 4");
  EXPECT_EQ(Bad(R"(m,twin=a s="ab\\cd")", o).code, ErrorCode::kOversize);
}

TEST(LineProtocol, MessagesQuoteUntrustedBytesSafely) {
  std::string body = "m,twin=a x=\x01\x7f";
  body += std::string(100, '9');
  Reject r = Bad(body);
  EXPECT_EQ(r.message.substr(0, 25), "field 'x': invalid number");
  EXPECT_EQ(r.message.find('\x01'), std::string::npos);
  EXPECT_EQ(r.message.find('\x7f'), std::string::npos);
  EXPECT_LT(r.message.size(), 120u);
}

TEST(LineProtocol, ALineThatIsNotUtf8IsRefusedAndItsNeighboursKept) {
  ParsedBatch b = Parse(
      "m,twin=a hr=1\n"
      "m,twin=a note=\"\xff\xfe\"\n"
      "m,twin=\xe2\x82 hr=2\n"
      "m,twin=\xe7\x81\xb5 hr=3\n");
  ASSERT_EQ(b.samples.size(), 2u);
  EXPECT_EQ(b.samples[1].twin, "\xe7\x81\xb5");
  ASSERT_EQ(b.rejects.size(), 2u);
  EXPECT_EQ(b.rejects[0].source, 2u);
  EXPECT_EQ(b.rejects[0].code, ErrorCode::kInvalidUtf8);
  EXPECT_EQ(b.rejects[0].message, "not valid UTF-8 at byte 16 of the line");
  EXPECT_EQ(b.rejects[1].source, 3u);
  EXPECT_EQ(b.rejects[1].code, ErrorCode::kInvalidUtf8);
}

TEST(LineProtocol, EmptyBody) {
  ParsedBatch b = Parse("");
  EXPECT_TRUE(b.samples.empty());
  EXPECT_TRUE(b.rejects.empty());
  b = Parse("\n\n# only comments\n");
  EXPECT_TRUE(b.samples.empty());
  EXPECT_TRUE(b.rejects.empty());
}

}  // namespace
}  // namespace lj::ingest
