// AlarmStore: the alarm history and per-patient alarm limits, in SQLite (`<data_dir>/clinical.db`,
// or in memory for tests). One row per alarm (its latest record, upserted on every transition)
// plus one row per transition (alarm_events), so a patient's history shows the whole life cycle.
//
// Contract: Append() never blocks on disk: records go to a bounded queue written by a background
// thread in batched transactions (an overflowing queue drops the oldest batch and counts it in
// dropped()). Queries first wait for the queue to drain, so they see every record appended before
// them. Thread-safety: all methods may be called from any thread.
#pragma once

#include <nlohmann/json.hpp>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "clinical/alarm_tracker.h"
#include "common/status.h"

struct sqlite3;

namespace lj::clinical {

class AlarmStore {
 public:
  // `path` ":memory:" keeps everything in memory.
  static Result<std::unique_ptr<AlarmStore>> Open(const std::string& path);
  ~AlarmStore();

  void Append(std::vector<AlarmEvent> events);
  // Alarms of `patient` that overlap [from_ns, to_ns], oldest first, at most `limit`, each with
  // its transitions ("events": [{"t", "event", "priority", "state", "message"}]).
  Result<nlohmann::json> History(const std::string& patient, int64_t from_ns, int64_t to_ns,
                                 size_t limit);
  uint64_t MaxAlarmId();

  Status SaveLimits(const std::string& patient, const nlohmann::json& limits);
  Status DeleteLimits(const std::string& patient);
  // Every patient's stored overrides (patient -> the document given to SaveLimits).
  Result<std::vector<std::pair<std::string, nlohmann::json>>> LoadLimits();

  void Flush();
  uint64_t dropped() const { return dropped_.load(); }

 private:
  explicit AlarmStore(sqlite3* db);
  void Run();
  void Write(const std::vector<AlarmEvent>& events);

  sqlite3* db_;
  std::mutex db_mu_;  // the connection

  std::mutex mu_;
  std::condition_variable cv_, drained_;
  std::deque<std::vector<AlarmEvent>> queue_;
  size_t queued_events_ = 0;
  bool writing_ = false;
  bool stop_ = false;
  std::atomic<uint64_t> dropped_{0};
  std::thread writer_;
  static constexpr size_t kMaxQueuedEvents = 100000;
};

}  // namespace lj::clinical
