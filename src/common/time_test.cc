#include "common/time.h"

#include <gtest/gtest.h>

namespace lj {
namespace {

TEST(Time, ParsesRfc3339) {
  EXPECT_EQ(ParseRfc3339Ns("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(ParseRfc3339Ns("2026-11-23T10:00:00.5Z"), 1795428000500000000LL);
  EXPECT_EQ(ParseRfc3339Ns("2026-11-23T11:00:00+01:00"), 1795428000000000000LL);
  EXPECT_FALSE(ParseRfc3339Ns("2026-11-23 nope").has_value());
  EXPECT_FALSE(ParseRfc3339Ns("2026-13-23T10:00:00Z").has_value());
  EXPECT_FALSE(ParseRfc3339Ns("2026-11-23T10:00:00").has_value());
  EXPECT_FALSE(ParseRfc3339Ns("9999-01-01T00:00:00Z").has_value());  // beyond int64 ns
  EXPECT_FALSE(ParseRfc3339Ns("0001-01-01T00:00:00Z").has_value());
  EXPECT_TRUE(ParseRfc3339Ns("2261-12-31T23:59:59Z").has_value());
}

TEST(Time, FormatsRoundTrip) {
  EXPECT_EQ(FormatRfc3339(1795428000500000000LL), "2026-11-23T10:00:00.500Z");
}

}  // namespace
}  // namespace lj
