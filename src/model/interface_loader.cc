// Parses DTDL documents and Interface objects: @context, @id, @type, extends, schemas, and
// hands `contents` to content_parser.cc.
#include <fmt/format.h>

#include <set>

#include "model/internal/loader.h"

namespace lj::model::internal {
namespace {

Status ReadInterfaceId(const json& obj, const std::string& pointer, const DocContext& ctx,
                       std::string* id) {
  auto it = obj.find("@id");
  if (it == obj.end()) return Invalid(ctx.file, pointer, "missing required property '@id'");
  std::string p = Child(pointer, "@id");
  if (!it->is_string()) {
    return Invalid(ctx.file, p, fmt::format("expected a DTMI string, got {}", JsonTypeName(*it)));
  }
  const std::string& s = it->get_ref<const std::string&>();
  if (std::string why = DtmiProblem(s, kMaxInterfaceIdLength); !why.empty()) {
    return Invalid(ctx.file, p, why);
  }
  if (IsReservedDtmi(s)) {
    return Invalid(ctx.file, p, fmt::format("{} is in a namespace reserved by DTDL", Preview(*it)));
  }
  if (ctx.dtdl_version == 2 && s.find(';') == std::string::npos) {
    return Invalid(ctx.file, p, fmt::format("{} needs a version in DTDL v2", Preview(*it)));
  }
  *id = s;
  return Status::Ok();
}

// One `extends` entry: a DTMI or an inline interface.
Status ParseExtendsEntry(const json& v, const std::string& pointer, const DocContext& ctx,
                         int depth, ParsedDocument* doc, RawInterface* raw) {
  std::string base;
  if (v.is_string()) {
    base = v.get<std::string>();
    if (std::string why = DtmiProblem(base, kMaxInterfaceIdLength); !why.empty()) {
      return Invalid(ctx.file, pointer, why);
    }
  } else if (v.is_object()) {
    LJ_RETURN_IF_ERROR(ParseInterface(v, pointer, ctx.file, &ctx, depth + 1, doc, &base));
  } else {
    return Invalid(
        ctx.file, pointer,
        fmt::format("expected an interface DTMI or an inline interface, got {}", JsonTypeName(v)));
  }
  for (const Ref& r : raw->extends) {
    if (r.dtmi == base) {
      return Invalid(ctx.file, pointer,
                     fmt::format("'{}' is extended twice (also at {})", base, r.pointer));
    }
  }
  if (base == raw->own.id) {
    return Invalid(ctx.file, pointer, fmt::format("extends cycle: {} -> {}", base, base));
  }
  raw->extends.push_back(Ref{base, pointer});
  raw->own.extends.push_back(base);
  return Status::Ok();
}

Status ParseExtends(const json& v, const std::string& pointer, const DocContext& ctx, int depth,
                    ParsedDocument* doc, RawInterface* raw) {
  if (!v.is_array()) return ParseExtendsEntry(v, pointer, ctx, depth, doc, raw);
  for (size_t i = 0; i < v.size(); ++i) {
    LJ_RETURN_IF_ERROR(ParseExtendsEntry(v[i], Child(pointer, i), ctx, depth, doc, raw));
  }
  return Status::Ok();
}

}  // namespace

Status ParseInterface(const json& obj, const std::string& pointer, const std::string& file,
                      const DocContext* inherited, int depth, ParsedDocument* out,
                      std::string* id) {
  if (!obj.is_object()) {
    return Invalid(file, pointer,
                   fmt::format("expected an interface object, got {}", JsonTypeName(obj)));
  }
  if (depth > kMaxInlineDepth) {
    return Invalid(file, pointer,
                   fmt::format("inline interfaces nested deeper than {} levels", kMaxInlineDepth));
  }
  DocContext ctx;
  if (inherited != nullptr) ctx = *inherited;
  ctx.file = file;
  if (auto it = obj.find("@context"); it != obj.end()) {
    LJ_RETURN_IF_ERROR(ParseContextValue(*it, Child(pointer, "@context"), &ctx));
  } else if (inherited == nullptr) {
    return Invalid(file, pointer, "missing required property '@context'");
  }
  ElementTypes types;
  LJ_RETURN_IF_ERROR(ParseTypes(obj, pointer, ctx, {{"Interface"}}, true, &types));
  LJ_RETURN_IF_ERROR(CheckKeys(obj, pointer, ctx, {"@context", "contents", "extends", "schemas"},
                               {"Interface"}, types));
  RawInterface raw;
  raw.pointer = pointer;
  raw.own.source_file = file;
  LJ_RETURN_IF_ERROR(ReadInterfaceId(obj, pointer, ctx, &raw.own.id));
  out->ids.push_back(Ref{raw.own.id, Child(pointer, "@id")});
  LJ_RETURN_IF_ERROR(ReadTexts(obj, pointer, ctx, &raw.own.display_name, &raw.own.description));
  if (auto it = obj.find("extends"); it != obj.end()) {
    LJ_RETURN_IF_ERROR(ParseExtends(*it, Child(pointer, "extends"), ctx, depth, out, &raw));
  }
  SchemaParser schemas(ctx, &out->ids);
  if (auto it = obj.find("schemas"); it != obj.end()) {
    LJ_RETURN_IF_ERROR(schemas.DeclareInterfaceSchemas(*it, Child(pointer, "schemas")));
  }
  if (auto it = obj.find("contents"); it != obj.end()) {
    InterfaceScope scope{ctx, schemas, *out, raw, depth};
    LJ_RETURN_IF_ERROR(ParseContents(*it, Child(pointer, "contents"), scope));
  }
  raw.own.source = obj;
  *id = raw.own.id;
  out->interfaces.push_back(std::move(raw));
  return Status::Ok();
}

Status ParseDocument(const json& doc, const std::string& file, ParsedDocument* out) {
  ParsedDocument result;
  std::string id;
  if (doc.is_object()) {
    LJ_RETURN_IF_ERROR(ParseInterface(doc, "", file, nullptr, 0, &result, &id));
  } else if (doc.is_array()) {
    for (size_t i = 0; i < doc.size(); ++i) {
      LJ_RETURN_IF_ERROR(ParseInterface(doc[i], Child("", i), file, nullptr, 0, &result, &id));
    }
  } else {
    return Invalid(
        file, "",
        fmt::format("expected an interface object or an array of them, got {}", JsonTypeName(doc)));
  }
  *out = std::move(result);
  return Status::Ok();
}

}  // namespace lj::model::internal
