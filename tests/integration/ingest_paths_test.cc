// Every ingest path (HTTP JSON, line protocol via curl, MQTT via mosquitto_pub, WebSocket)
// reaches a WebSocket subscriber of the bed; a malformed sample gets a precise error while its
// valid neighbours are kept. Access control is on (the default): curl and mosquitto_pub act as
// the bed's device token, the broker checks passwords and pins topics to user names (ACL), and
// the engine refuses a device's write to another bed.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "harness.h"

namespace lj::it {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

class IngestPaths : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string data = MakeTempDir("lj-it-data");
    std::string out;
    // The monitor's device token: its name is its MQTT user name, its secret the password.
    ASSERT_EQ(RunCommand({LingjingBinary(), "token", "create", "--kind", "device", "--name",
                          "mon-1", "--twin", "monitor-1", "--data", data},
                         &out),
              0)
        << out;
    size_t at = out.find("ljd_");
    ASSERT_NE(at, std::string::npos) << out;
    device_token_ = out.substr(at, 47);
    broker_ =
        Mosquitto::Start({{"lingjing", "bridge-password-1"}, {"mon-1", device_token_}},
                         "user lingjing\ntopic read lingjing/#\ntopic write lingjing/rejects\n"
                         "pattern write lingjing/devices/%u/#\n");
    if (!broker_) GTEST_SKIP() << "mosquitto is not installed (scripts/setup installs it)";
    const std::string config =
        data + "/../" + std::filesystem::path(data).filename().string() + ".toml";
    std::ofstream(config) << "[mqtt]\nenabled = true\nhost = \"127.0.0.1\"\nport = "
                          << broker_->port()
                          << "\nusername = \"lingjing\"\npassword = \"bridge-password-1\"\n";
    server_ = Server::Start("serve", {"--config", config}, data);
    ASSERT_TRUE(server_);
    CreateTestWard(*server_);
    viewer_ = WsClient::Connect(server_->port);
    ASSERT_TRUE(viewer_);
    viewer_->Send(
        {{"op", "subscribe"}, {"id", "bed"}, {"target", {{"subtree", "bed-1"}}}, {"rate_hz", 20}});
    auto snap = viewer_->ReadUntil([](const json& m) { return m["op"] == "snapshot"; }, 10s);
    ASSERT_TRUE(snap);
    ASSERT_EQ((*snap)["twins"].size(), 3u);  // bed-1, patient-1, monitor-1
    // The MQTT bridge subscribes asynchronously: wait until it reports connected.
    ASSERT_TRUE(WaitFor([&] { return server_->Metric("lj_mqtt_connected") == 1; }, 20s))
        << server_->process->Log();
  }

  // Waits for a delta carrying monitor-1.<tel> == v.
  bool SeesValue(const std::string& tel, double v) {
    return viewer_
        ->ReadUntil(
            [&](const json& m) {
              return m["op"] == "delta" && m["twins"].contains("monitor-1") &&
                     m["twins"]["monitor-1"].contains(tel) &&
                     m["twins"]["monitor-1"][tel]["v"] == v;
            },
            15s)
        .has_value();
  }

  // mosquitto_pub as the monitor's device (or with another password).
  int Publish(const std::string& topic, const std::string& payload,
              const std::string& password = "") {
    std::string out;
    return RunCommand(
        {"mosquitto_pub", "-h", "127.0.0.1", "-p", std::to_string(broker_->port()), "-q", "1", "-u",
         "mon-1", "-P", password.empty() ? device_token_ : password, "-t", topic, "-m", payload},
        &out);
  }

  std::string device_token_;
  std::unique_ptr<Mosquitto> broker_;
  std::unique_ptr<Server> server_;
  std::unique_ptr<WsClient> viewer_;
};

