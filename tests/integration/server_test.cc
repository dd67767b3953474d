// The real binary: CLI help, model errors at start-up, REST twin graph with JSON Patch and
// persistence across restarts, metrics, and the ward demo streaming live data.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "harness.h"

namespace lj::it {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

TEST(Cli, EveryCommandHasHelp) {
  for (std::vector<std::string> args : {std::vector<std::string>{"--help"},
                                        {"serve", "--help"},
                                        {"demo", "--help"},
                                        {"models", "--help"},
                                        {"models", "validate", "--help"},
                                        {"models", "list", "--help"},
                                        {"config", "--help"},
                                        {"config", "defaults", "--help"},
                                        {"config", "check", "--help"},
                                        {"ecg", "evaluate", "--help"},
                                        {"ecg", "detect", "--help"}}) {
    std::vector<std::string> argv = {LingjingBinary()};
    argv.insert(argv.end(), args.begin(), args.end());
    std::string out;
    EXPECT_EQ(RunCommand(argv, &out), 0) << args[0];
    EXPECT_NE(out.find("Usage"), std::string::npos) << out;
  }
}

TEST(Cli, BadModelStopsStartupWithFilePointerAndReason) {
  std::string dir = MakeTempDir("lj-it-models");
  std::ofstream(dir + "/broken.json")
      << R"({"@id": "dtmi:test:Broken;1", "@type": "Interface", "@context": "dtmi:dtdl:context;3",
            "contents": [{"@type": "Telemetry", "name": "x", "schema": "doubel"}]})";
  std::string out;
  int rc = RunCommand(
      {LingjingBinary(), "serve", "--port", "0", "--data", dir + "/data", "--models", dir}, &out);
  EXPECT_NE(rc, 0);
  EXPECT_NE(out.find("broken.json"), std::string::npos) << out;
  EXPECT_NE(out.find("/contents/0/schema"), std::string::npos) << out;
  EXPECT_NE(out.find("doubel"), std::string::npos) << out;
}

TEST(Cli, ConfigDefaultsRoundTripThroughCheck) {
  std::string dir = MakeTempDir("lj-it-config");
  std::string out;
  ASSERT_EQ(RunCommand({LingjingBinary(), "config", "defaults"}, &out), 0);
  std::ofstream(dir + "/lingjing.toml") << out;
  std::string check;
  EXPECT_EQ(RunCommand({LingjingBinary(), "config", "check", dir + "/lingjing.toml"}, &check), 0)
      << check;
}

TEST(Rest, TwinGraphCrudPatchTraverseAndPersistence) {
  auto s = Server::Start("serve");
  ASSERT_TRUE(s);
  CreateTestWard(*s);
  HttpResult r = s->Get("/api/v1/twins/patient-1");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.json()["$metadata"]["$model"], "dtmi:lingjing:ward:Patient;1");
  r = HttpRequest(s->port, "PATCH", "/api/v1/twins/patient-1",
                  R"([{"op": "replace", "path": "/name", "value": "Renamed"},
                      {"op": "add", "path": "/allergies", "value": ["penicillin"]}])");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json()["name"], "Renamed");
  r = HttpRequest(s->port, "PATCH", "/api/v1/twins/patient-1",
                  R"([{"op": "replace", "path": "/name", "value": 42}])");
  EXPECT_EQ(r.status, 400) << r.body;
  r = s->Get("/api/v1/twins/ward-t/traverse?relationships=contains");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.json()["value"].size(), 4u);  // ward, room, 2 beds
  r = s->Get("/api/v1/twins?model=dtmi:lingjing:ward:Device;1");
  EXPECT_EQ(r.json()["value"].size(), 2u);  // monitors derive from Device
  r = HttpRequest(s->port, "DELETE", "/api/v1/twins/bed-1");
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(r.json()["error"], "twin_has_relationships");
  r = s->Put("/api/v1/twins/bad", {{"$metadata", {{"$model", "dtmi:nope:X;1"}}}});
  EXPECT_EQ(r.status, 400);
  r = s->Get("/api/v1/twins/missing");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.json()["code"], 1004);

  std::string data = s->data_dir;
  EXPECT_EQ(s->process->Stop(), 0);
  auto again = Server::Start("serve", {}, data);
  ASSERT_TRUE(again);
  r = again->Get("/api/v1/twins/patient-1");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.json()["name"], "Renamed");
  EXPECT_EQ(again->Get("/api/v1/twins/room-1/relationships").json()["value"].size(), 2u);
}

TEST(Rest, OversizeBodyIsRefusedWith413) {
  std::string dir = MakeTempDir("lj-it-limit");
  std::ofstream(dir + "/lingjing.toml") << "[server]\nmax_body_bytes = 1024\n";
  auto s = Server::Start("serve", {"--config", dir + "/lingjing.toml"});
  ASSERT_TRUE(s);
  HttpResult r = HttpRequest(s->port, "POST", "/write", std::string(4096, 'x'), "text/plain");
  EXPECT_EQ(r.status, 413);
  EXPECT_EQ(s->Get("/healthz").status, 200);
}

TEST(Demo, WardOf24BedsStreamsVitalsAndEcg) {
  auto s = Server::Start("demo");
  ASSERT_TRUE(s);
  HttpResult page = s->Get("/");
  EXPECT_EQ(page.status, 200);
  EXPECT_NE(page.body.find("<html"), std::string::npos);
  auto ws = WsClient::Connect(s->port);
  ASSERT_TRUE(ws);
  ws->Send({{"op", "subscribe"},
            {"id", "ward"},
            {"target",
             {{"subtree", "ward-a"}, {"relationships", {"contains", "occupiedBy", "hasDevice"}}}},
            {"rate_hz", 10}});
  auto snap = ws->ReadUntil([](const json& m) { return m["op"] == "snapshot"; }, 10s);
  ASSERT_TRUE(snap);
  int beds = 0, monitors = 0;
  for (const auto& t : (*snap)["twins"]) {
    if (t["model"] == "dtmi:lingjing:ward:Bed;1") ++beds;
    if (t["model"] == "dtmi:lingjing:ward:BedsideMonitor;1") ++monitors;
  }
  EXPECT_EQ(beds, 24);
  EXPECT_EQ(monitors, 24);
  std::set<std::string> hr_seen;
  size_t ecg_values = 0;
  ws->ReadUntil(
      [&](const json& m) {
        if (m["op"] == "delta")
          for (auto& [id, tel] : m["twins"].items())
            if (tel.contains("hr")) hr_seen.insert(id);
        if (m["op"] == "wave" && m["telemetry"] == "ecg") ecg_values += m["values"].size();
        return hr_seen.size() == 24 && ecg_values >= 24 * 250;
      },
      30s);
  EXPECT_EQ(hr_seen.size(), 24u);
  EXPECT_GE(ecg_values, 24u * 250u);
  EXPECT_GT(s->Metric("lj_ingest_samples_total{protocol=\"simulator\"}"), 0);
}

}  // namespace
}  // namespace lj::it
