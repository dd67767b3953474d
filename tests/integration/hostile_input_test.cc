// Hostile input against the real binary with access control on (the default), over real
// sockets: JSON nested 100,000 deep from every role's entry points, ill-formed UTF-8, forged
// derived clinical scores and timestamps from 1700. Each was found by trying the ward as an
// attacker would; each must be refused with a precise reason, counted, and never crash the
// server or blind a viewer. Waits are bounded; nothing here asserts a speed.
#include <gtest/gtest.h>

#include <string>

#include "harness.h"

namespace lj::it {
namespace {

using namespace std::chrono_literals;

std::string Deep(size_t depth) { return std::string(depth, '[') + "1" + std::string(depth, ']'); }

// A device token for `twin`, made with the CLI before the server starts.
std::string DeviceToken(const std::string& data_dir, const std::string& name,
                        const std::string& twin) {
  std::string out;
  EXPECT_EQ(RunCommand({LingjingBinary(), "token", "create", "--kind", "device", "--name", name,
                        "--twin", twin, "--data", data_dir},
                       &out),
            0)
      << out;
  size_t at = out.find("ljd_");
  return at == std::string::npos ? "" : out.substr(at, 47);
}

// The next error frame, or null.
nlohmann::json NextError(WsClient& ws) {
  auto m = ws.ReadUntil([](const nlohmann::json& j) { return j.value("op", "") == "error"; }, 10s);
  return m ? *m : nlohmann::json();
}

class HostileInput : public ::testing::Test {
 protected:
  void SetUp() override {
    data_ = MakeTempDir("lj-it-hostile");
    device_ = DeviceToken(data_, "mon-1", "monitor-1");
    ASSERT_FALSE(device_.empty());
    server_ = Server::Start("serve", {}, data_);
    ASSERT_TRUE(server_);
    CreateTestWard(*server_);
  }
  bool Alive() const {
    return server_->process->Running() && server_->Get("/healthz").status == 200;
  }

