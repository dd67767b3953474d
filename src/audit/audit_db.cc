#include "audit/audit_db.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>

#include "audit/record_codec.h"
#include "common/time.h"

namespace lj::audit {
namespace {

// Append a migration to change the schema; never edit one that shipped.
constexpr const char* kMigrations[] = {
    // v1
    R"sql(
CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied_ns INTEGER NOT NULL);
CREATE TABLE records (
  seq INTEGER PRIMARY KEY,
  time_ns INTEGER NOT NULL,
  actor TEXT NOT NULL,
  actor_kind TEXT NOT NULL,
  actor_role TEXT NOT NULL,
  remote TEXT NOT NULL,
  interface TEXT NOT NULL,
  action TEXT NOT NULL,
  patient TEXT NOT NULL,
  twin TEXT NOT NULL,
  outcome TEXT NOT NULL,
  reason TEXT NOT NULL,
  detail TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL
);
CREATE INDEX records_by_patient ON records(patient, seq);
CREATE INDEX records_by_actor ON records(actor, seq);
CREATE INDEX records_by_time ON records(time_ns);
CREATE TRIGGER records_no_update BEFORE UPDATE ON records
  BEGIN SELECT RAISE(ABORT, 'audit records are append-only'); END;
CREATE TRIGGER records_no_delete BEFORE DELETE ON records
  BEGIN SELECT RAISE(ABORT, 'audit records are append-only'); END;
)sql",
};
constexpr int64_t kSchemaVersion = std::size(kMigrations);

constexpr const char* kColumns =
    "seq, time_ns, actor, actor_kind, actor_role, remote, interface, action, patient, twin,"
    " outcome, reason, detail, prev_hash, hash";

// A statement finalized on scope exit.
struct Stmt {
  sqlite3_stmt* s = nullptr;
  ~Stmt() { sqlite3_finalize(s); }
  void Bind(int i, std::string_view v) {
    sqlite3_bind_text(s, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  }
  void Bind(int i, int64_t v) { sqlite3_bind_int64(s, i, v); }
  std::string Text(int c) const {
    const unsigned char* p = sqlite3_column_text(s, c);
    return p ? std::string(reinterpret_cast<const char*>(p),
                           static_cast<size_t>(sqlite3_column_bytes(s, c)))
             : std::string();
  }
};

// `exact` is cleared when a stored interface or outcome name is not one this build writes: such a
// record cannot be represented, so it cannot hash as stored (Verify reports it as edited).
Record ReadRecord(const Stmt& st, bool* exact) {
  Record r;
  r.seq = sqlite3_column_int64(st.s, 0);
  r.time_ns = sqlite3_column_int64(st.s, 1);
  r.actor = st.Text(2);
  r.actor_kind = st.Text(3);
  r.actor_role = st.Text(4);
  r.remote = st.Text(5);
  Result<Interface> iface = ParseInterface(st.Text(6));
  r.interface = iface.ok() ? *iface : Interface::kInternal;
  r.action = st.Text(7);
  r.patient = st.Text(8);
  r.twin = st.Text(9);
  const std::string outcome = st.Text(10);
  r.allowed = outcome == "allow";
  r.reason = st.Text(11);
  r.detail = st.Text(12);
  r.prev_hash = st.Text(13);
  r.hash = st.Text(14);
  *exact = iface.ok() && (outcome == "allow" || outcome == "deny");
  return r;
}

}  // namespace

