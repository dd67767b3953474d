// PresenceService over a real twin graph (SQLite), live state and pipeline with the built-in
// ward models: a session's twin is created on its first `presence`, carries its pose as
// telemetry accepted only from that session (rate-limited), is deleted when the session ends,
// and twins left by an earlier process are removed when the service opens.
#include "live/presence.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>

#include "common/time.h"
#include "live/live_state.h"
#include "live/pipeline.h"

namespace lj::live {
namespace {

using nlohmann::json;

class CountingObserver : public SampleObserver {
 public:
  void OnAccepted(ingest::Protocol, std::span<const AcceptedScalar> scalars,
                  std::span<const AcceptedBlock>) override {
    calls += 1;
    scalars_seen += scalars.size();
  }
  int calls = 0;
  size_t scalars_seen = 0;
};

class PresenceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char name[] = "/tmp/lj-presence-XXXXXX";
    dir_ = mkdtemp(name);
    for (const auto& [file, text] : model::BuiltinWardModels())
      ASSERT_TRUE(models_.LoadJson(text, file).ok()) << file;
    ASSERT_TRUE(models_.Resolve().ok());
    OpenGraph();
    live_ = std::make_unique<LiveState>(models_, LiveOptions{});
    graph_->AddListener(live_.get());
    PipelineOptions po;
    po.session_models = {kPresenceModel};
    pipeline_ = std::make_unique<Pipeline>(*live_, metrics_, po);
    pipeline_->AddObserver(&observer_);
    ASSERT_TRUE(
        graph_->PutTwin("monitor-1", "dtmi:lingjing:ward:BedsideMonitor;1", json::object()).ok());
    ASSERT_TRUE(graph_->PutTwin("patient-1", "dtmi:lingjing:ward:Patient;1", json::object()).ok());
    auto s = PresenceService::Open(*graph_, *pipeline_, metrics_);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    service_ = std::move(s).value();
  }
  void TearDown() override {
    service_.reset();
    pipeline_.reset();
    graph_.reset();
    std::filesystem::remove_all(dir_);
  }
  void OpenGraph() {
    auto g = graph::TwinGraph::Open(dir_ + "/twins.db", models_);
    ASSERT_TRUE(g.ok()) << g.status().ToString();
    graph_ = std::move(g).value();
  }

  std::vector<std::string> PresenceTwins() {
    std::vector<std::string> ids;
    Result<std::vector<graph::Twin>> twins = graph_->ListTwins(kPresenceModel);
    EXPECT_TRUE(twins.ok());
    if (twins.ok())
      for (const graph::Twin& t : *twins) ids.push_back(t.id);
    return ids;
  }
  // Latest live value of a presence telemetry, NaN when none.
  double LiveValue(const std::string& twin, std::string_view tel) {
    double v = std::nan("");
    std::shared_ptr<TwinState> st = live_->Find(twin);
    if (!st) return v;
    live_->WithShard(st->shard, [&](LiveState::TwinMap&) {
      const int i = st->model->FindTelemetry(tel);
      if (i >= 0 && st->series[i].has_value()) v = st->series[i].d;
    });
    return v;
  }
  double Metric(const std::string& series) {
    const std::string text = "\n" + metrics_.RenderPrometheus();
    size_t p = text.find("\n" + series + " ");  // a sample line, not the # HELP/# TYPE lines
    return p == std::string::npos ? -1 : std::stod(text.substr(p + series.size() + 2));
  }
  static json Pose(double x, double z, double heading = 0.5, double pitch = -0.2) {
    return {{"op", "pose"}, {"x", x}, {"y", 1.6}, {"z", z}, {"heading", heading}, {"pitch", pitch}};
  }

  std::string dir_;
  model::ModelRegistry models_;
  metrics::Registry metrics_;
  std::unique_ptr<graph::TwinGraph> graph_;
  std::unique_ptr<LiveState> live_;
  std::unique_ptr<Pipeline> pipeline_;
  CountingObserver observer_;
  std::unique_ptr<PresenceService> service_;
  int64_t mono_ = 1'000'000'000;
};

