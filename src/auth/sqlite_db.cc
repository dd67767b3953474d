#include "auth/sqlite_db.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>
#include <utility>

namespace lj::auth {

Query::Query(Query&& o) noexcept : db_(o.db_), stmt_(std::exchange(o.stmt_, nullptr)) {}
Query::~Query() { sqlite3_finalize(stmt_); }

Query& Query::Bind(int index, std::string_view text) {
  sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
  return *this;
}

Query& Query::Bind(int index, int64_t value) {
  sqlite3_bind_int64(stmt_, index, value);
  return *this;
}

Result<bool> Query::Step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return db_->Error("step");
}

Status Query::Run() {
  Result<bool> r = Step();
  return r.ok() ? Status::Ok() : r.status();
}

std::string Query::Text(int column) const {
  const unsigned char* p = sqlite3_column_text(stmt_, column);
  if (p == nullptr) return {};
  return std::string(reinterpret_cast<const char*>(p),
                     static_cast<size_t>(sqlite3_column_bytes(stmt_, column)));
}

int64_t Query::Int(int column) const { return sqlite3_column_int64(stmt_, column); }

Result<std::unique_ptr<SqliteDb>> SqliteDb::Open(const std::string& path, bool create) {
  if (!create && !std::filesystem::exists(path))
    return Status(ErrorCode::kNotFound, "no database '" + path + "'");
  if (create) {
    // Create it owner-only before SQLite does (SQLite would use the umask, typically 0644).
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) return Status(ErrorCode::kIo, "cannot create '" + path + "'");
    ::close(fd);
  }
  sqlite3* db = nullptr;
  const int rc =
      sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg =
        "cannot open '" + path + "': " + (db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
    sqlite3_close(db);
    return Status(ErrorCode::kStorage, msg);
  }
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, 5000);  // the CLI and the server share the file
  std::unique_ptr<SqliteDb> out(new SqliteDb(db, path));
  LJ_RETURN_IF_ERROR(
      out->Exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                " PRAGMA foreign_keys=ON;"));
  return out;
}

SqliteDb::~SqliteDb() { sqlite3_close(db_); }

Status SqliteDb::Error(std::string_view what) const {
  return Status(ErrorCode::kStorage,
                "sqlite " + path_ + ": " + std::string(what) + ": " + sqlite3_errmsg(db_));
}

Status SqliteDb::Exec(std::string_view sql) {
  const std::string text(sql);
  char* err = nullptr;
  if (sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = "sqlite " + path_ + ": " + (err != nullptr ? err : "exec failed");
    sqlite3_free(err);
    return Status(ErrorCode::kStorage, msg);
  }
  return Status::Ok();
}

Result<Query> SqliteDb::Prepare(std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &stmt, nullptr) !=
      SQLITE_OK)
    return Error("prepare '" + std::string(sql) + "'");
  return Query(this, stmt);
}

Result<int64_t> SqliteDb::QueryInt(std::string_view sql) {
  Result<Query> q = Prepare(sql);
  if (!q.ok()) return q.status();
  Result<bool> row = q->Step();
  if (!row.ok()) return row.status();
  if (!*row) return Status(ErrorCode::kStorage, "sqlite: no row from '" + std::string(sql) + "'");
  return q->Int(0);
}

int64_t SqliteDb::Changes() const { return sqlite3_changes64(db_); }

Txn::~Txn() {
  if (open_) db_.Exec("ROLLBACK").IgnoreError();  // nothing better to do; the next BEGIN reports
}

Status Txn::Begin() {
  LJ_RETURN_IF_ERROR(db_.Exec("BEGIN IMMEDIATE"));
  open_ = true;
  return Status::Ok();
}

Status Txn::Commit() {
  LJ_RETURN_IF_ERROR(db_.Exec("COMMIT"));
  open_ = false;
  return Status::Ok();
}

}  // namespace lj::auth
