#include "hl7/message.h"

#include <gtest/gtest.h>

#include "hl7/ack.h"
#include "hl7/dtm.h"

namespace lj::hl7 {
namespace {

constexpr std::string_view kAdt =
    "MSH|^~\\&|ADT1|GOOD HEALTH|LINGJING|WARD|20261123101500+0100||ADT^A01^ADT_A01|MSG00001|P|2.5\r"
    "EVN|A01|20261123101500\r"
    "PID|1||PATID1234^^^HOSP^PI~41000007^^^HOSP^MR||Everyman^Adam^A^III||19610615|M\r"
    "PV1|1|I|WARD-A^A01^A01^HOSP||||004777^Attend^Aaron^A\r";

TEST(Hl7MessageTest, ParsesSegmentsFieldsAndPaths) {
  Result<Message> m = Message::Parse(kAdt);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  ASSERT_EQ(m->segments().size(), 4u);
  EXPECT_EQ(m->Get("MSH-1"), "|");
  EXPECT_EQ(m->Get("MSH-2"), "^~\\&");
  EXPECT_EQ(m->Get("MSH-3"), "ADT1");
  EXPECT_EQ(m->MessageType(), "ADT");
  EXPECT_EQ(m->TriggerEvent(), "A01");
  EXPECT_EQ(m->Get("MSH-9.3"), "ADT_A01");
  EXPECT_EQ(m->ControlId(), "MSG00001");
  EXPECT_EQ(m->Version(), "2.5");
  EXPECT_EQ(m->Get("PID-3.1"), "PATID1234");
  EXPECT_EQ(m->Get("PID-3(2).1"), "41000007");
  EXPECT_EQ(m->Get("PID-3(2).5"), "MR");
  EXPECT_EQ(m->Get("PID-5.2"), "Adam");
  EXPECT_EQ(m->Get("PV1-3.3"), "A01");
  EXPECT_EQ(m->Get("PV1-7.2"), "Attend");
  EXPECT_EQ(m->Get("PID-99"), "");
  EXPECT_EQ(m->Get("ZZZ-1"), "");
  EXPECT_EQ(m->Find("PID")->Repetitions(3), 2);
}

TEST(Hl7MessageTest, UsesTheMessagesOwnDelimitersAndToleratesLineEndings) {
  Result<Message> m = Message::Parse(
      "MSH#!*$@#A#B#C#D#20261123##ADT!A08#X1#P#2.4\r\nPID#1##123!!!!MR*456#@x#N$S$a$F$b$T$c\n\n");
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->Get("MSH-9.2"), "A08");
  EXPECT_EQ(m->Find("PID")->Repetitions(3), 2);
  EXPECT_EQ(m->Get("PID-3(2).1"), "456");
  EXPECT_EQ(m->Get("PID-3.5"), "MR");
  EXPECT_EQ(m->Get("PID-4.1.2"), "x");
  EXPECT_EQ(m->Get("PID-5"), "N!a#b@c");  // \S\ \F\ \T\ decode to this message's delimiters
}

TEST(Hl7MessageTest, DecodesEscapes) {
  Delimiters d;
  EXPECT_EQ(Unescape("a\\F\\b\\S\\c\\T\\d\\R\\e\\E\\f", d), "a|b^c&d~e\\f");
  EXPECT_EQ(Unescape("\\X41424344\\", d), "ABCD");
  EXPECT_EQ(Unescape("line\\.br\\two\\H\\bold\\N\\", d), "line\ntwobold");
  EXPECT_EQ(Unescape("keep\\Zxx\\ and \\X4\\", d), "keep\\Zxx\\ and \\X4\\");
  EXPECT_EQ(Unescape("unterminated \\F", d), "unterminated \\F");
  EXPECT_EQ(Unescape(Escape("a|b^c&d~e\\f\rg", d), d), "a|b^c&d~e\\f\rg");
}

TEST(Hl7MessageTest, ParsesPaths) {
  Result<Path> p = ParsePath("OBX(3)-5(2).1.2");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->segment, "OBX");
  EXPECT_EQ(p->occurrence, 3);
  EXPECT_EQ(p->field, 5);
  EXPECT_EQ(p->repetition, 2);
  EXPECT_EQ(p->component, 1);
  EXPECT_EQ(p->subcomponent, 2);
  for (const char* bad : {"", "PID", "PID-", "PID-0", "pid-3", "PID-3.", "PID-3x", "PID(0)-1",
                          "PID-3(1", "PID-999999999"}) {
    EXPECT_FALSE(ParsePath(bad).ok()) << bad;
  }
}

