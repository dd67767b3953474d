// Internal to src/graph: the state behind TwinGraph and the helpers its .cc files share.
// Every helper expects the caller to hold `mu` (and, for writes, an open Transaction).
#pragma once

#include <initializer_list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "graph/sqlite_store.h"
#include "graph/twin_graph.h"

namespace lj::graph {

// Creates or upgrades the schema to the current version (PRAGMA user_version).
Status MigrateSchema(SqliteStore& store);
inline constexpr int kSchemaVersion = 1;

struct TwinGraph::Impl {
  Impl(const model::ModelRegistry& m, std::unique_ptr<SqliteStore> s)
      : models(m), store(std::move(s)) {}

  const model::ModelRegistry& models;
  std::unique_ptr<SqliteStore> store;
  mutable std::mutex mu;
  std::vector<GraphListener*> listeners;

  // Twins (twin_graph.cc).
  Result<std::optional<Twin>> LoadTwin(std::string_view id) const;
  Status UpsertTwin(const Twin& twin) const;
  Status AppendTwins(std::string_view sql, std::string_view key, std::vector<Twin>& out) const;
  // Before a twin's model changes: do all its relationships (in and out) still fit `model`?
  Status CheckRelationshipsFit(const Twin& twin, const model::Interface& model) const;

  // Relationships (relationships.cc).
  Result<std::optional<Relationship>> LoadRelationship(std::string_view source,
                                                       std::string_view id) const;
  Result<std::vector<Relationship>> QueryRelationships(std::string_view sql,
                                                       std::string_view key) const;
  // Runs a "SELECT COUNT(*) ..." with text parameters bound in order.
  Result<int64_t> Count(std::string_view sql, std::initializer_list<std::string_view> params) const;
  // Checks `rel` (without multiplicity) as if `source` had model `source_model` and `target` had
  // `target_model`; errors are kRelationshipInvalid.
  Status CheckRelationship(const Relationship& rel, const model::Interface& source_model,
                           const std::string& target_model) const;
  // maxMultiplicity of `decl`: counts the stored relationships of rel.source named rel.name,
  // other than rel itself (a replacement does not count twice).
  Status CheckMultiplicity(const model::Relationship& decl, const Relationship& rel) const;
};

// Parses properties stored as JSON text; kStorage naming `what` when the text is corrupt.
Result<nlohmann::json> ParseStoredJson(const std::string& text, std::string_view what);

}  // namespace lj::graph
