#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "graph/graph_test_util.h"
#include "graph/twin_graph.h"

namespace lj::graph::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using json = nlohmann::json;

class RelationshipTest : public GraphTest {
 protected:
  void SetUp() override {
    GraphTest::SetUp();
    MustPut("ward-a", kWard);
    MustPut("room-1", kRoom);
    MustPut("room-2", kRoom);
    MustPut("bed-1", kBed);
    MustPut("bed-2", kIcuBed);
    MustPut("pat-1", kPatient);
    MustPut("pat-2", kPatient);
  }
};

TEST_F(RelationshipTest, CreateGetListDelete) {
  auto r = graph_->PutRelationship("bed-1", "occ", "occupiedBy", "pat-1",
                                   {{"since", "2026-11-23T10:00:00Z"}});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->source, "bed-1");
  MustRelate("room-1", "b2", "contains", "bed-2");  // IcuBed is a Bed
  MustRelate("room-1", "b1", "contains", "bed-1");

  auto got = graph_->GetRelationship("bed-1", "occ");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->name, "occupiedBy");
  EXPECT_EQ(got->target, "pat-1");
  EXPECT_EQ(got->properties, json({{"since", "2026-11-23T10:00:00Z"}}));

  auto out = graph_->ListRelationships("room-1");
  ASSERT_TRUE(out.ok());
  ASSERT_EQ(out->size(), 2u);
  EXPECT_EQ((*out)[0].id, "b1");
  EXPECT_EQ((*out)[1].id, "b2");
  auto in = graph_->IncomingRelationships("pat-1");
  ASSERT_TRUE(in.ok());
  ASSERT_EQ(in->size(), 1u);
  EXPECT_EQ((*in)[0].source, "bed-1");
  EXPECT_TRUE(graph_->IncomingRelationships("ward-a")->empty());
  EXPECT_EQ(graph_->ListRelationships("ghost").status().code(), ErrorCode::kNotFound);

  ASSERT_TRUE(graph_->DeleteRelationship("bed-1", "occ").ok());
  EXPECT_EQ(graph_->GetRelationship("bed-1", "occ").status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(graph_->DeleteRelationship("bed-1", "occ").code(), ErrorCode::kNotFound);
}

