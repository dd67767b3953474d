// Internal to src/auth: one sqlite3 connection with WAL, a busy timeout, prepared statements
// and Status errors (kStorage with SQLite's message). The file is created 0600 (it holds
// password hashes); SQLite gives its -wal and -shm files the same mode.
// Contract: not thread-safe; the owner serialises every call.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"

struct sqlite3;
struct sqlite3_stmt;

namespace lj::auth {

class SqliteDb;

// A prepared statement, finalized on destruction. Parameters are 1-based, columns 0-based.
class Query {
 public:
  Query(Query&& o) noexcept;
  Query(const Query&) = delete;
  ~Query();
  Query& Bind(int index, std::string_view text);
  Query& Bind(int index, int64_t value);
  Result<bool> Step();  // true: a row is available
  Status Run();         // a statement without rows
  std::string Text(int column) const;
  int64_t Int(int column) const;

 private:
  friend class SqliteDb;
  Query(SqliteDb* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  SqliteDb* db_;
  sqlite3_stmt* stmt_;
};

class SqliteDb {
 public:
  // `create` false: the file must exist (kNotFound otherwise).
  static Result<std::unique_ptr<SqliteDb>> Open(const std::string& path, bool create);
  ~SqliteDb();
  Status Exec(std::string_view sql);
  Result<Query> Prepare(std::string_view sql);
  Result<int64_t> QueryInt(std::string_view sql);
  int64_t Changes() const;
  Status Error(std::string_view what) const;
  const std::string& path() const { return path_; }

 private:
  SqliteDb(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  sqlite3* db_;
  std::string path_;
};

// BEGIN IMMEDIATE … COMMIT; rolled back on destruction unless committed.
class Txn {
 public:
  explicit Txn(SqliteDb& db) : db_(db) {}
  ~Txn();
  Status Begin();
  Status Commit();

 private:
  SqliteDb& db_;
  bool open_ = false;
};

}  // namespace lj::auth
