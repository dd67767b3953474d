// The built-in ward models: they load, resolve and carry the expected contents.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

#include "model/model.h"
#include "model/testing/model_test_util.h"

namespace lj::model {
namespace {

using ::testing::ElementsAre;
using ::testing::UnorderedElementsAre;

std::string Ward(std::string_view name) { return fmt::format("dtmi:lingjing:ward:{};1", name); }

class BuiltinModels : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(testing::LoadBuiltins(registry_).ok()); }

  const Interface& Get(std::string_view name) {
    const Interface* i = registry_.Find(Ward(name));
    EXPECT_NE(i, nullptr) << name;
    static const Interface kEmpty;
    return i != nullptr ? *i : kEmpty;
  }

  ModelRegistry registry_;
};

TEST_F(BuiltinModels, OneInterfacePerFile) {
  EXPECT_EQ(BuiltinWardModels().size(), 13u);
  EXPECT_EQ(registry_.All().size(), 13u);
  std::set<std::string> files;
  for (const Interface* i : registry_.All()) files.insert(i->source_file);
  EXPECT_EQ(files.size(), 13u);
  EXPECT_EQ(Get("Bed").source_file, "bed.json");
}

TEST_F(BuiltinModels, TelemetryCounts) {
  EXPECT_EQ(Get("BedsideMonitor").telemetry.size(), 11u);
  EXPECT_EQ(Get("WearableEcgPatch").telemetry.size(), 4u);
  EXPECT_EQ(Get("PulseOximeter").telemetry.size(), 5u);
  EXPECT_EQ(Get("NibpCuff").telemetry.size(), 3u);
  EXPECT_EQ(Get("Thermometer").telemetry.size(), 1u);
  EXPECT_EQ(Get("RoomSensor").telemetry.size(), 5u);
  EXPECT_EQ(Get("Bed").telemetry.size(), 2u);
  EXPECT_EQ(Get("Patient").telemetry.size(), 17u);  // nurse observations, charted vitals, derived
  EXPECT_EQ(Get("Hospital").telemetry.size(), 0u);
  EXPECT_EQ(Get("Presence").telemetry.size(), 5u);  // a viewer's pose (live/presence.h)
}

TEST_F(BuiltinModels, EveryTelemetryHasADisplayNameAndAnIndexEntry) {
  for (const Interface* i : registry_.All()) {
    for (size_t k = 0; k < i->telemetry.size(); ++k) {
      const Telemetry& t = i->telemetry[k];
      EXPECT_FALSE(t.display_name.empty()) << i->id << " " << t.name;
      EXPECT_EQ(i->FindTelemetry(t.name), static_cast<int>(k));
    }
  }
}

TEST_F(BuiltinModels, WaveformsCarryRateSchemaAndAnnotations) {
  const Interface& monitor = Get("BedsideMonitor");
  int ecg = monitor.FindTelemetry("ecg");
  ASSERT_GE(ecg, 0);
  const Telemetry& t = monitor.telemetry[ecg];
  EXPECT_TRUE(t.waveform);
  EXPECT_EQ(t.sample_rate_hz, 250);
  EXPECT_EQ(t.schema->primitive, Primitive::kInteger);
  EXPECT_EQ(t.unit, "microvolt");
  EXPECT_THAT(t.types, ElementsAre("Telemetry", "Waveform", "Voltage"));
  EXPECT_EQ(t.annotations.value("bodyRegion", ""), "heart");
  EXPECT_FALSE(t.annotations.contains("sampleRate"));

  const Telemetry& pleth = monitor.telemetry[monitor.FindTelemetry("pleth")];
  EXPECT_TRUE(pleth.waveform);
  EXPECT_EQ(pleth.sample_rate_hz, 125);
  EXPECT_EQ(pleth.annotations.value("bodyRegion", ""), "finger");

  const Telemetry& hr = monitor.telemetry[monitor.FindTelemetry("hr")];
  EXPECT_FALSE(hr.waveform);
  EXPECT_EQ(hr.sample_rate_hz, 0);
  EXPECT_EQ(hr.unit, "beatPerMinute");
  EXPECT_EQ(hr.schema->primitive, Primitive::kDouble);
  EXPECT_EQ(hr.annotations.value("clinicalMeaning", ""), "heart rate");

  const Interface& patch = Get("WearableEcgPatch");
  EXPECT_EQ(patch.telemetry[patch.FindTelemetry("ecg")].sample_rate_hz, 250);
  const Interface& oximeter = Get("PulseOximeter");
  EXPECT_EQ(oximeter.telemetry[oximeter.FindTelemetry("pleth")].sample_rate_hz, 125);
  EXPECT_EQ(monitor.FindTelemetry("nope"), -1);
}

TEST_F(BuiltinModels, DevicesInheritFromDevice) {
  const Interface& monitor = Get("BedsideMonitor");
  EXPECT_TRUE(monitor.IsA(Ward("Device")));
  EXPECT_TRUE(monitor.IsA(Ward("BedsideMonitor")));
  EXPECT_FALSE(monitor.IsA(Ward("Bed")));
  EXPECT_THAT(monitor.ancestors, ElementsAre(Ward("Device")));
  ASSERT_NE(monitor.FindProperty("serialNumber"), nullptr);
  EXPECT_EQ(monitor.FindProperty("serialNumber")->schema->primitive, Primitive::kString);
  EXPECT_EQ(monitor.properties.size(), 3u);

  std::vector<std::string> derived;
  for (const Interface* i : registry_.DerivedFrom(Ward("Device"))) derived.push_back(i->id);
  EXPECT_THAT(derived,
              UnorderedElementsAre(Ward("Device"), Ward("BedsideMonitor"), Ward("WearableEcgPatch"),
                                   Ward("PulseOximeter"), Ward("NibpCuff"), Ward("Thermometer"),
                                   Ward("RoomSensor")));
}

