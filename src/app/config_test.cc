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

TEST(Config, MaxAgeDefaultsToThirtyDaysAndNeverExceedsRetention) {
  constexpr int64_t kDay = 86400LL * 1'000'000'000;
  EXPECT_EQ(Config().pipeline.max_age_ns, 30 * kDay) << "the default without a config file";
  std::string path = WriteTemp("[ingest]\nmax_age = \"2d\"\n");
  Result<Config> c = LoadConfig(path);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->pipeline.max_age_ns, 2 * kDay);
  std::remove(path.c_str());
  path = WriteTemp("[ingest]\nmax_age = \"0\"\n[history]\nretention = \"7d\"\n");
  c = LoadConfig(path);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->pipeline.max_age_ns, 7 * kDay) << "no older than what history keeps";
  std::remove(path.c_str());
  path = WriteTemp("[ingest]\nmax_age = \"0\"\n");
  c = LoadConfig(path);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->pipeline.max_age_ns, 0) << "0: no limit";
  std::remove(path.c_str());
  path = WriteTemp("[ingest]\nmax_age = \"a while\"\n");
  c = LoadConfig(path);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("ingest.max_age"), std::string::npos);
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
query_cache_mb = 32
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
  EXPECT_EQ(c->history.query_cache_mb, 32);
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
           {"[history]\nquery_cache_mb = -1\n", "history.query_cache_mb"},
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

namespace lj::app {
namespace {

TEST(Config, AuthAndAuditDefaults) {
  std::string path = WriteTemp(DefaultConfigToml());
  Result<Config> c = LoadConfig(path);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_TRUE(c->auth.enabled);  // secure by default: nothing but the health check is open
  EXPECT_TRUE(Config{}.auth.enabled);
  EXPECT_EQ(c->auth.usage_flush_s, 60);
  EXPECT_EQ(c->auth.requests_per_s, 2000);
  EXPECT_EQ(c->hl7.mllp.allow, (std::vector<std::string>{"127.0.0.0/8", "::1/128"}));
  EXPECT_FALSE(c->auth.cookie_secure);
  EXPECT_EQ(c->auth.login_burst, 5);
  EXPECT_EQ(c->auth.options.argon2, (auth::Argon2Params{19456, 2, 1}));
  EXPECT_EQ(c->auth.options.session_idle_s, 1800);
  EXPECT_EQ(c->auth.options.session_absolute_s, 43200);
  EXPECT_EQ(c->auth.options.cookie_name, "lj_session");
  EXPECT_TRUE(c->audit.enabled);
  EXPECT_EQ(c->audit.queue_size, 65536u);
  EXPECT_TRUE(c->audit.anchor_file.empty());
  Config d;
  EXPECT_EQ(d.auth.options.argon2, c->auth.options.argon2);
  EXPECT_EQ(d.audit.max_block_ms, c->audit.max_block_ms);
  std::remove(path.c_str());
}

TEST(Config, AuthAndAuditSectionsParse) {
  std::string path = WriteTemp(R"([auth]
enabled = false
argon2_memory_kib = 65536
argon2_iterations = 3
argon2_parallelism = 2
max_concurrent_hashes = 4
session_idle_s = 900
session_absolute_s = 28800
cookie_name = "ward_session"
revocation_check_ms = 250
[audit]
enabled = false
queue_size = 1024
max_block_ms = 20
anchor_file = "/var/lib/anchor/audit.anchor"
key_file = "/etc/lingjing/audit.key"
)");
  Result<Config> c = LoadConfig(path);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_FALSE(c->auth.enabled);
  EXPECT_EQ(c->auth.options.argon2, (auth::Argon2Params{65536, 3, 2}));
  EXPECT_EQ(c->auth.options.max_concurrent_hashes, 4);
  EXPECT_EQ(c->auth.options.session_idle_s, 900);
  EXPECT_EQ(c->auth.options.session_absolute_s, 28800);
  EXPECT_EQ(c->auth.options.cookie_name, "ward_session");
  EXPECT_EQ(c->auth.options.revocation_check_ms, 250);
  EXPECT_FALSE(c->audit.enabled);
  EXPECT_EQ(c->audit.queue_size, 1024u);
  EXPECT_EQ(c->audit.max_block_ms, 20);
  EXPECT_EQ(c->audit.anchor_file, "/var/lib/anchor/audit.anchor");
  EXPECT_EQ(c->audit.key_file, "/etc/lingjing/audit.key");
  std::remove(path.c_str());
}

TEST(Config, AuthAndAuditErrorsNameTheSection) {
  for (const auto& [text, want] : std::vector<std::pair<std::string, std::string>>{
           {"[auth]\ncookie_name = \"bad name\"\n", "auth: cookie_name"},
           {"[auth]\nargon2_memory_kib = 4\n", "auth: argon2 memory"},
           {"[auth]\nargon2_iterations = -1\n", "auth: argon2 iterations"},
           {"[auth]\nsession_idle_s = 7200\nsession_absolute_s = 3600\n", "auth: session"},
           {"[auth]\npassword = \"x\"\n", "auth.password: unknown setting"},
           {"[audit]\nqueue_size = 0\n", "audit: queue_size"},
           {"[audit]\nmax_block_ms = \"long\"\n", "audit.max_block_ms: expected an integer"}}) {
    std::string path = WriteTemp(text);
    Result<Config> c = LoadConfig(path);
    ASSERT_FALSE(c.ok()) << text;
    EXPECT_NE(c.status().message().find(want), std::string::npos) << c.status().message();
    std::remove(path.c_str());
  }
}

}  // namespace
}  // namespace lj::app

namespace lj::app {
namespace {

TEST(Config, ServerTlsSectionParsesAndRejectsMistakes) {
  std::string path = WriteTemp(R"([server.tls]
enabled = true
cert = "/etc/lingjing/cert.pem"
key = "/etc/lingjing/key.pem"
)");
  Result<Config> c = LoadConfig(path);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_TRUE(c->tls.enabled);
  EXPECT_EQ(c->tls.cert_file, "/etc/lingjing/cert.pem");
  EXPECT_EQ(c->tls.key_file, "/etc/lingjing/key.pem");
  std::remove(path.c_str());
  for (const auto& [text, want] : std::vector<std::pair<std::string, std::string>>{
           {"[server.tls]\ncert = \"/c.pem\"\n", "server.tls.key"},
           {"[server.tls]\ncertificate = \"/c.pem\"\n", "server.tls.certificate"},
           {"[server.tls]\nenabled = \"yes\"\n", "server.tls.enabled"}}) {
    path = WriteTemp(text);
    Result<Config> bad = LoadConfig(path);
    ASSERT_FALSE(bad.ok()) << text;
    EXPECT_NE(bad.status().message().find(want), std::string::npos) << bad.status().message();
    std::remove(path.c_str());
  }
  EXPECT_FALSE(Config{}.tls.enabled);  // off unless asked for
}

}  // namespace
}  // namespace lj::app