TEST_F(PresenceTest, FirstPresenceCreatesTheSessionsTwinLaterOnesPatchIt) {
  auto a = service_->NewSession();
  EXPECT_TRUE(a->twin_id().empty());
  EXPECT_TRUE(PresenceTwins().empty());
  Result<json> p = a->Update({{"op", "presence"}, {"label", "  Dr Li "}, {"scene", "hospital"}});
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ((*p)["label"], "Dr Li");
  EXPECT_EQ((*p)["leading"], false);
  EXPECT_EQ(PresenceTwins(), std::vector<std::string>{a->twin_id()});
  graph::Twin t = graph_->GetTwin(a->twin_id()).value();
  EXPECT_EQ(t.model, kPresenceModel);
  EXPECT_EQ(t.properties["scene"], "hospital");
  EXPECT_TRUE(t.properties["color"].get<std::string>().starts_with("#"));
  EXPECT_NE(live_->Find(a->twin_id()), nullptr);  // viewers can subscribe to it

  const std::string id = a->twin_id();
  p = a->Update({{"leading", true}, {"focusPatient", "patient-1"}});
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(a->twin_id(), id);  // same twin, patched
  t = graph_->GetTwin(id).value();
  EXPECT_EQ(t.properties["leading"], true);
  EXPECT_EQ(t.properties["focusPatient"], "patient-1");
  EXPECT_EQ(t.properties["label"], "Dr Li");
  EXPECT_EQ(Metric("lj_presence_viewers"), 1);

  auto b = service_->NewSession();
  ASSERT_TRUE(b->Update(json::object()).ok());
  EXPECT_NE(b->twin_id(), id);
  EXPECT_TRUE(
      graph_->GetTwin(b->twin_id())->properties["label"].get<std::string>().starts_with("Guest "));
  ASSERT_TRUE(b->Update({{"following", id}}).ok());
  EXPECT_EQ(PresenceTwins().size(), 2u);
  // A logged-in user is labelled with their name until they choose a label; a bad name is not
  // used.
  auto c = service_->NewSession(" nurse.kim ");
  ASSERT_TRUE(c->Update(json::object()).ok());
  EXPECT_EQ(graph_->GetTwin(c->twin_id())->properties["label"], "nurse.kim");
  ASSERT_TRUE(c->Update({{"label", "Kim"}}).ok());
  EXPECT_EQ(graph_->GetTwin(c->twin_id())->properties["label"], "Kim");
  auto d = service_->NewSession(std::string(100, 'x'));
  ASSERT_TRUE(d->Update(json::object()).ok());
  EXPECT_TRUE(
      graph_->GetTwin(d->twin_id())->properties["label"].get<std::string>().starts_with("Guest "));
}

TEST_F(PresenceTest, PoseBecomesTelemetryOfTheOwnTwinOnly) {
  auto a = service_->NewSession();
  auto b = service_->NewSession();
  Status s = a->Pose(Pose(1, 2), mono_, NowNs());
  EXPECT_EQ(s.code(), ErrorCode::kInvalidArgument) << "pose before presence";
  ASSERT_TRUE(a->Update({{"label", "A"}}).ok());
  ASSERT_TRUE(b->Update({{"label", "B"}}).ok());
  s = a->Pose(Pose(3.5, -7.25, 0.5 + 4 * M_PI), mono_, NowNs());
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(LiveValue(a->twin_id(), "x"), 3.5);
  EXPECT_EQ(LiveValue(a->twin_id(), "z"), -7.25);
  EXPECT_NEAR(LiveValue(a->twin_id(), "heading"), 0.5, 1e-12);  // normalised to -pi..pi
  EXPECT_TRUE(std::isnan(LiveValue(b->twin_id(), "x")));        // b's twin untouched
  EXPECT_EQ(Metric("lj_presence_poses_total"), 1);
  EXPECT_EQ(observer_.calls, 0) << "presence telemetry never reaches observers (clinical)";
}