TEST_F(BuiltinModels, RelationshipsFormTheWardTree) {
  auto target = [&](std::string_view iface, std::string_view rel) -> std::string {
    const Relationship* r = Get(iface).FindRelationship(rel);
    return r != nullptr ? r->target : "<missing>";
  };
  EXPECT_EQ(target("Hospital", "contains"), Ward("Ward"));
  EXPECT_EQ(target("Ward", "contains"), Ward("Room"));
  EXPECT_EQ(target("Room", "contains"), Ward("Bed"));
  EXPECT_EQ(target("Room", "hasSensor"), Ward("RoomSensor"));
  EXPECT_EQ(target("Bed", "occupiedBy"), Ward("Patient"));
  EXPECT_EQ(target("Bed", "hasDevice"), Ward("Device"));
  EXPECT_EQ(target("Patient", "wears"), Ward("Device"));
  EXPECT_EQ(Get("Bed").FindRelationship("occupiedBy")->max_multiplicity, 1);
  EXPECT_EQ(Get("Bed").FindRelationship("hasDevice")->max_multiplicity, -1);
}

TEST_F(BuiltinModels, PatientAndRoomSchemas) {
  const Interface& patient = Get("Patient");
  const Property* sex = patient.FindProperty("sex");
  ASSERT_NE(sex, nullptr);
  ASSERT_EQ(sex->schema->kind, SchemaKind::kEnum);
  EXPECT_EQ(sex->schema->enum_value_schema, Primitive::kString);
  EXPECT_EQ(sex->schema->enum_values.size(), 4u);
  const Property* scale = patient.FindProperty("spo2Scale");
  ASSERT_NE(scale, nullptr);
  EXPECT_EQ(scale->schema->enum_value_schema, Primitive::kInteger);
  EXPECT_EQ(scale->schema->enum_values[1].value, 2);
  EXPECT_EQ(patient.FindProperty("birthDate")->schema->primitive, Primitive::kDate);
  EXPECT_EQ(patient.FindProperty("allergies")->schema->kind, SchemaKind::kArray);
  EXPECT_EQ(patient.FindProperty("medications")->schema->element->primitive, Primitive::kString);

  const Property* position = Get("Room").FindProperty("position");
  ASSERT_NE(position, nullptr);
  EXPECT_EQ(position->schema->kind, SchemaKind::kObject);
  EXPECT_EQ(position->schema->id, "dtmi:lingjing:ward:Room:Position;1");
  ASSERT_EQ(position->schema->fields.size(), 3u);
  EXPECT_EQ(position->schema->fields[2].name, "z");
  EXPECT_TRUE(ValidateJson(*position->schema, {{"x", 1.5}, {"y", 2}, {"z", 0}}, "/position").ok());
  EXPECT_TRUE(
      ValidateJson(*patient.FindProperty("birthDate")->schema, "1948-02-29", "/birthDate").ok());
}

TEST_F(BuiltinModels, ComponentTelemetryIsFlattened) {
  // A user model may build on the built-ins: a cart with an oximeter as a component.
  std::string cart = testing::Doc("dtmi:test:ward:Cart;1", R"("contents": [
      {"@type": "Component", "name": "oximeter", "schema": "dtmi:lingjing:ward:PulseOximeter;1"},
      {"@type": "Property", "name": "label", "schema": "string"}])");
  ASSERT_TRUE(registry_.LoadJson(cart, "cart.json").ok());
  ASSERT_TRUE(registry_.Resolve().ok());
  const Interface* c = registry_.Find("dtmi:test:ward:Cart;1");
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->telemetry.size(), 5u);
  int pleth = c->FindTelemetry("oximeter.pleth");
  ASSERT_GE(pleth, 0);
  EXPECT_TRUE(c->telemetry[pleth].waveform);
  EXPECT_EQ(c->telemetry[pleth].sample_rate_hz, 125);
  EXPECT_GE(c->FindTelemetry("oximeter.spo2"), 0);
  EXPECT_EQ(c->FindTelemetry("spo2"), -1);
  ASSERT_EQ(c->components.size(), 1u);
  EXPECT_EQ(c->components[0].schema, Ward("PulseOximeter"));
  EXPECT_FALSE(c->IsA(Ward("PulseOximeter")));  // composition, not inheritance
  // Interfaces resolved earlier stay valid.
  EXPECT_EQ(registry_.Find(Ward("Bed"))->telemetry.size(), 2u);
}

#ifdef LJ_WARD_MODEL_DIR
TEST(BuiltinModelFiles, DirectoryMatchesEmbeddedCopies) {
  ModelRegistry from_dir;
  ASSERT_TRUE(from_dir.LoadDirectory(LJ_WARD_MODEL_DIR).ok());
  ASSERT_TRUE(from_dir.Resolve().ok());
  ModelRegistry builtin;
  ASSERT_TRUE(testing::LoadBuiltins(builtin).ok());
  ASSERT_EQ(from_dir.All().size(), builtin.All().size());
  for (const Interface* i : builtin.All()) {
    const Interface* j = from_dir.Find(i->id);
    ASSERT_NE(j, nullptr) << i->id;
    EXPECT_EQ(i->source, j->source) << i->id;
  }
}
#endif

}  // namespace
}  // namespace lj::model
