// An InfluxDB 1.x (`influxd`) child on free loopback ports with a temporary data directory and
// a minimal config (HTTP API only, WAL fsync per write as shipped), shared by the ingest and
// storage benchmarks. Stopped on destruction.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "bench_util.h"
#include "http_client.h"

namespace lj::bench {

struct InfluxOptions {
  std::string influxd = "/usr/bin/influxd";
  std::vector<std::string> prefix;  // e.g. {"taskset", "-c", "0"}
  // Snapshot the cache and fully compact shards after 1 s without writes (instead of 10 min /
  // 4 h), so the storage benchmark can measure InfluxDB's size after full compaction.
  bool fast_compaction = false;
};

class InfluxServer {
 public:
  static std::unique_ptr<InfluxServer> Start(const InfluxOptions& o, std::string* error);
  ~InfluxServer();
  uint16_t port() const { return port_; }
  int pid() const { return process_ ? process_->pid() : -1; }
  const std::string& dir() const { return dir_->path(); }
  // POST /query?q=...[&db=...]; returns the response.
  HttpResponse Query(const std::string& q, const std::string& db = "") const;
  // Sum of every count_* column of `SELECT count(*) FROM /.*/` in `db`, or -1.
  int64_t CountPoints(const std::string& db) const;
  // Bytes of the TSM files under data/ and of the WAL.
  uint64_t TsmBytes() const;
  uint64_t WalBytes() const;
  std::string LogTail() const { return process_ ? process_->LogTail() : ""; }
  void Stop();

 private:
  std::unique_ptr<TempDir> dir_;
  std::unique_ptr<Process> process_;
  uint16_t port_ = 0;
};

std::string UrlEncode(const std::string& s);
// Bytes of every regular file under `dir` whose name ends with `suffix` ("" = all).
uint64_t DirBytes(const std::string& dir, const std::string& suffix = "");

}  // namespace lj::bench
