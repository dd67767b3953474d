// storage_bench: what history costs on disk and how fast it answers, Lingjing against InfluxDB
// 1.6 on the same data in the same run (bench/README.md, "Storage"):
//   ecg     bytes/sample of the MIT-BIH records (raw 212, gzip -9, xz -9e, InfluxDB, Lingjing)
//   vitals  bytes/sample of a 1,000-patient 1 Hz vitals workload (InfluxDB, Lingjing)
//   trend   p50/p99 latency of a 24-hour, 5-vital, 1,000-bucket trend query over HTTP
#include <CLI/CLI.hpp>

#include <malloc.h>

#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "bench_util.h"
#include "storage_phases.h"

namespace {

void OnSignal(int sig) {
  lj::bench::KillAllChildren();
  std::_Exit(128 + sig);
}

}  // namespace

int main(int argc, char** argv) {
  // The client must not dominate what it measures: keep response-sized buffers (hundreds of
  // kB) on the heap instead of fresh mmap()s whose page faults cost more than the query.
  mallopt(M_MMAP_THRESHOLD, 64 << 20);
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
  CLI::App app{"Storage benchmark: Lingjing history vs InfluxDB 1.6 (bytes/sample, trend queries)"};
  lj::bench::StorageOptions o;
  std::vector<std::string> phases = {"ecg", "vitals", "trend"};
  std::string out_file = "bench/results/storage.json";
  app.add_option("--phases", phases, "Phases to run: ecg vitals trend")
      ->check(CLI::IsMember({"ecg", "vitals", "trend"}))
      ->capture_default_str();
  app.add_option("--lingjing", o.lingjing, "lingjing binary")->capture_default_str();
  app.add_option("--influxd", o.influxd, "influxd binary (InfluxDB 1.x)")->capture_default_str();
  app.add_option("--mitdb", o.mitdb, "Directory of MIT-BIH WFDB records")->capture_default_str();
  app.add_option("--records", o.records, "Records to use (default: every *.hea in --mitdb)");
  app.add_option("--vitals-patients", o.vitals_patients, "Patients of the vitals workload")
      ->capture_default_str()
      ->check(CLI::Range(1, 100000));
  app.add_option("--vitals-hours", o.vitals_hours, "Hours of vitals per patient")
      ->capture_default_str()
      ->check(CLI::Range(0.01, 48.0));
  app.add_option("--trend-patients", o.trend_patients, "Patients with 24 h of vitals (trend)")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000));
  app.add_option("--trend-queries", o.trend_queries, "Timed trend queries per server")
      ->capture_default_str()
      ->check(CLI::Range(1, 100000));
  app.add_option("--compaction-wait", o.compaction_wait_s,
                 "Max seconds to wait for InfluxDB's full compaction")
      ->capture_default_str();
  app.add_option("--out", out_file, "Write the results as JSON here")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  std::signal(SIGINT, OnSignal);
  std::signal(SIGTERM, OnSignal);

  nlohmann::json results = nlohmann::json::array();
  bool ok = true;
  for (const std::string& p : phases) {
    nlohmann::json r = p == "ecg"      ? lj::bench::RunEcgStorage(o)
                       : p == "vitals" ? lj::bench::RunVitalsStorage(o)
                                       : lj::bench::RunTrendQueries(o);
    ok = ok && !r.contains("error");
    results.push_back(std::move(r));
  }
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(out_file).parent_path(), ec);
  std::ofstream(out_file) << results.dump(2) << "\n";
  std::printf("\nresults written to %s\n%s\n", out_file.c_str(), results.dump(2).c_str());
  return ok ? 0 : 1;
}
