// Parsing of DTDL documents into unresolved interfaces (before `extends`, components and
// relationship targets are looked up by the resolver). Every check that needs only the
// document itself happens here; failures carry "<file>: <pointer>: <reason>".
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "common/status.h"
#include "model/internal/extensions.h"
#include "model/internal/schema_parser.h"
#include "model/internal/syntax.h"
#include "model/model.h"

namespace lj::model::internal {

// An interface as written: own contents only, references not yet resolved.
struct RawInterface {
  Interface own;                // own contents; `extends` = direct bases; no ancestors yet
  std::string pointer;          // of the interface object within own.source_file ("" = root)
  std::vector<Ref> extends;     // parallel to own.extends: DTMI and where it was written
  std::vector<Ref> names;       // every named content element, Commands included
  std::vector<Ref> components;  // parallel to own.components: schema DTMI and its pointer
  std::vector<Ref> targets;     // Relationship targets and their pointers
};

struct ParsedDocument {
  std::vector<RawInterface> interfaces;  // inline (nested) interfaces included
  std::vector<Ref> ids;                  // every explicit @id with its pointer
};

// Parses a document: one interface object or an array of them.
Status ParseDocument(const json& doc, const std::string& file, ParsedDocument* out);

// Parses one interface object at `pointer` and appends it, after any interfaces nested in it,
// to `out`. `inherited` is the enclosing interface's context (null at top level, where
// @context is required); `depth` counts enclosing inline interfaces. Sets `*id`.
Status ParseInterface(const json& obj, const std::string& pointer, const std::string& file,
                      const DocContext* inherited, int depth, ParsedDocument* out, std::string* id);

// What content parsing needs from the interface being parsed.
struct InterfaceScope {
  const DocContext& ctx;
  SchemaParser& schemas;
  ParsedDocument& doc;
  RawInterface& iface;
  int depth;
};

// Parses the `contents` array at `pointer` into scope.iface.
Status ParseContents(const json& contents, const std::string& pointer, InterfaceScope& scope);

inline constexpr int kMaxInlineDepth = 10;

}  // namespace lj::model::internal
