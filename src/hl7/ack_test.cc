#include "hl7/ack.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace lj::hl7 {
namespace {

AckContext Ctx() {
  AckContext c;
  c.sending_app = "MON";
  c.control_id = "C1";
  c.trigger = "R01";
  c.version = "2.6";
  return c;
}

std::vector<const Segment*> Errs(const Message& m) {
  std::vector<const Segment*> out;
  for (const Segment& s : m.segments())
    if (s.name() == "ERR") out.push_back(&s);
  return out;
}

TEST(AckTest, SeverityIsErr4) {
  Result<Message> ack = Message::Parse(
      BuildAck(Ctx(), AckCode::kAccept, "LJ1", 0,
               {AckIssue{"OBX^3^3", kHl7UnknownKey, ErrorCode::kUnknownTelemetry,
                         "OBX(3)-3: 188736 MDC_MASS_BODY_ACTUAL: not mapped", Severity::kWarning},
                AckIssue{"OBX^4^6", kHl7TableValueNotFound, ErrorCode::kInvalidArgument,
                         "OBX(4)-6: unit"}}));
  ASSERT_TRUE(ack.ok()) << ack.status().ToString();
  EXPECT_EQ(ack->Get("MSA-1"), "AA");
  const auto errs = Errs(*ack);
  ASSERT_EQ(errs.size(), 2u);
  EXPECT_EQ(errs[0]->Get(4), "W");
  EXPECT_EQ(std::string(errs[0]->RawField(2)), "OBX^3^3");
  EXPECT_EQ(errs[0]->Get(3), "204");
  EXPECT_EQ(errs[0]->Get(5), "2002");
  EXPECT_EQ(errs[1]->Get(4), "E");  // the default
}

TEST(AckTest, MoreThanOneHundredIssuesAreSummarisedNotDropped) {
  std::vector<AckIssue> issues;
  for (int i = 1; i <= 130; ++i)
    issues.push_back(AckIssue{fmt::format("OBX^{}^3", i), kHl7UnknownKey,
                              ErrorCode::kUnknownTelemetry, fmt::format("issue {}", i)});
  Result<Message> ack =
      Message::Parse(BuildAck(Ctx(), AckCode::kError, "LJ1", 0, issues, "LINGJING"));
  ASSERT_TRUE(ack.ok());
  const auto errs = Errs(*ack);
  ASSERT_EQ(errs.size(), kMaxAckIssues);
  EXPECT_EQ(errs[98]->Get(8), "issue 99");
  EXPECT_EQ(errs[99]->Get(8),
            "31 more issues not listed (an ACK lists at most 100); the first: issue 100");
}

TEST(AckTest, LongReasonsAreCutAtACharacterBoundary) {
  // 499 ASCII bytes, then a 2-byte character that the 500-byte limit would split.
  const std::string text = std::string(499, 'a') + "\xc3\xbc" + "tail";
  Result<Message> ack =
      Message::Parse(BuildAck(Ctx(), AckCode::kError, "LJ1", 0,
                              {AckIssue{"", kHl7InternalError, ErrorCode::kInternal, text}}));
  ASSERT_TRUE(ack.ok());
  EXPECT_EQ(ack->Get("ERR-8"), std::string(499, 'a'));
  EXPECT_EQ(ack->Get("MSA-3"), std::string(499, 'a'));
}

}  // namespace
}  // namespace lj::hl7
