// ingest_bench: end-to-end ingest throughput of Lingjing (HTTP line protocol and MQTT) against
// InfluxDB 1.6 loading the same line-protocol file, with the same client and concurrency, on the
// same machine, in the same run. See bench/README.md.
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <unistd.h>

#include <array>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>

#include "bench_util.h"
#include "runners.h"
#include "ward_workload.h"

namespace {

using namespace lj::bench;

std::string LoadAvg() {
  std::string s = ReadFile("/proc/loadavg");
  return s.substr(0, s.find(' ', s.find(' ', s.find(' ') + 1) + 1));
}

void OnSignal(int sig) {
  KillAllChildren();
  std::_Exit(128 + sig);
}

void PrintSummary(const std::vector<PhaseResult>& phases, double influx_rate) {
  std::printf("\n%-15s %14s %9s %14s %9s %8s %8s  %s\n", "phase", "samples", "seconds", "samples/s",
              "vs influx", "srv CPU", "cli CPU", "verified");
  for (const PhaseResult& p : phases) {
    if (!p.ran) continue;
    char ratio[32] = "-";
    if (influx_rate > 0) std::snprintf(ratio, sizeof ratio, "%.2fx", p.samples_per_s / influx_rate);
    std::printf("%-15s %14s %9.2f %14s %9s %7.1fs %7.1fs  %s\n", p.name.c_str(),
                Thousands(static_cast<double>(p.accepted)).c_str(), p.seconds,
                Thousands(p.samples_per_s).c_str(), ratio, p.server_cpu_s, p.client_cpu_s,
                p.ok ? "yes" : ("NO: " + p.error).c_str());
    const nlohmann::json& runs = p.extra.value("samples_per_s_all_runs", nlohmann::json::array());
    if (runs.size() > 1) {
      std::string list;
      for (const auto& v : runs) list += (list.empty() ? "" : ", ") + Thousands(v.get<double>());
      std::printf("%-15s   all runs (samples/s, 0 = not verified): %s\n", "", list.c_str());
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"End-to-end ingest benchmark: Lingjing (HTTP line protocol, MQTT) vs InfluxDB 1.6"};
  WorkloadOptions wo;
  BenchOptions bo;
  size_t batch_lines = 5000;
  int repeat = 1;
  bool skip_influx = false, skip_http = false, skip_mqtt = false;
  std::string workload_file, out_file = "bench/results/ingest.json";
  app.add_option("--patients", wo.patients, "Monitors (twins monitor-0001..)")
      ->capture_default_str()
      ->check(CLI::Range(1, 9999));
  app.add_option("--seconds", wo.seconds, "Seconds of data per monitor")
      ->capture_default_str()
      ->check(CLI::Range(1, 3600));
  app.add_option("--concurrency", bo.concurrency, "Keep-alive HTTP connections posting batches")
      ->capture_default_str()
      ->check(CLI::Range(1, 64));
  app.add_option("--batch-lines", batch_lines, "Lines per HTTP request")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000000));
  app.add_option("--precision", wo.precision, "Timestamp precision of the file: ms | ns | us | s")
      ->capture_default_str()
      ->check(CLI::IsMember({"ms", "ns", "us", "s"}));
  app.add_option("--workload", workload_file,
                 "Use this line-protocol file instead of generating one (lines as generated)");
  std::string write_workload;
  app.add_option("--write-workload", write_workload,
                 "Only generate the workload into this file and exit");
  app.add_flag("--skip-influx", skip_influx, "Do not run InfluxDB");
  app.add_flag("--skip-http", skip_http, "Do not run the Lingjing HTTP phase");
  app.add_flag("--skip-mqtt", skip_mqtt, "Do not run the Lingjing MQTT phase");
  app.add_option("--lingjing", bo.lingjing, "lingjing binary")->capture_default_str();
  app.add_option("--influxd", bo.influxd, "influxd binary (InfluxDB 1.x)")->capture_default_str();
  app.add_option("--mosquitto", bo.mosquitto, "mosquitto broker binary")->capture_default_str();
  app.add_option("--verify-twins", bo.verify_twins, "Monitors whose vitals are checked via REST")
      ->capture_default_str();
  app.add_option("--drain-timeout", bo.drain_timeout_s,
                 "Max seconds to wait for the viewer / MQTT ingest after sending")
      ->capture_default_str();
  app.add_option("--repeat", repeat, "Run each phase N times and keep the best verified run")
      ->capture_default_str()
      ->check(CLI::Range(1, 20));
  int server_cpu = -1;
  app.add_option("--server-cpu", server_cpu,
                 "Pin each server (influxd, lingjing) to this one CPU with taskset")
      ->check(CLI::Range(0, 1023));
  app.add_option("--out", out_file, "Write the results as JSON here")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  bo.precision = wo.precision;
  if (server_cpu >= 0) bo.server_prefix = {"/usr/bin/taskset", "-c", std::to_string(server_cpu)};

  for (auto [need, path] :
       {std::pair{!skip_influx, bo.influxd}, std::pair{!skip_http || !skip_mqtt, bo.lingjing},
        std::pair{!skip_mqtt, bo.mosquitto}}) {
    if (need && write_workload.empty() && access(path.c_str(), X_OK) != 0) {
      std::fprintf(stderr, "not an executable: %s (see --help)\n", path.c_str());
      return 1;
    }
  }
  std::signal(SIGINT, OnSignal);
  std::signal(SIGTERM, OnSignal);
  std::signal(SIGPIPE, SIG_IGN);
  const std::string load_before = LoadAvg();
  std::printf("ingest_bench: %u CPUs, load average %s\n", std::thread::hardware_concurrency(),
              load_before.c_str());

