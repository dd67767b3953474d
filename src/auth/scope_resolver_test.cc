#include "auth/scope_resolver.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>

namespace lj::auth {
namespace {

const std::string kNs = "dtmi:lingjing:ward:";

bool Has(const std::vector<std::string>& v, const std::string& x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

// hospital contains ward-a, ward-b. ward-a: room-a1 with bed-a01 (patient-a01, monitor-a01) and
// bed-a02 (patient-a02, monitor-a02), room sensor sensor-a1; patient-a01 wears patch-a01.
// ward-b: room-b1 with bed-b01 (patient-b01, monitor-b01). spare-monitor is attached nowhere.
class ScopeResolverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const auto& [name, text] : model::BuiltinWardModels())
      ASSERT_TRUE(models_.LoadJson(text, name).ok());
    ASSERT_TRUE(models_.Resolve().ok());
    static std::atomic<int> n{0};
    dir_ = std::filesystem::temp_directory_path() /
           ("lj_scope_test_" + std::to_string(::getpid()) + "_" + std::to_string(n++));
    std::filesystem::create_directories(dir_);
    Result<std::unique_ptr<graph::TwinGraph>> g =
        graph::TwinGraph::Open((dir_ / "twins.db").string(), models_);
    ASSERT_TRUE(g.ok()) << g.status().ToString();
    graph_ = std::move(g).value();
    Twin("hospital", "Hospital");
    for (const char* w : {"a", "b"}) {
      const std::string ward = std::string("ward-") + w, room = std::string("room-") + w + "1";
      Twin(ward, "Ward");
      Rel("hospital", "contains", ward);
      Twin(room, "Room");
      Rel(ward, "contains", room);
    }
    for (const char* b : {"a01", "a02", "b01"}) {
      const std::string bed = std::string("bed-") + b, patient = std::string("patient-") + b,
                        monitor = std::string("monitor-") + b;
      Twin(bed, "Bed");
      Twin(patient, "Patient");
      Twin(monitor, "BedsideMonitor");
      Rel(std::string("room-") + b[0] + "1", "contains", bed);
      Rel(bed, "occupiedBy", patient);
      Rel(bed, "hasDevice", monitor);
    }
    Twin("patch-a01", "WearableEcgPatch");
    Rel("patient-a01", "wears", "patch-a01");
    Twin("sensor-a1", "RoomSensor");
    Rel("room-a1", "hasSensor", "sensor-a1");
    Twin("spare-monitor", "BedsideMonitor");
    resolver_ = std::make_unique<GraphScopeResolver>(*graph_, &models_);
    graph_->AddListener(resolver_.get());
  }
  void TearDown() override {
    graph_.reset();
    resolver_.reset();
    std::filesystem::remove_all(dir_);
  }
  void Twin(const std::string& id, const std::string& model) {
    Result<graph::Twin> t = graph_->PutTwin(id, kNs + model + ";1", nlohmann::json::object());
    ASSERT_TRUE(t.ok()) << id << ": " << t.status().ToString();
  }
  void Rel(const std::string& source, const std::string& name, const std::string& target) {
    Result<graph::Relationship> r =
        graph_->PutRelationship(source, name + "-" + target, name, target);
    ASSERT_TRUE(r.ok()) << source << " " << name << " " << target << ": " << r.status().ToString();
  }
  TwinScope Scope(const std::string& id) {
    Result<std::shared_ptr<const TwinScope>> s = resolver_->Resolve(id);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return s.ok() ? **s : TwinScope{};
  }

  std::filesystem::path dir_;
  model::ModelRegistry models_;
  std::unique_ptr<graph::TwinGraph> graph_;
  std::unique_ptr<GraphScopeResolver> resolver_;
};

TEST_F(ScopeResolverTest, BedsideDeviceBelongsToTheBedsPatientAndWard) {
  TwinScope s = Scope("monitor-a01");
  EXPECT_TRUE(s.exists);
  EXPECT_EQ(s.twin, "monitor-a01");
  EXPECT_EQ(s.wards, std::vector<std::string>{"ward-a"});
  EXPECT_EQ(s.patient, "patient-a01");
  ASSERT_FALSE(s.ancestors.empty());
  EXPECT_EQ(s.ancestors.front(), "bed-a01");
  EXPECT_TRUE(Has(s.ancestors, "room-a1") && Has(s.ancestors, "ward-a") &&
              Has(s.ancestors, "hospital"));
  EXPECT_FALSE(s.above_wards);
  EXPECT_EQ(Scope("monitor-b01").patient, "patient-b01");
  EXPECT_EQ(Scope("monitor-b01").wards, std::vector<std::string>{"ward-b"});
}

