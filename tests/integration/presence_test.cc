// Presence through the real binary's live API: a WebSocket viewer that announces itself gets a
// presence twin other viewers receive through an ordinary subscription; its pose is accepted
// from its own connection only (other connections, HTTP: `forbidden`), it leaves the ward when
// the connection closes, and twins left by a killed server are gone after a restart.
#include <gtest/gtest.h>
#include <signal.h>

#include "harness.h"

namespace lj::it {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

constexpr const char* kPresenceModel = "dtmi:lingjing:ward:Presence;1";

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

json Pose(double x, double z) {
  return {{"op", "pose"}, {"x", x}, {"y", 1.6}, {"z", z}, {"heading", 0.5}, {"pitch", -0.1}};
}

// Sends `presence` and returns the twin id from the reply ("" on failure).
std::string Announce(WsClient& ws, const std::string& label) {
  ws.Send({{"op", "presence"}, {"label", label}, {"scene", "hospital"}, {"seq", 1}});
  auto reply =
      ws.ReadUntil([](const json& m) { return m["op"] == "presence" || m["op"] == "error"; }, 10s);
  if (!reply || (*reply)["op"] != "presence") return "";
  return (*reply)["twin"];
}

std::vector<std::string> PresenceTwins(const Server& s) {
  HttpResult r = s.Get(std::string("/api/v1/twins?model=") + kPresenceModel);
  std::vector<std::string> ids;
  if (r.status != 200) return ids;
  const json body = r.json();
  for (const json& t : body["value"]) ids.push_back(t["$dtId"]);
  return ids;
}

TEST(Presence, ViewersSeeEachOtherPoseOnlyFromTheOwnConnectionGoneOnClose) {
  auto s = Server::Start("serve");
  ASSERT_TRUE(s);
  auto a = WsClient::Connect(s->port);
  auto b = WsClient::Connect(s->port);
  ASSERT_TRUE(a && b);

  // Pose before presence: refused with a reason.
  a->Send(Pose(1, 1));
  auto err = a->ReadUntil([](const json& m) { return m["op"] == "error"; }, 10s);
  ASSERT_TRUE(err);
  EXPECT_EQ((*err)["error"], "invalid_argument");
  EXPECT_NE((*err)["message"].get<std::string>().find("send a 'presence' op first"),
            std::string::npos);

  const std::string a_id = Announce(*a, "Alice");
  ASSERT_FALSE(a_id.empty());
  EXPECT_EQ(PresenceTwins(*s), std::vector<std::string>{a_id});
  HttpResult tw = s->Get("/api/v1/twins/" + a_id);
  ASSERT_EQ(tw.status, 200);
  EXPECT_EQ(tw.json()["label"], "Alice");

  // B subscribes to presence like any model; it sees A in the snapshot.
  b->Send(
      {{"op", "subscribe"}, {"id", "p"}, {"rate_hz", 20}, {"target", {{"model", kPresenceModel}}}});
  auto snap = b->ReadUntil([](const json& m) { return m["op"] == "snapshot"; }, 10s);
  ASSERT_TRUE(snap);
  ASSERT_EQ((*snap)["twins"].size(), 1u);
  EXPECT_EQ((*snap)["twins"][0]["id"], a_id);
  EXPECT_EQ((*snap)["twins"][0]["properties"]["label"], "Alice");

  // B announces itself later: it joins with `twin`, not seen by B's own subscription twice.
  const std::string b_id = Announce(*b, "Bob");
  ASSERT_FALSE(b_id.empty());
  ASSERT_NE(a_id, b_id);
  auto joined = b->ReadUntil(
      [&](const json& m) {
        return m["op"] == "twin" && m.contains("twin") && m["twin"]["id"] == b_id;
      },
      10s);
  EXPECT_TRUE(joined);

  // A's pose reaches B as a delta of A's twin.
  a->Send(Pose(3.25, -7.5));
  auto delta = b->ReadUntil(
      [&](const json& m) {
        return m["op"] == "delta" && m["twins"].contains(a_id) && m["twins"][a_id].contains("x");
      },
      10s);
  ASSERT_TRUE(delta);
  EXPECT_EQ((*delta)["twins"][a_id]["x"]["v"], 3.25);
  EXPECT_EQ((*delta)["twins"][a_id]["z"]["v"], -7.5);

  // B cannot move A: over the WebSocket `ingest` op or HTTP the pose is forbidden.
  b->Send({{"op", "ingest"},
           {"seq", 9},
           {"samples", {{{"twin", a_id}, {"telemetry", "x"}, {"t", NowMs()}, {"v", 99}}}}});
  auto ack = b->ReadUntil([](const json& m) { return m["op"] == "ack"; }, 10s);
  ASSERT_TRUE(ack);
  EXPECT_EQ((*ack)["accepted"], 0);
  ASSERT_EQ((*ack)["errors"].size(), 1u);
  EXPECT_EQ((*ack)["errors"][0]["error"], "forbidden");
  HttpResult r = HttpRequest(
      s->port, "POST", "/api/v1/telemetry",
      json({{"samples", {{{"twin", a_id}, {"telemetry", "x"}, {"t", NowMs()}, {"v", 99}}}}})
          .dump());
  EXPECT_EQ(r.json()["rejected"], 1) << r.body;
  EXPECT_EQ(r.json()["errors"][0]["error"], "forbidden") << r.body;
  // ... and a pose op always moves the sender's own twin.
  b->Send(Pose(10, 10));
  auto own = b->ReadUntil(
      [&](const json& m) { return m["op"] == "delta" && m["twins"].contains(b_id); }, 10s);
  ASSERT_TRUE(own);
  EXPECT_EQ((*own)["twins"][b_id]["x"]["v"], 10);
  EXPECT_FALSE((*own)["twins"].contains(a_id) && (*own)["twins"][a_id].contains("x") &&
               (*own)["twins"][a_id]["x"]["v"] == 99);
  EXPECT_EQ(s->Get("/api/v1/twins/" + a_id).status, 200);

  // Bad input: a precise error, counted, and the connection keeps working.
  a->Send({{"op", "presence"}, {"color", "blue"}, {"seq", 5}});
  err = a->ReadUntil([](const json& m) { return m["op"] == "error"; }, 10s);
  ASSERT_TRUE(err);
  EXPECT_EQ((*err)["seq"], 5);
  EXPECT_NE((*err)["message"].get<std::string>().find("'#rrggbb'"), std::string::npos);
  // Back-to-back poses beyond the burst are rate limited.
  for (int i = 0; i < 8; ++i) a->Send(Pose(i, 0));
  err = a->ReadUntil([](const json& m) { return m["op"] == "error"; }, 10s);
  ASSERT_TRUE(err);
  EXPECT_EQ((*err)["error"], "rate_limited");
  EXPECT_GE(s->Metric("lj_presence_rejected_total{reason=\"rate_limited\"}"), 1);
  EXPECT_GE(s->Metric("lj_presence_rejected_total{reason=\"invalid_argument\"}"), 2);
  EXPECT_GE(s->Metric("lj_ingest_rejected_total{protocol=\"websocket\",reason=\"forbidden\"}"), 1);
  EXPECT_EQ(s->Metric("lj_presence_viewers"), 2);

  // A leaves: its twin is deleted and B's subscription says so.
  a.reset();
  auto left = b->ReadUntil(
      [&](const json& m) {
        return m["op"] == "twin" && m.value("removed", false) && m["id"] == a_id;
      },
      10s);
  EXPECT_TRUE(left);
  EXPECT_TRUE(WaitFor([&] { return PresenceTwins(*s) == std::vector<std::string>{b_id}; }, 10s));
  EXPECT_EQ(s->Get("/api/v1/twins/" + a_id).status, 404);
}

TEST(Presence, TwinsOfAKilledServerAreRemovedAtStartup) {
  auto s = Server::Start("serve");
  ASSERT_TRUE(s);
  const std::string dir = s->data_dir;
  auto a = WsClient::Connect(s->port);
  ASSERT_TRUE(a);
  const std::string id = Announce(*a, "Crash");
  ASSERT_FALSE(id.empty());
  a->Send(Pose(1, 2));
  EXPECT_TRUE(WaitFor([&] { return s->Get("/api/v1/twins/" + id).status == 200; }, 5s));
  ASSERT_EQ(kill(s->process->pid(), SIGKILL), 0);  // no session gets to close
  a.reset();
  s.reset();
  s = Server::Start("serve", {}, dir);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->Get("/api/v1/twins/" + id).status, 404);
  EXPECT_TRUE(PresenceTwins(*s).empty());
  EXPECT_NE(s->process->Log().find("presence: removed twins"), std::string::npos)
      << s->process->Log();
}

}  // namespace
}  // namespace lj::it
