#include "common/status.h"

#include <gtest/gtest.h>

namespace lj {
namespace {

TEST(Status, OkAndErrorCarryCodeAndMessage) {
  Status ok = Status::Ok();
  EXPECT_TRUE(ok.ok());
  Status bad(ErrorCode::kUnknownTwin, "no twin 'bed-99'");
  EXPECT_FALSE(bad.ok());
  EXPECT_EQ(bad.ToString(), "unknown_twin (2001): no twin 'bed-99'");
  EXPECT_EQ(HttpStatusFor(ErrorCode::kOversize), 413);
  EXPECT_EQ(HttpStatusFor(ErrorCode::kNotFound), 404);
}

TEST(Result, HoldsValueOrStatus) {
  Result<int> r = 7;
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, 7);
  Result<int> e(ErrorCode::kParseError, "bad");
  EXPECT_FALSE(e.ok());
  EXPECT_EQ(e.status().code(), ErrorCode::kParseError);
}

Status Fails() { return Status(ErrorCode::kIo, "disk"); }
Status Propagates() {
  LJ_RETURN_IF_ERROR(Fails());
  return Status::Ok();
}

TEST(Status, ReturnIfErrorPropagates) { EXPECT_EQ(Propagates().code(), ErrorCode::kIo); }

}  // namespace
}  // namespace lj
