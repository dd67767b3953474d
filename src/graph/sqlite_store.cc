#include "graph/sqlite_store.h"

#include <sqlite3.h>

#include <utility>

namespace lj::graph {

// ---- Stmt ----

Stmt::Stmt(Stmt&& other) noexcept
    : store_(other.store_), stmt_(std::exchange(other.stmt_, nullptr)) {}

Stmt::~Stmt() {
  if (stmt_ != nullptr) {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
}

Stmt& Stmt::Bind(int index, std::string_view text) {
  sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
  return *this;
}

Stmt& Stmt::Bind(int index, int64_t value) {
  sqlite3_bind_int64(stmt_, index, value);
  return *this;
}

Result<bool> Stmt::Step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return store_->Error(std::string("step '") + sqlite3_sql(stmt_) + "'");
}

Status Stmt::Run() {
  Result<bool> r = Step();
  if (!r.ok()) return r.status();
  return Status::Ok();
}

std::string Stmt::Text(int column) const {
  const unsigned char* p = sqlite3_column_text(stmt_, column);
  if (p == nullptr) return {};
  return std::string(reinterpret_cast<const char*>(p),
                     static_cast<size_t>(sqlite3_column_bytes(stmt_, column)));
}

int64_t Stmt::Int(int column) const { return sqlite3_column_int64(stmt_, column); }

// ---- SqliteStore ----

Result<std::unique_ptr<SqliteStore>> SqliteStore::Open(const std::string& path) {
  sqlite3* db = nullptr;
  // The owner serialises all access, so SQLite's own connection mutex is unnecessary.
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg =
        "cannot open '" + path + "': " + (db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
    sqlite3_close(db);
    return Status(ErrorCode::kStorage, msg);
  }
  sqlite3_extended_result_codes(db, 1);
  // Another process (e.g. a backup tool) may briefly hold the lock.
  sqlite3_busy_timeout(db, 5000);
  return std::unique_ptr<SqliteStore>(new SqliteStore(db, path));
}

SqliteStore::~SqliteStore() {
  for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
  sqlite3_close(db_);
}

Status SqliteStore::Error(std::string_view what) const {
  return Status(ErrorCode::kStorage,
                "sqlite " + path_ + ": " + std::string(what) + ": " + sqlite3_errmsg(db_));
}

Status SqliteStore::Exec(std::string_view sql) {
  std::string text(sql);
  char* err = nullptr;
  int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    std::string msg = "sqlite " + path_ + ": exec: " + (err != nullptr ? err : sqlite3_errstr(rc));
    sqlite3_free(err);
    return Status(ErrorCode::kStorage, msg);
  }
  return Status::Ok();
}

Result<Stmt> SqliteStore::Prepare(std::string_view sql) {
  std::string key(sql);
  auto it = cache_.find(key);
  if (it != cache_.end()) return Stmt(this, it->second);
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v3(db_, key.data(), static_cast<int>(key.size()),
                              SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) return Error("prepare '" + key + "'");
  cache_.emplace(std::move(key), stmt);
  return Stmt(this, stmt);
}

Result<int64_t> SqliteStore::QueryInt(std::string_view sql) {
  Result<Stmt> stmt = Prepare(sql);
  if (!stmt.ok()) return stmt.status();
  Result<bool> row = stmt->Step();
  if (!row.ok()) return row.status();
  if (!*row) return Status(ErrorCode::kStorage, "sqlite: no row from '" + std::string(sql) + "'");
  return stmt->Int(0);
}

int64_t SqliteStore::Changes() const { return sqlite3_changes64(db_); }

// ---- Transaction ----

Status Transaction::Begin() {
  LJ_RETURN_IF_ERROR(store_.Exec("BEGIN IMMEDIATE"));
  open_ = true;
  return Status::Ok();
}

Status Transaction::Commit() {
  LJ_RETURN_IF_ERROR(store_.Exec("COMMIT"));
  open_ = false;
  return Status::Ok();
}

Transaction::~Transaction() {
  if (open_) {
    // Nothing useful can be done if the rollback itself fails; the connection stays usable
    // and the next BEGIN reports any lasting problem.
    store_.Exec("ROLLBACK").IgnoreError();
  }
}

}  // namespace lj::graph
