#include "app/config.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

namespace lj::app {
namespace {

std::string WriteTemp(const std::string& text) {
  char name[] = "/tmp/lj-config-XXXXXX";
  int fd = mkstemp(name);
  close(fd);
  std::ofstream(name) << text;
  return name;
}

TEST(Config, DefaultFileParsesToDefaults) {
  std::string path = WriteTemp(DefaultConfigToml());
  Result<Config> c = LoadConfig(path);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  Config d;
  EXPECT_EQ(c->server.port, d.server.port);
  EXPECT_EQ(c->server.address, "127.0.0.1");
  EXPECT_EQ(c->live.shards, d.live.shards);
  EXPECT_EQ(c->pipeline.out_of_order_tolerance_ns, d.pipeline.out_of_order_tolerance_ns);
  EXPECT_EQ(c->server.client_queue_bytes, d.server.client_queue_bytes);
  EXPECT_FALSE(c->mqtt.enabled);
  std::remove(path.c_str());
}

TEST(Config, UnknownKeyIsAnErrorNamingIt) {
  std::string path = WriteTemp("[server]\nprot = 9000\n");
  Result<Config> c = LoadConfig(path);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("server.prot: unknown setting"), std::string::npos)
      << c.status().message();
  std::remove(path.c_str());
}

TEST(Config, WrongTypeAndSyntaxErrorsAreReported) {
  std::string path = WriteTemp("[server]\nport = \"eighty\"\n");
  Result<Config> c = LoadConfig(path);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("server.port: expected an integer"), std::string::npos);
  std::remove(path.c_str());
  path = WriteTemp("[server\nport = 1\n");
  EXPECT_FALSE(LoadConfig(path).ok());
  std::remove(path.c_str());
}

TEST(Config, ReadsMqttMappings) {
  std::string path = WriteTemp(
      "[mqtt]\nenabled = true\nport = 1884\n[[mqtt.mapping]]\ntopic = \"ward/+/hr\"\n"
      "twin = \"monitor-{2}\"\ntelemetry = \"hr\"\npayload = \"value\"\n");
  Result<Config> c = LoadConfig(path);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_TRUE(c->mqtt.enabled);
  EXPECT_EQ(c->mqtt.port, 1884);
  ASSERT_EQ(c->mqtt.mappings.size(), 1u);
  EXPECT_EQ(c->mqtt.mappings[0].twin, "monitor-{2}");
  EXPECT_EQ(c->mqtt.mappings[0].payload, mqtt::PayloadFormat::kValue);
  std::remove(path.c_str());
}

}  // namespace
}  // namespace lj::app

namespace lj::app {
namespace {

TEST(Config, HistorySectionParsesWithRules) {
  std::string path = WriteTemp(R"([history]
dir = "/tmp/h"
sync = "interval"
sync_interval_ms = 250
retention = "30d"
[[history.retention_rule]]
model = "dtmi:x:M;1"
telemetry = "ecg"
retention = "7d"
)");
  Result<Config> c = LoadConfig(path);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->history.dir, "/tmp/h");
  EXPECT_EQ(c->history.sync, history::SyncPolicy::kInterval);
  EXPECT_EQ(c->history.sync_interval_ms, 250);
  EXPECT_EQ(c->history.retention_s, 30 * 86400);
  ASSERT_EQ(c->history.rules.size(), 1u);
  EXPECT_EQ(c->history.rules[0].model, "dtmi:x:M;1");
  EXPECT_EQ(c->history.rules[0].seconds, 7 * 86400);
  EXPECT_TRUE(c->history.enabled);
  std::remove(path.c_str());
}

TEST(Config, HistoryErrorsNameTheKey) {
  for (const auto& [text, want] : std::vector<std::pair<std::string, std::string>>{
           {"[history]\nsync = \"sometimes\"\n", "history.sync"},
           {"[history]\nretention = \"30x\"\n", "history.retention"},
           {"[history]\nfsync = true\n", "history.fsync: unknown setting"},
           {"[[history.retention_rule]]\nretention = \"1d\"\n", "needs 'model'"},
           {"[[history.retention_rule]]\nmodel = \"m\"\nretention = \"1d\"\nx = \"1\"\n",
            "retention_rule[0].x: unknown setting"}}) {
    std::string path = WriteTemp(text);
    Result<Config> c = LoadConfig(path);
    ASSERT_FALSE(c.ok()) << text;
    EXPECT_NE(c.status().message().find(want), std::string::npos) << c.status().message();
    std::remove(path.c_str());
  }
}

TEST(Config, RetentionDurations) {
  EXPECT_EQ(*ParseRetention("0"), 0);
  EXPECT_EQ(*ParseRetention("forever"), 0);
  EXPECT_EQ(*ParseRetention("90m"), 5400);
  EXPECT_EQ(*ParseRetention("2w"), 14 * 86400);
  EXPECT_FALSE(ParseRetention("-1d").ok());
  EXPECT_FALSE(ParseRetention("d").ok());
  EXPECT_FALSE(ParseRetention("9999999999d").ok());
}

}  // namespace
}  // namespace lj::app
