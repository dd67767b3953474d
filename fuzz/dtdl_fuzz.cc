// libFuzzer target for the DTDL loader. The input is loaded as a model document and resolved
// (on top of the built-in ward models when it mentions their namespace, so `extends`,
// components and relationship targets can reach them); then the input, parsed as JSON, is validated
// against the schemas of the built-in models and of whatever the input itself defined. Invariants
// of the resolved form and of error messages are checked with __builtin_trap().
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "model/model.h"

namespace {

using lj::ErrorCode;
using lj::Status;
using lj::model::Interface;
using lj::model::ModelRegistry;
using lj::model::SchemaPtr;

void Check(bool ok) {
  if (!ok) __builtin_trap();
}

bool StartsWith(const std::string& s, std::string_view prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}

void LoadBuiltins(ModelRegistry& r) {
  for (const auto& [name, text] : lj::model::BuiltinWardModels()) {
    Check(r.LoadJson(text, name).ok());
  }
}

void CollectSchemas(const ModelRegistry& r, std::vector<SchemaPtr>* out) {
  for (const Interface* i : r.All()) {
    for (const auto& t : i->telemetry) out->push_back(t.schema);
    for (const auto& p : i->properties) out->push_back(p.schema);
  }
}

const std::vector<SchemaPtr>& BuiltinSchemas() {
  static const std::vector<SchemaPtr>* schemas = [] {
    ModelRegistry r;  // the schemas are shared and outlive it
    LoadBuiltins(r);
    Check(r.Resolve().ok());
    auto* out = new std::vector<SchemaPtr>();
    CollectSchemas(r, out);
    return out;
  }();
  return *schemas;
}

// The resolved form must be self-consistent.
void CheckInterface(const Interface& i) {
  Check(i.IsA(i.id));
  Check(i.telemetry_index.size() == i.telemetry.size());
  for (size_t k = 0; k < i.telemetry.size(); ++k) {
    const auto& t = i.telemetry[k];
    Check(i.FindTelemetry(t.name) == static_cast<int>(k));
    Check(t.schema != nullptr);
    Check(!t.waveform || t.sample_rate_hz > 0);
    Check(!t.types.empty());
  }
  for (const auto& p : i.properties) Check(p.schema != nullptr && i.FindProperty(p.name) == &p);
  for (const auto& a : i.ancestors) Check(a != i.id);
  for (const auto& rel : i.relationships) {
    Check(rel.min_multiplicity == 0 && (rel.max_multiplicity == -1 || rel.max_multiplicity >= 1));
  }
}

void CheckError(const Status& st) {
  Check(!st.ok());
  const ErrorCode c = st.code();
  Check(c == ErrorCode::kModelInvalid || c == ErrorCode::kModelUnresolved ||
        c == ErrorCode::kModelDuplicate || c == ErrorCode::kParseError);
  Check(StartsWith(st.message(), "fuzz.json: "));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const std::vector<SchemaPtr>& builtin = BuiltinSchemas();

  ModelRegistry registry;
  const bool with_builtins = text.find("dtmi:lingjing:ward:") != std::string_view::npos;
  if (with_builtins) LoadBuiltins(registry);
  Status st = registry.LoadJson(text, "fuzz.json");
  std::vector<SchemaPtr> own;
  if (st.ok()) {
    st = registry.Resolve();
    if (st.ok()) {
      for (const Interface* i : registry.All()) CheckInterface(*i);
      CollectSchemas(registry, &own);
    } else {
      CheckError(st);
      Check(registry.All().empty());  // a failed Resolve() adds nothing
    }
  } else {
    CheckError(st);
  }

  nlohmann::json value = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (value.is_discarded()) return 0;
  const std::vector<SchemaPtr>& defined = own;
  for (const std::vector<SchemaPtr>* schemas : {&builtin, &defined}) {
    for (const SchemaPtr& s : *schemas) {
      Status v = lj::model::ValidateJson(*s, value, "/v");
      Check(v.ok() || StartsWith(v.message(), "/v"));
      if (value.is_object()) {
        for (const auto& [key, member] : value.items()) {
          Status m = lj::model::ValidateJson(*s, member, "/v");
          Check(m.ok() || StartsWith(m.message(), "/v"));
        }
      }
    }
  }
  return 0;
}
