#include "clinical/alarm_store.h"

#include <fmt/format.h>
#include <sqlite3.h>

#include "common/log.h"
#include "common/time.h"

namespace lj::clinical {
namespace {

constexpr const char* kSchema = R"sql(
PRAGMA journal_mode=WAL;
PRAGMA synchronous=NORMAL;
CREATE TABLE IF NOT EXISTS alarms(
  id INTEGER PRIMARY KEY, patient TEXT NOT NULL, ward TEXT, kind TEXT, priority TEXT, state TEXT,
  onset_ns INTEGER, cleared_ns INTEGER, record TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS alarms_by_patient ON alarms(patient, onset_ns);
CREATE TABLE IF NOT EXISTS alarm_events(
  alarm_id INTEGER NOT NULL, t_ns INTEGER, event TEXT, priority TEXT, state TEXT, message TEXT);
CREATE INDEX IF NOT EXISTS alarm_events_by_alarm ON alarm_events(alarm_id, t_ns);
CREATE TABLE IF NOT EXISTS patient_limits(patient TEXT PRIMARY KEY, limits TEXT NOT NULL);
)sql";

// A prepared statement that finalizes itself.
class Stmt {
 public:
  Stmt(sqlite3* db, const char* sql) { sqlite3_prepare_v2(db, sql, -1, &s_, nullptr); }
  ~Stmt() { sqlite3_finalize(s_); }
  sqlite3_stmt* get() const { return s_; }
  bool ok() const { return s_ != nullptr; }
  void Text(int i, const std::string& v) {
    sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  }
  void Int(int i, int64_t v) { sqlite3_bind_int64(s_, i, v); }
  std::string Col(int i) const {
    const unsigned char* t = sqlite3_column_text(s_, i);
    return t ? reinterpret_cast<const char*>(t) : "";
  }

 private:
  sqlite3_stmt* s_ = nullptr;
};

Status Error(sqlite3* db, std::string_view what) {
  return Status(ErrorCode::kStorage, fmt::format("alarm store: {}: {}", what, sqlite3_errmsg(db)));
}

}  // namespace

Result<std::unique_ptr<AlarmStore>> AlarmStore::Open(const std::string& path) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                      nullptr) != SQLITE_OK) {
    Status s(ErrorCode::kStorage, fmt::format("alarm store: cannot open '{}': {}", path,
                                              db ? sqlite3_errmsg(db) : "out of memory"));
    sqlite3_close(db);
    return s;
  }
  char* err = nullptr;
  if (sqlite3_exec(db, kSchema, nullptr, nullptr, &err) != SQLITE_OK) {
    Status s(ErrorCode::kStorage,
             fmt::format("alarm store: schema of '{}': {}", path, err ? err : "unknown"));
    sqlite3_free(err);
    sqlite3_close(db);
    return s;
  }
  return std::unique_ptr<AlarmStore>(new AlarmStore(db));
}

AlarmStore::AlarmStore(sqlite3* db) : db_(db) {
  writer_ = std::thread([this] { Run(); });
}

