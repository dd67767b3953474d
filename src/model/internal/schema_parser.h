// Parses the DTDL schemas of one interface: primitive names, inline complex schemas (Array,
// Enum, Map, Object) and references by DTMI to the interface's own `schemas`. Refuses schema
// cycles and complex schemas nested deeper than DTDL's 5 levels. One parser per interface;
// not thread-safe.
#pragma once

#include <nlohmann/json.hpp>

#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/status.h"
#include "model/internal/extensions.h"
#include "model/internal/syntax.h"
#include "model/model.h"

namespace lj::model::internal {

inline constexpr int kMaxSchemaDepth = 5;

// The primitive called `name` ("double", "dateTime", "point", ...) or kNone.
Primitive PrimitiveFromName(std::string_view name);
// A shared immutable schema for a primitive.
SchemaPtr PrimitiveSchema(Primitive p);

class SchemaParser {
 public:
  // `ids` receives every explicit @id met (for the registry's duplicate check).
  SchemaParser(const DocContext& ctx, std::vector<Ref>* ids) : ctx_(ctx), ids_(ids) {}

  // Declares the interface-level `schemas` array found at `pointer`, then parses each entry.
  Status DeclareInterfaceSchemas(const json& schemas, const std::string& pointer);
  // Parses a `schema` value: a primitive name, the DTMI of a declared schema or a complex object.
  Result<SchemaPtr> Parse(const json& v, const std::string& pointer);

 private:
  struct Declared {
    std::string id;
    const json* definition = nullptr;
    std::string pointer;
    SchemaPtr schema;
    int height = 0;
    bool in_progress = false;
  };

  // `level` counts the complex schemas enclosing `v`; `height` gets v's own nesting depth.
  Status ParseAt(const json& v, const std::string& pointer, int level, SchemaPtr* out, int* height);
  Status ParseComplex(const json& v, const std::string& pointer, int level, SchemaPtr* out,
                      int* height);
  Status ParseEnum(const json& v, const std::string& pointer, Schema* s);
  Status ParseMap(const json& v, const std::string& pointer, int level, Schema* s, int* height);
  Status ParseObject(const json& v, const std::string& pointer, int level, Schema* s, int* height);
  Status ResolveDeclared(Declared& d, const std::string& ref_pointer);
  Status ReadId(const json& v, const std::string& pointer, std::string* id);

  const DocContext& ctx_;
  std::vector<Ref>* ids_;
  std::map<std::string, Declared, std::less<>> declared_;
  int in_progress_ = 0;
};

}  // namespace lj::model::internal
