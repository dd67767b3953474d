// DTDL v3 models: the resolved, immutable form the engine uses at run time.
//
// Contract: a ModelRegistry is filled once at start-up (LoadFile/LoadDirectory/LoadJson, then
// Resolve) and is immutable afterwards, so concurrent readers need no locks. Interfaces are
// flattened: `extends` is resolved, inherited contents are copied in, and telemetry of components
// is addressable as "component.telemetry". Pointers returned stay valid for the registry's life.
// Invariant: every Interface reachable from the registry has passed validation; a bad model is
// reported as "<file>: <json-pointer>: <reason>" and never partially loaded.
#pragma once

#include <nlohmann/json.hpp>

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/status.h"

namespace lj::model {

enum class SchemaKind { kPrimitive, kArray, kEnum, kMap, kObject };

enum class Primitive {
  kNone,  // not a primitive schema
  kBoolean,
  kByte,
  kBytes,
  kDate,
  kDateTime,
  kDecimal,
  kDouble,
  kDuration,
  kFloat,
  kInteger,
  kLong,
  kShort,
  kString,
  kTime,
  kUnsignedByte,
  kUnsignedInteger,
  kUnsignedLong,
  kUnsignedShort,
  kUuid,
  // Geospatial schemas (GeoJSON objects).
  kPoint,
  kLineString,
  kPolygon,
  kMultiPoint,
  kMultiLineString,
  kMultiPolygon,
};

std::string_view PrimitiveName(Primitive p);
bool IsNumeric(Primitive p);   // byte..unsignedShort, float, double, decimal
bool IsIntegral(Primitive p);  // byte, short, integer, long, unsigned*

struct Schema;
using SchemaPtr = std::shared_ptr<const Schema>;

struct EnumValue {
  std::string name;
  nlohmann::json value;  // integer or string, per value_schema
};

struct Field {
  std::string name;
  SchemaPtr schema;
};

struct Schema {
  SchemaKind kind = SchemaKind::kPrimitive;
  Primitive primitive = Primitive::kNone;          // kPrimitive
  std::string id;                                  // optional @id of a complex schema
  SchemaPtr element;                               // kArray
  Primitive enum_value_schema = Primitive::kNone;  // kEnum: kInteger or kString
  std::vector<EnumValue> enum_values;              // kEnum
  SchemaPtr map_value;                             // kMap (keys are strings)
  std::vector<Field> fields;                       // kObject
};

// Escapes one JSON Pointer reference token (RFC 6901: "~" → "~0", "/" → "~1").
std::string JsonPointerToken(std::string_view key);

// Checks a JSON value against a schema; the message names the offending JSON pointer below
// `where` (e.g. "/properties/dose: expected double, got string").
Status ValidateJson(const Schema& schema, const nlohmann::json& value, std::string_view where);

struct Telemetry {
  std::string name;  // flattened name ("hr", or "ecgLead.ii" for a component)
  SchemaPtr schema;
  std::vector<std::string> types;  // co-types, e.g. {"Telemetry", "Frequency"}
  std::string unit;                // e.g. "beatPerMinute"; empty when unitless
  std::string display_name;
  std::string description;
  bool waveform = false;      // co-type "Waveform" (Lingjing extension)
  double sample_rate_hz = 0;  // nominal rate of a waveform, from "sampleRate"
  // Co-type "Derived" (Lingjing extension): computed by the engine from other telemetry (NEWS2,
  // alarm state); the pipeline accepts it only from the engine's own protocol (kClinical).
  bool derived = false;
  nlohmann::json annotations;  // other extension properties (e.g. "bodyRegion"), verbatim
};

struct Property {
  std::string name;
  SchemaPtr schema;
  bool writable = false;
  std::string unit;
  std::string display_name;
  std::string description;
  nlohmann::json annotations;
};

struct Relationship {
  std::string name;
  std::string target;  // target interface DTMI; empty = any
  int min_multiplicity = 0;
  int max_multiplicity = -1;  // -1 = unbounded
  std::vector<Property> properties;
  std::string display_name;
};

struct Component {
  std::string name;
  std::string schema;  // interface DTMI
};

struct Interface {
  std::string id;  // "dtmi:lingjing:ward:Bed;1"
  std::string display_name;
  std::string description;
  std::string source_file;                  // where it was loaded from
  std::vector<std::string> extends;         // direct bases
  std::vector<std::string> ancestors;       // all bases, transitively (not including self)
  std::vector<Telemetry> telemetry;         // own + inherited + component telemetry, flattened
  std::vector<Property> properties;         // own + inherited
  std::vector<Relationship> relationships;  // own + inherited
  std::vector<Component> components;
  nlohmann::json source;  // the interface's original JSON

  // Index of a telemetry by flattened name, or -1. O(1).
  int FindTelemetry(std::string_view name) const;
  const Property* FindProperty(std::string_view name) const;
  const Relationship* FindRelationship(std::string_view name) const;
  // True when this interface is `dtmi` or extends it (transitively).
  bool IsA(std::string_view dtmi) const;

  // Filled by the registry; transparent, so lookups by string_view do not allocate.
  struct NameHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, int, NameHash, std::equal_to<>> telemetry_index;
};

class ModelRegistry {
 public:
  ModelRegistry();
  ~ModelRegistry();
  ModelRegistry(const ModelRegistry&) = delete;
  ModelRegistry& operator=(const ModelRegistry&) = delete;

  // Adds the interfaces in a JSON document: one interface object or an array of them.
  // `source_name` is used in error messages. Call Resolve() after all documents are added.
  Status LoadJson(std::string_view text, std::string_view source_name);
  Status LoadFile(const std::string& path);
  // Loads every *.json file below `dir`, in sorted path order.
  Status LoadDirectory(const std::string& dir);
  // Resolves extends, components and schema references; checks names and cycles.
  Status Resolve();
  // True when a loaded document (resolved or not) defines interface `dtmi`.
  bool Defines(std::string_view dtmi) const;

  // nullptr when unknown. Valid only after Resolve().
  const Interface* Find(std::string_view dtmi) const;
  std::vector<const Interface*> All() const;
  // Interfaces that are `dtmi` or derive from it.
  std::vector<const Interface*> DerivedFrom(std::string_view dtmi) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The ward models compiled into the binary (hospital, ward, room, bed, patient, devices).
// Each entry is {file name, JSON text}.
const std::vector<std::pair<std::string, std::string_view>>& BuiltinWardModels();

}  // namespace lj::model