TEST_F(PresenceTest, PoseTelemetryFromAnyOtherPathIsForbidden) {
  auto a = service_->NewSession();
  ASSERT_TRUE(a->Update({{"label", "A"}}).ok());
  const std::string id = a->twin_id();
  for (ingest::Protocol p : {ingest::Protocol::kWebSocket, ingest::Protocol::kHttpJson,
                             ingest::Protocol::kMqtt, ingest::Protocol::kSimulator}) {
    ingest::ParsedBatch batch;
    ingest::ParsedSample smp;
    smp.twin = id;
    smp.telemetry = "x";
    smp.t_ns = NowNs();
    smp.value = ingest::Value::Double(99);
    batch.samples.push_back(smp);
    // A neighbour in the same batch is still accepted.
    ingest::ParsedSample hr;
    hr.twin = "monitor-1";
    hr.telemetry = "hr";
    hr.t_ns = NowNs();
    hr.value = ingest::Value::Double(72);
    batch.samples.push_back(hr);
    ingest::IngestReport r = pipeline_->Ingest(batch, p);
    EXPECT_EQ(r.accepted, 1u);
    ASSERT_EQ(r.rejected, 1u);
    EXPECT_EQ(r.rejects[0].code, ErrorCode::kForbidden);
    EXPECT_NE(r.rejects[0].message.find("belongs to a viewer's session"), std::string::npos);
  }
  EXPECT_TRUE(std::isnan(LiveValue(id, "x")));
  EXPECT_EQ(Metric("lj_ingest_rejected_total{protocol=\"websocket\",reason=\"forbidden\"}"), 1);
}

TEST_F(PresenceTest, PosesAreRateLimitedPerSession) {
  auto a = service_->NewSession();
  auto b = service_->NewSession();
  ASSERT_TRUE(a->Update(json::object()).ok());
  ASSERT_TRUE(b->Update(json::object()).ok());
  // Burst of 3 accepted back to back, the 4th at the same instant is refused.
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(a->Pose(Pose(i, 0), mono_, NowNs()).ok()) << i;
  Status s = a->Pose(Pose(9, 0), mono_, NowNs());
  EXPECT_EQ(s.code(), ErrorCode::kRateLimited);
  EXPECT_NE(s.message().find("10 Hz"), std::string::npos);
  EXPECT_EQ(LiveValue(a->twin_id(), "x"), 2);
  // Another session has its own budget.
  EXPECT_TRUE(b->Pose(Pose(1, 1), mono_, NowNs()).ok());
  // 100 ms later one more token.
  EXPECT_TRUE(a->Pose(Pose(4, 0), mono_ + 100'000'000, NowNs()).ok());
  EXPECT_EQ(a->Pose(Pose(5, 0), mono_ + 110'000'000, NowNs()).code(), ErrorCode::kRateLimited);
  // At a steady 10 Hz nothing is refused.
  for (int i = 1; i <= 20; ++i)
    EXPECT_TRUE(a->Pose(Pose(i, 0), mono_ + 110'000'000 + i * 100'000'000LL, NowNs()).ok()) << i;
  EXPECT_EQ(Metric("lj_presence_rejected_total{reason=\"rate_limited\"}"), 2);
}

