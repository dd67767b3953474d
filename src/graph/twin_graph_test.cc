#include "graph/twin_graph.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "graph/graph_test_util.h"

namespace lj::graph::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using json = nlohmann::json;

std::vector<std::string> Ids(const std::vector<Twin>& twins) {
  std::vector<std::string> ids;
  for (const Twin& t : twins) ids.push_back(t.id);
  return ids;
}

TEST_F(GraphTest, CrudRoundTrip) {
  auto created = graph_->PutTwin("pat-1", kPatient, {{"name", "Li Wei"}, {"age", 61}});
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  EXPECT_EQ(created->etag, 1u);
  EXPECT_GT(created->updated_ns, 0);

  auto got = graph_->GetTwin("pat-1");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->model, kPatient);
  EXPECT_EQ(got->properties, json({{"name", "Li Wei"}, {"age", 61}}));
  EXPECT_EQ(got->etag, 1u);

  // Replace: properties not given are gone, etag moves on.
  auto replaced = graph_->PutTwin("pat-1", kPatient, {{"weightKg", 72.5}});
  ASSERT_TRUE(replaced.ok());
  EXPECT_EQ(replaced->etag, 2u);
  EXPECT_EQ(graph_->GetTwin("pat-1")->properties, json({{"weightKg", 72.5}}));

  auto again = graph_->PutTwin("pat-1", kPatient, json::object(), /*if_none_match=*/true);
  EXPECT_EQ(again.status().code(), ErrorCode::kAlreadyExists);
  EXPECT_EQ(graph_->GetTwin("pat-1")->etag, 2u);

  EXPECT_EQ(graph_->TwinCount(), 1u);
  ASSERT_TRUE(graph_->DeleteTwin("pat-1").ok());
  EXPECT_EQ(graph_->GetTwin("pat-1").status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(graph_->DeleteTwin("pat-1").code(), ErrorCode::kNotFound);
  EXPECT_EQ(graph_->TwinCount(), 0u);
}

TEST_F(GraphTest, SurvivesReopen) {
  MustPut("ward-a", kWard, {{"name", "A"}, {"floor", 3}});
  MustPut("room-1", kRoom, {{"number", 101}});
  MustRelate("ward-a", "c1", "contains", "room-1");
  ASSERT_TRUE(graph_
                  ->PatchTwin("ward-a", json::parse(R"([{"op":"replace","path":"/floor",
      "value":4}])"))
                  .ok());
  Reopen();
  auto ward = graph_->GetTwin("ward-a");
  ASSERT_TRUE(ward.ok()) << ward.status().ToString();
  EXPECT_EQ(ward->properties, json({{"name", "A"}, {"floor", 4}}));
  EXPECT_EQ(ward->etag, 2u);
  EXPECT_EQ(graph_->TwinCount(), 2u);
  auto rel = graph_->GetRelationship("ward-a", "c1");
  ASSERT_TRUE(rel.ok());
  EXPECT_EQ(rel->name, "contains");
  EXPECT_EQ(rel->target, "room-1");
  // Reopening an existing database runs no migration twice and keeps working.
  Reopen();
  EXPECT_EQ(graph_->TwinCount(), 2u);
}

TEST_F(GraphTest, ListByModelIncludesDerived) {
  MustPut("bed-2", kBed);
  MustPut("bed-1", kIcuBed, {{"ventilator", true}, {"label", "ICU 1"}});
  MustPut("pat-1", kPatient);
  EXPECT_THAT(Ids(*graph_->ListTwins(kBed)), ElementsAre("bed-1", "bed-2"));
  EXPECT_THAT(Ids(*graph_->ListTwins(kBed, /*include_derived=*/false)), ElementsAre("bed-2"));
  EXPECT_THAT(Ids(*graph_->ListTwins(kIcuBed)), ElementsAre("bed-1"));
  EXPECT_THAT(Ids(*graph_->ListTwins()), ElementsAre("bed-1", "bed-2", "pat-1"));
  EXPECT_TRUE(graph_->ListTwins("dtmi:test:Nothing;1")->empty());
}