TEST_F(IngestPaths, LineProtocolByCurlReachesSubscriberAndBadLineIsReported) {
  std::string url = "http://127.0.0.1:" + std::to_string(server_->port) + "/write?precision=ms";
  std::string t = std::to_string(NowMs());
  std::string body = "vitals,twin=monitor-1 hr=77 " + t + "\n" + "vitals,twin=monitor-1 hr=oops " +
                     t + "\n" + "vitals,twin=monitor-9 hr=70 " + t + "\n" +
                     "vitals,twin=monitor-1 rr=19 " + t + "\n";
  std::string out;
  // The monitor's device token may not write another bed's monitor: the batch is refused whole.
  int rc = RunCommand({"curl", "-sS", "-w", "\\nHTTP %{http_code}\\n", "-XPOST", url, "-H",
                       "Authorization: Bearer " + device_token_, "--data-binary",
                       "vitals,twin=monitor-2 hr=70 " + t + "\n"},
                      &out);
  ASSERT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("HTTP 403"), std::string::npos) << out;
  // As the administrator, a line for an unknown twin is reported per line (a device token would
  // be refused for it as a whole).
  out.clear();
  rc = RunCommand({"curl", "-sS", "-w", "\\nHTTP %{http_code}\\n", "-XPOST", url, "-H",
                   "Cookie: " + SessionCookieFor(server_->port), "--data-binary", body},
                  &out);
  ASSERT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("HTTP 400"), std::string::npos) << out;
  EXPECT_NE(out.find("partial write"), std::string::npos) << out;
  EXPECT_NE(out.find("\"line\":2"), std::string::npos) << out;
  EXPECT_NE(out.find("\"line\":3"), std::string::npos) << out;
  EXPECT_NE(out.find("unknown twin 'monitor-9'"), std::string::npos) << out;
  EXPECT_NE(out.find("\"accepted\":2"), std::string::npos) << out;
  EXPECT_TRUE(SeesValue("hr", 77));
  EXPECT_EQ(server_->Metric(
                "lj_ingest_rejected_total{protocol=\"line_protocol\",reason=\"unknown_twin\"}"),
            1);
  EXPECT_EQ(server_->Metric("lj_ingest_samples_total{protocol=\"line_protocol\"}"), 2);
}

TEST_F(IngestPaths, MqttByMosquittoPubReachesSubscriberAndBadPayloadIsReported) {
  const std::string own = "lingjing/devices/mon-1/twins/monitor-1/telemetry";
  ASSERT_EQ(Publish(own, "{\"hr\": \"fast\", \"spo2\": 97}"), 0);
  EXPECT_TRUE(SeesValue("spo2", 97));
  ASSERT_EQ(Publish(own + "/rr", "21"), 0);
  EXPECT_TRUE(SeesValue("rr", 21));
  EXPECT_TRUE(WaitFor(
      [&] {
        return server_->Metric(
                   "lj_ingest_rejected_total{protocol=\"mqtt\",reason=\"wrong_type\"}") == 1;
      },
      10s));
}

TEST_F(IngestPaths, MqttPublishersAreCheckedByTheBrokerAndPerTwinByTheEngine) {
  // The broker refuses a wrong password (the token secret is the password).
  EXPECT_NE(Publish("lingjing/devices/mon-1/twins/monitor-1/telemetry/rr", "30", "wrong-secret"),
            0);
  // The broker's ACL keeps mon-1 out of another publisher's topics (dropped by the broker), and
  // the engine refuses mon-1's write to another bed's monitor: nothing of it is ingested.
  ASSERT_EQ(Publish("lingjing/devices/mon-2/twins/monitor-1/telemetry/rr", "31"), 0);
  ASSERT_EQ(Publish("lingjing/devices/mon-1/twins/monitor-2/telemetry/rr", "32"), 0);
  EXPECT_TRUE(WaitFor(
      [&] { return server_->Metric("lj_mqtt_messages_total{result=\"forbidden\"}") == 1; }, 10s))
      << server_->process->Log();
  ASSERT_EQ(Publish("lingjing/devices/mon-1/twins/monitor-1/telemetry/rr", "33"), 0);
  // Messages from one publisher arrive in order: 33 comes after 30/31, which never arrive.
  auto seen = viewer_->ReadUntil(
      [&](const json& m) {
        return m["op"] == "delta" && m["twins"].contains("monitor-1") &&
               m["twins"]["monitor-1"].contains("rr");
      },
      15s);
  ASSERT_TRUE(seen);
  EXPECT_EQ((*seen)["twins"]["monitor-1"]["rr"]["v"], 33);
  HttpResult twin2 = server_->Get("/api/v1/twins/monitor-2/telemetry");
  EXPECT_EQ(twin2.body.find("\"rr\""), std::string::npos) << twin2.body;
  // The refusal is in the audit trail, with the device and the foreign twin.
  HttpResult audit = server_->Get("/api/v1/audit?user=mon-1");
  ASSERT_EQ(audit.status, 200) << audit.body;
  bool refused = false;
  const json trail = audit.json();
  for (const json& r : trail["value"])
    refused = refused || (r["interface"] == "mqtt" && r["outcome"] == "deny" &&
                          r["twin"] == "monitor-2" && r["reason"] == "not_own_twin");
  EXPECT_TRUE(refused) << audit.body;
}

