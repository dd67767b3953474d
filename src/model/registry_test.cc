// ModelRegistry behaviour on valid models: inheritance, inline interfaces, schemas, contexts,
// incremental loading and file loading.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "model/model.h"
#include "model/testing/model_test_util.h"

namespace lj::model {
namespace {

using testing::Doc;
using ::testing::ElementsAre;
using testing::LoadAll;

TEST(Registry, DiamondInheritanceIsNoDuplicate) {
  ModelRegistry r;
  Status st = LoadAll(
      r, {{"a.json", Doc("dtmi:test:A;1",
                         R"("contents": [{"@type": "Property", "name": "p", "schema": "long"}])")},
          {"b.json", Doc("dtmi:test:B;1", R"("extends": "dtmi:test:A;1")")},
          {"c.json", Doc("dtmi:test:C;1", R"("extends": "dtmi:test:A;1")")},
          {"d.json", Doc("dtmi:test:D;1", R"("extends": ["dtmi:test:B;1", "dtmi:test:C;1"])")}});
  ASSERT_TRUE(st.ok()) << st.message();
  const Interface* d = r.Find("dtmi:test:D;1");
  ASSERT_NE(d, nullptr);
  EXPECT_THAT(d->extends, ElementsAre("dtmi:test:B;1", "dtmi:test:C;1"));
  EXPECT_THAT(d->ancestors, ElementsAre("dtmi:test:B;1", "dtmi:test:A;1", "dtmi:test:C;1"));
  EXPECT_EQ(d->properties.size(), 1u);
  EXPECT_TRUE(d->IsA("dtmi:test:A;1"));
  EXPECT_EQ(r.DerivedFrom("dtmi:test:B;1").size(), 2u);
}

TEST(Registry, InlineInterfacesAreRegistered) {
  ModelRegistry r;
  std::string doc = Doc("dtmi:test:Outer;1", R"(
      "extends": {"@id": "dtmi:test:InlineBase;1", "@type": "Interface",
                  "contents": [{"@type": "Telemetry", "name": "t", "schema": "float"}]},
      "contents": [{"@type": "Component", "name": "part",
                    "schema": {"@id": "dtmi:test:InlinePart;1", "@type": "Interface",
                               "contents": [{"@type": "Telemetry", "name": "u",
                                             "schema": "double"}]}}])");
  ASSERT_TRUE(LoadAll(r, {{"outer.json", doc}}).ok());
  EXPECT_EQ(r.All().size(), 3u);
  const Interface* outer = r.Find("dtmi:test:Outer;1");
  ASSERT_NE(outer, nullptr);
  EXPECT_GE(outer->FindTelemetry("t"), 0);
  EXPECT_GE(outer->FindTelemetry("part.u"), 0);
  ASSERT_NE(r.Find("dtmi:test:InlinePart;1"), nullptr);
  EXPECT_EQ(r.Find("dtmi:test:InlinePart;1")->source_file, "outer.json");
}

TEST(Registry, InlineInterfaceErrorsPointIntoTheParent) {
  ModelRegistry r;
  std::string doc = Doc("dtmi:test:Outer;1", R"(
      "extends": [{"@id": "dtmi:test:InlineBase;1", "@type": "Interface",
                   "contents": [{"@type": "Telemetry", "name": "t", "schema": "flaot"}]}])");
  Status st = r.LoadJson(doc, "outer.json");
  EXPECT_EQ(st.message(), "outer.json: /extends/0/contents/0/schema: unknown schema 'flaot'");
}

TEST(Registry, InterfaceSchemasAreSharedByReference) {
  ModelRegistry r;
  std::string doc = Doc("dtmi:test:A;1", R"(
      "contents": [
        {"@type": "Telemetry", "name": "a", "schema": "dtmi:test:A:vec;1"},
        {"@type": "Property", "name": "b", "writable": true, "schema": "dtmi:test:A:byName;1"}],
      "schemas": [
        {"@id": "dtmi:test:A:byName;1", "@type": "Map",
         "mapKey": {"name": "name", "schema": "string"},
         "mapValue": {"name": "value", "schema": "dtmi:test:A:vec;1"}},
        {"@id": "dtmi:test:A:vec;1", "@type": "Object",
         "fields": [{"name": "x", "schema": "double"}, {"name": "y", "schema": "double"}]}])");
  ASSERT_TRUE(LoadAll(r, {{"a.json", doc}}).ok());
  const Interface* a = r.Find("dtmi:test:A;1");
  ASSERT_NE(a, nullptr);
  const SchemaPtr& vec = a->telemetry[0].schema;
  EXPECT_EQ(vec->id, "dtmi:test:A:vec;1");
  const Property* b = a->FindProperty("b");
  ASSERT_NE(b, nullptr);
  EXPECT_TRUE(b->writable);
  ASSERT_EQ(b->schema->kind, SchemaKind::kMap);
  EXPECT_EQ(b->schema->map_value, vec);  // one shared definition
  EXPECT_TRUE(ValidateJson(*b->schema, {{"home", {{"x", 1}, {"y", 2}}}}, "/b").ok());
}

TEST(Registry, ContextsVersionsAndLocalizedStrings) {
  ModelRegistry r;
  Status st = LoadAll(
      r, {{"v2.json", Doc("dtmi:test:Old;2", R"("contents": [{"@type": ["Telemetry",
              "Temperature"], "name": "t", "schema": "double", "unit": "degreeCelsius"}])",
                          R"("dtmi:dtdl:context;2")")},
          {"minor.json", Doc("dtmi:test:Minor;1.5", R"("displayName": {"de": "Bett", "en": "Bed"},
              "description": {"fr": "Lit"}, "comment": "for authors")")},
          {"noversion.json", Doc("dtmi:test:NoVersion")}});
  ASSERT_TRUE(st.ok()) << st.message();
  EXPECT_EQ(r.Find("dtmi:test:Old;2")->telemetry[0].unit, "degreeCelsius");
  EXPECT_EQ(r.Find("dtmi:test:Minor;1.5")->display_name, "Bed");
  EXPECT_EQ(r.Find("dtmi:test:Minor;1.5")->description, "Lit");
  EXPECT_NE(r.Find("dtmi:test:NoVersion"), nullptr);
}

