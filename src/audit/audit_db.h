// Internal to src/audit: audit.db — schema (versioned in PRAGMA user_version), the batch append
// that extends the chain inside one write transaction, point lookups, queries, the ordered scan
// used by Verify, and Verify's structural checks (integrity, schema: db_check.cc). Errors are
// kStorage with SQLite's message.
// Contract: one AuditDb per thread (the writer has its own; readers share one under a mutex).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "audit/anchor.h"
#include "audit/audit.h"

struct sqlite3;

namespace lj::audit {

class AuditDb {
 public:
  // `create` false: the file must exist (kNotFound). Readers set query_only.
  static Result<std::unique_ptr<AuditDb>> Open(const std::string& path, bool create, bool reader);
  ~AuditDb();
  AuditDb(const AuditDb&) = delete;
  AuditDb& operator=(const AuditDb&) = delete;

  // Chains `batch` onto the current head (read inside the transaction): assigns seq, prev_hash
  // and hash to each record, inserts them and commits. Returns the new head.
  Result<Anchor> AppendBatch(std::vector<Record>& batch);
  // The hash of record `seq`; nullopt when there is none.
  Result<std::optional<std::string>> HashAt(int64_t seq);
  Result<AuditPage> Query(const AuditQuery& q);
  // Calls `visit` for every record in seq order within one read transaction; stops early when
  // it returns false. `exact` is false when a stored interface or outcome name is unknown (the
  // record cannot be re-encoded as stored).
  Status Scan(const std::function<bool(const Record&, bool exact)>& visit);

  // The schema migrations in order: applying the first i gives schema version i.
  static std::span<const char* const> Migrations();

  // A read transaction: every read until EndRead sees one snapshot of the database.
  Status BeginRead();
  Status EndRead();
  // db_check.cc: the findings of PRAGMA integrity_check (SQLite reports at most 100), verbatim;
  // empty when the file is sound (every index holds exactly its table's rows, no damaged pages,
  // ...).
  Result<std::vector<std::string>> IntegrityCheck();
  // How the schema objects of the file (every table, index, trigger and view with its SQL text)
  // differ from those the migrations create, one line per difference; empty when they are equal.
  // sqlite_stat* tables (query planner statistics, e.g. from PRAGMA optimize) are ignored: they
  // never change what a query returns.
  Result<std::vector<std::string>> SchemaDifferences();

 private:
  AuditDb(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  Status Exec(const char* sql);
  Status Error(const std::string& what) const;
  sqlite3* db_;
  std::string path_;
};

}  // namespace lj::audit
