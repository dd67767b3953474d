// DTDL contexts, element @type / co-type rules and the extension properties they unlock:
// QuantitativeTypes (semantic co-types such as "Temperature" plus `unit`) and Lingjing's ward
// extension (co-type "Waveform" with `sampleRate`, annotations `bodyRegion`, `clinicalMeaning`).
// An extension's co-types and properties are errors unless its context is declared.
#pragma once

#include <nlohmann/json.hpp>

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "model/model.h"

namespace lj::model::internal {

using nlohmann::json;

inline constexpr std::string_view kDtdlContext3 = "dtmi:dtdl:context;3";
inline constexpr std::string_view kDtdlContext2 = "dtmi:dtdl:context;2";
inline constexpr std::string_view kQuantitativeTypesContext =
    "dtmi:dtdl:extension:quantitativeTypes;1";
inline constexpr std::string_view kWardContext = "dtmi:lingjing:extension:ward;1";

// What the @context of the interface being parsed enables.
struct DocContext {
  std::string file;  // source name, for messages
  int dtdl_version = 3;
  bool quantitative_types = false;
  bool ward = false;
  // DTDL v2 has the semantic types built in; v3 needs the QuantitativeTypes extension.
  bool SemanticTypes() const { return quantitative_types || dtdl_version == 2; }
};

// Reads an @context value (string or array; the DTDL context first) into `ctx`.
Status ParseContextValue(const json& v, const std::string& pointer, DocContext* ctx);

// One acceptable element class for @type, and which co-types it may carry.
struct TypeRule {
  std::string_view base;  // "Telemetry", "Field", ...
  bool semantic = false;  // QuantitativeTypes co-types
  bool waveform = false;  // Lingjing "Waveform" (and "Derived": both only on Telemetry)
};

struct ElementTypes {
  std::string base;                   // the element class, e.g. "Telemetry"
  std::vector<std::string> all;       // every @type entry as written, base first
  std::vector<std::string> semantic;  // semantic co-types, e.g. "Frequency"
  bool waveform = false;
  bool derived = false;  // Lingjing "Derived": computed by the engine, never written from outside
};

// Parses @type of `el`. When absent: an error if `required`, else `rules[0]` is assumed.
Status ParseTypes(const json& el, const std::string& pointer, const DocContext& ctx,
                  std::initializer_list<TypeRule> rules, bool required, ElementTypes* out);

// Which properties an element may have beyond @type, @id, comment, description, displayName.
struct KeyRules {
  std::string_view what;     // element class for messages, e.g. "Telemetry"
  bool unit = false;         // QuantitativeTypes `unit`
  bool annotations = false;  // ward `bodyRegion`, `clinicalMeaning`
  bool sample_rate = false;  // ward `sampleRate` (with co-type Waveform)
};

// Rejects unknown properties and extension properties whose context is missing.
Status CheckKeys(const json& el, const std::string& pointer, const DocContext& ctx,
                 std::initializer_list<std::string_view> allowed, const KeyRules& rules,
                 const ElementTypes& types);

// Values of extension properties, checked against the element's co-types and schema.
struct ExtensionValues {
  std::string unit;
  double sample_rate_hz = 0;
  json annotations = json::object();  // bodyRegion, clinicalMeaning, verbatim
};
Status ReadExtensions(const json& el, const std::string& pointer, const DocContext& ctx,
                      const ElementTypes& types, const Schema& schema, ExtensionValues* out);

// Reads the optional displayName/description/comment of `el`.
Status ReadTexts(const json& el, const std::string& pointer, const DocContext& ctx,
                 std::string* display_name, std::string* description);

bool IsSemanticType(std::string_view name);
bool IsBodyRegion(std::string_view name);

}  // namespace lj::model::internal