TEST_F(IngestPaths, WebSocketIngestIsAckedAndReachesSubscriber) {
  auto writer = WsClient::Connect(server_->port);
  ASSERT_TRUE(writer);
  int64_t t = NowMs();
  writer->Send({{"op", "ingest"},
                {"seq", 7},
                {"samples",
                 {{{"twin", "monitor-1"}, {"telemetry", "temp"}, {"t", t}, {"v", 38.2}},
                  {{"twin", "monitor-1"}, {"telemetry", "nope"}, {"t", t}, {"v", 1}},
                  {{"twin", "monitor-1"},
                   {"telemetry", "ecg"},
                   {"t", t},
                   {"rate", 250},
                   {"values", {1, 2, 3, 4}}}}}});
  auto ack = writer->ReadUntil([](const json& m) { return m["op"] == "ack"; }, 10s);
  ASSERT_TRUE(ack);
  EXPECT_EQ((*ack)["seq"], 7);
  EXPECT_EQ((*ack)["accepted"], 5);
  EXPECT_EQ((*ack)["rejected"], 1);
  ASSERT_EQ((*ack)["errors"].size(), 1u);
  EXPECT_EQ((*ack)["errors"][0]["index"], 1);
  EXPECT_EQ((*ack)["errors"][0]["error"], "unknown_telemetry");
  EXPECT_TRUE(SeesValue("temp", 38.2));
  auto wave = viewer_->ReadUntil([](const json& m) { return m["op"] == "wave"; }, 10s);
  ASSERT_TRUE(wave);
  EXPECT_EQ((*wave)["values"], json({1, 2, 3, 4}));
}

TEST_F(IngestPaths, HttpJsonBatchKeepsGoodItemsAndNamesBadOnes) {
  int64_t t = NowMs();
  json batch = {{"samples",
                 {{{"twin", "monitor-1"}, {"telemetry", "nibpSys"}, {"t", t}, {"v", 128}},
                  {{"twin", "monitor-1"}, {"telemetry", "spo2"}, {"t", t}, {"v", true}},
                  {{"twin", "monitor-1"}, {"t", t}, {"values", {{"nibpDia", 81}}}}}}};
  HttpResult r = HttpRequest(server_->port, "POST", "/api/v1/telemetry", batch.dump());
  EXPECT_EQ(r.status, 400) << r.body;
  json j = r.json();
  EXPECT_EQ(j["accepted"], 2);
  EXPECT_EQ(j["rejected"], 1);
  EXPECT_EQ(j["errors"][0]["index"], 1);
  EXPECT_EQ(j["errors"][0]["code"], 2003);
  EXPECT_TRUE(SeesValue("nibpDia", 81));
  r = HttpRequest(server_->port, "POST", "/api/v1/telemetry", "{not json");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.json()["rejected"], 1) << r.body;
}

}  // namespace
}  // namespace lj::it
