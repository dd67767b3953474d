// MqttBridge against a real mosquitto broker on 127.0.0.1 (skipped when it is not installed).
#include "mqtt/mqtt_bridge.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <fmt/format.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>

#include "common/time.h"
#include "mqtt/test_broker.h"
#include "server/tls.h"

namespace lj::mqtt {
namespace {

using namespace std::chrono_literals;
using testing::FreeLoopbackPort;
using testing::TestBroker;
using testing::TestClient;
using testing::WaitUntil;

// What the fake sink saw of one sample; strings copied out of the batch.
struct Recorded {
  std::string twin, telemetry;
  int64_t t_ns = 0;
  ingest::ValueKind kind = ingest::ValueKind::kDouble;
  bool b = false;
  int64_t i = 0;
  double d = 0;
  std::string s;
  double rate_hz = 0;
  std::vector<double> values;
};

// Records accepted samples; rejects samples of twin "nope" with kUnknownTwin.
class FakeSink : public ingest::IngestSink {
 public:
  ingest::IngestReport Ingest(ingest::ParsedBatch& batch, ingest::Protocol protocol) override {
    std::lock_guard lock(mu_);
    EXPECT_EQ(protocol, ingest::Protocol::kMqtt);
    ingest::IngestReport report;
    for (ingest::Reject& r : batch.rejects) {
      ++report.rejected;
      report.rejects.push_back(std::move(r));
    }
    for (const ingest::ParsedSample& p : batch.samples) {
      const uint64_t n = p.is_block() ? p.count : 1;
      if (p.twin == "nope") {
        report.rejected += n;
        report.rejects.push_back({p.source, ErrorCode::kUnknownTwin, "no twin 'nope'"});
        continue;
      }
      report.accepted += n;
      Recorded r{std::string(p.twin),
                 std::string(p.telemetry),
                 p.t_ns,
                 p.value.kind,
                 p.value.b,
                 p.value.i,
                 p.value.d,
                 std::string(p.value.s),
                 p.rate_hz,
                 {}};
      if (p.is_block()) {
        r.values.assign(batch.wave_values.begin() + p.offset,
                        batch.wave_values.begin() + p.offset + p.count);
      }
      samples_.push_back(std::move(r));
    }
    batch.Clear();
    return report;
  }

  std::vector<Recorded> Samples() {
    std::lock_guard lock(mu_);
    return samples_;
  }
  // Waits (bounded) for a sample of twin/telemetry and returns it.
  std::optional<Recorded> WaitFor(const std::string& twin, const std::string& telemetry) {
    std::optional<Recorded> found;
    WaitUntil([&] {
      for (const Recorded& r : Samples()) {
        if (r.twin == twin && r.telemetry == telemetry) found = r;
      }
      return found.has_value();
    });
    return found;
  }

 private:
  std::mutex mu_;
  std::vector<Recorded> samples_;
};

class MqttBridgeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!testing::Executable(testing::kMosquittoBinary)) {
      GTEST_SKIP() << "mosquitto broker not installed at " << testing::kMosquittoBinary
                   << " (Debian package `mosquitto`); skipping broker tests";
    }
    port_ = FreeLoopbackPort();
    ASSERT_GT(port_, 0);
    broker_ = std::make_unique<TestBroker>(port_);
    ASSERT_TRUE(broker_->Start()) << "mosquitto did not start:\n" << broker_->Log();
  }

  Config BaseConfig() {
    Config c;
    c.enabled = true;
    c.port = port_;
    c.client_id = "lingjing-test";
    c.keepalive_s = 10;
    return c;
  }

  // Starts a bridge and waits until it is connected and subscribed.
  std::unique_ptr<MqttBridge> StartBridge(const Config& c) {
    auto bridge = MqttBridge::Start(c, sink_, metrics_);
    EXPECT_TRUE(bridge.ok()) << bridge.status().ToString();
    if (!bridge.ok()) return nullptr;
    EXPECT_TRUE(WaitUntil([&] { return bridge.value()->connected(); }))
        << "bridge did not connect; broker log:\n"
        << broker_->Log();
    return std::move(bridge).value();
  }

  std::unique_ptr<TestClient> Client() {
    auto client = std::make_unique<TestClient>(port_);
    EXPECT_TRUE(client->Connect()) << broker_->Log();
    return client;
  }

  uint64_t Messages(const std::string& result) {
    return metrics_
        .GetCounter("lj_mqtt_messages_total", "MQTT messages received, by outcome",
                    {{"result", result}})
        .Value();
  }

  int port_ = 0;
  std::unique_ptr<TestBroker> broker_;
  FakeSink sink_;
  metrics::Registry metrics_;
};

