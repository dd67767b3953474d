// The three measured phases of the end-to-end ingest benchmark. Each starts its own server(s) on
// free loopback ports with temporary data directories, loads the same in-memory workload, and
// stops everything it started before returning (also on failure).
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "ward_workload.h"

namespace lj::bench {

struct BenchOptions {
  int concurrency = 2;  // keep-alive HTTP connections posting batches
  std::string precision = "ms";
  std::string lingjing = "build/release/src/app/lingjing";
  std::string influxd = "/usr/bin/influxd";
  std::string mosquitto = "/usr/sbin/mosquitto";
  int verify_twins = 50;     // monitors whose latest vitals are checked over REST
  int drain_timeout_s = 60;  // wait for subscriber / MQTT ingest after sending
  // Prepended to every server command line, e.g. {"taskset", "-c", "0"} to give each server
  // exactly one core (--server-cpu).
  std::vector<std::string> server_prefix;
};

struct PhaseResult {
  std::string name;
  bool ran = false;
  bool ok = false;  // everything sent was accepted (and, for Lingjing, seen as expected)
  std::string error;
  uint64_t samples = 0;   // sent
  uint64_t accepted = 0;  // per server (InfluxDB: SELECT count(*))
  uint64_t rejected = 0;
  double seconds = 0;
  double samples_per_s = 0;
  double server_cpu_s = -1;  // CPU seconds the server process used while ingesting
  double client_cpu_s = -1;  // CPU seconds this benchmark process used meanwhile
  nlohmann::json extra = nlohmann::json::object();
};

PhaseResult RunInflux(const Workload& w, const BenchOptions& o);
PhaseResult RunLingjingHttp(const Workload& w, const BenchOptions& o);
PhaseResult RunLingjingMqtt(const Workload& w, const BenchOptions& o);

}  // namespace lj::bench
