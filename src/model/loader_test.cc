// Bad models: each case asserts the error code and the exact "<file>: <pointer>: <reason>".
#include <gtest/gtest.h>

#include "model/model.h"
#include "model/testing/model_test_util.h"

namespace lj::model {
namespace {

using testing::Doc;
using testing::Files;
using testing::kV3;
using testing::kV3All;
using testing::kV3Quantitative;
using testing::kV3Ward;

struct BadCase {
  std::string label;
  Files files;
  ErrorCode code;
  std::string message;
};

std::ostream& operator<<(std::ostream& os, const BadCase& c) { return os << c.label; }

std::string Telemetry(std::string_view body) {
  return fmt::format(R"("contents": [{{"@type": "Telemetry", {}}}])", body);
}

std::vector<BadCase> BadCases() {
  const ErrorCode kInvalid = ErrorCode::kModelInvalid;
  const ErrorCode kUnresolved = ErrorCode::kModelUnresolved;
  return {
      {"DtmiSegmentStartsWithDigit",
       {{"bad.json", Doc("dtmi:test:9bad;1")}},
       kInvalid,
       "bad.json: /@id: invalid DTMI 'dtmi:test:9bad;1': segment '9bad' starts with a digit"},
      {"DtmiLeadingZeroVersion",
       {{"bad.json", Doc("dtmi:test:A;01")}},
       kInvalid,
       "bad.json: /@id: invalid DTMI 'dtmi:test:A;01': version '01' must be 1 to 9 digits with "
       "an optional .minor of 1 to 6 digits, without leading zeros"},
      {"DtmiWithoutScheme",
       {{"bad.json", Doc("urn:test:A;1")}},
       kInvalid,
       "bad.json: /@id: invalid DTMI 'urn:test:A;1': missing 'dtmi:' scheme"},
      {"DtmiSystemSegment",
       {{"bad.json", Doc("dtmi:_test:A;1")}},
       kInvalid,
       "bad.json: /@id: invalid DTMI 'dtmi:_test:A;1': system segment '_test' is not allowed in "
       "models"},
      {"DtmiBadCharacter",
       {{"bad.json", Doc("dtmi:test:bed-1;1")}},
       kInvalid,
       "bad.json: /@id: invalid DTMI 'dtmi:test:bed-1;1': segment 'bed-1' may contain only "
       "letters, digits and '_'"},
      {"ReservedNamespace",
       {{"bad.json", Doc("dtmi:dtdl:Mine;1")}},
       kInvalid,
       "bad.json: /@id: 'dtmi:dtdl:Mine;1' is in a namespace reserved by DTDL"},
      {"NameStartsWithDigit",
       {{"bad.json", Doc("dtmi:test:A;1", Telemetry(R"("name": "1hr", "schema": "double")"))}},
       kInvalid,
       "bad.json: /contents/0/name: invalid name '1hr': must start with a letter, contain only "
       "letters, digits and '_', not end with '_', and be at most 512 characters"},
      {"NameEndsWithUnderscore",
       {{"bad.json", Doc("dtmi:test:A;1", Telemetry(R"("name": "hr_", "schema": "double")"))}},
       kInvalid,
       "bad.json: /contents/0/name: invalid name 'hr_': must start with a letter, contain only "
       "letters, digits and '_', not end with '_', and be at most 512 characters"},
      {"DuplicateName",
       {{"bad.json", Doc("dtmi:test:A;1", R"("contents": [
           {"@type": "Telemetry", "name": "hr", "schema": "double"},
           {"@type": "Property", "name": "hr", "schema": "string"}])")}},
       kInvalid,
       "bad.json: /contents/1/name: duplicate name 'hr' (also at /contents/0)"},
      {"InheritedDuplicateName",
       {{"base.json", Doc("dtmi:test:Base;1", Telemetry(R"("name": "hr", "schema": "double")"))},
        {"derived.json",
         Doc("dtmi:test:Derived;1", R"("extends": "dtmi:test:Base;1", )" +
                                        Telemetry(R"("name": "hr", "schema": "double")"))}},
       kInvalid,
       "derived.json: /contents/0/name: duplicate name 'hr': already inherited from "
       "dtmi:test:Base;1"},
      {"SameNameFromTwoBases",
       {{"a.json", Doc("dtmi:test:A;1", Telemetry(R"("name": "x", "schema": "double")"))},
        {"b.json", Doc("dtmi:test:B;1", Telemetry(R"("name": "x", "schema": "double")"))},
        {"c.json", Doc("dtmi:test:C;1", R"("extends": ["dtmi:test:A;1", "dtmi:test:B;1"])")}},
       kInvalid,
       "c.json: /extends/1: name 'x' is inherited from both dtmi:test:A;1 and dtmi:test:B;1"},
      {"ExtendsCycle",
       {{"a.json", Doc("dtmi:test:A;1", R"("extends": "dtmi:test:B;1")")},
        {"b.json", Doc("dtmi:test:B;1", R"("extends": ["dtmi:test:A;1"])")}},
       kInvalid,
       "b.json: /extends/0: extends cycle: dtmi:test:A;1 -> dtmi:test:B;1 -> dtmi:test:A;1"},
      {"ExtendsItself",
       {{"a.json", Doc("dtmi:test:A;1", R"("extends": "dtmi:test:A;1")")}},
       kInvalid,
       "a.json: /extends: extends cycle: dtmi:test:A;1 -> dtmi:test:A;1"},
      {"UnresolvedExtends",
       {{"a.json", Doc("dtmi:test:A;1", R"("extends": "dtmi:test:Missing;1")")}},
       kUnresolved,
       "a.json: /extends: unresolved extends 'dtmi:test:Missing;1'"},
      {"UnknownSchema",
       {{"ward.json", Doc("dtmi:test:A;1", R"("contents": [
           {"@type": "Telemetry", "name": "a", "schema": "double"},
           {"@type": "Telemetry", "name": "b", "schema": "double"},
           {"@type": "Telemetry", "name": "c", "schema": "double"},
           {"@type": "Telemetry", "name": "d", "schema": "doubel"}])")}},
       kInvalid,
       "ward.json: /contents/3/schema: unknown schema 'doubel'"},
      {"UnresolvedSchemaDtmi",
       {{"a.json",
         Doc("dtmi:test:A;1", Telemetry(R"("name": "a", "schema": "dtmi:test:Nope;1")"))}},
       kUnresolved,
       "a.json: /contents/0/schema: unresolved schema 'dtmi:test:Nope;1' (not in this "
       "interface's schemas)"},
      {"WaveformWithoutSampleRate",
       {{"a.json", Doc("dtmi:test:A;1",
                       R"("contents": [{"@type": ["Telemetry", "Waveform"], "name": "ecg",
                                        "schema": "integer"}])",
                       kV3Ward)}},
       kInvalid,
       "a.json: /contents/0: missing required property 'sampleRate' (co-type Waveform)"},
      {"WaveformWithStringSchema",
       {{"a.json", Doc("dtmi:test:A;1",
                       R"("contents": [{"@type": ["Telemetry", "Waveform"], "name": "ecg",
                                        "schema": "string", "sampleRate": 250}])",
                       kV3Ward)}},
       kInvalid,
       "a.json: /contents/0/schema: Waveform schema must be integer, long, float or double, got "
       "string"},
      {"WaveformZeroSampleRate",
       {{"a.json", Doc("dtmi:test:A;1",
                       R"("contents": [{"@type": ["Telemetry", "Waveform"], "name": "ecg",
                                        "schema": "integer", "sampleRate": 0}])",
                       kV3Ward)}},
       kInvalid,
       "a.json: /contents/0/sampleRate: sampleRate must be a number > 0 (Hz), got 0"},
      {"SampleRateWithoutWaveform",
       {{"a.json",
         Doc("dtmi:test:A;1", Telemetry(R"("name": "hr", "schema": "double", "sampleRate": 1)"),
             kV3Ward)}},
       kInvalid,
       "a.json: /contents/0/sampleRate: property 'sampleRate' requires co-type 'Waveform'"},
      {"WaveformOnProperty",
       {{"a.json", Doc("dtmi:test:A;1",
                       R"("contents": [{"@type": ["Property", "Waveform"], "name": "p",
                                        "schema": "double"}])",
                       kV3Ward)}},
       kInvalid,
       "a.json: /contents/0/@type/1: co-type 'Waveform' is not allowed on Property"},
      {"SemanticCoTypeWithoutContext",
       {{"a.json", Doc("dtmi:test:A;1",
                       R"("contents": [{"@type": ["Telemetry", "Temperature"], "name": "t",
                                        "schema": "double"}])")}},
       kInvalid,
       "a.json: /contents/0/@type/1: co-type 'Temperature' needs @context "
       "'dtmi:dtdl:extension:quantitativeTypes;1'"},
      {"WaveformCoTypeWithoutContext",
       {{"a.json", Doc("dtmi:test:A;1",
                       R"("contents": [{"@type": ["Telemetry", "Waveform"], "name": "ecg",
                                        "schema": "integer", "sampleRate": 250}])",
                       kV3Quantitative)}},
       kInvalid,
       "a.json: /contents/0/@type/1: co-type 'Waveform' needs @context "
       "'dtmi:lingjing:extension:ward;1'"},
      {"ExtensionPropertyWithoutContext",
       {{"a.json", Doc("dtmi:test:A;1",
                       Telemetry(R"("name": "hr", "schema": "double", "bodyRegion": "heart")"))}},
       kInvalid,
       "a.json: /contents/0/bodyRegion: property 'bodyRegion' needs @context "
       "'dtmi:lingjing:extension:ward;1'"},
      {"UnitWithoutContext",
       {{"a.json",
         Doc("dtmi:test:A;1", Telemetry(R"("name": "hr", "schema": "double", "unit": "hertz")"),
             kV3Ward)}},
       kInvalid,
       "a.json: /contents/0/unit: property 'unit' needs @context "
       "'dtmi:dtdl:extension:quantitativeTypes;1'"},
      {"SemanticCoTypeNeedsNumericSchema",
       {{"a.json", Doc("dtmi:test:A;1",
                       R"("contents": [{"@type": ["Telemetry", "Temperature"], "name": "t",
                                        "schema": "string"}])",
                       kV3All)}},
       kInvalid,
       "a.json: /contents/0/schema: co-type 'Temperature' needs a numeric schema, got string"},
      {"UnknownCoType",
       {{"a.json", Doc("dtmi:test:A;1",
                       R"("contents": [{"@type": ["Telemetry", "Temprature"], "name": "t",
                                        "schema": "double"}])",
                       kV3All)}},
       kInvalid,
       "a.json: /contents/0/@type/1: unknown co-type 'Temprature'"},
      {"BadBodyRegion",
       {{"a.json",
         Doc("dtmi:test:A;1",
             Telemetry(R"("name": "hr", "schema": "double", "bodyRegion": "liver")"), kV3Ward)}},
       kInvalid,
       "a.json: /contents/0/bodyRegion: bodyRegion must be one of heart, lungs, head, arm, "
       "finger, core, skin, room, bed; got 'liver'"},
      {"UnknownProperty",
       {{"a.json",
         Doc("dtmi:test:A;1", Telemetry(R"("name": "hr", "schema": "double", "sampleRat": 250)"),
             kV3Ward)}},
       kInvalid,
       "a.json: /contents/0/sampleRat: unknown property 'sampleRat' on Telemetry"},
      {"UnknownInterfaceProperty",
       {{"a.json", Doc("dtmi:test:A;1", R"("extend": "dtmi:test:B;1")")}},
       kInvalid,
       "a.json: /extend: unknown property 'extend' on Interface"},
      {"UnknownElementType",
       {{"a.json",
         Doc("dtmi:test:A;1",
             R"("contents": [{"@type": "Telemetri", "name": "t", "schema": "double"}])")}},
       kInvalid,
       "a.json: /contents/0/@type: unknown element type 'Telemetri'; expected one of Telemetry, "
       "Property, Command, Relationship, Component"},
      {"MissingContext",
       {{"a.json", R"({"@id": "dtmi:test:A;1", "@type": "Interface"})"}},
       kInvalid,
       "a.json: /: missing required property '@context'"},
      {"UnknownContext",
       {{"a.json", Doc("dtmi:test:A;1", "", R"(["dtmi:dtdl:context;3", "dtmi:foo:bar;1"])")}},
       kInvalid,
       "a.json: /@context/1: unknown context 'dtmi:foo:bar;1'"},
      {"DuplicateIdAcrossFiles",
       {{"a.json", Doc("dtmi:test:A;1")}, {"b.json", Doc("dtmi:test:A;1")}},
       ErrorCode::kModelDuplicate,
       "b.json: /@id: duplicate @id 'dtmi:test:A;1' (already defined in a.json)"},
      {"DuplicateIdInOneDocument",
       {{"a.json", "[" + Doc("dtmi:test:A;1") + ", " + Doc("dtmi:test:A;1") + "]"}},
       ErrorCode::kModelDuplicate,
       "a.json: /1/@id: duplicate @id 'dtmi:test:A;1' (also at /0/@id)"},
      {"InvalidJson",
       {{"bad.json", "{\n  \"@id\": \"dtmi:test:A;1\",\n}\n"}},
       ErrorCode::kParseError,
       "bad.json: line 3, column 1: invalid JSON: syntax error while parsing object key - "
       "unexpected '}'; expected string literal"},
      {"InvalidJsonNumberOverflow",
       {{"big.json", "{\"a\": 1e999}"}},
       ErrorCode::kParseError,
       "big.json: line 1, column 11: invalid JSON: number overflow parsing '1e999'"},
      {"UnresolvedRelationshipTarget",
       {{"a.json", Doc("dtmi:test:A;1", R"("contents": [{"@type": "Relationship",
           "name": "contains", "target": "dtmi:test:Nope;1"}])")}},
       kUnresolved,
       "a.json: /contents/0/target: unresolved relationship target 'dtmi:test:Nope;1'"},
      {"MinMultiplicityNotZero",
       {{"a.json", Doc("dtmi:test:A;1", R"("contents": [{"@type": "Relationship",
           "name": "r", "minMultiplicity": 1}])")}},
       kInvalid,
       "a.json: /contents/0/minMultiplicity: minMultiplicity must be an integer equal to 0, got 1"},
      {"MaxMultiplicityZero",
       {{"a.json", Doc("dtmi:test:A;1", R"("contents": [{"@type": "Relationship",
           "name": "r", "maxMultiplicity": 0}])")}},
       kInvalid,
       "a.json: /contents/0/maxMultiplicity: maxMultiplicity must be an integer between 1 and "
       "2147483647, got 0"},
      {"ComponentSchemaNotInterface",
       {{"a.json", Doc("dtmi:test:A;1", R"("contents": [{"@type": "Component",
           "name": "c", "schema": "double"}])")}},
       kInvalid,
       "a.json: /contents/0/schema: component schema must be an interface DTMI or an inline "
       "interface, got 'double'"},
      {"UnresolvedComponentSchema",
       {{"a.json", Doc("dtmi:test:A;1", R"("contents": [{"@type": "Component",
           "name": "c", "schema": "dtmi:test:Nope;1"}])")}},
       kUnresolved,
       "a.json: /contents/0/schema: unresolved component schema 'dtmi:test:Nope;1'"},
      {"NestedComponent",
       {{"inner.json", Doc("dtmi:test:Inner;1")},
        {"middle.json", Doc("dtmi:test:Middle;1", R"("contents": [{"@type": "Component",
           "name": "inner", "schema": "dtmi:test:Inner;1"}])")},
        {"outer.json", Doc("dtmi:test:Outer;1", R"("contents": [{"@type": "Component",
           "name": "middle", "schema": "dtmi:test:Middle;1"}])")}},
       kInvalid,
       "outer.json: /contents/0/schema: component schema 'dtmi:test:Middle;1' has components of "
       "its own; DTDL v3 does not allow nested components"},
      {"SchemaCycle",
       {{"a.json", Doc("dtmi:test:A;1", R"("schemas": [
           {"@id": "dtmi:test:A:s;1", "@type": "Array", "elementSchema": "dtmi:test:A:s;1"}])")}},
       kInvalid,
       "a.json: /schemas/0/elementSchema: schema cycle through 'dtmi:test:A:s;1' (defined at "
       "/schemas/0)"},
      {"SchemaTooDeep",
       {{"a.json", Doc("dtmi:test:A;1", Telemetry(R"("name": "t", "schema":
           {"@type": "Array", "elementSchema": {"@type": "Array", "elementSchema":
           {"@type": "Array", "elementSchema": {"@type": "Array", "elementSchema":
           {"@type": "Array", "elementSchema": {"@type": "Array", "elementSchema": "double"}}}}}})"))}},
       kInvalid,
       "a.json: /contents/0/schema/elementSchema/elementSchema/elementSchema/elementSchema/"
       "elementSchema: complex schemas nested deeper than 5 levels"},
      {"EnumDuplicateValue",
       {{"a.json", Doc("dtmi:test:A;1", Telemetry(R"("name": "t", "schema": {"@type": "Enum",
           "valueSchema": "integer", "enumValues": [{"name": "a", "enumValue": 1},
           {"name": "b", "enumValue": 1}]})"))}},
       kInvalid,
       "a.json: /contents/0/schema/enumValues/1/enumValue: duplicate enumValue 1 (also at "
       "/contents/0/schema/enumValues/0)"},
      {"EnumValueWrongType",
       {{"a.json", Doc("dtmi:test:A;1", Telemetry(R"("name": "t", "schema": {"@type": "Enum",
           "valueSchema": "integer", "enumValues": [{"name": "a", "enumValue": "one"}]})"))}},
       kInvalid,
       "a.json: /contents/0/schema/enumValues/0/enumValue: enumValue must be a 32-bit integer "
       "(valueSchema), got 'one'"},
      {"EnumValueSchemaDouble",
       {{"a.json", Doc("dtmi:test:A;1", Telemetry(R"("name": "t", "schema": {"@type": "Enum",
           "valueSchema": "double"})"))}},
       kInvalid,
       "a.json: /contents/0/schema/valueSchema: valueSchema must be 'integer' or 'string', got "
       "'double'"},
      {"MapKeyNotString",
       {{"a.json", Doc("dtmi:test:A;1", Telemetry(R"("name": "t", "schema": {"@type": "Map",
           "mapKey": {"name": "k", "schema": "integer"},
           "mapValue": {"name": "v", "schema": "double"}})"))}},
       kInvalid,
       "a.json: /contents/0/schema/mapKey/schema: mapKey schema must be 'string', got 'integer'"},
      {"ObjectDuplicateField",
       {{"a.json", Doc("dtmi:test:A;1", Telemetry(R"("name": "t", "schema": {"@type": "Object",
           "fields": [{"name": "x", "schema": "double"}, {"name": "x", "schema": "long"}]})"))}},
       kInvalid,
       "a.json: /contents/0/schema/fields/1/name: duplicate field name 'x' (also at "
       "/contents/0/schema/fields/0)"},
      {"NotAnInterface",
       {{"a.json", "42"}},
       kInvalid,
       "a.json: /: expected an interface object or an array of them, got integer"},
      {"V2NeedsVersion",
       {{"a.json", Doc("dtmi:test:A", "", R"("dtmi:dtdl:context;2")")}},
       kInvalid,
       "a.json: /@id: 'dtmi:test:A' needs a version in DTDL v2"},
  };
}

class BadModelTest : public ::testing::TestWithParam<BadCase> {};

TEST_P(BadModelTest, ReportsPointerAndReason) {
  const BadCase& c = GetParam();
  ModelRegistry registry;
  Status st = testing::LoadAll(registry, c.files);
  ASSERT_FALSE(st.ok()) << "model was accepted";
  EXPECT_EQ(st.message(), c.message);
  EXPECT_EQ(st.code(), c.code) << st.ToString();
}

INSTANTIATE_TEST_SUITE_P(Dtdl, BadModelTest, ::testing::ValuesIn(BadCases()),
                         [](const ::testing::TestParamInfo<BadCase>& info) {
                           return info.param.label;
                         });

TEST(Loader, FailedDocumentLeavesNothingBehind) {
  ModelRegistry registry;
  std::string good = Doc("dtmi:test:Good;1");
  std::string bad = Doc("dtmi:test:Bad;1", Telemetry(R"("name": "x", "schema": "doubel")"));
  ASSERT_FALSE(registry.LoadJson("[" + good + ", " + bad + "]", "both.json").ok());
  // The good interface of the failed document was not kept: loading it again is no duplicate.
  ASSERT_TRUE(registry.LoadJson(good, "good.json").ok());
  ASSERT_TRUE(registry.Resolve().ok());
  EXPECT_EQ(registry.All().size(), 1u);
  EXPECT_EQ(registry.Find("dtmi:test:Bad;1"), nullptr);
}

TEST(Loader, FailedResolveAddsNothing) {
  ModelRegistry registry;
  ASSERT_TRUE(registry.LoadJson(Doc("dtmi:test:Ok;1"), "ok.json").ok());
  ASSERT_TRUE(
      registry.LoadJson(Doc("dtmi:test:A;1", R"("extends": "dtmi:test:Gone;1")"), "a.json").ok());
  EXPECT_EQ(registry.Resolve().code(), ErrorCode::kModelUnresolved);
  EXPECT_TRUE(registry.All().empty());
  EXPECT_EQ(registry.Find("dtmi:test:Ok;1"), nullptr);
}

TEST(Loader, ExtendsDepthIsLimitedToTen) {
  Files files;
  for (int i = 0; i <= 11; ++i) {
    std::string id = fmt::format("dtmi:test:I{};1", i);
    std::string rest = i < 11 ? fmt::format(R"("extends": "dtmi:test:I{};1")", i + 1) : "";
    files.emplace_back(fmt::format("i{}.json", i), Doc(id, rest));
  }
  ModelRegistry registry;
  Status st = testing::LoadAll(registry, files);
  EXPECT_EQ(st.message(), "i0.json: /extends: extends hierarchy deeper than 10 levels");
  // Ten levels are fine.
  files.erase(files.begin());
  ModelRegistry ok;
  EXPECT_TRUE(testing::LoadAll(ok, files).ok());
}

TEST(Loader, VeryLongChainsStopEarly) {
  std::string doc = "[";
  for (int i = 0; i < 100; ++i) {
    doc += (i ? ", " : "") + Doc(fmt::format("dtmi:test:C{:03};1", i),
                                 fmt::format(R"("extends": "dtmi:test:C{:03};1")", i + 1));
  }
  doc += ", " + Doc("dtmi:test:C100;1") + "]";
  ModelRegistry registry;
  Status st = testing::LoadAll(registry, {{"chain.json", doc}});
  EXPECT_EQ(st.message(),
            "chain.json: /63/extends: chain of extends/component references longer than 64 "
            "interfaces");
}

TEST(Loader, NeverThrowsOnHostileInput) {
  ModelRegistry registry;
  for (std::string_view text :
       {"", "[", "[[[[[[[[[[", "\xff\xfe", "{\"@context\": 1}", "null", "[1, 2]", "\"x\""}) {
    Status st = registry.LoadJson(text, "hostile.json");
    EXPECT_FALSE(st.ok()) << text;
    EXPECT_EQ(st.message().rfind("hostile.json: ", 0), 0u) << st.message();
  }
}

}  // namespace
}  // namespace lj::model
