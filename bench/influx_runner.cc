// Phase 1: InfluxDB 1.6 (the Debian package's influxd) loading the workload over HTTP.
#include <cstdio>
#include <fstream>

#include "bench_util.h"
#include "http_client.h"
#include "runners.h"

namespace lj::bench {
namespace {

std::string UrlEncode(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '*') {
      out += static_cast<char>(c);
    } else {
      char b[4];
      std::snprintf(b, sizeof b, "%%%02X", c);
      out += b;
    }
  }
  return out;
}

// Minimal config: loopback only, everything but the HTTP API off, defaults otherwise (WAL fsync
// per write, in-memory index, as shipped).
void WriteConfig(const std::string& path, const std::string& dir, uint16_t http_port,
                 uint16_t rpc_port) {
  std::ofstream(path) << "reporting-disabled = true\n"
                      << "bind-address = \"127.0.0.1:" << rpc_port << "\"\n"
                      << "[meta]\n  dir = \"" << dir << "/meta\"\n  logging-enabled = false\n"
                      << "[data]\n  dir = \"" << dir << "/data\"\n  wal-dir = \"" << dir
                      << "/wal\"\n  query-log-enabled = false\n"
                      << "[monitor]\n  store-enabled = false\n"
                      << "[subscriber]\n  enabled = false\n"
                      << "[continuous_queries]\n  enabled = false\n"
                      << "[http]\n  enabled = true\n  bind-address = \"127.0.0.1:" << http_port
                      << "\"\n  log-enabled = false\n  pprof-enabled = false\n"
                      << "[logging]\n  level = \"warn\"\n";
}

// Sum of every count_* column over all measurements, or -1.
int64_t CountPoints(uint16_t port) {
  HttpResponse r =
      HttpOnce(port, "GET", "/query?db=bench&q=" + UrlEncode("SELECT count(*) FROM /.*/"));
  if (r.status != 200) return -1;
  nlohmann::json j = nlohmann::json::parse(r.body, nullptr, false);
  if (j.is_discarded()) return -1;
  int64_t n = 0;
  for (const auto& res : j.value("results", nlohmann::json::array()))
    for (const auto& s : res.value("series", nlohmann::json::array()))
      for (const auto& row : s.value("values", nlohmann::json::array()))
        for (size_t c = 1; c < row.size(); ++c)
          if (row[c].is_number()) n += row[c].get<int64_t>();
  return n;
}

}  // namespace

PhaseResult RunInflux(const Workload& w, const BenchOptions& o) {
  PhaseResult r;
  r.name = "influxdb_http";
  r.ran = true;
  r.samples = w.samples;
  TempDir dir("lj-bench-influx");
  const uint16_t port = FreePort(), rpc = FreePort();
  const std::string conf = dir.path() + "/influxdb.conf";
  WriteConfig(conf, dir.path(), port, rpc);
  std::printf("[influxdb] starting %s on 127.0.0.1:%u (data in %s)\n", o.influxd.c_str(), port,
              dir.path().c_str());
  auto proc = Process::Start({o.influxd, "-config", conf}, dir.path() + "/influxd.log");
  if (!proc) {
    r.error = "cannot start " + o.influxd;
    return r;
  }
  if (!WaitFor([&] { return HttpOnce(port, "GET", "/ping").status == 204 || !proc->Running(); },
               std::chrono::seconds(60)) ||
      !proc->Running()) {
    r.error = "influxd did not come up:\n" + proc->LogTail();
    return r;
  }
  HttpResponse c = HttpOnce(port, "POST", "/query?q=" + UrlEncode("CREATE DATABASE bench"));
  if (c.status != 200) {
    r.error = "CREATE DATABASE failed: HTTP " + std::to_string(c.status) + " " + c.body;
    return r;
  }
  std::printf("[influxdb] writing %zu batches over %d connections\n", w.batches.size(),
              o.concurrency);
  std::fflush(stdout);
  const double cpu0 = ProcessCpuSeconds(proc->pid()), self0 = SelfCpuSeconds();
  PostResult p = PostBatches(port, "/write?db=bench&precision=" + o.precision, w.batches,
                             o.concurrency, "influxdb");
  r.server_cpu_s = ProcessCpuSeconds(proc->pid()) - cpu0;
  r.client_cpu_s = SelfCpuSeconds() - self0;
  r.seconds = p.seconds;

  r.extra["requests"] = p.requests;
  r.extra["requests_2xx"] = p.ok;
  if (!p.first_error.empty()) r.extra["first_error"] = p.first_error;
  std::printf("[influxdb] %llu/%llu requests 2xx in %.2f s; counting points...\n",
              static_cast<unsigned long long>(p.ok), static_cast<unsigned long long>(p.requests),
              p.seconds);
  std::fflush(stdout);
  const int64_t counted = CountPoints(port);
  r.extra["select_count"] = counted;
  r.accepted = counted >= 0 ? static_cast<uint64_t>(counted) : 0;
  r.rejected = w.samples > r.accepted ? w.samples - r.accepted : 0;
  r.samples_per_s = p.seconds > 0 ? static_cast<double>(r.accepted) / p.seconds : 0;
  r.ok = p.ok == p.requests && counted == static_cast<int64_t>(w.samples);
  if (!r.ok)
    r.error = "not all points stored: " + std::to_string(counted) + " of " +
              std::to_string(w.samples) + (p.first_error.empty() ? "" : "; " + p.first_error);
  std::printf("[influxdb] SELECT count(*): %s of %s samples; stopping influxd\n",
              Thousands(static_cast<double>(counted)).c_str(),
              Thousands(static_cast<double>(w.samples)).c_str());
  proc->Stop();
  return r;
}

}  // namespace lj::bench