TEST_F(MqttBridgeTest, JsonObjectPayload) {
  auto bridge = StartBridge(BaseConfig());
  ASSERT_TRUE(bridge);
  auto client = Client();
  ASSERT_TRUE(client->Publish("lingjing/twins/bed-1/telemetry",
                              R"({"t": 1700000000000, "hr": 72,
                                  "ecg": {"rate": 250, "values": [512, 515, 509]}})"));
  auto hr = sink_.WaitFor("bed-1", "hr");
  ASSERT_TRUE(hr);
  EXPECT_EQ(hr->kind, ingest::ValueKind::kInt);
  EXPECT_EQ(hr->i, 72);
  EXPECT_EQ(hr->t_ns, 1700000000000000000);
  auto ecg = sink_.WaitFor("bed-1", "ecg");
  ASSERT_TRUE(ecg);
  EXPECT_DOUBLE_EQ(ecg->rate_hz, 250);
  EXPECT_EQ(ecg->values, (std::vector<double>{512, 515, 509}));
  EXPECT_EQ(ecg->t_ns, 1700000000000000000);
  EXPECT_TRUE(WaitUntil([&] { return Messages("ok") == 1; }));
}

TEST_F(MqttBridgeTest, ValuePayloadsUseReceiveTime) {
  auto bridge = StartBridge(BaseConfig());
  ASSERT_TRUE(bridge);
  auto client = Client();
  const int64_t before = NowNs();
  ASSERT_TRUE(client->Publish("lingjing/twins/bed-1/telemetry/spo2", "97.5"));
  ASSERT_TRUE(client->Publish("lingjing/twins/bed-1/telemetry/alarm", "true"));
  ASSERT_TRUE(client->Publish("lingjing/twins/bed-1/telemetry/mode", "\"standby\""));
  auto spo2 = sink_.WaitFor("bed-1", "spo2");
  auto alarm = sink_.WaitFor("bed-1", "alarm");
  auto mode = sink_.WaitFor("bed-1", "mode");
  const int64_t after = NowNs();
  ASSERT_TRUE(spo2 && alarm && mode);
  EXPECT_EQ(spo2->kind, ingest::ValueKind::kDouble);
  EXPECT_DOUBLE_EQ(spo2->d, 97.5);
  EXPECT_GE(spo2->t_ns, before);
  EXPECT_LE(spo2->t_ns, after);
  EXPECT_EQ(alarm->kind, ingest::ValueKind::kBool);
  EXPECT_TRUE(alarm->b);
  EXPECT_EQ(mode->kind, ingest::ValueKind::kString);
  EXPECT_EQ(mode->s, "standby");
}

