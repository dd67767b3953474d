// Test helpers for src/graph: a small DTDL v3 model set, a temp directory and a fixture.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "graph/twin_graph.h"
#include "model/model.h"

namespace lj::graph::testing {

inline constexpr const char* kWard = "dtmi:test:Ward;1";
inline constexpr const char* kRoom = "dtmi:test:Room;1";
inline constexpr const char* kBed = "dtmi:test:Bed;1";
inline constexpr const char* kIcuBed = "dtmi:test:IcuBed;1";
inline constexpr const char* kPatient = "dtmi:test:Patient;1";

// Ward contains Room contains Bed; IcuBed extends Bed; Bed occupiedBy Patient (max 1, with a
// property); Room adjacentTo Room (cycles); Patient relatedTo anything.
inline constexpr const char* kTestModels = R"json([
  {
    "@context": "dtmi:dtdl:context;3", "@id": "dtmi:test:Ward;1", "@type": "Interface",
    "displayName": "Ward",
    "contents": [
      {"@type": "Property", "name": "name", "schema": "string"},
      {"@type": "Property", "name": "floor", "schema": "integer"},
      {"@type": "Relationship", "name": "contains", "target": "dtmi:test:Room;1"}
    ]
  },
  {
    "@context": "dtmi:dtdl:context;3", "@id": "dtmi:test:Room;1", "@type": "Interface",
    "contents": [
      {"@type": "Property", "name": "number", "schema": "integer"},
      {"@type": "Relationship", "name": "contains", "target": "dtmi:test:Bed;1"},
      {"@type": "Relationship", "name": "adjacentTo", "target": "dtmi:test:Room;1"}
    ]
  },
  {
    "@context": "dtmi:dtdl:context;3", "@id": "dtmi:test:Bed;1", "@type": "Interface",
    "contents": [
      {"@type": "Property", "name": "label", "schema": "string"},
      {"@type": "Relationship", "name": "occupiedBy", "target": "dtmi:test:Patient;1",
       "maxMultiplicity": 1,
       "properties": [{"@type": "Property", "name": "since", "schema": "string"}]}
    ]
  },
  {
    "@context": "dtmi:dtdl:context;3", "@id": "dtmi:test:IcuBed;1", "@type": "Interface",
    "extends": "dtmi:test:Bed;1",
    "contents": [{"@type": "Property", "name": "ventilator", "schema": "boolean"}]
  },
  {
    "@context": "dtmi:dtdl:context;3", "@id": "dtmi:test:Patient;1", "@type": "Interface",
    "contents": [
      {"@type": "Property", "name": "name", "schema": "string"},
      {"@type": "Property", "name": "age", "schema": "integer"},
      {"@type": "Property", "name": "weightKg", "schema": "double"},
      {"@type": "Property", "name": "allergies", "schema": {"@type": "Array", "elementSchema": "string"}},
      {"@type": "Relationship", "name": "relatedTo"}
    ]
  }
])json";

// A fresh directory under the system temp dir, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    static std::atomic<int> counter{0};
    path_ = std::filesystem::temp_directory_path() /
            ("lj_graph_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string File(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

// Records listener calls as strings, e.g. "upsert bed-1 created", "delete bed-1", "rels bed-1".
class RecordingListener : public GraphListener {
 public:
  void OnTwinUpserted(const Twin& twin, bool created) override {
    events.push_back("upsert " + twin.id +
                     (created ? " created" : " etag=" + std::to_string(twin.etag)));
  }
  void OnTwinDeleted(const std::string& id) override { events.push_back("delete " + id); }
  void OnRelationshipsChanged(const std::string& source) override {
    events.push_back("rels " + source);
  }
  std::vector<std::string> events;
};

class GraphTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Status s = models_.LoadJson(kTestModels, "test_models.json");
    ASSERT_TRUE(s.ok()) << s.ToString();
    s = models_.Resolve();
    ASSERT_TRUE(s.ok()) << s.ToString();
    Reopen();
  }

  void Reopen() {
    graph_.reset();
    auto g = TwinGraph::Open(dir_.File("twins.db"), models_);
    ASSERT_TRUE(g.ok()) << g.status().ToString();
    graph_ = std::move(*g);
  }

  Twin MustPut(const std::string& id, const std::string& model,
               const nlohmann::json& props = nlohmann::json::object()) {
    auto t = graph_->PutTwin(id, model, props);
    EXPECT_TRUE(t.ok()) << t.status().ToString();
    return t.ok() ? *t : Twin{};
  }

  void MustRelate(const std::string& source, const std::string& id, const std::string& name,
                  const std::string& target,
                  const nlohmann::json& props = nlohmann::json::object()) {
    auto r = graph_->PutRelationship(source, id, name, target, props);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
  }

  TempDir dir_;
  model::ModelRegistry models_;
  std::unique_ptr<TwinGraph> graph_;
};

}  // namespace lj::graph::testing