TEST(Registry, CommandsAndRelationshipProperties) {
  ModelRegistry r;
  std::string doc = Doc("dtmi:test:A;1", R"("contents": [
      {"@type": "Command", "name": "silenceAlarm",
       "request": {"name": "seconds", "schema": "integer"},
       "response": {"name": "until", "schema": "dateTime"}},
      {"@type": "Relationship", "name": "assignedTo", "maxMultiplicity": 3, "writable": true,
       "properties": [{"@type": "Property", "name": "since", "schema": "dateTime"}]}])");
  ASSERT_TRUE(LoadAll(r, {{"a.json", doc}}).ok());
  const Interface* a = r.Find("dtmi:test:A;1");
  const Relationship* rel = a->FindRelationship("assignedTo");
  ASSERT_NE(rel, nullptr);
  EXPECT_EQ(rel->target, "");
  EXPECT_EQ(rel->max_multiplicity, 3);
  ASSERT_EQ(rel->properties.size(), 1u);
  EXPECT_EQ(rel->properties[0].schema->primitive, Primitive::kDateTime);
  EXPECT_EQ(a->FindProperty("silenceAlarm"), nullptr);  // commands are not kept

  // A command name still takes part in the name-uniqueness rule.
  ModelRegistry r2;
  std::string clash = Doc("dtmi:test:B;1", R"("contents": [
      {"@type": "Command", "name": "x"}, {"@type": "Telemetry", "name": "x", "schema": "double"}])");
  EXPECT_EQ(r2.LoadJson(clash, "b.json").message(),
            "b.json: /contents/1/name: duplicate name 'x' (also at /contents/0)");
}

TEST(Registry, IncrementalResolveKeepsEarlierPointers) {
  ModelRegistry r;
  ASSERT_TRUE(LoadAll(r, {{"a.json", Doc("dtmi:test:A;1")}}).ok());
  const Interface* a = r.Find("dtmi:test:A;1");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(r.Find("dtmi:test:B;1"), nullptr);
  ASSERT_TRUE(r.LoadJson(Doc("dtmi:test:B;1", R"("extends": "dtmi:test:A;1")"), "b.json").ok());
  EXPECT_EQ(r.Find("dtmi:test:B;1"), nullptr);  // not before Resolve()
  ASSERT_TRUE(r.Resolve().ok());
  EXPECT_EQ(r.Find("dtmi:test:A;1"), a);
  EXPECT_TRUE(r.Find("dtmi:test:B;1")->IsA("dtmi:test:A;1"));
  // Re-adding a resolved @id is still a duplicate.
  EXPECT_EQ(r.LoadJson(Doc("dtmi:test:A;1"), "again.json").code(), ErrorCode::kModelDuplicate);
}

class RegistryFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("lj_model_test_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
            "_" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_ / "sub");
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  void Write(const std::string& rel, const std::string& text) { std::ofstream(dir_ / rel) << text; }
  std::filesystem::path dir_;
};

TEST_F(RegistryFiles, LoadDirectoryRecursesInSortedOrder) {
  Write("b.json", Doc("dtmi:test:B;1", R"("extends": "dtmi:test:A;1")"));
  Write("sub/a.json", Doc("dtmi:test:A;1"));
  Write("notes.txt", "not a model");
  ModelRegistry r;
  ASSERT_TRUE(r.LoadDirectory(dir_.string()).ok());
  ASSERT_TRUE(r.Resolve().ok());
  EXPECT_EQ(r.All().size(), 2u);
  EXPECT_EQ(r.Find("dtmi:test:A;1")->source_file, (dir_ / "sub/a.json").string());
}

TEST_F(RegistryFiles, LoadDirectoryIsAllOrNothing) {
  Write("a.json", Doc("dtmi:test:A;1"));
  Write("b.json", Doc("dtmi:test:B;1", R"("contents": 7)"));
  ModelRegistry r;
  Status st = r.LoadDirectory(dir_.string());
  EXPECT_EQ(st.message(),
            (dir_ / "b.json").string() + ": /contents: expected an array, got integer");
  ASSERT_TRUE(r.Resolve().ok());
  EXPECT_TRUE(r.All().empty());
}

TEST_F(RegistryFiles, MissingFileIsAnIoError) {
  ModelRegistry r;
  Status st = r.LoadFile((dir_ / "missing.json").string());
  EXPECT_EQ(st.code(), ErrorCode::kIo);
  EXPECT_EQ(r.LoadDirectory((dir_ / "nope").string()).code(), ErrorCode::kIo);
}

}  // namespace
}  // namespace lj::model