TEST(Hl7MessageTest, PreciseErrors) {
  struct Case {
    std::string_view text;
    std::string_view error;
  } cases[] = {
      {"", "message must start with MSH"},
      {"PID|1\r", "message must start with MSH, got 'PID'"},
      {"MSH|", "MSH-2: missing encoding characters"},
      {"MSH|^~|A|B\r", "MSH-2: expected 4 encoding characters"},
      {"MSH|^^\\&|A\r", "MSH-2: encoding characters must be distinct"},
      {"MSHA^~\\&|A\r", "MSH-1: invalid field separator"},
      {"MSH|^~\\&|A\rpid|1\r", "segment 2: invalid segment name 'pid'"},
      {"MSH|^~\\&|A\rPID|1\rMSH|^~\\&|B\r", "segment 3: a second MSH"},
  };
  for (const Case& c : cases) {
    Result<Message> m = Message::Parse(c.text);
    ASSERT_FALSE(m.ok()) << c.text;
    EXPECT_NE(m.status().message().find(c.error), std::string::npos) << m.status().message();
  }
}

TEST(Hl7DtmTest, ParsesWithAndWithoutOffsets) {
  Result<Dtm> t = ParseDtm("20261123101500+0100", 0);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->ns, 1795425300LL * 1'000'000'000);  // 2026-11-23T09:15:00Z
  EXPECT_TRUE(t->has_offset);
  EXPECT_EQ(t->offset_minutes, 60);
  Result<Dtm> u = ParseDtm("20261123091500", 0);
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->ns, t->ns);
  Result<Dtm> v = ParseDtm("20261123101500", 60);  // no offset: the caller's default applies
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->ns, t->ns);
  Result<Dtm> f = ParseDtm("20261123091500.25-0000", 0);
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->ns, t->ns + 250'000'000);
  EXPECT_EQ(ParseDtm("2026", 0)->digits, 4);
  for (const char* bad : {"2026112", "20261323", "20260230", "20261123246000", "x", "20261123+01",
                          "20261123.5", "18991231", "20261123101500+1500"}) {
    EXPECT_FALSE(ParseDtm(bad, 0).ok()) << bad;
  }
  EXPECT_EQ(FormatDtm(1795425300LL * 1'000'000'000), "20261123091500+0000");
  EXPECT_EQ(*DtmToDate("19610615"), "1961-06-15");
  EXPECT_FALSE(DtmToDate("196106").ok());
}

TEST(Hl7AckTest, MirrorsMshAndListsErrors) {
  Result<Message> m = Message::Parse(kAdt);
  ASSERT_TRUE(m.ok());
  std::string ack =
      BuildAck(AckContextFrom(*m), AckCode::kError, "LJ1", 0,
               {AckIssue{"PV1^1^3", kHl7UnknownKey, ErrorCode::kNotFound, "unknown bed 'Z|9'"}});
  Result<Message> a = Message::Parse(ack);
  ASSERT_TRUE(a.ok()) << ack;
  EXPECT_EQ(a->Get("MSH-3"), "LINGJING");
  EXPECT_EQ(a->Get("MSH-4"), "WARD");
  EXPECT_EQ(a->Get("MSH-5"), "ADT1");
  EXPECT_EQ(a->Get("MSH-6"), "GOOD HEALTH");
  EXPECT_EQ(a->Get("MSH-9"), "ACK");
  EXPECT_EQ(a->Get("MSH-9.2"), "A01");
  EXPECT_EQ(a->ControlId(), "LJ1");
  EXPECT_EQ(a->Version(), "2.5");
  EXPECT_EQ(a->Get("MSA-1"), "AE");
  EXPECT_EQ(a->Get("MSA-2"), "MSG00001");
  EXPECT_EQ(a->Get("ERR-2"), "PV1");
  EXPECT_EQ(a->Get("ERR-2.3"), "3");
  EXPECT_EQ(a->Get("ERR-3"), "204");
  EXPECT_EQ(a->Get("ERR-3.3"), "HL70357");
  EXPECT_EQ(a->Get("ERR-4"), "E");
  EXPECT_EQ(a->Get("ERR-5"), "1004");
  EXPECT_EQ(a->Get("ERR-8"), "unknown bed 'Z|9'");
}

}  // namespace
}  // namespace lj::hl7
