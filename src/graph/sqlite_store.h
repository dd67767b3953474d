// Internal to src/graph: a thin RAII wrapper over one sqlite3 connection with cached prepared
// statements and a Status-returning API.
//
// Contract: not thread-safe; the owner (TwinGraph) serialises every call with its own mutex.
// A Stmt borrowed from Prepare() is reset (and its bindings cleared) when it goes out of scope,
// so the cached statement is ready for the next use. Errors are kStorage with SQLite's message.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/status.h"

struct sqlite3;
struct sqlite3_stmt;

namespace lj::graph {

class SqliteStore;

// A borrowed, cached prepared statement. Move-only; resets the statement on destruction.
class Stmt {
 public:
  Stmt(Stmt&& other) noexcept;
  Stmt& operator=(Stmt&&) = delete;
  Stmt(const Stmt&) = delete;
  ~Stmt();

  // Parameters are 1-based, as in SQLite. Text is copied (SQLITE_TRANSIENT).
  Stmt& Bind(int index, std::string_view text);
  Stmt& Bind(int index, int64_t value);
  // Advances: true when a row is available, false when done.
  Result<bool> Step();
  // Runs a statement that returns no rows (INSERT/UPDATE/DELETE).
  Status Run();

  std::string Text(int column) const;  // 0-based; NULL reads as ""
  int64_t Int(int column) const;

 private:
  friend class SqliteStore;
  Stmt(SqliteStore* store, sqlite3_stmt* stmt) : store_(store), stmt_(stmt) {}
  SqliteStore* store_;
  sqlite3_stmt* stmt_;
};

class SqliteStore {
 public:
  // Opens (creating) the database file; `path` may be ":memory:".
  static Result<std::unique_ptr<SqliteStore>> Open(const std::string& path);
  ~SqliteStore();
  SqliteStore(const SqliteStore&) = delete;
  SqliteStore& operator=(const SqliteStore&) = delete;

  // Runs one or more statements, discarding any rows.
  Status Exec(std::string_view sql);
  // Returns the cached statement for `sql`, preparing it on first use.
  Result<Stmt> Prepare(std::string_view sql);
  // Reads a single integer (e.g. "PRAGMA user_version").
  Result<int64_t> QueryInt(std::string_view sql);
  // Rows changed by the most recent INSERT/UPDATE/DELETE.
  int64_t Changes() const;

  Status Error(std::string_view what) const;  // kStorage "<what>: <sqlite message>"
  const std::string& path() const { return path_; }

 private:
  SqliteStore(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  sqlite3* db_;
  std::string path_;
  std::unordered_map<std::string, sqlite3_stmt*> cache_;
};

// Usage: Transaction txn(store); LJ_RETURN_IF_ERROR(txn.Begin()); ...; return txn.Commit();
// A begun transaction that was not committed is rolled back on destruction.
class Transaction {
 public:
  explicit Transaction(SqliteStore& store) : store_(store) {}
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;

  Status Begin();  // BEGIN IMMEDIATE
  Status Commit();

 private:
  SqliteStore& store_;
  bool open_ = false;
};

}  // namespace lj::graph