TEST_F(MqttBridgeTest, LineProtocolAndBatchPayloads) {
  auto bridge = StartBridge(BaseConfig());
  ASSERT_TRUE(bridge);
  auto client = Client();
  ASSERT_TRUE(
      client->Publish("lingjing/line", "vitals,twin=bed-2 hr=80i,temp=36.6 1700000000000000000\n"));
  ASSERT_TRUE(client->Publish(
      "lingjing/batch",
      R"({"samples": [{"twin": "bed-3", "telemetry": "rr", "t": 1700000000000, "v": 16}]})"));
  auto hr = sink_.WaitFor("bed-2", "hr");
  auto temp = sink_.WaitFor("bed-2", "temp");
  auto rr = sink_.WaitFor("bed-3", "rr");
  ASSERT_TRUE(hr && temp && rr);
  EXPECT_EQ(hr->kind, ingest::ValueKind::kInt);
  EXPECT_EQ(hr->i, 80);
  EXPECT_EQ(hr->t_ns, 1700000000000000000);
  EXPECT_DOUBLE_EQ(temp->d, 36.6);
  EXPECT_EQ(rr->i, 16);
  EXPECT_EQ(rr->t_ns, 1700000000000000000);
}

TEST_F(MqttBridgeTest, CustomMappingsFirstMatchWinsAndRejectTopicIsNotIngested) {
  Config c = BaseConfig();
  c.mappings = {{"ward/+/bed/+/vitals", "bed-{2}-{4}", "", PayloadFormat::kJsonObject},
                {"ward/+/bed/+/+", "bed-{2}-{4}", "{5}", PayloadFormat::kValue},
                {"#", "", "", PayloadFormat::kJsonBatch}};  // also covers lingjing/rejects
  auto bridge = StartBridge(c);
  ASSERT_TRUE(bridge);
  auto client = Client();
  ASSERT_TRUE(client->Publish("ward/a/bed/12/vitals", R"({"hr": 61})"));  // first mapping wins
  ASSERT_TRUE(client->Publish("ward/a/bed/12/spo2", "99"));
  auto hr = sink_.WaitFor("bed-a-12", "hr");
  auto spo2 = sink_.WaitFor("bed-a-12", "spo2");
  ASSERT_TRUE(hr && spo2);
  EXPECT_EQ(hr->i, 61);
  EXPECT_EQ(spo2->i, 99);
  // A reject report comes back through "#" but is counted as unmapped, never ingested (which
  // would publish another report, and so on).
  ASSERT_TRUE(client->Publish("ward/a/bed/12/vitals", "not json"));
  ASSERT_TRUE(WaitUntil([&] { return Messages("unmapped") == 1; }));
  ASSERT_TRUE(client->Publish("other/topic", R"([{"twin": "t", "telemetry": "x", "v": 1}])"));
  ASSERT_TRUE(sink_.WaitFor("t", "x"));
  EXPECT_EQ(Messages("rejected"), 1u);
  EXPECT_EQ(Messages("unmapped"), 1u);
  EXPECT_EQ(Messages("ok"), 3u);
}

TEST_F(MqttBridgeTest, RejectsArePublishedAndDoNotStopTheBridge) {
  auto bridge = StartBridge(BaseConfig());
  ASSERT_TRUE(bridge);
  auto watcher = Client();
  ASSERT_TRUE(watcher->Subscribe("lingjing/rejects"));
  auto client = Client();
  ASSERT_TRUE(client->Publish("lingjing/twins/bed-1/telemetry", "{\"hr\": 72,"));  // malformed
  ASSERT_TRUE(WaitUntil([&] { return watcher->Messages().size() == 1; }));
  ASSERT_TRUE(client->Publish("lingjing/twins/bed-1/telemetry", R"({"hr": 73})"));
  auto hr = sink_.WaitFor("bed-1", "hr");
  ASSERT_TRUE(hr);
  EXPECT_EQ(hr->i, 73);

  auto report = nlohmann::json::parse(watcher->Messages()[0].second);
  EXPECT_EQ(report["topic"], "lingjing/twins/bed-1/telemetry");
  EXPECT_GE(report["rejected"].get<int>(), 1);
  ASSERT_GE(report["errors"].size(), 1u);
  EXPECT_TRUE(report["errors"][0]["code"].is_number());
  EXPECT_FALSE(report["errors"][0]["error"].get<std::string>().empty());
  EXPECT_TRUE(report["errors"][0].contains("index"));

  // A twin the sink does not know: the code and name come from the sink's reject.
  ASSERT_TRUE(client->Publish("lingjing/line", "v,twin=bed-4 hr=1i\nv,twin=nope hr=2i\n"));
  ASSERT_TRUE(WaitUntil([&] { return watcher->Messages().size() == 2; }));
  report = nlohmann::json::parse(watcher->Messages()[1].second);
  EXPECT_EQ(report["topic"], "lingjing/line");
  EXPECT_EQ(report["accepted"], 1);
  EXPECT_EQ(report["rejected"], 1);
  EXPECT_EQ(report["errors"][0]["line"], 2);
  EXPECT_EQ(report["errors"][0]["code"], 2001);
  EXPECT_EQ(report["errors"][0]["error"], "unknown_twin");
  EXPECT_TRUE(sink_.WaitFor("bed-4", "hr"));
  EXPECT_EQ(Messages("rejected"), 2u);
  EXPECT_EQ(Messages("ok"), 1u);
}

