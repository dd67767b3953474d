#include "fhir/db.h"

#include <fmt/format.h>
#include <sqlite3.h>

namespace lj::fhir {
namespace {

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS encounters(
  id INTEGER PRIMARY KEY, patient TEXT NOT NULL, bed TEXT NOT NULL,
  start_ns INTEGER NOT NULL, end_ns INTEGER);
CREATE INDEX IF NOT EXISTS encounters_patient ON encounters(patient);
CREATE TABLE IF NOT EXISTS resources(
  type TEXT NOT NULL, id TEXT NOT NULL, patient TEXT NOT NULL, json TEXT NOT NULL,
  updated_ns INTEGER NOT NULL, PRIMARY KEY(type, id));
CREATE INDEX IF NOT EXISTS resources_patient ON resources(type, patient);
CREATE TABLE IF NOT EXISTS counters(name TEXT PRIMARY KEY, value INTEGER NOT NULL);
)sql";

// A prepared statement finalised on scope exit.
class Stmt {
 public:
  Stmt(sqlite3* db, const char* sql) {
    ok_ = sqlite3_prepare_v2(db, sql, -1, &s_, nullptr) == SQLITE_OK;
  }
  ~Stmt() { sqlite3_finalize(s_); }
  bool ok() const { return ok_; }
  Stmt& Bind(int i, const std::string& v) {
    sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Stmt& Bind(int i, int64_t v) {
    sqlite3_bind_int64(s_, i, v);
    return *this;
  }
  int Step() { return sqlite3_step(s_); }
  std::string Text(int c) const {
    const unsigned char* t = sqlite3_column_text(s_, c);
    return t ? std::string(reinterpret_cast<const char*>(t),
                           static_cast<size_t>(sqlite3_column_bytes(s_, c)))
             : std::string();
  }
  int64_t Int(int c) const { return sqlite3_column_int64(s_, c); }
  bool IsNull(int c) const { return sqlite3_column_type(s_, c) == SQLITE_NULL; }

 private:
  sqlite3_stmt* s_ = nullptr;
  bool ok_ = false;
};

}  // namespace

Result<std::unique_ptr<Db>> Db::Open(const std::string& path) {
  sqlite3* raw = nullptr;
  int rc =
      sqlite3_open_v2(path.c_str(), &raw,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  std::unique_ptr<Db> db(new Db(raw));
  if (rc != SQLITE_OK) return db->Error(fmt::format("opening '{}'", path).c_str());
  sqlite3_busy_timeout(raw, 5000);
  LJ_RETURN_IF_ERROR(db->Exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"));
  LJ_RETURN_IF_ERROR(db->Exec(kSchema));
  return db;
}

Db::~Db() { sqlite3_close(db_); }

Status Db::Exec(const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "unknown error";
    sqlite3_free(err);
    return Status(ErrorCode::kStorage, fmt::format("fhir.db: {}", msg));
  }
  return Status::Ok();
}

Status Db::Error(const char* what) const {
  return Status(ErrorCode::kStorage,
                fmt::format("fhir.db: {}: {}", what, db_ ? sqlite3_errmsg(db_) : "out of memory"));
}

Status Db::Begin() { return Exec("BEGIN IMMEDIATE"); }
Status Db::Commit() { return Exec("COMMIT"); }
Status Db::Rollback() { return Exec("ROLLBACK"); }

Result<std::vector<EncounterRow>> Db::Encounters() {
  Stmt s(db_, "SELECT id, patient, bed, start_ns, end_ns FROM encounters ORDER BY id");
  if (!s.ok()) return Error("reading encounters");
  std::vector<EncounterRow> out;
  int rc;
  while ((rc = s.Step()) == SQLITE_ROW) {
    EncounterRow e{s.Int(0), s.Text(1), s.Text(2), s.Int(3), std::nullopt};
    if (!s.IsNull(4)) e.end_ns = s.Int(4);
    out.push_back(std::move(e));
  }
  if (rc != SQLITE_DONE) return Error("reading encounters");
  return out;
}

Result<int64_t> Db::StartEncounter(const std::string& patient, const std::string& bed,
                                   int64_t start_ns) {
  Stmt s(db_, "INSERT INTO encounters(patient, bed, start_ns) VALUES(?, ?, ?)");
  if (!s.ok() || s.Bind(1, patient).Bind(2, bed).Bind(3, start_ns).Step() != SQLITE_DONE)
    return Error("starting encounter");
  return static_cast<int64_t>(sqlite3_last_insert_rowid(db_));
}

Status Db::FinishEncounter(int64_t id, int64_t end_ns) {
  Stmt s(db_, "UPDATE encounters SET end_ns = ? WHERE id = ?");
  if (!s.ok() || s.Bind(1, end_ns).Bind(2, id).Step() != SQLITE_DONE)
    return Error("finishing encounter");
  return Status::Ok();
}

Status Db::PutResource(const ResourceRow& row, int64_t updated_ns) {
  Stmt s(db_,
         "INSERT OR REPLACE INTO resources(type, id, patient, json, updated_ns) "
         "VALUES(?, ?, ?, ?, ?)");
  if (!s.ok() || s.Bind(1, row.type)
                         .Bind(2, row.id)
                         .Bind(3, row.patient)
                         .Bind(4, row.json)
                         .Bind(5, updated_ns)
                         .Step() != SQLITE_DONE)
    return Error("storing resource");
  return Status::Ok();
}

Result<std::optional<ResourceRow>> Db::GetResource(const std::string& type, const std::string& id) {
  Stmt s(db_, "SELECT patient, json FROM resources WHERE type = ? AND id = ?");
  if (!s.ok()) return Error("reading resource");
  int rc = s.Bind(1, type).Bind(2, id).Step();
  if (rc == SQLITE_DONE) return std::optional<ResourceRow>();
  if (rc != SQLITE_ROW) return Error("reading resource");
  return std::optional<ResourceRow>(ResourceRow{type, id, s.Text(0), s.Text(1)});
}

Result<std::vector<ResourceRow>> Db::ResourcesOf(const std::string& type,
                                                 const std::string& patient) {
  const bool all = patient.empty();
  Stmt s(db_, all ? "SELECT id, patient, json FROM resources WHERE type = ? ORDER BY rowid"
                  : "SELECT id, patient, json FROM resources WHERE type = ? AND patient = ? "
                    "ORDER BY rowid");
  if (!s.ok()) return Error("searching resources");
  s.Bind(1, type);
  if (!all) s.Bind(2, patient);
  std::vector<ResourceRow> out;
  int rc;
  while ((rc = s.Step()) == SQLITE_ROW) out.push_back({type, s.Text(0), s.Text(1), s.Text(2)});
  if (rc != SQLITE_DONE) return Error("searching resources");
  return out;
}

Result<int64_t> Db::NextId(const std::string& name) {
  Stmt s(db_,
         "INSERT INTO counters(name, value) VALUES(?, 1) "
         "ON CONFLICT(name) DO UPDATE SET value = value + 1 RETURNING value");
  if (!s.ok() || s.Bind(1, name).Step() != SQLITE_ROW) return Error("allocating id");
  return s.Int(0);
}

}  // namespace lj::fhir
