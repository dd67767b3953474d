// Schema of the twin graph database and its migrations.
//
// Versioning: PRAGMA user_version holds the schema version; the schema_version table keeps a row
// per applied migration (when it ran). A migration runs in one transaction with the version bump,
// so a crash leaves the database at the old or the new version, never in between. To change the
// schema, append a migration to kMigrations and bump kSchemaVersion; never edit an old one.
#include <string>

#include "common/time.h"
#include "graph/graph_impl.h"

namespace lj::graph {
namespace {

constexpr const char* kMigrations[] = {
    // v1: twins and relationships.
    R"sql(
CREATE TABLE schema_version (
  version INTEGER PRIMARY KEY,
  applied_ns INTEGER NOT NULL
);
CREATE TABLE twins (
  id TEXT PRIMARY KEY,
  model TEXT NOT NULL,
  properties TEXT NOT NULL,
  etag INTEGER NOT NULL,
  updated_ns INTEGER NOT NULL
);
CREATE INDEX twins_by_model ON twins(model);
CREATE TABLE relationships (
  source TEXT NOT NULL REFERENCES twins(id),
  id TEXT NOT NULL,
  name TEXT NOT NULL,
  target TEXT NOT NULL REFERENCES twins(id),
  properties TEXT NOT NULL,
  PRIMARY KEY (source, id)
);
CREATE INDEX relationships_by_target ON relationships(target);
CREATE INDEX relationships_by_source_name ON relationships(source, name);
)sql",
};
static_assert(std::size(kMigrations) == kSchemaVersion);

}  // namespace

Status MigrateSchema(SqliteStore& store) {
  Result<int64_t> version = store.QueryInt("PRAGMA user_version");
  if (!version.ok()) return version.status();
  if (*version > kSchemaVersion) {
    return Status(ErrorCode::kStorage, "database " + store.path() + " has schema version " +
                                           std::to_string(*version) + ", newer than the " +
                                           std::to_string(kSchemaVersion) + " this build supports");
  }
  for (int64_t v = *version; v < kSchemaVersion; ++v) {
    Transaction txn(store);
    LJ_RETURN_IF_ERROR(txn.Begin());
    LJ_RETURN_IF_ERROR(store.Exec(kMigrations[v]));
    Result<Stmt> log =
        store.Prepare("INSERT INTO schema_version(version, applied_ns) VALUES(?, ?)");
    if (!log.ok()) return log.status();
    LJ_RETURN_IF_ERROR(log->Bind(1, v + 1).Bind(2, NowNs()).Run());
    LJ_RETURN_IF_ERROR(store.Exec("PRAGMA user_version = " + std::to_string(v + 1)));
    LJ_RETURN_IF_ERROR(txn.Commit());
  }
  return Status::Ok();
}

}  // namespace lj::graph