TEST_F(MqttBridgeTest, AnAuthorizerSeesThePublisherAndRefusesWholeMessages) {
  std::mutex mu;
  std::vector<std::pair<std::string, std::string>> seen;  // (identity, topic)
  Config c = BaseConfig();
  // Publisher "mon-1" may write bed-1 only; messages on topics naming no publisher are refused.
  c.authorize = [&](std::string_view id, std::string_view topic, const ingest::ParsedBatch& batch) {
    std::lock_guard lk(mu);
    seen.emplace_back(std::string(id), std::string(topic));
    if (id != "mon-1") return Status(ErrorCode::kForbidden, "unknown publisher");
    for (const auto& s : batch.samples)
      if (s.twin != "bed-1") return Status(ErrorCode::kForbidden, "not_own_twin");
    return Status::Ok();
  };
  auto bridge = StartBridge(c);
  ASSERT_TRUE(bridge);
  auto watcher = Client();
  ASSERT_TRUE(watcher->Subscribe("lingjing/rejects"));
  auto client = Client();
  ASSERT_TRUE(client->Publish("lingjing/devices/mon-1/twins/bed-2/telemetry", R"({"hr": 90})"));
  ASSERT_TRUE(client->Publish("lingjing/devices/mon-1/line",
                              "v,twin=bed-1 hr=91i\nv,twin=bed-2 hr=92i\n"));  // one foreign twin
  ASSERT_TRUE(client->Publish("lingjing/twins/bed-1/telemetry", R"({"hr": 93})"));  // anonymous
  ASSERT_TRUE(client->Publish("lingjing/devices/mon-1/twins/bed-1/telemetry", R"({"hr": 94})"));
  auto hr = sink_.WaitFor("bed-1", "hr");
  ASSERT_TRUE(hr);
  EXPECT_EQ(hr->i, 94);  // the only message allowed, and nothing of the refused ones
  ASSERT_TRUE(WaitUntil([&] { return watcher->Messages().size() == 3; }));
  EXPECT_EQ(sink_.Samples().size(), 1u);
  auto report = nlohmann::json::parse(watcher->Messages()[0].second);
  EXPECT_EQ(report["topic"], "lingjing/devices/mon-1/twins/bed-2/telemetry");
  EXPECT_EQ(report["accepted"], 0);
  EXPECT_EQ(report["code"], 1011);
  EXPECT_EQ(report["error"], "forbidden");
  EXPECT_EQ(report["message"], "not_own_twin");
  EXPECT_EQ(Messages("forbidden"), 3u);
  EXPECT_EQ(Messages("ok"), 1u);
  std::lock_guard lk(mu);
  ASSERT_EQ(seen.size(), 4u);
  EXPECT_EQ(seen[0].first, "mon-1");
  EXPECT_EQ(seen[2].first, "");  // the topic names no publisher
}

