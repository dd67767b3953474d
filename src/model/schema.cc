// The per-interface schema parser (see internal/schema_parser.h).
#include <fmt/format.h>

#include <algorithm>
#include <cstdint>

#include "model/internal/schema_parser.h"

namespace lj::model::internal {

Status SchemaParser::DeclareInterfaceSchemas(const json& schemas, const std::string& pointer) {
  if (!schemas.is_array()) {
    return Invalid(ctx_.file, pointer,
                   fmt::format("expected an array of schemas, got {}", JsonTypeName(schemas)));
  }
  for (size_t i = 0; i < schemas.size(); ++i) {
    const json& s = schemas[i];
    std::string p = Child(pointer, i);
    if (!s.is_object()) {
      return Invalid(ctx_.file, p,
                     fmt::format("expected a complex schema object, got {}", JsonTypeName(s)));
    }
    auto id = s.find("@id");
    if (id == s.end()) return Invalid(ctx_.file, p, "missing required property '@id'");
    if (!id->is_string()) {
      return Invalid(ctx_.file, Child(p, "@id"),
                     fmt::format("expected a DTMI string, got {}", JsonTypeName(*id)));
    }
    const std::string& key = id->get_ref<const std::string&>();
    auto [it, fresh] = declared_.try_emplace(key);
    if (!fresh) {
      return ModelError(
          ErrorCode::kModelDuplicate, ctx_.file, Child(p, "@id"),
          fmt::format("duplicate schema @id '{}' (also at {})", key, it->second.pointer));
    }
    it->second.id = key;
    it->second.definition = &s;
    it->second.pointer = p;
  }
  for (auto& [id, d] : declared_) {
    LJ_RETURN_IF_ERROR(ResolveDeclared(d, d.pointer));
  }
  return Status::Ok();
}

Result<SchemaPtr> SchemaParser::Parse(const json& v, const std::string& pointer) {
  SchemaPtr out;
  int height = 0;
  LJ_RETURN_IF_ERROR(ParseAt(v, pointer, 0, &out, &height));
  return out;
}

Status SchemaParser::ParseAt(const json& v, const std::string& pointer, int level, SchemaPtr* out,
                             int* height) {
  if (v.is_object()) return ParseComplex(v, pointer, level, out, height);
  if (!v.is_string()) {
    return Invalid(ctx_.file, pointer,
                   fmt::format("schema must be a string or an object, got {}", JsonTypeName(v)));
  }
  const std::string& name = v.get_ref<const std::string&>();
  if (Primitive p = PrimitiveFromName(name); p != Primitive::kNone) {
    *out = PrimitiveSchema(p);
    *height = 0;
    return Status::Ok();
  }
  if (auto it = declared_.find(name); it != declared_.end()) {
    LJ_RETURN_IF_ERROR(ResolveDeclared(it->second, pointer));
    if (level + it->second.height > kMaxSchemaDepth) {
      return Invalid(ctx_.file, pointer,
                     fmt::format("schema {} nests complex schemas deeper than {} levels here",
                                 Preview(v), kMaxSchemaDepth));
    }
    *out = it->second.schema;
    *height = it->second.height;
    return Status::Ok();
  }
  if (DtmiProblem(name, kMaxElementIdLength).empty()) {
    return ModelError(
        ErrorCode::kModelUnresolved, ctx_.file, pointer,
        fmt::format("unresolved schema {} (not in this interface's schemas)", Preview(v)));
  }
  return Invalid(ctx_.file, pointer, fmt::format("unknown schema {}", Preview(v)));
}

Status SchemaParser::ResolveDeclared(Declared& d, const std::string& ref_pointer) {
  if (d.schema) return Status::Ok();
  if (d.in_progress) {
    return Invalid(ctx_.file, ref_pointer,
                   fmt::format("schema cycle through '{}' (defined at {})", d.id, d.pointer));
  }
  if (in_progress_ >= kMaxSchemaDepth) {
    return Invalid(ctx_.file, ref_pointer,
                   fmt::format("complex schemas nested deeper than {} levels", kMaxSchemaDepth));
  }
  d.in_progress = true;
  ++in_progress_;
  SchemaPtr schema;
  int height = 0;
  Status st = ParseComplex(*d.definition, d.pointer, 0, &schema, &height);
  --in_progress_;
  d.in_progress = false;
  LJ_RETURN_IF_ERROR(st);
  d.schema = std::move(schema);
  d.height = height;
  return Status::Ok();
}

Status SchemaParser::ParseComplex(const json& v, const std::string& pointer, int level,
                                  SchemaPtr* out, int* height) {
  const int my_level = level + 1;
  if (my_level > kMaxSchemaDepth) {
    return Invalid(ctx_.file, pointer,
                   fmt::format("complex schemas nested deeper than {} levels", kMaxSchemaDepth));
  }
  ElementTypes types;
  LJ_RETURN_IF_ERROR(
      ParseTypes(v, pointer, ctx_, {{"Array"}, {"Enum"}, {"Map"}, {"Object"}}, true, &types));
  auto s = std::make_shared<Schema>();
  int h = 1;
  if (types.base == "Array") {
    LJ_RETURN_IF_ERROR(CheckKeys(v, pointer, ctx_, {"elementSchema"}, {"Array"}, types));
    auto it = v.find("elementSchema");
    if (it == v.end()) {
      return Invalid(ctx_.file, pointer, "missing required property 'elementSchema'");
    }
    s->kind = SchemaKind::kArray;
    int child = 0;
    LJ_RETURN_IF_ERROR(
        ParseAt(*it, Child(pointer, "elementSchema"), my_level, &s->element, &child));
    h = 1 + child;
  } else if (types.base == "Enum") {
    LJ_RETURN_IF_ERROR(CheckKeys(v, pointer, ctx_, {"valueSchema", "enumValues"}, {"Enum"}, types));
    s->kind = SchemaKind::kEnum;
    LJ_RETURN_IF_ERROR(ParseEnum(v, pointer, s.get()));
  } else if (types.base == "Map") {
    LJ_RETURN_IF_ERROR(CheckKeys(v, pointer, ctx_, {"mapKey", "mapValue"}, {"Map"}, types));
    s->kind = SchemaKind::kMap;
    LJ_RETURN_IF_ERROR(ParseMap(v, pointer, my_level, s.get(), &h));
  } else {
    LJ_RETURN_IF_ERROR(CheckKeys(v, pointer, ctx_, {"fields"}, {"Object"}, types));
    s->kind = SchemaKind::kObject;
    LJ_RETURN_IF_ERROR(ParseObject(v, pointer, my_level, s.get(), &h));
  }
  LJ_RETURN_IF_ERROR(ReadElementId(v, ctx_.file, pointer, ids_, &s->id));
  std::string ignored;
  LJ_RETURN_IF_ERROR(ReadTexts(v, pointer, ctx_, &ignored, &ignored));
  *out = std::move(s);
  *height = h;
  return Status::Ok();
}

Status SchemaParser::ParseEnum(const json& v, const std::string& pointer, Schema* s) {
  auto vs = v.find("valueSchema");
  if (vs == v.end()) return Invalid(ctx_.file, pointer, "missing required property 'valueSchema'");
  if (*vs == "integer") {
    s->enum_value_schema = Primitive::kInteger;
  } else if (*vs == "string") {
    s->enum_value_schema = Primitive::kString;
  } else {
    return Invalid(ctx_.file, Child(pointer, "valueSchema"),
                   fmt::format("valueSchema must be 'integer' or 'string', got {}", Preview(*vs)));
  }
  auto values = v.find("enumValues");
  if (values == v.end()) return Status::Ok();
  std::string vp = Child(pointer, "enumValues");
  if (!values->is_array()) {
    return Invalid(ctx_.file, vp, fmt::format("expected an array, got {}", JsonTypeName(*values)));
  }
  std::map<std::string, std::string> names, literals;  // -> pointer, for duplicate messages
  for (size_t i = 0; i < values->size(); ++i) {
    const json& e = (*values)[i];
    std::string ep = Child(vp, i);
    if (!e.is_object()) {
      return Invalid(ctx_.file, ep, fmt::format("expected an object, got {}", JsonTypeName(e)));
    }
    ElementTypes types;
    LJ_RETURN_IF_ERROR(ParseTypes(e, ep, ctx_, {{"EnumValue"}}, false, &types));
    LJ_RETURN_IF_ERROR(CheckKeys(e, ep, ctx_, {"name", "enumValue"}, {"EnumValue"}, types));
    EnumValue ev;
    LJ_RETURN_IF_ERROR(ReadName(e, ctx_.file, ep, &ev.name));
    auto lit = e.find("enumValue");
    if (lit == e.end()) return Invalid(ctx_.file, ep, "missing required property 'enumValue'");
    bool ok = false;
    if (s->enum_value_schema == Primitive::kString) {
      ok = lit->is_string();
    } else if (lit->is_number_unsigned()) {
      ok = lit->get<uint64_t>() <= static_cast<uint64_t>(INT32_MAX);
    } else if (lit->is_number_integer()) {
      ok = lit->get<int64_t>() >= INT32_MIN && lit->get<int64_t>() <= INT32_MAX;
    }
    if (!ok) {
      return Invalid(
          ctx_.file, Child(ep, "enumValue"),
          fmt::format("enumValue must be {} (valueSchema), got {}",
                      s->enum_value_schema == Primitive::kString ? "a string" : "a 32-bit integer",
                      Preview(*lit)));
    }
    if (auto [it, fresh] = names.emplace(ev.name, ep); !fresh) {
      return Invalid(ctx_.file, Child(ep, "name"),
                     fmt::format("duplicate name '{}' (also at {})", ev.name, it->second));
    }
    std::string key = lit->is_string() ? "s" + lit->get<std::string>() : "i" + lit->dump();
    if (auto [it, fresh] = literals.emplace(key, ep); !fresh) {
      return Invalid(ctx_.file, Child(ep, "enumValue"),
                     fmt::format("duplicate enumValue {} (also at {})", Preview(*lit), it->second));
    }
    std::string ignored;
    LJ_RETURN_IF_ERROR(ReadElementId(e, ctx_.file, ep, ids_, &ignored));
    LJ_RETURN_IF_ERROR(ReadTexts(e, ep, ctx_, &ignored, &ignored));
    ev.value = *lit;
    s->enum_values.push_back(std::move(ev));
  }
  return Status::Ok();
}

Status SchemaParser::ParseMap(const json& v, const std::string& pointer, int level, Schema* s,
                              int* height) {
  auto key = v.find("mapKey");
  if (key == v.end()) return Invalid(ctx_.file, pointer, "missing required property 'mapKey'");
  std::string kp = Child(pointer, "mapKey");
  if (!key->is_object()) {
    return Invalid(ctx_.file, kp, fmt::format("expected an object, got {}", JsonTypeName(*key)));
  }
  ElementTypes types;
  LJ_RETURN_IF_ERROR(ParseTypes(*key, kp, ctx_, {{"MapKey"}}, false, &types));
  LJ_RETURN_IF_ERROR(CheckKeys(*key, kp, ctx_, {"name", "schema"}, {"MapKey"}, types));
  std::string name, ignored;
  LJ_RETURN_IF_ERROR(ReadName(*key, ctx_.file, kp, &name));
  auto ks = key->find("schema");
  if (ks == key->end()) return Invalid(ctx_.file, kp, "missing required property 'schema'");
  if (*ks != "string") {
    return Invalid(ctx_.file, Child(kp, "schema"),
                   fmt::format("mapKey schema must be 'string', got {}", Preview(*ks)));
  }
  LJ_RETURN_IF_ERROR(ReadElementId(*key, ctx_.file, kp, ids_, &ignored));
  LJ_RETURN_IF_ERROR(ReadTexts(*key, kp, ctx_, &ignored, &ignored));

  auto value = v.find("mapValue");
  if (value == v.end()) return Invalid(ctx_.file, pointer, "missing required property 'mapValue'");
  std::string mp = Child(pointer, "mapValue");
  if (!value->is_object()) {
    return Invalid(ctx_.file, mp, fmt::format("expected an object, got {}", JsonTypeName(*value)));
  }
  LJ_RETURN_IF_ERROR(ParseTypes(*value, mp, ctx_, {{"MapValue", true}}, false, &types));
  LJ_RETURN_IF_ERROR(
      CheckKeys(*value, mp, ctx_, {"name", "schema"}, {.what = "MapValue", .unit = true}, types));
  LJ_RETURN_IF_ERROR(ReadName(*value, ctx_.file, mp, &name));
  auto vs = value->find("schema");
  if (vs == value->end()) return Invalid(ctx_.file, mp, "missing required property 'schema'");
  int child = 0;
  LJ_RETURN_IF_ERROR(ParseAt(*vs, Child(mp, "schema"), level, &s->map_value, &child));
  ExtensionValues ext;
  LJ_RETURN_IF_ERROR(ReadExtensions(*value, mp, ctx_, types, *s->map_value, &ext));
  LJ_RETURN_IF_ERROR(ReadElementId(*value, ctx_.file, mp, ids_, &ignored));
  LJ_RETURN_IF_ERROR(ReadTexts(*value, mp, ctx_, &ignored, &ignored));
  *height = 1 + child;
  return Status::Ok();
}

Status SchemaParser::ParseObject(const json& v, const std::string& pointer, int level, Schema* s,
                                 int* height) {
  *height = 1;
  auto fields = v.find("fields");
  if (fields == v.end()) return Status::Ok();
  std::string fp = Child(pointer, "fields");
  if (!fields->is_array()) {
    return Invalid(ctx_.file, fp, fmt::format("expected an array, got {}", JsonTypeName(*fields)));
  }
  std::map<std::string, std::string> names;
  for (size_t i = 0; i < fields->size(); ++i) {
    const json& f = (*fields)[i];
    std::string p = Child(fp, i);
    if (!f.is_object()) {
      return Invalid(ctx_.file, p, fmt::format("expected an object, got {}", JsonTypeName(f)));
    }
    ElementTypes types;
    LJ_RETURN_IF_ERROR(ParseTypes(f, p, ctx_, {{"Field", true}}, false, &types));
    LJ_RETURN_IF_ERROR(
        CheckKeys(f, p, ctx_, {"name", "schema"}, {.what = "Field", .unit = true}, types));
    Field field;
    LJ_RETURN_IF_ERROR(ReadName(f, ctx_.file, p, &field.name));
    if (auto [it, fresh] = names.emplace(field.name, p); !fresh) {
      return Invalid(ctx_.file, Child(p, "name"),
                     fmt::format("duplicate field name '{}' (also at {})", field.name, it->second));
    }
    auto fs = f.find("schema");
    if (fs == f.end()) return Invalid(ctx_.file, p, "missing required property 'schema'");
    int child = 0;
    LJ_RETURN_IF_ERROR(ParseAt(*fs, Child(p, "schema"), level, &field.schema, &child));
    ExtensionValues ext;
    LJ_RETURN_IF_ERROR(ReadExtensions(f, p, ctx_, types, *field.schema, &ext));
    std::string ignored;
    LJ_RETURN_IF_ERROR(ReadElementId(f, ctx_.file, p, ids_, &ignored));
    LJ_RETURN_IF_ERROR(ReadTexts(f, p, ctx_, &ignored, &ignored));
    *height = std::max(*height, 1 + child);
    s->fields.push_back(std::move(field));
  }
  return Status::Ok();
}

}  // namespace lj::model::internal