TEST_F(GraphTest, PatchAddReplaceRemove) {
  MustPut("pat-1", kPatient, {{"name", "A"}, {"age", 40}});
  auto t = graph_->PatchTwin("pat-1", json::parse(R"([
      {"op": "add", "path": "/weightKg", "value": 80.5},
      {"op": "replace", "path": "/age", "value": 41},
      {"op": "remove", "path": "/name"},
      {"op": "add", "path": "/allergies", "value": ["penicillin"]},
      {"op": "add", "path": "/allergies/-", "value": "latex"}])"));
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  json want = {{"age", 41}, {"weightKg", 80.5}, {"allergies", {"penicillin", "latex"}}};
  EXPECT_EQ(t->properties, want);
  EXPECT_EQ(t->etag, 2u);
  EXPECT_EQ(graph_->GetTwin("pat-1")->properties, want);
}

TEST_F(GraphTest, FailingPatchIsAtomic) {
  MustPut("pat-1", kPatient, {{"name", "A"}, {"age", 40}});
  auto t = graph_->PatchTwin("pat-1", json::parse(R"([
      {"op": "replace", "path": "/age", "value": 41},
      {"op": "test", "path": "/name", "value": "B"}])"));
  EXPECT_EQ(t.status().code(), ErrorCode::kPatchFailed);
  EXPECT_THAT(t.status().message(), HasSubstr("patch operation 1 (test /name)"));
  auto now = graph_->GetTwin("pat-1");
  EXPECT_EQ(now->properties, json({{"name", "A"}, {"age", 40}}));
  EXPECT_EQ(now->etag, 1u);

  auto missing = graph_->PatchTwin("pat-1", json::parse(R"([{"op":"remove","path":"/weightKg"}])"));
  EXPECT_EQ(missing.status().code(), ErrorCode::kPatchFailed);
  EXPECT_THAT(missing.status().message(), HasSubstr("patch operation 0 (remove /weightKg)"));

  // A patch whose result breaks the model is rejected as an invalid twin, also atomically.
  auto bad = graph_->PatchTwin("pat-1", json::parse(R"([
      {"op":"add","path":"/weightKg","value":70},
      {"op":"replace","path":"/age","value":"old"}])"));
  EXPECT_EQ(bad.status().code(), ErrorCode::kTwinInvalid);
  EXPECT_THAT(bad.status().message(), HasSubstr("/properties/age"));
  EXPECT_EQ(graph_->GetTwin("pat-1")->etag, 1u);

  EXPECT_EQ(graph_->PatchTwin("pat-1", json::object()).status().code(), ErrorCode::kPatchFailed);
  EXPECT_EQ(graph_->PatchTwin("nobody", json::array()).status().code(), ErrorCode::kNotFound);
  auto model = graph_->PatchTwin("pat-1", json::parse(R"([{"op":"replace",
      "path":"/$metadata/$model","value":"dtmi:test:Bed;1"}])"));
  EXPECT_EQ(model.status().code(), ErrorCode::kPatchFailed);
  EXPECT_THAT(model.status().message(), HasSubstr("PutTwin"));
  EXPECT_EQ(graph_->GetTwin("pat-1")->model, kPatient);
}

