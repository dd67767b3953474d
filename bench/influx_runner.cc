// Phase 1: InfluxDB 1.6 (the Debian package's influxd) loading the workload over HTTP.
#include <cstdio>
#include <fstream>

#include "bench_util.h"
#include "http_client.h"
#include "influx_server.h"
#include "runners.h"

namespace lj::bench {

PhaseResult RunInflux(const Workload& w, const BenchOptions& o) {
  PhaseResult r;
  r.name = "influxdb_http";
  r.ran = true;
  r.samples = w.samples;
  InfluxOptions io;
  io.influxd = o.influxd;
  io.prefix = o.server_prefix;
  std::printf("[influxdb] starting %s\n", o.influxd.c_str());
  std::unique_ptr<InfluxServer> influx = InfluxServer::Start(io, &r.error);
  if (!influx) return r;
  const uint16_t port = influx->port();
  HttpResponse c = influx->Query("CREATE DATABASE bench");
  if (c.status != 200) {
    r.error = "CREATE DATABASE failed: HTTP " + std::to_string(c.status) + " " + c.body;
    return r;
  }
  std::printf("[influxdb] writing %zu batches over %d connections\n", w.batches.size(),
              o.concurrency);
  std::fflush(stdout);
  const double cpu0 = ProcessCpuSeconds(influx->pid()), self0 = SelfCpuSeconds();
  PostResult p = PostBatches(port, "/write?db=bench&precision=" + o.precision, w.batches,
                             o.concurrency, "influxdb");
  r.server_cpu_s = ProcessCpuSeconds(influx->pid()) - cpu0;
  r.client_cpu_s = SelfCpuSeconds() - self0;
  r.seconds = p.seconds;

  r.extra["requests"] = p.requests;
  r.extra["requests_2xx"] = p.ok;
  if (!p.first_error.empty()) r.extra["first_error"] = p.first_error;
  std::printf("[influxdb] %llu/%llu requests 2xx in %.2f s; counting points...\n",
              static_cast<unsigned long long>(p.ok), static_cast<unsigned long long>(p.requests),
              p.seconds);
  std::fflush(stdout);
  const int64_t counted = influx->CountPoints("bench");
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
  influx->Stop();
  return r;
}

}  // namespace lj::bench
