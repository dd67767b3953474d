// Parses the `contents` of an Interface: Telemetry, Property, Command, Relationship, Component.
#include <fmt/format.h>

#include <climits>
#include <map>

#include "model/internal/loader.h"

namespace lj::model::internal {
namespace {

Status ReadBool(const json& el, std::string_view key, const DocContext& ctx,
                const std::string& pointer, bool* out) {
  auto it = el.find(key);
  if (it == el.end()) return Status::Ok();
  if (!it->is_boolean()) {
    return Invalid(ctx.file, Child(pointer, key),
                   fmt::format("expected a boolean, got {}", JsonTypeName(*it)));
  }
  *out = it->get<bool>();
  return Status::Ok();
}

Result<SchemaPtr> ReadSchema(const json& el, const std::string& pointer, InterfaceScope& scope) {
  auto it = el.find("schema");
  if (it == el.end()) return Invalid(scope.ctx.file, pointer, "missing required property 'schema'");
  return scope.schemas.Parse(*it, Child(pointer, "schema"));
}

Status ParseTelemetry(const json& el, const std::string& p, const ElementTypes& types,
                      InterfaceScope& scope) {
  const DocContext& ctx = scope.ctx;
  LJ_RETURN_IF_ERROR(CheckKeys(
      el, p, ctx, {"name", "schema"},
      {.what = "Telemetry", .unit = true, .annotations = true, .sample_rate = true}, types));
  Telemetry t;
  std::string id;
  LJ_RETURN_IF_ERROR(ReadElementId(el, ctx.file, p, &scope.doc.ids, &id));
  LJ_RETURN_IF_ERROR(ReadName(el, ctx.file, p, &t.name));
  Result<SchemaPtr> schema = ReadSchema(el, p, scope);
  LJ_RETURN_IF_ERROR(schema.status());
  t.schema = *schema;
  ExtensionValues ext;
  LJ_RETURN_IF_ERROR(ReadExtensions(el, p, ctx, types, *t.schema, &ext));
  LJ_RETURN_IF_ERROR(ReadTexts(el, p, ctx, &t.display_name, &t.description));
  t.types = types.all;
  t.unit = std::move(ext.unit);
  t.waveform = types.waveform;
  t.derived = types.derived;
  t.sample_rate_hz = ext.sample_rate_hz;
  t.annotations = std::move(ext.annotations);
  scope.iface.own.telemetry.push_back(std::move(t));
  return Status::Ok();
}

Status ParseProperty(const json& el, const std::string& p, const ElementTypes& types,
                     InterfaceScope& scope, Property* out) {
  const DocContext& ctx = scope.ctx;
  LJ_RETURN_IF_ERROR(CheckKeys(el, p, ctx, {"name", "schema", "writable"},
                               {.what = "Property", .unit = true, .annotations = true}, types));
  std::string id;
  LJ_RETURN_IF_ERROR(ReadElementId(el, ctx.file, p, &scope.doc.ids, &id));
  LJ_RETURN_IF_ERROR(ReadName(el, ctx.file, p, &out->name));
  Result<SchemaPtr> schema = ReadSchema(el, p, scope);
  LJ_RETURN_IF_ERROR(schema.status());
  out->schema = *schema;
  LJ_RETURN_IF_ERROR(ReadBool(el, "writable", ctx, p, &out->writable));
  ExtensionValues ext;
  LJ_RETURN_IF_ERROR(ReadExtensions(el, p, ctx, types, *out->schema, &ext));
  LJ_RETURN_IF_ERROR(ReadTexts(el, p, ctx, &out->display_name, &out->description));
  out->unit = std::move(ext.unit);
  out->annotations = std::move(ext.annotations);
  return Status::Ok();
}

// CommandRequest / CommandResponse: checked, then dropped (the engine does not run commands).
Status ParsePayload(const json& el, const std::string& p, std::string_view what,
                    InterfaceScope& scope) {
  const DocContext& ctx = scope.ctx;
  if (!el.is_object()) {
    return Invalid(ctx.file, p, fmt::format("expected an object, got {}", JsonTypeName(el)));
  }
  ElementTypes types;
  LJ_RETURN_IF_ERROR(ParseTypes(el, p, ctx, {{what, true}}, false, &types));
  LJ_RETURN_IF_ERROR(
      CheckKeys(el, p, ctx, {"name", "schema"}, {.what = what, .unit = true}, types));
  std::string ignored;
  LJ_RETURN_IF_ERROR(ReadElementId(el, ctx.file, p, &scope.doc.ids, &ignored));
  LJ_RETURN_IF_ERROR(ReadName(el, ctx.file, p, &ignored));
  Result<SchemaPtr> schema = ReadSchema(el, p, scope);
  LJ_RETURN_IF_ERROR(schema.status());
  ExtensionValues ext;
  LJ_RETURN_IF_ERROR(ReadExtensions(el, p, ctx, types, **schema, &ext));
  return ReadTexts(el, p, ctx, &ignored, &ignored);
}

Status ParseCommand(const json& el, const std::string& p, const ElementTypes& types,
                    InterfaceScope& scope, std::string* name) {
  const DocContext& ctx = scope.ctx;
  if (ctx.dtdl_version == 2) {
    LJ_RETURN_IF_ERROR(
        CheckKeys(el, p, ctx, {"name", "request", "response", "commandType"}, {"Command"}, types));
  } else {
    LJ_RETURN_IF_ERROR(CheckKeys(el, p, ctx, {"name", "request", "response"}, {"Command"}, types));
  }
  std::string id;
  LJ_RETURN_IF_ERROR(ReadElementId(el, ctx.file, p, &scope.doc.ids, &id));
  LJ_RETURN_IF_ERROR(ReadName(el, ctx.file, p, name));
  if (auto it = el.find("request"); it != el.end()) {
    LJ_RETURN_IF_ERROR(ParsePayload(*it, Child(p, "request"), "CommandRequest", scope));
  }
  if (auto it = el.find("response"); it != el.end()) {
    LJ_RETURN_IF_ERROR(ParsePayload(*it, Child(p, "response"), "CommandResponse", scope));
  }
  std::string ignored;
  return ReadTexts(el, p, ctx, &ignored, &ignored);
}

// An integer in [lo, hi]; messages name the allowed range.
Status ReadMultiplicity(const json& el, std::string_view key, const DocContext& ctx,
                        const std::string& p, int64_t lo, int64_t hi, int* out) {
  auto it = el.find(key);
  if (it == el.end()) return Status::Ok();
  bool ok = false;
  int64_t v = 0;
  if (it->is_number_unsigned()) {
    ok = it->get<uint64_t>() <= static_cast<uint64_t>(hi);
    v = ok ? static_cast<int64_t>(it->get<uint64_t>()) : 0;
  } else if (it->is_number_integer()) {
    v = it->get<int64_t>();
    ok = true;
  }
  if (!ok || v < lo || v > hi) {
    std::string range =
        lo == hi ? fmt::format("equal to {}", lo) : fmt::format("between {} and {}", lo, hi);
    return Invalid(ctx.file, Child(p, key),
                   fmt::format("{} must be an integer {}, got {}", key, range, Preview(*it)));
  }
  *out = static_cast<int>(v);
  return Status::Ok();
}

Status ParseRelationship(const json& el, const std::string& p, const ElementTypes& types,
                         InterfaceScope& scope) {
  const DocContext& ctx = scope.ctx;
  LJ_RETURN_IF_ERROR(
      CheckKeys(el, p, ctx,
                {"name", "target", "minMultiplicity", "maxMultiplicity", "properties", "writable"},
                {"Relationship"}, types));
  Relationship r;
  std::string id;
  LJ_RETURN_IF_ERROR(ReadElementId(el, ctx.file, p, &scope.doc.ids, &id));
  LJ_RETURN_IF_ERROR(ReadName(el, ctx.file, p, &r.name));
  if (auto it = el.find("target"); it != el.end()) {
    std::string tp = Child(p, "target");
    if (!it->is_string()) {
      return Invalid(ctx.file, tp,
                     fmt::format("expected a DTMI string, got {}", JsonTypeName(*it)));
    }
    r.target = it->get<std::string>();
    if (std::string why = DtmiProblem(r.target, kMaxElementIdLength); !why.empty()) {
      return Invalid(ctx.file, tp, why);
    }
    scope.iface.targets.push_back(Ref{r.target, tp});
  }
  LJ_RETURN_IF_ERROR(ReadMultiplicity(el, "minMultiplicity", ctx, p, 0, 0, &r.min_multiplicity));
  LJ_RETURN_IF_ERROR(
      ReadMultiplicity(el, "maxMultiplicity", ctx, p, 1, INT_MAX, &r.max_multiplicity));
  bool writable = false;
  LJ_RETURN_IF_ERROR(ReadBool(el, "writable", ctx, p, &writable));
  if (auto it = el.find("properties"); it != el.end()) {
    std::string pp = Child(p, "properties");
    if (!it->is_array()) {
      return Invalid(ctx.file, pp, fmt::format("expected an array, got {}", JsonTypeName(*it)));
    }
    std::map<std::string, std::string> names;
    for (size_t i = 0; i < it->size(); ++i) {
      const json& prop = (*it)[i];
      std::string ep = Child(pp, i);
      if (!prop.is_object()) {
        return Invalid(ctx.file, ep, fmt::format("expected an object, got {}", JsonTypeName(prop)));
      }
      ElementTypes pt;
      LJ_RETURN_IF_ERROR(ParseTypes(prop, ep, ctx, {{"Property", true}}, true, &pt));
      Property property;
      LJ_RETURN_IF_ERROR(ParseProperty(prop, ep, pt, scope, &property));
      if (auto [n, fresh] = names.emplace(property.name, ep); !fresh) {
        return Invalid(ctx.file, Child(ep, "name"),
                       fmt::format("duplicate name '{}' (also at {})", property.name, n->second));
      }
      r.properties.push_back(std::move(property));
    }
  }
  std::string ignored;
  LJ_RETURN_IF_ERROR(ReadTexts(el, p, ctx, &r.display_name, &ignored));
  scope.iface.own.relationships.push_back(std::move(r));
  return Status::Ok();
}

Status ParseComponent(const json& el, const std::string& p, const ElementTypes& types,
                      InterfaceScope& scope) {
  const DocContext& ctx = scope.ctx;
  LJ_RETURN_IF_ERROR(CheckKeys(el, p, ctx, {"name", "schema"}, {"Component"}, types));
  Component c;
  std::string id;
  LJ_RETURN_IF_ERROR(ReadElementId(el, ctx.file, p, &scope.doc.ids, &id));
  LJ_RETURN_IF_ERROR(ReadName(el, ctx.file, p, &c.name));
  auto it = el.find("schema");
  if (it == el.end()) return Invalid(ctx.file, p, "missing required property 'schema'");
  std::string sp = Child(p, "schema");
  if (it->is_object()) {
    LJ_RETURN_IF_ERROR(
        ParseInterface(*it, sp, ctx.file, &ctx, scope.depth + 1, &scope.doc, &c.schema));
  } else if (it->is_string() && it->get_ref<const std::string&>().rfind("dtmi:", 0) == 0) {
    c.schema = it->get<std::string>();
    if (std::string why = DtmiProblem(c.schema, kMaxInterfaceIdLength); !why.empty()) {
      return Invalid(ctx.file, sp, why);
    }
  } else {
    return Invalid(ctx.file, sp,
                   fmt::format("component schema must be an interface DTMI or an inline "
                               "interface, got {}",
                               Preview(*it)));
  }
  std::string ignored;
  LJ_RETURN_IF_ERROR(ReadTexts(el, p, ctx, &ignored, &ignored));
  scope.iface.components.push_back(Ref{c.schema, sp});
  scope.iface.own.components.push_back(std::move(c));
  return Status::Ok();
}

}  // namespace

Status ParseContents(const json& contents, const std::string& pointer, InterfaceScope& scope) {
  const DocContext& ctx = scope.ctx;
  if (!contents.is_array()) {
    return Invalid(ctx.file, pointer,
                   fmt::format("expected an array, got {}", JsonTypeName(contents)));
  }
  std::map<std::string, std::string> names;  // name -> pointer, for duplicate messages
  for (size_t i = 0; i < contents.size(); ++i) {
    const json& el = contents[i];
    std::string p = Child(pointer, i);
    if (!el.is_object()) {
      return Invalid(ctx.file, p,
                     fmt::format("expected a content element object, got {}", JsonTypeName(el)));
    }
    ElementTypes types;
    LJ_RETURN_IF_ERROR(ParseTypes(el, p, ctx,
                                  {{"Telemetry", true, true},
                                   {"Property", true},
                                   {"Command"},
                                   {"Relationship"},
                                   {"Component"}},
                                  true, &types));
    std::string name;
    if (types.base == "Telemetry") {
      LJ_RETURN_IF_ERROR(ParseTelemetry(el, p, types, scope));
      name = scope.iface.own.telemetry.back().name;
    } else if (types.base == "Property") {
      Property property;
      LJ_RETURN_IF_ERROR(ParseProperty(el, p, types, scope, &property));
      name = property.name;
      scope.iface.own.properties.push_back(std::move(property));
    } else if (types.base == "Command") {
      LJ_RETURN_IF_ERROR(ParseCommand(el, p, types, scope, &name));
    } else if (types.base == "Relationship") {
      LJ_RETURN_IF_ERROR(ParseRelationship(el, p, types, scope));
      name = scope.iface.own.relationships.back().name;
    } else {
      LJ_RETURN_IF_ERROR(ParseComponent(el, p, types, scope));
      name = scope.iface.own.components.back().name;
    }
    if (auto [it, fresh] = names.emplace(name, p); !fresh) {
      return Invalid(ctx.file, Child(p, "name"),
                     fmt::format("duplicate name '{}' (also at {})", name, it->second));
    }
    scope.iface.names.push_back(Ref{name, p});
  }
  return Status::Ok();
}

}  // namespace lj::model::internal
