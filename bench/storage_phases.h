// The phases of the storage benchmark (bench/README.md, "Storage"): bytes per sample on real
// ECG (MIT-BIH) and on a 1,000-patient vitals workload, and 24-hour trend query latency, each
// against InfluxDB 1.6 on the same data in the same run. Each phase starts its own servers on
// free loopback ports and stops everything it started.
#pragma once

#include <nlohmann/json.hpp>

#include <memory>

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"
#include "history/history.h"

namespace lj::bench {

struct StorageOptions {
  std::string lingjing = "build/release/src/app/lingjing";
  std::string influxd = "/usr/bin/influxd";
  std::string mitdb = "../shared/data/mitdb";
  std::vector<std::string> records;  // empty: every *.hea in mitdb
  int vitals_patients = 1000;
  double vitals_hours = 1;
  int trend_patients = 10;
  int trend_queries = 200;
  int trend_buckets = 1000;
  int compaction_wait_s = 600;  // max wait for InfluxDB's full compaction
};

// Each returns a JSON object of figures (and "error" on failure) and prints a table.
nlohmann::json RunEcgStorage(const StorageOptions& o);
nlohmann::json RunVitalsStorage(const StorageOptions& o);
nlohmann::json RunTrendQueries(const StorageOptions& o);

// Deterministic 1 Hz vitals of one patient: hr, rr, spo2, temp every second, nibpSys and
// nibpDia every 15 minutes, values as a monitor reports them (integers; temperature in 0.1 °C).
// Appends one line-protocol line per second to `out` for seconds [from_s, to_s) (unix seconds,
// written with ms precision); returns the number of field values written.
uint64_t AppendVitalsLines(int patient, int64_t from_s, int64_t to_s, std::string* out);
std::string MonitorId(int patient);  // "monitor-0001"

// A history store in `dir` for size measurements (SyncPolicy::kNone: size is what is measured),
// and, once written, Flush() + Compact() + Close() followed by every byte in `dir`.
Result<std::unique_ptr<history::HistoryStore>> OpenMeasuredStore(const std::string& dir);
Result<uint64_t> SealedStoreBytes(history::HistoryStore& store, const std::string& dir);

// Waits until InfluxDB's TSM files have not changed for `quiet_s` seconds and its WAL is
// empty (full compaction done), at most `max_s`. Returns false on timeout.
class InfluxServer;
bool WaitForInfluxCompaction(const InfluxServer& s, int quiet_s, int max_s);

}  // namespace lj::bench