  std::string data_, device_;
  std::unique_ptr<Server> server_;
};

TEST_F(HostileInput, DeepJsonOnTheLiveApiIsRefusedForEveryOpAndTheServerStaysUp) {
  auto ws = WsClient::Connect(server_->port, 0, "Bearer " + device_);
  ASSERT_TRUE(ws);
  // ~200 KB each: a ping whose seq nests 100,000 deep, an unknown op with a deep id, a deep
  // subscription target (the device may not subscribe, but the message is parsed first).
  for (const std::string& text :
       {R"({"op":"ping","seq":)" + Deep(100000) + "}",
        R"({"op":"nosuch","id":)" + Deep(100000) + "}",
        R"({"op":"subscribe","id":"s","target":{"twin":)" + Deep(100000) + "}}",
        R"({"op":"ingest","seq":1,"samples":[{"twin":"monitor-1","telemetry":"hr","v":)" +
            Deep(100000) + "}]}"}) {
    ASSERT_TRUE(ws->SendText(text));
    nlohmann::json e = NextError(*ws);
    ASSERT_FALSE(e.is_null()) << "no error frame for " << text.substr(0, 40);
    EXPECT_EQ(e["error"], "parse_error") << e;
    EXPECT_NE(e["message"].get<std::string>().find("deeper than 64 levels"), std::string::npos)
        << e;
    ASSERT_TRUE(Alive());
  }
  // A member of the wrong type used to throw out of the session's handler.
  auto admin = WsClient::Connect(server_->port);
  ASSERT_TRUE(admin);
  ASSERT_TRUE(admin->Send({{"op", "subscribe"},
                           {"id", "s"},
                           {"target", {{"twin", "monitor-1"}}},
                           {"waveforms", "yes"}}));
  nlohmann::json e = NextError(*admin);
  EXPECT_EQ(e.value("message", ""), "'waveforms' must be true or false") << e;
  EXPECT_TRUE(Alive());
  // The connection still works after the refusals.
  ASSERT_TRUE(ws->Send({{"op", "ping"}, {"seq", 5}}));
  auto pong =
      ws->ReadUntil([](const nlohmann::json& j) { return j.value("op", "") == "pong"; }, 10s);
  ASSERT_TRUE(pong);
  EXPECT_EQ((*pong)["seq"], 5);
}

TEST_F(HostileInput, DeepJsonInRestBodiesIsRefusedWithAPreciseReason) {
  const std::string deep = Deep(140000);
  struct Case {
    const char* method;
    std::string target, body;
  } cases[] = {
      {"PUT", "/api/v1/twins/patient-9",
       R"({"$metadata":{"$model":"dtmi:lingjing:ward:Patient;1"},"name":)" + deep + "}"},
      {"PATCH", "/api/v1/twins/patient-1", R"([{"op":"add","path":"/name","value":)" + deep + "}]"},
      {"PUT", "/api/v1/twins/bed-1/relationships/r9",
       R"({"$relationshipName":"occupiedBy","$targetId":"patient-1","x":)" + deep + "}"},
      {"POST", "/api/v1/login", R"({"name":)" + deep + "}"},
      {"POST", "/api/v1/telemetry", R"([{"twin":"monitor-1","telemetry":"hr","v":)" + deep + "}]"},
  };
  for (const Case& c : cases) {
    HttpResult r = HttpRequest(server_->port, c.method, c.target, c.body);
    EXPECT_EQ(r.status, 400) << c.method << " " << c.target << ": " << r.body.substr(0, 300);
    EXPECT_NE(r.body.find("deeper than 64 levels"), std::string::npos)
        << c.method << " " << c.target << ": " << r.body.substr(0, 300);
    ASSERT_TRUE(Alive()) << c.method << " " << c.target;
  }
}

TEST_F(HostileInput, IllFormedUtf8IsRefusedAtIngestAndNeverReachesAViewer) {
  auto viewer = WsClient::Connect(server_->port);
  ASSERT_TRUE(viewer);
  ASSERT_TRUE(
      viewer->Send({{"op", "subscribe"}, {"id", "w"}, {"target", {{"subtree", "ward-t"}}}}));
  ASSERT_TRUE(viewer->ReadUntil(
      [](const nlohmann::json& j) { return j.value("op", "") == "snapshot"; }, 10s));
  // One bad line between two good ones: the bad one is refused with its reason, the others kept.
  const std::string body =
      "vitals,twin=monitor-1 hr=71\n"
      "vitals,twin=monitor-1 note=\"\xff\xfe\xc0\x80\"\n"
      "vitals,twin=monitor-\xe2\x82 hr=72\n"
      "vitals,twin=monitor-1 spo2=97\n";
  HttpResult r = HttpRequest(server_->port, "POST", "/write", body, "text/plain");
  ASSERT_EQ(r.status, 400) << r.body;
  nlohmann::json j = r.json();
  EXPECT_EQ(j["accepted"], 2) << r.body;
  EXPECT_EQ(j["rejected"], 2) << r.body;
  ASSERT_EQ(j["errors"].size(), 2u) << r.body;
  for (const auto& e : j["errors"]) EXPECT_EQ(e["error"], "invalid_utf8") << e;
  EXPECT_EQ(j["errors"][0]["line"], 2);
  // JSON bodies and twin properties with ill-formed strings are refused as well.
  r = HttpRequest(server_->port, "POST", "/api/v1/telemetry",
                  "[{\"twin\":\"monitor-1\",\"telemetry\":\"hr\",\"v\":\"\xff\"}]");
  EXPECT_EQ(r.status, 400) << r.body;
  r = HttpRequest(server_->port, "PATCH", "/api/v1/twins/patient-1",
                  "[{\"op\":\"replace\",\"path\":\"/name\",\"value\":\"\xed\xa0\x80\"}]");
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_GE(server_->Metric(
                "lj_ingest_rejected_total{protocol=\"line_protocol\",reason=\"invalid_utf8\"}"),
            2);
  // The viewer received every frame as valid UTF-8 and is still connected.
  viewer->ReadUntil([](const nlohmann::json&) { return false; }, 1500ms);
  EXPECT_FALSE(viewer->saw_invalid_utf8());
  EXPECT_FALSE(viewer->closed());
}

TEST_F(HostileInput, DerivedClinicalScoresCannotBeWrittenThroughAnyPath) {
  // The administrator may write telemetry to every twin, yet not the engine's derived NEWS2 or
  // alarm state: a forged `news2Risk=low` would hide a deteriorating patient.
  HttpResult r = HttpRequest(server_->port, "POST", "/write",
                             "p,twin=patient-1 news2Risk=\"low\",news2=0i,alarmLevel=\"none\","
                             "alarmText=\"FORGED\",hr_note=1",
                             "text/plain");
  ASSERT_EQ(r.status, 400) << r.body;
  nlohmann::json j = r.json();
  int forbidden = 0;
  for (const auto& e : j["errors"]) forbidden += e["error"] == "forbidden";
  EXPECT_EQ(forbidden, 4) << r.body;
  r = HttpRequest(server_->port, "POST", "/api/v1/telemetry",
                  R"([{"twin":"patient-1","telemetry":"news2","v":0},
                      {"twin":"patient-1","telemetry":"ecgHr","v":60}])");
  ASSERT_EQ(r.status, 400) << r.body;
  j = r.json();
  EXPECT_EQ(j["rejected"], 2) << r.body;
  EXPECT_EQ(j["errors"][0]["error"], "forbidden") << r.body;
  EXPECT_NE(j["errors"][0]["message"].get<std::string>().find("derived by the engine"),
            std::string::npos);
  auto ws = WsClient::Connect(server_->port);
  ASSERT_TRUE(ws);
  ASSERT_TRUE(ws->Send(
      {{"op", "ingest"},
       {"seq", 9},
       {"samples", {{{"twin", "patient-1"}, {"telemetry", "alarmLevel"}, {"v", "none"}}}}}));
  auto ack = ws->ReadUntil([](const nlohmann::json& m) { return m.value("op", "") == "ack"; }, 10s);
  ASSERT_TRUE(ack);
  EXPECT_EQ((*ack)["rejected"], 1) << *ack;
  EXPECT_EQ((*ack)["errors"][0]["error"], "forbidden") << *ack;
  HttpResult latest = server_->Get("/api/v1/twins/patient-1/telemetry/alarmText/history/latest");
  EXPECT_EQ(latest.body.find("FORGED"), std::string::npos) << "nothing forged was kept";
}

TEST_F(HostileInput, SamplesDatedCenturiesAgoAreRefused) {
  // 1700-01-01 in ms: a fresh series used to keep it.
  HttpResult r = HttpRequest(server_->port, "POST", "/write?precision=ms",
                             "vitals,twin=monitor-1 hr=70 -8520336000000", "text/plain");
  ASSERT_EQ(r.status, 400) << r.body;
  nlohmann::json j = r.json();
  ASSERT_EQ(j["errors"].size(), 1u) << r.body;
  EXPECT_EQ(j["errors"][0]["error"], "bad_timestamp");
  EXPECT_NE(j["errors"][0]["message"].get<std::string>().find("older than the oldest accepted"),
            std::string::npos)
      << r.body;
  EXPECT_EQ(server_->Get("/api/v1/twins/monitor-1/telemetry/hr/history/latest").status, 404);
}

}  // namespace
}  // namespace lj::it
