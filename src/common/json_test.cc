#include "common/json.h"

#include <gtest/gtest.h>

namespace lj {
namespace {

std::string Nested(size_t depth, std::string_view open = "[", std::string_view close = "]") {
  std::string s;
  for (size_t i = 0; i < depth; ++i) s += open;
  s += "1";
  for (size_t i = 0; i < depth; ++i) s += close;
  return s;
}

TEST(JsonDepth, AcceptsUpToTheLimitAndRefusesBeyondWithThePosition) {
  EXPECT_TRUE(CheckJsonDepth(Nested(kMaxJsonDepth)).ok());
  Status s = CheckJsonDepth(Nested(kMaxJsonDepth + 1));
  EXPECT_EQ(s.code(), ErrorCode::kParseError);
  EXPECT_EQ(s.message(), "JSON nests deeper than 64 levels (at byte 64)");
  // Siblings do not add up: depth is nesting, not the number of containers.
  std::string wide = "[";
  for (int i = 0; i < 1000; ++i) wide += "[[1]],";
  wide += "1]";
  EXPECT_TRUE(CheckJsonDepth(wide).ok());
}

TEST(JsonDepth, BracketsInsideStringsAndEscapedQuotesDoNotCount) {
  std::string s = R"({"a":"[[[[[[[[[[\"[[[[[[[[[[[[","b":[1]})";
  EXPECT_TRUE(CheckJsonDepth(s, 2).ok());
  EXPECT_FALSE(CheckJsonDepth(R"({"a":[[1]]})", 2).ok());
  EXPECT_TRUE(CheckJsonDepth(R"({"a":"\\"})", 1).ok());
}

TEST(ParseJson, RefusesDeepDocumentsBeforeBuildingThem) {
  // 100,000 levels: nlohmann would overflow the stack copying or dumping this.
  Result<nlohmann::json> j = ParseJson(R"({"op":"ping","seq":)" + Nested(100000) + "}");
  ASSERT_FALSE(j.ok());
  EXPECT_NE(j.status().message().find("deeper than 64"), std::string::npos);
  j = ParseJson(Nested(100000, R"({"a":)", "}"));
  EXPECT_FALSE(j.ok());
  j = ParseJson(R"({"op":"ping","seq":)" + Nested(10) + "}");
  ASSERT_TRUE(j.ok()) << j.status().ToString();
  EXPECT_EQ((*j)["op"], "ping");
}

TEST(ParseJson, SyntaxAndUtf8ErrorsAreParseErrorsWithValidUtf8Messages) {
  Result<nlohmann::json> j = ParseJson("{\"a\": tru}");
  ASSERT_FALSE(j.ok());
  EXPECT_EQ(j.status().code(), ErrorCode::kParseError);
  EXPECT_EQ(j.status().message().rfind("invalid JSON: parse error at line 1", 0), 0u)
      << j.status().message();
  j = ParseJson("{\"a\": \"\xff\xfe\"}");
  ASSERT_FALSE(j.ok());
  EXPECT_TRUE(IsValidUtf8(j.status().message())) << j.status().message();
  EXPECT_FALSE(ParseJson("").ok());
}

TEST(Utf8, WellFormedSequencesOnly) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("plain ascii"));
  EXPECT_TRUE(IsValidUtf8("灵境 \xF0\x9F\x98\x80 \xC2\xA0"));
  struct Case {
    std::string s;
    size_t bad;
  } cases[] = {
      {"a\xff", 1},             // never a lead byte
      {"ab\xC0\x80", 2},        // overlong NUL
      {"\xE0\x80\xAF", 0},      // overlong '/'
      {"x\xED\xA0\x80", 1},     // a surrogate
      {"\xF4\x90\x80\x80", 0},  // above U+10FFFF
      {"ok\xE2\x82", 2},        // truncated
      {"\x80", 0},              // a lone continuation byte
      {"\xC3\x28", 0},          // a lead byte without its continuation
  };
  for (const Case& c : cases) {
    EXPECT_FALSE(IsValidUtf8(c.s)) << c.bad;
    EXPECT_EQ(FirstInvalidUtf8(c.s), c.bad);
    const std::string fixed = ToValidUtf8(c.s);
    EXPECT_TRUE(IsValidUtf8(fixed));
    EXPECT_NE(fixed.find("\xEF\xBF\xBD"), std::string::npos);
  }
  EXPECT_EQ(FirstInvalidUtf8("灵境"), std::string_view::npos);
  EXPECT_EQ(ToValidUtf8("a\xffz"), "a\xEF\xBF\xBDz");
  EXPECT_EQ(ToValidUtf8("灵境"), "灵境");
}

}  // namespace
}  // namespace lj