Result<std::unique_ptr<AuditDb>> AuditDb::Open(const std::string& path, bool create, bool reader) {
  if (!std::filesystem::exists(path)) {
    if (!create) return Status(ErrorCode::kNotFound, "no audit database '" + path + "'");
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) return Status(ErrorCode::kIo, "cannot create '" + path + "'");
    ::close(fd);
  }
  sqlite3* raw = nullptr;
  const int rc =
      sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr);
  std::unique_ptr<AuditDb> db(new AuditDb(raw, path));
  if (rc != SQLITE_OK) return db->Error("open");
  sqlite3_extended_result_codes(raw, 1);
  sqlite3_busy_timeout(raw, 5000);
  LJ_RETURN_IF_ERROR(db->Exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"));
  sqlite3_stmt* v = nullptr;
  int64_t version = 0;
  if (sqlite3_prepare_v2(raw, "PRAGMA user_version", -1, &v, nullptr) == SQLITE_OK &&
      sqlite3_step(v) == SQLITE_ROW)
    version = sqlite3_column_int64(v, 0);
  sqlite3_finalize(v);
  if (version > kSchemaVersion)
    return Status(ErrorCode::kStorage, fmt::format("{} has schema version {}, newer than {}", path,
                                                   version, kSchemaVersion));
  if (version < kSchemaVersion) {
    if (reader && !create)
      return Status(ErrorCode::kStorage, path + " is not an audit database (no schema)");
    LJ_RETURN_IF_ERROR(db->Exec("BEGIN IMMEDIATE"));
    // Re-read inside the lock: another process may have created the schema meanwhile.
    Stmt again;
    sqlite3_prepare_v2(raw, "PRAGMA user_version", -1, &again.s, nullptr);
    int64_t now_at = sqlite3_step(again.s) == SQLITE_ROW ? sqlite3_column_int64(again.s, 0) : 0;
    for (int64_t i = now_at; i < kSchemaVersion; ++i) {
      Status s = db->Exec(kMigrations[i]);
      if (s.ok())
        s = db->Exec(fmt::format("INSERT INTO schema_version VALUES({}, {}); PRAGMA user_version"
                                 " = {};",
                                 i + 1, NowNs(), i + 1)
                         .c_str());
      if (!s.ok()) {
        db->Exec("ROLLBACK").IgnoreError();  // the migration error is what matters
        return s;
      }
    }
    LJ_RETURN_IF_ERROR(db->Exec("COMMIT"));
  }
  if (reader) LJ_RETURN_IF_ERROR(db->Exec("PRAGMA query_only=1"));
  return db;
}

AuditDb::~AuditDb() { sqlite3_close(db_); }

Status AuditDb::Exec(const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    Status s(ErrorCode::kStorage, "sqlite " + path_ + ": " + (err ? err : sqlite3_errmsg(db_)));
    sqlite3_free(err);
    return s;
  }
  return Status::Ok();
}

Status AuditDb::Error(const std::string& what) const {
  return Status(ErrorCode::kStorage,
                "sqlite " + path_ + ": " + what + ": " + (db_ ? sqlite3_errmsg(db_) : "no memory"));
}

Result<Anchor> AuditDb::AppendBatch(std::vector<Record>& batch) {
  LJ_RETURN_IF_ERROR(Exec("BEGIN IMMEDIATE"));
  auto fail = [&](const std::string& what) {
    Status s = Error(what);
    Exec("ROLLBACK").IgnoreError();  // the original error is reported
    return s;
  };
  Anchor head{0, kGenesisHash};
  {
    Stmt st;
    if (sqlite3_prepare_v2(db_, "SELECT seq, hash FROM records ORDER BY seq DESC LIMIT 1", -1,
                           &st.s, nullptr) != SQLITE_OK)
      return fail("prepare head");
    const int rc = sqlite3_step(st.s);
    if (rc == SQLITE_ROW)
      head = Anchor{sqlite3_column_int64(st.s, 0), st.Text(1)};
    else if (rc != SQLITE_DONE)
      return fail("read head");
  }
  Stmt ins;
  const std::string sql = fmt::format("INSERT INTO records({}) VALUES({})", kColumns,
                                      "?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?");
  if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &ins.s, nullptr) != SQLITE_OK)
    return fail("prepare insert");
  for (Record& r : batch) {
    r.seq = head.seq + 1;
    r.prev_hash = head.hash;
    r.hash = ChainHash(r.prev_hash, r);
    ins.Bind(1, r.seq);
    ins.Bind(2, r.time_ns);
    ins.Bind(3, r.actor);
    ins.Bind(4, r.actor_kind);
    ins.Bind(5, r.actor_role);
    ins.Bind(6, r.remote);
    ins.Bind(7, InterfaceName(r.interface));
    ins.Bind(8, r.action);
    ins.Bind(9, r.patient);
    ins.Bind(10, r.twin);
    ins.Bind(11, std::string_view(r.allowed ? "allow" : "deny"));
    ins.Bind(12, r.reason);
    ins.Bind(13, r.detail);
    ins.Bind(14, r.prev_hash);
    ins.Bind(15, r.hash);
    if (sqlite3_step(ins.s) != SQLITE_DONE) return fail("insert");
    sqlite3_reset(ins.s);
    head = Anchor{r.seq, r.hash};
  }
  if (Status s = Exec("COMMIT"); !s.ok()) {
    Exec("ROLLBACK").IgnoreError();  // COMMIT failed: the transaction is still open
    return s;
  }
  return head;
}

