#include "server/ws_request.h"

#include <gtest/gtest.h>

namespace lj::server {
namespace {

std::string Deep(size_t depth) { return std::string(depth, '[') + "1" + std::string(depth, ']'); }

TEST(WsRequest, DeepValuesAnywhereAreRefusedBeforeTheyAreBuilt) {
  // From the field: a ~200 KB ping whose seq nests 100,000 deep crashed the server when the
  // seq was echoed; the same through an unknown op's id and a subscription's target.
  for (const std::string& text :
       {R"({"op":"ping","seq":)" + Deep(100000) + "}",
        R"({"op":"nosuch","id":)" + Deep(100000) + "}",
        R"({"op":"subscribe","id":"s","target":{"twin":)" + Deep(100000) + "}}"}) {
    Result<WsRequest> r = ParseWsRequest(text);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), ErrorCode::kParseError);
    EXPECT_NE(r.status().message().find("deeper than 64 levels"), std::string::npos);
  }
}

TEST(WsRequest, OnlyScalarIdAndSeqAreEchoed) {
  Result<WsRequest> r = ParseWsRequest(R"({"op":"ping","seq":7,"id":"abc"})");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->op, "ping");
  EXPECT_EQ(r->echo, (nlohmann::json{{"seq", 7}, {"id", "abc"}}));
  r = ParseWsRequest(R"({"op":"ping","seq":[1,2],"id":{"a":1}})");
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->echo.empty());
  r = ParseWsRequest(R"({"op":"x","id":")" + std::string(kMaxEchoBytes + 1, 'a') + R"("})");
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->echo.empty());
  const nlohmann::json frame = nlohmann::json::parse(
      ErrorFrame(Status(ErrorCode::kUnsupported, "unknown op 'x'"),
                 nlohmann::json{{"seq", 3}, {"id", nlohmann::json::array()}}));
  EXPECT_EQ(frame["op"], "error");
  EXPECT_EQ(frame["code"], 1007);
  EXPECT_EQ(frame["seq"], 3);
  EXPECT_FALSE(frame.contains("id"));
}

TEST(WsRequest, MalformedMessagesSayWhy) {
  EXPECT_EQ(ParseWsRequest("[1]").status().message(), "message must be a JSON object");
  EXPECT_EQ(ParseWsRequest(R"({"op":1})").status().message(),
            "message must be a JSON object with a string 'op'");
  Result<WsRequest> r = ParseWsRequest("{\"op\":\"ping\",\"seq\":\"\xff\"}");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("UTF-8"), std::string::npos) << r.status().message();
}

TEST(WsRequest, SubscribeMembersAreTypeCheckedNeverThrown) {
  auto sub = [](const char* text) { return ParseSubscribe(nlohmann::json::parse(text)); };
  Result<SubscribeRequest> r =
      sub(R"({"id":"s","target":{"subtree":"ward-a","depth":3},"rate_hz":2,"waveforms":false,
              "history_s":60})");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->id, "s");
  EXPECT_EQ(r->target.kind, live::Target::Kind::kSubtree);
  EXPECT_EQ(r->target.depth, 3);
  EXPECT_FALSE(r->waveforms);
  EXPECT_EQ(r->history_s, 60);
  // A non-boolean `waveforms` used to throw nlohmann::type_error out of the session's handler.
  EXPECT_EQ(sub(R"({"id":"s","target":{"twin":"a"},"waveforms":"yes"})").status().message(),
            "'waveforms' must be true or false");
  EXPECT_EQ(sub(R"({"id":1,"target":{"twin":"a"}})").status().message(), "'id' must be a string");
  EXPECT_EQ(sub(R"({"id":"s","target":{"subtree":"a","depth":1e9}})").status().message(),
            "'depth' must be an integer 0..64");
  EXPECT_EQ(sub(R"({"id":"s","target":{"twin":["a"]}})").status().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(sub(R"({"id":"s","target":{"twin":"a"},"history_s":"1h"})").status().message(),
            "'history_s' must be a number");
}

}  // namespace
}  // namespace lj::server
