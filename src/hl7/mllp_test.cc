#include "hl7/mllp.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace lj::hl7 {
namespace {

struct Collected {
  std::vector<std::string> payloads;
  std::vector<bool> oversize;
  std::vector<size_t> sizes;
};

std::function<void(const MllpFrameEvent&)> Into(Collected& c) {
  return [&c](const MllpFrameEvent& e) {
    c.payloads.emplace_back(e.payload);
    c.oversize.push_back(e.oversize);
    c.sizes.push_back(e.total_bytes);
  };
}

TEST(MllpDeframerTest, FrameSplitByteByByte) {
  MllpDeframer d(1024);
  Collected c;
  const std::string wire = MllpFrame("MSH|^~\\&|A\rPID|1");
  for (char ch : wire) d.Feed(std::string_view(&ch, 1), Into(c));
  ASSERT_EQ(c.payloads.size(), 1u);
  EXPECT_EQ(c.payloads[0], "MSH|^~\\&|A\rPID|1");
  EXPECT_EQ(d.buffered_bytes(), 0u);
  EXPECT_EQ(d.garbage_runs(), 0u);
}

TEST(MllpDeframerTest, SeveralFramesInOneReadWithGarbageBetween) {
  MllpDeframer d(1024);
  Collected c;
  d.Feed("junk" + MllpFrame("one") + "\r\n" + MllpFrame("two") + "xx" + MllpFrame("three") + "y",
         Into(c));
  ASSERT_EQ(c.payloads, (std::vector<std::string>{"one", "two", "three"}));
  EXPECT_EQ(d.garbage_runs(), 3u);  // "junk", "xx", "y"; the CR LF between frames is tolerated
  EXPECT_EQ(d.garbage_bytes(), 7u);
}

TEST(MllpDeframerTest, FrameEndsAtFsEvenWithoutCr) {
  MllpDeframer d(1024);
  Collected c;
  d.Feed(
      "\x0b"
      "a\x1c",
      Into(c));
  ASSERT_EQ(c.payloads.size(), 1u);  // answered without waiting for the CR
  d.Feed(
      "\x0b"
      "b\x1c\r",
      Into(c));
  EXPECT_EQ(c.payloads, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(d.garbage_runs(), 0u);
}

TEST(MllpDeframerTest, StartBlockInsideFrameDropsTheTruncatedFrame) {
  MllpDeframer d(1024);
  Collected c;
  d.Feed("\x0bhalf a mess", Into(c));
  d.Feed("\x0bwhole\x1c\r", Into(c));
  EXPECT_EQ(c.payloads, (std::vector<std::string>{"whole"}));
  EXPECT_EQ(d.truncated_frames(), 1u);
}

TEST(MllpDeframerTest, OversizeFrameKeepsOnlyItsBeginningAndStaysBounded) {
  MllpDeframer d(16);
  Collected c;
  d.Feed(
      "\x0b"
      "MSH|^~\\&|ABCDEFGHIJ",
      Into(c));
  for (int i = 0; i < 1000; ++i) {
    d.Feed(std::string(1000, 'x'), Into(c));
    ASSERT_LE(d.buffered_bytes(), 16u);
  }
  d.Feed("\x1c\r" + MllpFrame("next"), Into(c));
  ASSERT_EQ(c.payloads.size(), 2u);
  EXPECT_TRUE(c.oversize[0]);
  EXPECT_EQ(c.payloads[0], "MSH|^~\\&|ABCDEFG");
  EXPECT_EQ(c.sizes[0], 19u + 1000u * 1000u);
  EXPECT_FALSE(c.oversize[1]);
  EXPECT_EQ(c.payloads[1], "next");
  EXPECT_EQ(d.oversize_frames(), 1u);
}

TEST(MllpDeframerTest, ExactlyMaxIsNotOversize) {
  MllpDeframer d(4);
  Collected c;
  d.Feed(MllpFrame("abcd") + MllpFrame("abcde"), Into(c));
  ASSERT_EQ(c.payloads.size(), 2u);
  EXPECT_FALSE(c.oversize[0]);
  EXPECT_TRUE(c.oversize[1]);
}

}  // namespace
}  // namespace lj::hl7
