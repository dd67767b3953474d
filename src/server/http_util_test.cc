#include "server/http_util.h"

#include <gtest/gtest.h>

namespace lj::server {
namespace {

TEST(HttpUtil, ParsesTargetSegmentsAndQuery) {
  Target t =
      ParseTarget("/api/v1/twins/bed%2Da01/traverse?relationships=contains,hasDevice&depth=2");
  ASSERT_EQ(t.segments.size(), 5u);
  EXPECT_EQ(t.segments[3], "bed-a01");
  EXPECT_EQ(t.query["relationships"], "contains,hasDevice");
  EXPECT_EQ(t.query["depth"], "2");
}

TEST(HttpUtil, ErrorResponseCarriesStableCode) {
  Request req{http::verb::get, "/", 11};
  Response r = ErrorResponse(req, Status(ErrorCode::kUnknownTwin, "unknown twin 'x'"));
  EXPECT_EQ(r.result_int(), 400);
  EXPECT_NE(r.body().find("\"code\":2001"), std::string::npos);
  EXPECT_NE(r.body().find("\"error\":\"unknown_twin\""), std::string::npos);
}

}  // namespace
}  // namespace lj::server
