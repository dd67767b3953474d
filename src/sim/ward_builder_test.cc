#include "sim/ward_builder.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <set>

#include "model/model.h"

namespace lj::sim {
namespace {

class WardBuilderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("lj_sim_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    for (const auto& [name, text] : model::BuiltinWardModels()) {
      ASSERT_TRUE(models_.LoadJson(text, name).ok()) << name;
    }
    Status s = models_.Resolve();
    ASSERT_TRUE(s.ok()) << s.ToString();
    auto g = graph::TwinGraph::Open((dir_ / "graph.db").string(), models_);
    ASSERT_TRUE(g.ok()) << g.status().ToString();
    graph_ = std::move(*g);
  }
  void TearDown() override {
    graph_.reset();
    std::filesystem::remove_all(dir_);
  }

  size_t Count(const char* model) {
    auto r = graph_->ListTwins(model);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? r->size() : 0;
  }

  std::filesystem::path dir_;
  model::ModelRegistry models_;
  std::unique_ptr<graph::TwinGraph> graph_;
};

TEST_F(WardBuilderTest, BuildsTheWard) {
  WardLayout layout;
  Status s = BuildWard(*graph_, layout);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(Count("dtmi:lingjing:ward:Hospital;1"), 1u);
  EXPECT_EQ(Count("dtmi:lingjing:ward:Ward;1"), 1u);
  EXPECT_EQ(Count("dtmi:lingjing:ward:Room;1"), 12u);
  EXPECT_EQ(Count("dtmi:lingjing:ward:Bed;1"), 24u);
  EXPECT_EQ(Count("dtmi:lingjing:ward:Patient;1"), 24u);
  EXPECT_EQ(Count("dtmi:lingjing:ward:BedsideMonitor;1"), 24u);
  EXPECT_EQ(graph_->TwinCount(), 86u);

  // What the demo page subscribes to: the ward and everything below it.
  auto sub = graph_->Traverse("ward-a", {"contains", "occupiedBy", "hasDevice"});
  ASSERT_TRUE(sub.ok());
  EXPECT_EQ(sub->size(), 1u + 12 + 24 + 24 + 24);

  auto bed = graph_->GetTwin("bed-a01");
  ASSERT_TRUE(bed.ok());
  EXPECT_EQ(bed->properties["label"], "A01");
  EXPECT_TRUE(bed->properties["position"].contains("x"));
  auto rels = graph_->ListRelationships("bed-a24");
  ASSERT_TRUE(rels.ok());
  std::set<std::string> targets;
  for (const auto& r : *rels) targets.insert(r.name + ":" + r.target);
  EXPECT_EQ(targets, (std::set<std::string>{"occupiedBy:patient-a24", "hasDevice:monitor-a24"}));
  auto room = graph_->GetRelationship("room-a12", "contains-bed-a24");
  EXPECT_TRUE(room.ok());
  auto contains = graph_->GetRelationship("ward-a", "contains-room-a01");
  EXPECT_TRUE(contains.ok());
  auto monitor = graph_->GetRelationship("bed-a03", "hasDevice-monitor-a03");
  EXPECT_TRUE(monitor.ok());

  // Patients: plausible and distinct; two on SpO2 scale 2.
  std::set<std::string> mrns;
  int scale2 = 0;
  for (int i = 1; i <= 24; ++i) {
    auto p = graph_->GetTwin(fmt::format("patient-a{:02d}", i));
    ASSERT_TRUE(p.ok());
    mrns.insert(p->properties["mrn"].get<std::string>());
    EXPECT_FALSE(p->properties["name"].get<std::string>().empty());
    EXPECT_EQ(p->properties["birthDate"].get<std::string>().size(), 10u);
    if (p->properties["spo2Scale"] == 2) ++scale2;
  }
  EXPECT_EQ(mrns.size(), 24u);
  EXPECT_EQ(scale2, 2);
}

TEST_F(WardBuilderTest, IsIdempotentAndKeepsEdits) {
  WardLayout layout;
  ASSERT_TRUE(BuildWard(*graph_, layout).ok());
  auto before = graph_->GetTwin("patient-a05");
  ASSERT_TRUE(before.ok());
  auto patched = graph_->PatchTwin(
      "patient-a05", nlohmann::json::parse(R"([{"op":"replace","path":"/name","value":"X Y"}])"));
  ASSERT_TRUE(patched.ok()) << patched.status().ToString();

  Status s = BuildWard(*graph_, layout);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(graph_->TwinCount(), 86u);
  auto after = graph_->GetTwin("patient-a05");
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->properties["name"], "X Y");
  EXPECT_EQ(after->etag, patched->etag);
  auto rels = graph_->ListRelationships("bed-a05");
  ASSERT_TRUE(rels.ok());
  EXPECT_EQ(rels->size(), 2u);
}

TEST_F(WardBuilderTest, OtherLayouts) {
  WardLayout layout;
  layout.beds = 5;
  layout.beds_per_room = 4;
  layout.ward_id = "ward-b";
  layout.ward_name = "Ward B";
  ASSERT_TRUE(BuildWard(*graph_, layout).ok());
  EXPECT_EQ(Count("dtmi:lingjing:ward:Room;1"), 2u);
  EXPECT_TRUE(graph_->GetTwin("monitor-b05").ok());
  EXPECT_TRUE(graph_->GetRelationship("room-b02", "contains-bed-b05").ok());
}

TEST(WardRoster, IdsAndSimulatorOptions) {
  WardLayout layout;
  const std::vector<std::string> ids = MonitorIds(layout);
  ASSERT_EQ(ids.size(), 24u);
  EXPECT_EQ(ids.front(), "monitor-a01");
  EXPECT_EQ(ids.back(), "monitor-a24");
  const Simulator::Options o = SimulatorOptionsFor(layout);
  EXPECT_EQ(o.monitors, ids);
  EXPECT_EQ(o.spo2_scale2_monitors, (std::vector<std::string>{"monitor-a07", "monitor-a19"}));
  // Deterministic.
  EXPECT_EQ(MakePatient(layout, 3).name, MakePatient(layout, 3).name);
  EXPECT_EQ(MakePatient(layout, 3).mrn, MakePatient(layout, 3).mrn);
}

}  // namespace
}  // namespace lj::sim