TEST_F(MqttBridgeTest, TlsToTheBrokerIsVerifiedAgainstTheConfiguredCa) {
  char tmpl[] = "/tmp/lj_mqtt_tls_XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  const std::string dir = tmpl;
  ASSERT_TRUE(server::GenerateDevCertificate(dir + "/broker.pem", dir + "/broker-key.pem",
                                             {"localhost", "127.0.0.1"})
                  .ok());
  ASSERT_TRUE(
      server::GenerateDevCertificate(dir + "/other.pem", dir + "/other-key.pem", {"127.0.0.1"})
          .ok());
  // A broker with a plain listener (the publisher) and a TLS listener (the bridge). As root,
  // mosquitto would switch to its own user, which cannot read the 0600 key.
  const int plain = FreeLoopbackPort(), tls = FreeLoopbackPort();
  TestBroker broker(plain, fmt::format("{}listener {} 127.0.0.1\ncertfile {}/broker.pem\n"
                                       "keyfile {}/broker-key.pem\n",
                                       geteuid() == 0 ? "user root\n" : "", tls, dir, dir));
  ASSERT_TRUE(broker.Start()) << broker.Log();
  Config c = BaseConfig();
  c.port = tls;
  c.tls = true;
  c.tls_ca_file = dir + "/broker.pem";
  auto bridge = MqttBridge::Start(c, sink_, metrics_);
  ASSERT_TRUE(bridge.ok()) << bridge.status().ToString();
  ASSERT_TRUE(WaitUntil([&] { return (*bridge)->connected(); })) << broker.Log();
  TestClient publisher(plain);
  ASSERT_TRUE(publisher.Connect());
  ASSERT_TRUE(publisher.Publish("lingjing/twins/bed-1/telemetry", R"({"hr": 95})"));
  auto hr = sink_.WaitFor("bed-1", "hr");
  ASSERT_TRUE(hr);
  EXPECT_EQ(hr->i, 95);
  // Against a CA that did not sign the broker's certificate the bridge never connects.
  Config wrong = c;
  wrong.client_id = "lingjing-wrong-ca";
  wrong.tls_ca_file = dir + "/other.pem";
  auto refused = MqttBridge::Start(wrong, sink_, metrics_);
  ASSERT_TRUE(refused.ok()) << refused.status().ToString();
  EXPECT_FALSE(WaitUntil([&] { return (*refused)->connected(); }, std::chrono::seconds(3)));
  // A CA file is required, and a client key goes with its certificate.
  Config no_ca = c;
  no_ca.tls_ca_file.clear();
  EXPECT_EQ(MqttBridge::Start(no_ca, sink_, metrics_).status().code(), ErrorCode::kInvalidArgument);
  (*refused)->Stop();
  (*bridge)->Stop();
  broker.Stop();
  std::filesystem::remove_all(dir);
}

TEST_F(MqttBridgeTest, GarbagePayloadsNeverStopTheBridge) {
  auto bridge = StartBridge(BaseConfig());
  ASSERT_TRUE(bridge);
  auto client = Client();
  const std::vector<std::string> garbage = {"",
                                            std::string("\xff\xfe\x00\x01", 4),
                                            std::string(1 << 16, '['),
                                            "{\"t\": \"yesterday\", \"hr\": []}",
                                            "null",
                                            "[1,2,3]",
                                            "weird,,, =",
                                            std::string(70000, 'x'),
                                            "{\"samples\": 5}"};
  const std::vector<std::string> topics = {"lingjing/twins/g/telemetry",
                                           "lingjing/twins/g/telemetry/x", "lingjing/line",
                                           "lingjing/batch", "lingjing/twins//telemetry"};
  for (const std::string& t : topics) {
    for (const std::string& g : garbage) ASSERT_TRUE(client->Publish(t, g));
  }
  ASSERT_TRUE(client->Publish("lingjing/twins/bed-9/telemetry/hr", "70"));
  ASSERT_TRUE(sink_.WaitFor("bed-9", "hr"));
  EXPECT_TRUE(bridge->connected());
}