  // 1. Workload.
  if (!write_workload.empty()) {
    if (!GenerateWorkload(wo, write_workload)) {
      std::fprintf(stderr, "cannot write %s\n", write_workload.c_str());
      return 1;
    }
    std::printf("[workload] written to %s\n", write_workload.c_str());
    return 0;
  }
  TempDir tmp("lj-bench-workload");
  if (workload_file.empty()) {
    workload_file = tmp.path() + "/ward.lp";
    std::printf("[workload] generating %d patients x %d s (precision %s) into %s\n", wo.patients,
                wo.seconds, wo.precision.c_str(), workload_file.c_str());
    std::fflush(stdout);
    if (!GenerateWorkload(wo, workload_file)) {
      std::fprintf(stderr, "cannot write %s\n", workload_file.c_str());
      return 1;
    }
  }
  Workload w;
  std::string error;
  if (!LoadWorkload(workload_file, batch_lines, &w, &error)) {
    std::fprintf(stderr, "%s\n", error.c_str());
    return 1;
  }
  std::printf(
      "[workload] %s bytes, %s lines, %s samples (%s ECG values), %zu twins, %zu HTTP "
      "batches, %zu device blocks\n",
      Thousands(static_cast<double>(w.data.size())).c_str(),
      Thousands(static_cast<double>(w.lines)).c_str(),
      Thousands(static_cast<double>(w.samples)).c_str(),
      Thousands(static_cast<double>(w.ecg_values)).c_str(), w.twins.size(), w.batches.size(),
      w.blocks.size());
  std::fflush(stdout);

  // 2-4. Phases, one after another (never two servers at once).
  // A phase that throws is reported as failed; its children are stopped by RAII on unwind.
  // With --repeat N each phase runs N times (fresh servers each time, interleaved so that
  // background load hits every phase alike) and the best verified run is kept.
  using PhaseFn = PhaseResult (*)(const Workload&, const BenchOptions&);
  const std::array<std::pair<PhaseFn, const char*>, 3> fns = {
      std::pair<PhaseFn, const char*>{&RunInflux, "influxdb_http"},
      std::pair<PhaseFn, const char*>{&RunLingjingHttp, "lingjing_http"},
      std::pair<PhaseFn, const char*>{&RunLingjingMqtt, "lingjing_mqtt"}};
  const std::array<bool, 3> skip = {skip_influx, skip_http, skip_mqtt};
  std::vector<PhaseResult> phases(3);
  std::array<nlohmann::json, 3> all_rates;
  for (int rep = 0; rep < repeat; ++rep) {
    for (size_t k = 0; k < fns.size(); ++k) {
      if (skip[k]) continue;
      if (repeat > 1) std::printf("--- %s, run %d of %d\n", fns[k].second, rep + 1, repeat);
      PhaseResult r;
      try {
        r = fns[k].first(w, bo);
      } catch (const std::exception& e) {
        r.name = fns[k].second;
        r.ran = true;
        r.error = std::string("exception: ") + e.what();
      }
      all_rates[k].push_back(r.ok ? r.samples_per_s : 0);
      const bool better = !phases[k].ran || (r.ok && !phases[k].ok) ||
                          (r.ok == phases[k].ok && r.samples_per_s > phases[k].samples_per_s);
      if (better) phases[k] = std::move(r);
    }
  }
  for (size_t k = 0; k < phases.size(); ++k)
    if (phases[k].ran) phases[k].extra["samples_per_s_all_runs"] = all_rates[k];

  // 5. Summary.
  const double influx_rate = phases[0].ok ? phases[0].samples_per_s : 0;
  PrintSummary(phases, influx_rate);
  const std::string load_after = LoadAvg();
  std::printf(
      "load average before %s, after %s (2 cores shared by client, servers and anything "
      "else running: figures are noisy when load > ~1)\n",
      load_before.c_str(), load_after.c_str());
  nlohmann::json out;
  out["machine"] = {{"cpus", std::thread::hardware_concurrency()},
                    {"loadavg_before", load_before},
                    {"loadavg_after", load_after}};
  out["workload"] = {{"file_bytes", w.data.size()},
                     {"lines", w.lines},
                     {"samples", w.samples},
                     {"ecg_values", w.ecg_values},
                     {"twins", w.twins.size()},
                     {"patients", wo.patients},
                     {"seconds", wo.seconds},
                     {"precision", wo.precision},
                     {"batch_lines", batch_lines},
                     {"http_batches", w.batches.size()},
                     {"device_blocks", w.blocks.size()}};
  out["concurrency"] = bo.concurrency;
  out["repeat"] = repeat;
  bool all_ok = true;
  for (const PhaseResult& p : phases) {
    if (!p.ran) continue;
    all_ok = all_ok && p.ok;
    nlohmann::json j = {{"ok", p.ok},
                        {"samples", p.samples},
                        {"accepted", p.accepted},
                        {"rejected", p.rejected},
                        {"seconds", p.seconds},
                        {"samples_per_s", p.samples_per_s},
                        {"server_cpu_s", p.server_cpu_s},
                        {"client_cpu_s", p.client_cpu_s},
                        {"samples_per_server_cpu_s",
                         p.server_cpu_s > 0 ? static_cast<double>(p.accepted) / p.server_cpu_s : 0},
                        {"details", p.extra}};
    if (!p.error.empty()) j["error"] = p.error;
    if (influx_rate > 0) j["ratio_vs_influxdb_http"] = p.samples_per_s / influx_rate;
    out["phases"][p.name] = j;
  }
  out["target_ratio"] = 10;
  if (!out_file.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(std::filesystem::path(out_file).parent_path(), ec);
    std::ofstream(out_file) << out.dump(2) << "\n";
    std::printf("results written to %s\n", out_file.c_str());
  }
  return all_ok ? 0 : 2;
}