Result<std::optional<std::string>> AuditDb::HashAt(int64_t seq) {
  Stmt st;
  if (sqlite3_prepare_v2(db_, "SELECT hash FROM records WHERE seq = ?", -1, &st.s, nullptr) !=
      SQLITE_OK)
    return Error("prepare");
  st.Bind(1, seq);
  const int rc = sqlite3_step(st.s);
  if (rc == SQLITE_ROW) return std::optional<std::string>(st.Text(0));
  if (rc == SQLITE_DONE) return std::optional<std::string>();
  return Error("read hash");
}

Result<AuditPage> AuditDb::Query(const AuditQuery& q) {
  if (q.limit < 1 || q.limit > 1000)
    return Status(ErrorCode::kInvalidArgument, "audit query limit must be 1..1000");
  std::string sql = fmt::format(
      "SELECT {} FROM records WHERE seq > ? AND time_ns >= ? AND "
      "time_ns <= ?",
      kColumns);
  if (!q.patient.empty()) sql += " AND patient = ?";
  if (!q.actor.empty()) sql += " AND actor = ?";
  sql += " ORDER BY seq LIMIT ?";
  Stmt st;
  if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &st.s, nullptr) != SQLITE_OK)
    return Error("prepare query");
  int i = 1;
  st.Bind(i++, q.after_seq);
  st.Bind(i++, q.since_ns);
  st.Bind(i++, q.until_ns);
  if (!q.patient.empty()) st.Bind(i++, q.patient);
  if (!q.actor.empty()) st.Bind(i++, q.actor);
  st.Bind(i++, int64_t{q.limit} + 1);  // one more tells whether another page exists
  AuditPage page;
  for (;;) {
    const int rc = sqlite3_step(st.s);
    if (rc == SQLITE_DONE) break;
    if (rc != SQLITE_ROW) return Error("query");
    if (page.records.size() == static_cast<size_t>(q.limit)) {
      page.next_after_seq = page.records.back().seq;
      break;
    }
    bool exact = true;
    page.records.push_back(ReadRecord(st, &exact));
  }
  return page;
}

Status AuditDb::Scan(const std::function<bool(const Record&, bool exact)>& visit) {
  Stmt st;
  const std::string sql = fmt::format("SELECT {} FROM records ORDER BY seq", kColumns);
  if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &st.s, nullptr) != SQLITE_OK)
    return Error("prepare scan");
  for (;;) {
    const int rc = sqlite3_step(st.s);
    if (rc == SQLITE_DONE) return Status::Ok();
    if (rc != SQLITE_ROW) return Error("scan");
    bool exact = true;
    Record r = ReadRecord(st, &exact);
    if (!visit(r, exact)) return Status::Ok();
  }
}

std::span<const char* const> AuditDb::Migrations() { return kMigrations; }

Status AuditDb::BeginRead() { return Exec("BEGIN"); }

Status AuditDb::EndRead() {
  Status s = Exec("COMMIT");
  if (!s.ok()) Exec("ROLLBACK").IgnoreError();  // the COMMIT error is reported
  return s;
}

}  // namespace lj::audit