TEST_F(MqttBridgeTest, MosquittoPubCli) {
  if (!testing::Executable(testing::kMosquittoPubBinary)) {
    GTEST_SKIP() << "mosquitto_pub not installed (Debian package mosquitto-clients)";
  }
  auto bridge = StartBridge(BaseConfig());
  ASSERT_TRUE(bridge);
  ASSERT_EQ(testing::RunMosquittoPub(port_, "lingjing/twins/bed-5/telemetry/hr", "64"), 0);
  auto hr = sink_.WaitFor("bed-5", "hr");
  ASSERT_TRUE(hr);
  EXPECT_EQ(hr->i, 64);
}

TEST_F(MqttBridgeTest, ReconnectsAfterBrokerRestart) {
  auto bridge = StartBridge(BaseConfig());
  ASSERT_TRUE(bridge);
  broker_->Stop();
  ASSERT_TRUE(WaitUntil([&] { return !bridge->connected(); }));
  ASSERT_TRUE(broker_->Start()) << broker_->Log();
  // Backoff starts at 1 s and doubles; allow a generous bound.
  ASSERT_TRUE(WaitUntil([&] { return bridge->connected(); }, 60s)) << broker_->Log();
  auto client = Client();
  ASSERT_TRUE(client->Publish("lingjing/twins/bed-6/telemetry/hr", "66"));
  auto hr = sink_.WaitFor("bed-6", "hr");
  ASSERT_TRUE(hr);
  EXPECT_EQ(hr->i, 66);
  EXPECT_GE(metrics_.GetCounter("lj_mqtt_reconnects_total", "").Value(), 1u);
  EXPECT_EQ(metrics_.GetGauge("lj_mqtt_connected", "").Value(), 1);
}

TEST_F(MqttBridgeTest, BrokerDownAtStartIsNotAnError) {
  broker_->Stop();
  auto bridge = MqttBridge::Start(BaseConfig(), sink_, metrics_);
  ASSERT_TRUE(bridge.ok()) << bridge.status().ToString();
  EXPECT_FALSE(bridge.value()->connected());
  ASSERT_TRUE(broker_->Start()) << broker_->Log();
  ASSERT_TRUE(WaitUntil([&] { return bridge.value()->connected(); }, 60s));
  auto client = Client();
  ASSERT_TRUE(client->Publish("lingjing/twins/bed-7/telemetry/hr", "67"));
  EXPECT_TRUE(sink_.WaitFor("bed-7", "hr"));
  EXPECT_EQ(metrics_.GetCounter("lj_mqtt_reconnects_total", "").Value(), 0u);
}

TEST_F(MqttBridgeTest, StopWhileBrokerUnreachableReturns) {
  broker_->Stop();
  auto bridge = MqttBridge::Start(BaseConfig(), sink_, metrics_);
  ASSERT_TRUE(bridge.ok());
  std::this_thread::sleep_for(200ms);
  bridge.value()->Stop();
  bridge.value()->Stop();  // idempotent
  EXPECT_FALSE(bridge.value()->connected());
}

TEST(MqttBridgeConfigTest, InvalidConfigIsAnError) {
  FakeSink sink;
  metrics::Registry metrics;
  Config c;
  c.qos = 5;
  auto bridge = MqttBridge::Start(c, sink, metrics);
  ASSERT_FALSE(bridge.ok());
  EXPECT_EQ(bridge.status().code(), ErrorCode::kInvalidArgument);
  c = Config();
  c.mappings = {{"x/+", "{1}", "", PayloadFormat::kValue}};
  EXPECT_FALSE(MqttBridge::Start(c, sink, metrics).ok());
}

}  // namespace
}  // namespace lj::mqtt
