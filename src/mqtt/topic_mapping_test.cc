#include "mqtt/topic_mapping.h"

#include <gtest/gtest.h>

#include "mqtt/mqtt_bridge.h"

namespace lj::mqtt {
namespace {

Mapping M(std::string topic, std::string twin) {
  return Mapping{topic, twin, "", PayloadFormat::kJsonObject};
}

TEST(TopicMatchesTest, LiteralAndSingleLevelWildcard) {
  EXPECT_TRUE(TopicMatches("a/b/c", "a/b/c"));
  EXPECT_FALSE(TopicMatches("a/b/c", "a/b"));
  EXPECT_FALSE(TopicMatches("a/b", "a/b/c"));
  EXPECT_FALSE(TopicMatches("a/b/c", "a/b/C"));
  EXPECT_TRUE(TopicMatches("ward/+/bed/+/vitals", "ward/a/bed/12/vitals"));
  EXPECT_FALSE(TopicMatches("ward/+/bed/+/vitals", "ward/a/bed/12/x/vitals"));
  EXPECT_TRUE(TopicMatches("+", "a"));
  EXPECT_FALSE(TopicMatches("+", "a/b"));
  EXPECT_TRUE(TopicMatches("+/+", "/x"));  // "+" matches an empty level
  EXPECT_TRUE(TopicMatches("a/+", "a/"));
  EXPECT_FALSE(TopicMatches("a/+", "a"));
  EXPECT_TRUE(TopicMatches("/+", "/a"));
}

TEST(TopicMatchesTest, MultiLevelWildcard) {
  EXPECT_TRUE(TopicMatches("#", "a"));
  EXPECT_TRUE(TopicMatches("#", "a/b/c"));
  EXPECT_TRUE(TopicMatches("#", "/"));
  EXPECT_TRUE(TopicMatches("a/#", "a"));  // the parent level too
  EXPECT_TRUE(TopicMatches("a/#", "a/b"));
  EXPECT_TRUE(TopicMatches("a/#", "a/b/c"));
  EXPECT_FALSE(TopicMatches("a/#", "ab"));
  EXPECT_FALSE(TopicMatches("a/#", "b/a"));
  EXPECT_TRUE(TopicMatches("a/+/#", "a/b"));
  EXPECT_FALSE(TopicMatches("a/+/#", "a"));
}

TEST(TopicMatchesTest, DollarTopicsNeedALiteralFirstLevel) {
  EXPECT_FALSE(TopicMatches("#", "$SYS/broker/uptime"));
  EXPECT_FALSE(TopicMatches("+/broker/uptime", "$SYS/broker/uptime"));
  EXPECT_TRUE(TopicMatches("$SYS/#", "$SYS/broker/uptime"));
  EXPECT_TRUE(TopicMatches("$SYS/+/uptime", "$SYS/broker/uptime"));
  EXPECT_TRUE(TopicMatches("a/+", "a/$b"));  // '$' only matters at the first level
}

TEST(TopicMatchesTest, InvalidFiltersAndTopicsMatchNothing) {
  EXPECT_FALSE(TopicMatches("", ""));
  EXPECT_FALSE(TopicMatches("a", ""));
  EXPECT_FALSE(TopicMatches("a/#/b", "a/x/b"));
  EXPECT_FALSE(TopicMatches("a+", "a+"));
  EXPECT_FALSE(TopicMatches("a/b#", "a/b#"));
  EXPECT_FALSE(TopicMatches("#", "a/+"));  // wildcards are not allowed in topic names
  EXPECT_FALSE(TopicMatches("+", "#"));
}

TEST(ExpandTemplateTest, ReplacesLevelReferences) {
  std::string out;
  ASSERT_TRUE(ExpandTemplate("{4}", "ward/a/bed/12/vitals", &out));
  EXPECT_EQ(out, "12");
  ASSERT_TRUE(ExpandTemplate("bed-{2}-{4}", "ward/a/bed/12/vitals", &out));
  EXPECT_EQ(out, "bed-a-12");
  ASSERT_TRUE(ExpandTemplate("{1}{1}", "x/y", &out));
  EXPECT_EQ(out, "xx");
  ASSERT_TRUE(ExpandTemplate("plain", "x/y", &out));
  EXPECT_EQ(out, "plain");
  ASSERT_TRUE(ExpandTemplate("", "x/y", &out));
  EXPECT_EQ(out, "");
  ASSERT_TRUE(ExpandTemplate("{2}", "x/", &out));  // an empty level expands to ""
  EXPECT_EQ(out, "");
}

TEST(ExpandTemplateTest, NonReferencesAreLiteral) {
  std::string out;
  ASSERT_TRUE(ExpandTemplate("{x}{}{1", "a/b", &out));
  EXPECT_EQ(out, "{x}{}{1");
  ASSERT_TRUE(ExpandTemplate("{{1}}", "a/b", &out));
  EXPECT_EQ(out, "{a}");
}

TEST(ExpandTemplateTest, OutOfRangeFails) {
  std::string out;
  EXPECT_FALSE(ExpandTemplate("{0}", "a/b", &out));
  EXPECT_FALSE(ExpandTemplate("{3}", "a/b", &out));
  EXPECT_FALSE(ExpandTemplate("{99999999999999999999}", "a/b", &out));
}

TEST(PayloadFormatTest, ParsesNames) {
  PayloadFormat f;
  ASSERT_TRUE(ParsePayloadFormat("json", &f));
  EXPECT_EQ(f, PayloadFormat::kJsonObject);
  ASSERT_TRUE(ParsePayloadFormat("value", &f));
  EXPECT_EQ(f, PayloadFormat::kValue);
  ASSERT_TRUE(ParsePayloadFormat("line", &f));
  EXPECT_EQ(f, PayloadFormat::kLineProtocol);
  ASSERT_TRUE(ParsePayloadFormat("batch", &f));
  EXPECT_EQ(f, PayloadFormat::kJsonBatch);
  EXPECT_FALSE(ParsePayloadFormat("JSON", &f));
  EXPECT_FALSE(ParsePayloadFormat("", &f));
  for (PayloadFormat p : {PayloadFormat::kJsonObject, PayloadFormat::kValue,
                          PayloadFormat::kLineProtocol, PayloadFormat::kJsonBatch}) {
    ASSERT_TRUE(ParsePayloadFormat(PayloadFormatName(p), &f));
    EXPECT_EQ(f, p);
  }
}

TEST(FilterCoversTest, Coverage) {
  using internal::FilterCovers;
  EXPECT_TRUE(FilterCovers("#", "a/b"));
  EXPECT_TRUE(FilterCovers("a/#", "a"));
  EXPECT_TRUE(FilterCovers("a/#", "a/+/c"));
  EXPECT_TRUE(FilterCovers("a/+", "a/b"));
  EXPECT_TRUE(FilterCovers("a/+", "a/+"));
  EXPECT_FALSE(FilterCovers("a/b", "a/+"));
  EXPECT_FALSE(FilterCovers("a/+", "a/#"));
  EXPECT_FALSE(FilterCovers("a/+", "a"));
  EXPECT_FALSE(FilterCovers("a/+/c", "a/b/+"));
  EXPECT_FALSE(FilterCovers("#", "$SYS/x"));
  EXPECT_TRUE(FilterCovers("#", "+/x"));
}

TEST(SubscriptionFiltersTest, DropsDuplicatesAndCoveredFilters) {
  std::vector<Mapping> m = {M("a/+", "{2}"), M("a/b", "b"), M("a/+", "x"), M("c/#", ""),
                            M("c", "")};
  EXPECT_EQ(internal::SubscriptionFilters(m), (std::vector<std::string>{"a/+", "c/#"}));
  std::vector<std::string> defaults = internal::SubscriptionFilters(DefaultMappings());
  EXPECT_EQ(defaults.size(), 8u);  // 4 anonymous, 4 under lingjing/devices/<publisher>/
}

TEST(ValidateConfigTest, DefaultsAreValid) {
  Config c;
  EXPECT_TRUE(ValidateConfig(c).ok());
  c.mappings = DefaultMappings();
  EXPECT_TRUE(ValidateConfig(c).ok());
  c.mappings = {{"ward/+/bed/+/vitals", "bed-{4}", "", PayloadFormat::kJsonObject},
                {"dev/#", "{2}", "{3}", PayloadFormat::kValue}};  // '#' levels checked per message
  EXPECT_TRUE(ValidateConfig(c).ok()) << ValidateConfig(c).ToString();
}

TEST(ValidateConfigTest, RejectsBadSettings) {
  auto bad = [](auto mutate) {
    Config c;
    mutate(c);
    Status s = ValidateConfig(c);
    EXPECT_EQ(s.code(), ErrorCode::kInvalidArgument) << s.ToString();
    return s.message();
  };
  bad([](Config& c) { c.port = 0; });
  bad([](Config& c) { c.port = 65536; });
  bad([](Config& c) { c.qos = 3; });
  bad([](Config& c) { c.qos = -1; });
  bad([](Config& c) { c.host = ""; });
  bad([](Config& c) { c.keepalive_s = 1; });
  bad([](Config& c) { c.reject_topic = "rejects/#"; });
  bad([](Config& c) { c.clean_session = false, c.client_id = ""; });
  bad([](Config& c) { c.password = "secret"; });
  EXPECT_NE(bad([](Config& c) { c.mappings = {M("a/#/b", "x")}; }).find("mapping[0]"),
            std::string::npos);
  bad([](Config& c) { c.mappings = {M("a/+", "{3}")}; });
  bad([](Config& c) { c.mappings = {M("a/+", "{0}")}; });
  bad([](Config& c) { c.mappings = {M("a/+", "")}; });  // json needs a twin
  bad([](Config& c) { c.mappings = {{"a/+", "{2}", "", PayloadFormat::kValue}}; });
  bad([](Config& c) { c.mappings = {{"a/+", "{2}", "{3}", PayloadFormat::kValue}}; });
}

}  // namespace
}  // namespace lj::mqtt