TEST_F(PresenceTest, BadInputIsRejectedWithAReason) {
  auto a = service_->NewSession();
  struct Case {
    json msg;
    ErrorCode code;
    std::string fragment;
  };
  for (const Case& c : std::vector<Case>{
           {json::array(), ErrorCode::kInvalidArgument, "JSON object"},
           {{{"label", 5}}, ErrorCode::kInvalidArgument, "'label' must be a string"},
           {{{"label", "   "}}, ErrorCode::kInvalidArgument, "1..64 bytes"},
           {{{"label", std::string(65, 'x')}}, ErrorCode::kInvalidArgument, "1..64 bytes"},
           {{{"label", "a\nb"}}, ErrorCode::kInvalidArgument, "control characters"},
           {{{"color", "red"}}, ErrorCode::kInvalidArgument, "'#rrggbb'"},
           {{{"leading", "yes"}}, ErrorCode::kInvalidArgument, "boolean"},
           {{{"focusPatient", "patient-404"}}, ErrorCode::kNotFound, "no twin 'patient-404'"},
           {{{"following", "monitor-1"}}, ErrorCode::kInvalidArgument, "not another viewer"},
           {{{"role", "admin"}}, ErrorCode::kInvalidArgument, "unknown field 'role'"},
       }) {
    Result<json> r = a->Update(c.msg);
    ASSERT_FALSE(r.ok()) << c.msg;
    EXPECT_EQ(r.status().code(), c.code) << c.msg;
    EXPECT_NE(r.status().message().find(c.fragment), std::string::npos) << r.status().message();
  }
  EXPECT_TRUE(PresenceTwins().empty()) << "nothing created by a rejected presence";
  ASSERT_TRUE(a->Update({{"label", "A"}}).ok());
  EXPECT_EQ(a->Update({{"following", a->twin_id()}}).status().code(), ErrorCode::kInvalidArgument);
  for (const auto& [msg, fragment] : std::vector<std::pair<json, std::string>>{
           {{{"x", 1}, {"y", 1}, {"z", 1}, {"heading", 0}}, "'pitch' must be a number"},
           {{{"x", "1"}, {"y", 1}, {"z", 1}, {"heading", 0}, {"pitch", 0}}, "'x' must be a number"},
           {Pose(2e5, 0), "beyond"},
           {Pose(0, 0, 0, 2.0), "outside -pi/2..pi/2"},
           {{{"x", 1}, {"y", 1}, {"z", 1}, {"heading", 0}, {"pitch", 0}, {"roll", 0}},
            "unknown field 'roll'"},
       }) {
    Status s = a->Pose(msg, mono_, NowNs());
    EXPECT_EQ(s.code(), ErrorCode::kInvalidArgument) << msg;
    EXPECT_NE(s.message().find(fragment), std::string::npos) << s.message();
  }
  EXPECT_TRUE(std::isnan(LiveValue(a->twin_id(), "x")));
  EXPECT_EQ(Metric("lj_presence_rejected_total{reason=\"invalid_argument\"}"), 15);
}

TEST_F(PresenceTest, ClosingTheSessionDeletesItsTwin) {
  auto a = service_->NewSession();
  auto b = service_->NewSession();
  ASSERT_TRUE(a->Update({{"label", "A"}}).ok());
  ASSERT_TRUE(b->Update({{"label", "B"}}).ok());
  const std::string a_id = a->twin_id();
  ASSERT_TRUE(a->Pose(Pose(1, 1), mono_, NowNs()).ok());
  const uint64_t epoch = live_->membership_epoch();
  a.reset();
  EXPECT_EQ(graph_->GetTwin(a_id).status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(live_->Find(a_id), nullptr);
  EXPECT_GT(live_->membership_epoch(), epoch) << "subscribers re-resolve and see it leave";
  EXPECT_EQ(PresenceTwins(), std::vector<std::string>{b->twin_id()});
  EXPECT_EQ(Metric("lj_presence_viewers"), 1);
  // A session whose twin was deleted behind its back (REST) announces itself again.
  ASSERT_TRUE(graph_->DeleteTwin(b->twin_id()).ok());
  ASSERT_TRUE(b->Update({{"leading", true}}).ok());
  EXPECT_EQ(PresenceTwins(), std::vector<std::string>{b->twin_id()});
  b.reset();
  EXPECT_TRUE(PresenceTwins().empty());
  EXPECT_EQ(Metric("lj_presence_viewers"), 0);
}

TEST_F(PresenceTest, TwinsLeftByAnEarlierProcessAreRemovedAtOpen) {
  // What a crashed process leaves behind: presence twins in the database that no session owns.
  ASSERT_TRUE(graph_->PutTwin("presence-old1", kPresenceModel, {{"label", "old"}}).ok());
  ASSERT_TRUE(graph_->PutTwin("presence-old2", kPresenceModel, {{"label", "older"}}).ok());
  service_.reset();
  graph_.reset();
  OpenGraph();
  graph_->AddListener(live_.get());
  EXPECT_EQ(PresenceTwins().size(), 2u);
  auto s = PresenceService::Open(*graph_, *pipeline_, metrics_);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ((*s)->stale_removed(), 2u);
  EXPECT_TRUE(PresenceTwins().empty());
  EXPECT_EQ(live_->Find("presence-old1"), nullptr);
  EXPECT_TRUE(graph_->GetTwin("patient-1").ok()) << "only presence twins are removed";
  EXPECT_TRUE(graph_->GetTwin("monitor-1").ok());
  service_ = std::move(s).value();
}

}  // namespace
}  // namespace lj::live