TEST_F(GraphTest, RejectsInvalidProperties) {
  auto wrong_type = graph_->PutTwin("pat-1", kPatient, {{"age", "sixty"}});
  EXPECT_EQ(wrong_type.status().code(), ErrorCode::kTwinInvalid);
  EXPECT_THAT(wrong_type.status().message(),
              HasSubstr("twin 'pat-1': /properties/age: expected integer"));

  auto unknown = graph_->PutTwin("pat-1", kPatient, {{"colour", "red"}});
  EXPECT_EQ(unknown.status().code(), ErrorCode::kTwinInvalid);
  EXPECT_EQ(unknown.status().message(),
            "twin 'pat-1': /properties/colour: 'colour' is not a property of dtmi:test:Patient;1");

  auto dollar = graph_->PutTwin("pat-1", kPatient, {{"$dtId", "pat-1"}});
  EXPECT_EQ(dollar.status().code(), ErrorCode::kTwinInvalid);
  EXPECT_THAT(dollar.status().message(), HasSubstr("'$' are reserved"));

  auto not_object = graph_->PutTwin("pat-1", kPatient, json::array());
  EXPECT_EQ(not_object.status().code(), ErrorCode::kTwinInvalid);
  EXPECT_THAT(not_object.status().message(), HasSubstr("must be a JSON object, got array"));

  auto model = graph_->PutTwin("pat-1", "dtmi:test:Nope;1", json::object());
  EXPECT_EQ(model.status().code(), ErrorCode::kTwinInvalid);
  EXPECT_EQ(model.status().message(), "unknown model 'dtmi:test:Nope;1'");

  // Inherited properties are allowed on a derived model; the base's twin lacks derived ones.
  EXPECT_TRUE(graph_->PutTwin("bed-1", kIcuBed, {{"label", "x"}, {"ventilator", false}}).ok());
  EXPECT_EQ(graph_->PutTwin("bed-2", kBed, {{"ventilator", false}}).status().code(),
            ErrorCode::kTwinInvalid);
  EXPECT_EQ(graph_->TwinCount(), 1u);
}

TEST_F(GraphTest, RejectsBadIds) {
  auto empty = graph_->PutTwin("", kPatient, json::object());
  EXPECT_EQ(empty.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(empty.status().message(), "twin id is empty");

  auto space = graph_->PutTwin("bed 1", kBed, json::object());
  EXPECT_EQ(space.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(space.status().message(),
            "twin id 'bed 1' has invalid character ' ' at offset 3 (allowed: A-Z a-z 0-9 . _ : -)");

  auto slash = graph_->PutTwin("a/b", kBed, json::object());
  EXPECT_THAT(slash.status().message(), HasSubstr("invalid character '/' at offset 1"));

  auto ctrl = graph_->PutTwin(std::string("a\nb"), kBed, json::object());
  EXPECT_THAT(ctrl.status().message(), HasSubstr("invalid character 0x0A"));

  EXPECT_TRUE(graph_->PutTwin(std::string(256, 'x'), kBed, json::object()).ok());
  auto long_id = graph_->PutTwin(std::string(257, 'x'), kBed, json::object());
  EXPECT_EQ(long_id.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(long_id.status().message(), "twin id is 257 characters long; the limit is 256");
  EXPECT_TRUE(graph_->PutTwin("Ward-A.room_1:bed-2", kBed, json::object()).ok());
}

TEST_F(GraphTest, ListenersSeeCommitsInOrder) {
  RecordingListener rec;
  graph_->AddListener(&rec);
  MustPut("bed-1", kBed);
  MustPut("pat-1", kPatient);
  MustRelate("bed-1", "occ", "occupiedBy", "pat-1");
  ASSERT_TRUE(
      graph_->PatchTwin("bed-1", json::parse(R"([{"op":"add","path":"/label","value":"B1"}])"))
          .ok());
  MustPut("bed-1", kBed, {{"label", "B1'"}});
  // Failed mutations are not reported.
  EXPECT_FALSE(graph_->PutTwin("pat-1", kPatient, {{"age", "x"}}).ok());
  EXPECT_FALSE(graph_->DeleteTwin("pat-1").ok());
  ASSERT_TRUE(graph_->DeleteRelationship("bed-1", "occ").ok());
  ASSERT_TRUE(graph_->DeleteTwin("pat-1").ok());
  EXPECT_THAT(rec.events, ElementsAre("upsert bed-1 created", "upsert pat-1 created", "rels bed-1",
                                      "upsert bed-1 etag=2", "upsert bed-1 etag=3", "rels bed-1",
                                      "delete pat-1"));
}

TEST_F(GraphTest, OpenFailsCleanlyOnUnusablePath) {
  auto g = TwinGraph::Open(dir_.File("missing-dir/twins.db"), models_);
  EXPECT_EQ(g.status().code(), ErrorCode::kStorage);
  EXPECT_THAT(g.status().message(), HasSubstr("missing-dir/twins.db"));
}

}  // namespace
}  // namespace lj::graph::testing
