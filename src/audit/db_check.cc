// AuditDb's structural checks for Verify: PRAGMA integrity_check, and the schema in the file
// against the one the migrations create (audit_db.h).
#include <fmt/format.h>
#include <sqlite3.h>

#include <map>
#include <memory>

#include "audit/audit_db.h"

namespace lj::audit {
namespace {

// A statement finalized on scope exit.
struct Stmt {
  sqlite3_stmt* s = nullptr;
  ~Stmt() { sqlite3_finalize(s); }
  std::string Text(int c) const {
    const unsigned char* p = sqlite3_column_text(s, c);
    return p ? std::string(reinterpret_cast<const char*>(p),
                           static_cast<size_t>(sqlite3_column_bytes(s, c)))
             : std::string();
  }
};

struct SchemaObject {
  std::string type, table, sql;
};

// name → object, from sqlite_master (internal sqlite_stat* tables left out).
Result<std::map<std::string, SchemaObject>> ReadSchema(sqlite3* db, const std::string& what) {
  Stmt st;
  if (sqlite3_prepare_v2(db,
                         "SELECT type, name, tbl_name, sql FROM sqlite_master"
                         " WHERE name NOT LIKE 'sqlite\\_stat%' ESCAPE '\\'",
                         -1, &st.s, nullptr) != SQLITE_OK)
    return Status(ErrorCode::kStorage,
                  fmt::format("sqlite {}: read schema: {}", what, sqlite3_errmsg(db)));
  std::map<std::string, SchemaObject> out;
  for (;;) {
    const int rc = sqlite3_step(st.s);
    if (rc == SQLITE_DONE) return out;
    if (rc != SQLITE_ROW)
      return Status(ErrorCode::kStorage,
                    fmt::format("sqlite {}: read schema: {}", what, sqlite3_errmsg(db)));
    out[st.Text(1)] = SchemaObject{st.Text(0), st.Text(2), st.Text(3)};
  }
}

// "`found line` where `expected line` was expected": the first line (trimmed) where two SQL
// texts part, so a long CREATE TABLE is reported by the clause that changed.
std::string FirstDifference(const std::string& found, const std::string& expected) {
  auto lines = [](const std::string& text) {
    std::vector<std::string> out;
    size_t at = 0;
    while (at <= text.size()) {
      size_t end = text.find('\n', at);
      if (end == std::string::npos) end = text.size();
      std::string line = text.substr(at, end - at);
      const size_t b = line.find_first_not_of(" \t\r");
      line = b == std::string::npos ? "" : line.substr(b, line.find_last_not_of(" \t\r") - b + 1);
      out.push_back(std::move(line));
      at = end + 1;
    }
    return out;
  };
  const std::vector<std::string> f = lines(found), e = lines(expected);
  size_t i = 0;
  while (i < f.size() && i < e.size() && f[i] == e[i]) ++i;
  const auto show = [](const std::vector<std::string>& v, size_t i) {
    return i < v.size() ? "`" + v[i] + "`" : std::string("the end");
  };
  if (i == f.size() && i == e.size()) return "only in white space";
  return fmt::format("{} where {} was expected", show(f, i), show(e, i));
}

// The schema the migrations create, built in an in-memory database.
Result<std::map<std::string, SchemaObject>> ExpectedSchema() {
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(":memory:", &raw, SQLITE_OPEN_READWRITE, nullptr);
  std::unique_ptr<sqlite3, int (*)(sqlite3*)> db(raw, sqlite3_close);
  if (rc != SQLITE_OK) return Status(ErrorCode::kStorage, "sqlite: cannot open a memory database");
  for (const char* migration : AuditDb::Migrations()) {
    char* err = nullptr;
    if (sqlite3_exec(raw, migration, nullptr, nullptr, &err) != SQLITE_OK) {
      Status s(ErrorCode::kStorage,
               std::string("sqlite: expected schema: ") + (err ? err : sqlite3_errmsg(raw)));
      sqlite3_free(err);
      return s;
    }
  }
  return ReadSchema(raw, "expected schema");
}

}  // namespace

Result<std::vector<std::string>> AuditDb::IntegrityCheck() {
  Stmt st;
  if (sqlite3_prepare_v2(db_, "PRAGMA integrity_check", -1, &st.s, nullptr) != SQLITE_OK)
    return Error("prepare integrity_check");
  std::vector<std::string> findings;
  for (;;) {
    const int rc = sqlite3_step(st.s);
    if (rc == SQLITE_DONE) break;
    if (rc == SQLITE_ROW) {  // one row may hold several lines ("*** in database main ***\n…")
      const std::string text = st.Text(0);
      for (size_t at = 0; at <= text.size();) {
        size_t end = text.find('\n', at);
        if (end == std::string::npos) end = text.size();
        if (end > at) findings.push_back(text.substr(at, end - at));
        at = end + 1;
      }
      continue;
    }
    // A file too damaged to be checked is itself the finding; other errors (busy, I/O) are not.
    if ((rc & 0xff) != SQLITE_CORRUPT && (rc & 0xff) != SQLITE_NOTADB)
      return Error("integrity_check");
    findings.push_back(fmt::format("integrity_check stopped: {}", sqlite3_errmsg(db_)));
    break;
  }
  if (findings.size() == 1 && findings.front() == "ok") findings.clear();
  return findings;
}

Result<std::vector<std::string>> AuditDb::SchemaDifferences() {
  Result<std::map<std::string, SchemaObject>> want = ExpectedSchema();
  if (!want.ok()) return want.status();
  Result<std::map<std::string, SchemaObject>> have = ReadSchema(db_, path_);
  if (!have.ok()) return have.status();
  std::vector<std::string> diffs;
  for (const auto& [name, w] : *want) {
    auto it = have->find(name);
    if (it == have->end()) {
      diffs.push_back(fmt::format("{} '{}' is missing", w.type, name));
      continue;
    }
    const SchemaObject& h = it->second;
    if (h.type != w.type || h.table != w.table)
      diffs.push_back(fmt::format("'{}' is a {} on '{}', expected a {} on '{}'", name, h.type,
                                  h.table, w.type, w.table));
    else if (h.sql != w.sql)
      diffs.push_back(fmt::format("{} '{}' differs from its definition: {}", h.type, name,
                                  FirstDifference(h.sql, w.sql)));
  }
  for (const auto& [name, h] : *have)
    if (!want->contains(name))
      diffs.push_back(
          fmt::format("unexpected {} '{}' on '{}': `{}`", h.type, name, h.table, h.sql));
  return diffs;
}

}  // namespace lj::audit