TEST_F(ScopeResolverTest, PatientsBedsWornDevicesRoomsAndStructure) {
  TwinScope patient = Scope("patient-a01");
  EXPECT_EQ(patient.patient, "patient-a01");
  EXPECT_EQ(patient.wards, std::vector<std::string>{"ward-a"});
  EXPECT_TRUE(Has(patient.ancestors, "bed-a01"));
  TwinScope patch = Scope("patch-a01");
  EXPECT_EQ(patch.patient, "patient-a01");
  EXPECT_EQ(patch.wards, std::vector<std::string>{"ward-a"});
  EXPECT_EQ(patch.ancestors.front(), "patient-a01");
  EXPECT_EQ(Scope("bed-a02").patient, "patient-a02");
  TwinScope room = Scope("room-a1");
  EXPECT_EQ(room.patient, "");
  EXPECT_EQ(room.wards, std::vector<std::string>{"ward-a"});
  TwinScope sensor = Scope("sensor-a1");
  EXPECT_EQ(sensor.patient, "");
  EXPECT_EQ(sensor.wards, std::vector<std::string>{"ward-a"});
  TwinScope ward = Scope("ward-a");
  EXPECT_EQ(ward.wards, std::vector<std::string>{"ward-a"});
  EXPECT_FALSE(ward.above_wards);
  TwinScope hospital = Scope("hospital");
  EXPECT_TRUE(hospital.wards.empty());
  EXPECT_TRUE(hospital.above_wards);
  EXPECT_TRUE(hospital.ancestors.empty());
  TwinScope spare = Scope("spare-monitor");
  EXPECT_TRUE(spare.exists);
  EXPECT_TRUE(spare.wards.empty() && spare.patient.empty() && !spare.above_wards);
  TwinScope ghost = Scope("no-such-twin");
  EXPECT_FALSE(ghost.exists);
  EXPECT_TRUE(ghost.wards.empty() && ghost.patient.empty());
}

TEST_F(ScopeResolverTest, CachesAndPropertyPatchesKeepTheCache) {
  Scope("monitor-a01");
  const uint64_t misses = resolver_->misses();
  Scope("monitor-a01");
  Scope("monitor-a01");
  EXPECT_EQ(resolver_->misses(), misses);
  EXPECT_EQ(resolver_->hits(), 2u);
  ASSERT_TRUE(graph_
                  ->PatchTwin("patient-a01",
                              nlohmann::json::parse(R"([{"op":"add","path":"/name","value":"X"}])"))
                  .ok());
  Scope("monitor-a01");
  EXPECT_EQ(resolver_->misses(), misses) << "a property patch must not drop the cache";
}

TEST_F(ScopeResolverTest, GraphChangesMovePatientsAndTwins) {
  ASSERT_EQ(Scope("monitor-a01").patient, "patient-a01");
  ASSERT_EQ(Scope("patient-a01").wards, std::vector<std::string>{"ward-a"});
  // Discharge from bed-a01: the monitor belongs to nobody, the patient to no ward.
  ASSERT_TRUE(graph_->DeleteRelationship("bed-a01", "occupiedBy-patient-a01").ok());
  EXPECT_EQ(Scope("monitor-a01").patient, "");
  EXPECT_TRUE(Scope("patient-a01").wards.empty());
  EXPECT_EQ(Scope("patch-a01").patient, "patient-a01") << "still worn";
  // Transfer to a new bed in ward-b.
  Twin("bed-b02", "Bed");
  Rel("room-b1", "contains", "bed-b02");
  Rel("bed-b02", "occupiedBy", "patient-a01");
  EXPECT_EQ(Scope("patient-a01").wards, std::vector<std::string>{"ward-b"});
  EXPECT_EQ(Scope("patch-a01").wards, std::vector<std::string>{"ward-b"});
  // A twin cached as unknown appears once created.
  EXPECT_FALSE(Scope("monitor-new").exists);
  Twin("monitor-new", "BedsideMonitor");
  EXPECT_TRUE(Scope("monitor-new").exists);
}

TEST_F(ScopeResolverTest, PolicyOverResolvedScopes) {
  Principal nurse;
  nurse.name = "nurse";
  nurse.role = Role::kClinician;
  nurse.wards = {"ward-a"};
  EXPECT_TRUE(Decide(nurse, Action::kReadHistory, Scope("monitor-a01")));
  EXPECT_TRUE(Decide(nurse, Action::kReadRecord, Scope("patient-a02")));
  EXPECT_FALSE(Decide(nurse, Action::kReadHistory, Scope("monitor-b01")));
  EXPECT_TRUE(Decide(nurse, Action::kReadTwin, Scope("hospital")));
  EXPECT_FALSE(Decide(nurse, Action::kReadTwin, Scope("spare-monitor")));
  Principal family;
  family.name = "family";
  family.role = Role::kViewer;
  family.patient = "patient-a01";
  EXPECT_TRUE(Decide(family, Action::kReadLive, Scope("monitor-a01")));
  EXPECT_TRUE(Decide(family, Action::kReadLive, Scope("patch-a01")));
  EXPECT_FALSE(Decide(family, Action::kReadLive, Scope("monitor-a02")));
  EXPECT_FALSE(Decide(family, Action::kReadLive, Scope("room-a1")));
  Principal gateway;
  gateway.kind = PrincipalKind::kDevice;
  gateway.role = Role::kDevice;
  gateway.name = "bed-a01 gateway";
  gateway.twins = {"bed-a01"};
  gateway.twin_descendants = true;
  EXPECT_TRUE(Decide(gateway, Action::kWriteTelemetry, Scope("monitor-a01")));
  EXPECT_FALSE(Decide(gateway, Action::kWriteTelemetry, Scope("monitor-a02")));
}

}  // namespace
}  // namespace lj::auth