AlarmStore::~AlarmStore() {
  {
    std::lock_guard lk(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  writer_.join();
  sqlite3_close(db_);
}

void AlarmStore::Append(std::vector<AlarmEvent> events) {
  if (events.empty()) return;
  {
    std::lock_guard lk(mu_);
    queued_events_ += events.size();
    queue_.push_back(std::move(events));
    while (queued_events_ > kMaxQueuedEvents && queue_.size() > 1) {
      queued_events_ -= queue_.front().size();
      dropped_.fetch_add(queue_.front().size());
      queue_.pop_front();
    }
  }
  cv_.notify_one();
}

void AlarmStore::Run() {
  std::unique_lock lk(mu_);
  for (;;) {
    cv_.wait(lk, [&] { return stop_ || !queue_.empty(); });
    if (queue_.empty() && stop_) break;
    std::deque<std::vector<AlarmEvent>> work;
    work.swap(queue_);
    queued_events_ = 0;
    writing_ = true;
    lk.unlock();
    std::vector<AlarmEvent> all;
    for (auto& v : work)
      for (auto& e : v) all.push_back(std::move(e));
    Write(all);
    lk.lock();
    writing_ = false;
    drained_.notify_all();
  }
  drained_.notify_all();
}

void AlarmStore::Write(const std::vector<AlarmEvent>& events) {
  std::lock_guard lk(db_mu_);
  sqlite3_exec(db_, "BEGIN", nullptr, nullptr, nullptr);
  Stmt up(db_,
          "INSERT INTO alarms(id, patient, ward, kind, priority, state, onset_ns, cleared_ns, "
          "record) VALUES(?,?,?,?,?,?,?,?,?) ON CONFLICT(id) DO UPDATE SET priority=excluded."
          "priority, state=excluded.state, cleared_ns=excluded.cleared_ns, record=excluded.record");
  Stmt ev(db_,
          "INSERT INTO alarm_events(alarm_id, t_ns, event, priority, state, message) "
          "VALUES(?,?,?,?,?,?)");
  bool ok = up.ok() && ev.ok();
  for (const AlarmEvent& e : events) {
    if (!ok) break;
    const Alarm& a = e.alarm;
    sqlite3_reset(up.get());
    up.Int(1, static_cast<int64_t>(a.id));
    up.Text(2, a.patient);
    up.Text(3, a.ward);
    up.Text(4, std::string(AlarmKindName(a.kind)));
    up.Text(5, std::string(PriorityName(a.priority)));
    up.Text(6, std::string(AlarmStateName(a.state)));
    up.Int(7, a.onset_ns);
    up.Int(8, a.cleared_ns);
    up.Text(9, AlarmToJson(a).dump());
    ok = sqlite3_step(up.get()) == SQLITE_DONE;
    sqlite3_reset(ev.get());
    ev.Int(1, static_cast<int64_t>(a.id));
    ev.Int(2, e.t_ns);
    ev.Text(3, std::string(EventName(e.what)));
    ev.Text(4, std::string(PriorityName(a.priority)));
    ev.Text(5, std::string(AlarmStateName(a.state)));
    ev.Text(6, a.message);
    ok = ok && sqlite3_step(ev.get()) == SQLITE_DONE;
  }
  if (!ok) {
    LJ_LOG_ERROR("alarm history write failed", "error", std::string(sqlite3_errmsg(db_)));
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    dropped_.fetch_add(events.size());
    return;
  }
  sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr);
}

void AlarmStore::Flush() {
  std::unique_lock lk(mu_);
  drained_.wait(lk, [&] { return (queue_.empty() && !writing_) || stop_; });
}

Result<nlohmann::json> AlarmStore::History(const std::string& patient, int64_t from_ns,
                                           int64_t to_ns, size_t limit) {
  Flush();
  std::lock_guard lk(db_mu_);
  Stmt q(db_,
         "SELECT id, record FROM alarms WHERE patient = ? AND onset_ns <= ? AND (cleared_ns = 0 "
         "OR cleared_ns >= ?) ORDER BY onset_ns, id LIMIT ?");
  Stmt evq(db_,
           "SELECT t_ns, event, priority, state, message FROM alarm_events WHERE alarm_id = ? "
           "ORDER BY t_ns, rowid LIMIT 200");
  if (!q.ok() || !evq.ok()) return Error(db_, "history query");
  q.Text(1, patient);
  q.Int(2, to_ns);
  q.Int(3, from_ns);
  q.Int(4, static_cast<int64_t>(limit));
  nlohmann::json out = nlohmann::json::array();
  int rc;
  while ((rc = sqlite3_step(q.get())) == SQLITE_ROW) {
    nlohmann::json a = nlohmann::json::parse(q.Col(1), nullptr, false);
    if (a.is_discarded()) continue;
    nlohmann::json evs = nlohmann::json::array();
    sqlite3_reset(evq.get());
    evq.Int(1, sqlite3_column_int64(q.get(), 0));
    while (sqlite3_step(evq.get()) == SQLITE_ROW) {
      evs.push_back({{"t", FormatRfc3339(sqlite3_column_int64(evq.get(), 0))},
                     {"event", evq.Col(1)},
                     {"priority", evq.Col(2)},
                     {"state", evq.Col(3)},
                     {"message", evq.Col(4)}});
    }
    a["events"] = std::move(evs);
    out.push_back(std::move(a));
  }
  if (rc != SQLITE_DONE) return Error(db_, "history query");
  return out;
}

uint64_t AlarmStore::MaxAlarmId() {
  Flush();
  std::lock_guard lk(db_mu_);
  Stmt q(db_, "SELECT COALESCE(MAX(id), 0) FROM alarms");
  if (!q.ok() || sqlite3_step(q.get()) != SQLITE_ROW) return 0;
  return static_cast<uint64_t>(sqlite3_column_int64(q.get(), 0));
}

Status AlarmStore::SaveLimits(const std::string& patient, const nlohmann::json& limits) {
  std::lock_guard lk(db_mu_);
  Stmt q(db_, "INSERT OR REPLACE INTO patient_limits(patient, limits) VALUES(?, ?)");
  if (!q.ok()) return Error(db_, "save limits");
  q.Text(1, patient);
  q.Text(2, limits.dump());
  if (sqlite3_step(q.get()) != SQLITE_DONE) return Error(db_, "save limits");
  return Status::Ok();
}

Status AlarmStore::DeleteLimits(const std::string& patient) {
  std::lock_guard lk(db_mu_);
  Stmt q(db_, "DELETE FROM patient_limits WHERE patient = ?");
  if (!q.ok()) return Error(db_, "delete limits");
  q.Text(1, patient);
  if (sqlite3_step(q.get()) != SQLITE_DONE) return Error(db_, "delete limits");
  return Status::Ok();
}

Result<std::vector<std::pair<std::string, nlohmann::json>>> AlarmStore::LoadLimits() {
  std::lock_guard lk(db_mu_);
  Stmt q(db_, "SELECT patient, limits FROM patient_limits ORDER BY patient");
  if (!q.ok()) return Error(db_, "load limits");
  std::vector<std::pair<std::string, nlohmann::json>> out;
  while (sqlite3_step(q.get()) == SQLITE_ROW) {
    nlohmann::json j = nlohmann::json::parse(q.Col(1), nullptr, false);
    if (!j.is_discarded()) out.emplace_back(q.Col(0), std::move(j));
  }
  return out;
}

}  // namespace lj::clinical