TEST_F(RelationshipTest, EnforcesModelRules) {
  auto unknown = graph_->PutRelationship("bed-1", "r1", "locatedIn", "room-1");
  EXPECT_EQ(unknown.status().code(), ErrorCode::kRelationshipInvalid);
  EXPECT_EQ(unknown.status().message(),
            "relationship 'r1' of twin 'bed-1': model 'dtmi:test:Bed;1' declares no "
            "relationship 'locatedIn'");

  auto wrong_target = graph_->PutRelationship("bed-1", "r1", "occupiedBy", "room-1");
  EXPECT_EQ(wrong_target.status().code(), ErrorCode::kRelationshipInvalid);
  EXPECT_THAT(wrong_target.status().message(),
              HasSubstr("'occupiedBy' must target a 'dtmi:test:Patient;1', but twin 'room-1' is "
                        "a 'dtmi:test:Room;1'"));

  auto no_target = graph_->PutRelationship("bed-1", "r1", "occupiedBy", "pat-9");
  EXPECT_EQ(no_target.status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(no_target.status().message(), "no target twin 'pat-9'");
  auto no_source = graph_->PutRelationship("bed-9", "r1", "occupiedBy", "pat-1");
  EXPECT_EQ(no_source.status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(no_source.status().message(), "no source twin 'bed-9'");

  auto bad_prop = graph_->PutRelationship("bed-1", "r1", "occupiedBy", "pat-1", {{"since", 5}});
  EXPECT_EQ(bad_prop.status().code(), ErrorCode::kRelationshipInvalid);
  EXPECT_THAT(bad_prop.status().message(), HasSubstr("/properties/since"));
  auto extra_prop = graph_->PutRelationship("bed-1", "r1", "occupiedBy", "pat-1", {{"bay", 2}});
  EXPECT_EQ(extra_prop.status().code(), ErrorCode::kRelationshipInvalid);
  EXPECT_THAT(extra_prop.status().message(), HasSubstr("'bay' is not a property of"));

  auto bad_id = graph_->PutRelationship("bed-1", "r 1", "occupiedBy", "pat-1");
  EXPECT_EQ(bad_id.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_THAT(bad_id.status().message(), HasSubstr("relationship id 'r 1'"));

  // An untargeted relationship accepts any twin.
  MustRelate("pat-1", "rel", "relatedTo", "ward-a");
  EXPECT_EQ(graph_->ListRelationships("bed-1")->size(), 0u);
}

TEST_F(RelationshipTest, EnforcesMaxMultiplicity) {
  MustRelate("bed-1", "occ", "occupiedBy", "pat-1");
  auto second = graph_->PutRelationship("bed-1", "occ2", "occupiedBy", "pat-2");
  EXPECT_EQ(second.status().code(), ErrorCode::kRelationshipInvalid);
  EXPECT_THAT(second.status().message(),
              HasSubstr("already has 1 'occupiedBy' relationship(s); maxMultiplicity is 1"));
  // Replacing the same relationship id is fine (it does not count against itself).
  MustRelate("bed-1", "occ", "occupiedBy", "pat-2");
  auto rels = graph_->ListRelationships("bed-1");
  ASSERT_EQ(rels->size(), 1u);
  EXPECT_EQ((*rels)[0].target, "pat-2");
  EXPECT_TRUE(graph_->IncomingRelationships("pat-1")->empty());
  // Inherited relationships keep their multiplicity.
  MustRelate("bed-2", "occ", "occupiedBy", "pat-1");
  EXPECT_FALSE(graph_->PutRelationship("bed-2", "occ-b", "occupiedBy", "pat-2").ok());
}

TEST_F(RelationshipTest, DeleteBlockedByRelationships) {
  MustRelate("room-1", "b1", "contains", "bed-1");
  auto out = graph_->DeleteTwin("room-1");
  EXPECT_EQ(out.code(), ErrorCode::kTwinHasRelationships);
  EXPECT_EQ(out.message(),
            "twin 'room-1' has 1 outgoing and 0 incoming relationship(s); delete them first");
  EXPECT_EQ(graph_->DeleteTwin("bed-1").code(), ErrorCode::kTwinHasRelationships);
  ASSERT_TRUE(graph_->DeleteRelationship("room-1", "b1").ok());
  EXPECT_TRUE(graph_->DeleteTwin("bed-1").ok());
  EXPECT_TRUE(graph_->DeleteTwin("room-1").ok());
}

TEST_F(RelationshipTest, ModelChangeMustKeepRelationshipsValid) {
  MustRelate("room-1", "b2", "contains", "bed-2");
  MustRelate("bed-2", "occ", "occupiedBy", "pat-1");
  // IcuBed -> Bed keeps both relationships valid.
  EXPECT_TRUE(graph_->PutTwin("bed-2", kBed, json::object()).ok());
  // Bed -> Patient breaks both.
  auto broken = graph_->PutTwin("bed-2", kPatient, json::object());
  EXPECT_EQ(broken.status().code(), ErrorCode::kTwinInvalid);
  EXPECT_THAT(broken.status().message(),
              HasSubstr("cannot change twin 'bed-2' to model 'dtmi:test:Patient;1'"));
  EXPECT_EQ(graph_->GetTwin("bed-2")->model, kBed);
}

TEST_F(RelationshipTest, TraverseBreadthFirstWithCycles) {
  MustRelate("ward-a", "r1", "contains", "room-1");
  MustRelate("ward-a", "r2", "contains", "room-2");
  MustRelate("room-1", "adj", "adjacentTo", "room-2");
  MustRelate("room-2", "adj", "adjacentTo", "room-1");  // cycle
  MustRelate("room-1", "b1", "contains", "bed-1");
  MustRelate("room-2", "b2", "contains", "bed-2");
  MustRelate("bed-1", "occ", "occupiedBy", "pat-1");
  MustRelate("pat-1", "back", "relatedTo", "ward-a");  // cycle to the root

  auto all = graph_->Traverse("ward-a");
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  EXPECT_THAT(*all, ElementsAre("ward-a", "room-1", "room-2", "bed-1", "bed-2", "pat-1"));

  EXPECT_THAT(*graph_->Traverse("ward-a", {"contains"}),
              ElementsAre("ward-a", "room-1", "room-2", "bed-1", "bed-2"));
  EXPECT_THAT(*graph_->Traverse("room-1", {"adjacentTo"}), ElementsAre("room-1", "room-2"));
  EXPECT_THAT(*graph_->Traverse("ward-a", {}, 1), ElementsAre("ward-a", "room-1", "room-2"));
  EXPECT_THAT(*graph_->Traverse("ward-a", {}, 0), ElementsAre("ward-a"));
  EXPECT_THAT(*graph_->Traverse("pat-1", {}, 2),
              ElementsAre("pat-1", "ward-a", "room-1", "room-2"));
  EXPECT_EQ(graph_->Traverse("ward-a", {}, -1).status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(graph_->Traverse("ghost").status().code(), ErrorCode::kNotFound);
}

}  // namespace
}  // namespace lj::graph::testing
