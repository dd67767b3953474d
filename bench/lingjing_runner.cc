// Phase 2: Lingjing loading the workload over HTTP line protocol while a WebSocket viewer
// subscribed to every monitor (with waveforms) counts what it is sent.
#include <cmath>
#include <cstdio>
#include <thread>

#include "http_client.h"
#include "lingjing_server.h"
#include "runners.h"
#include "ws_subscriber.h"

namespace lj::bench {
namespace {

// Monitors whose latest vitals, as last delivered to the viewer, equal the last values sent.
size_t ViewerVitalsMatching(const WsSubscriber& sub, const Workload& w, std::string* first_bad) {
  const auto latest = sub.LatestScalars();
  size_t ok = 0;
  for (const auto& [twin, fields] : w.last_vitals) {
    auto it = latest.find(twin);
    bool match = it != latest.end();
    for (const auto& [field, value] : fields) {
      if (!match) break;
      auto f = it->second.find(field);
      match = f != it->second.end() && std::abs(f->second - value) <= 1e-9;
    }
    if (match)
      ++ok;
    else if (first_bad->empty())
      *first_bad = twin;
  }
  return ok;
}

}  // namespace

PhaseResult RunLingjingHttp(const Workload& w, const BenchOptions& o) {
  PhaseResult r;
  r.name = "lingjing_http";
  r.ran = true;
  r.samples = w.samples;
  std::string error;
  auto server = LingjingServer::Start(o.lingjing, {}, &error, o.server_prefix);
  if (!server) {
    r.error = error;
    return r;
  }
  std::printf("[lingjing-http] serving on 127.0.0.1:%u; creating %zu twins\n", server->port,
              w.twins.size());
  std::fflush(stdout);
  const size_t created = server->CreateTwins(w.twins, o.concurrency);
  if (created != w.twins.size()) {
    r.error = "created only " + std::to_string(created) + " twins";
    return r;
  }
  auto sub = WsSubscriber::Start(server->port, kMonitorModel, 10, &error);
  if (!sub) {
    r.error = error;
    return r;
  }
  std::printf(
      "[lingjing-http] viewer subscribed (%llu twins in snapshot); writing %zu batches "
      "over %d connections\n",
      static_cast<unsigned long long>(sub->snapshot_twins()), w.batches.size(), o.concurrency);
  std::fflush(stdout);
  const int pid = server->process->pid();
  const double cpu0 = ProcessCpuSeconds(pid), self0 = SelfCpuSeconds();
  PostResult p = PostBatches(server->port, "/write?precision=" + o.precision, w.batches,
                             o.concurrency, "lingjing-http");
  r.server_cpu_s = ProcessCpuSeconds(pid) - cpu0;
  r.client_cpu_s = SelfCpuSeconds() - self0;
  r.seconds = p.seconds;

  r.extra["requests"] = p.requests;
  r.extra["requests_2xx"] = p.ok;
  r.extra["accepted_header_sum"] = p.accepted_header_sum;
  if (!p.first_error.empty()) r.extra["first_error"] = p.first_error;
  std::string m = server->Metrics();
  r.accepted =
      static_cast<uint64_t>(MetricValue(m, "lj_ingest_samples_total{protocol=\"line_protocol\"}"));
  r.rejected =
      static_cast<uint64_t>(MetricSum(m, "lj_ingest_rejected_total", "protocol=\"line_protocol\""));
  r.samples_per_s = p.seconds > 0 ? static_cast<double>(r.accepted) / p.seconds : 0;
  std::printf("[lingjing-http] %llu/%llu requests 2xx in %.2f s; accepted %s, rejected %s\n",
              static_cast<unsigned long long>(p.ok), static_cast<unsigned long long>(p.requests),
              p.seconds, Thousands(static_cast<double>(r.accepted)).c_str(),
              Thousands(static_cast<double>(r.rejected)).c_str());

  // Visibility: wait until the viewer has every accepted ECG value, or stops receiving.
  const uint64_t want_ecg = r.rejected == 0 ? w.ecg_values : 0;
  const Clock::time_point drain0 = Clock::now();
  uint64_t last = sub->wave_values();
  Clock::time_point last_change = drain0, last_print = drain0;
  while (SecondsSince(drain0) < o.drain_timeout_s && !sub->closed()) {
    const uint64_t now = sub->wave_values();
    if (want_ecg > 0 && now >= want_ecg) break;
    if (now != last) {
      last = now;
      last_change = Clock::now();
    } else if (SecondsSince(last_change) > 3) {
      break;  // nothing new for 3 s
    }
    if (SecondsSince(last_print) >= 1) {
      last_print = Clock::now();
      std::printf("  viewer: %s of %s ECG values (%.0f%%)\n", Thousands(now).c_str(),
                  Thousands(w.ecg_values).c_str(),
                  100.0 * now / std::max<uint64_t>(1, w.ecg_values));
      std::fflush(stdout);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  const double drain_s = SecondsSince(drain0);
  // The last delta goes out within one viewer period (100 ms); allow a few.
  std::string bad_twin;
  WaitFor([&] { return ViewerVitalsMatching(*sub, w, &bad_twin) == w.last_vitals.size(); },
          std::chrono::seconds(5), std::chrono::milliseconds(100));
  bad_twin.clear();
  const size_t viewer_ok = ViewerVitalsMatching(*sub, w, &bad_twin);
  const VitalsCheck rest = CheckVitalsRest(*server, w, o.verify_twins);
  m = server->Metrics();
  sub->Stop();

  auto& v = r.extra["visibility"];
  v["ecg_values_sent"] = w.ecg_values;
  v["ecg_values_seen"] = sub->wave_values();
  v["wave_messages"] = sub->wave_blocks();
  v["gaps"] = sub->gaps();
  v["delta_values"] = sub->delta_values();
  v["seconds_after_last_response"] = drain_s;
  v["viewer_error"] = sub->first_error();
  v["viewer_monitors_latest_vitals_ok"] = viewer_ok;
  v["viewer_monitors"] = w.last_vitals.size();
  v["rest_monitors_checked"] = rest.twins_checked;
  v["rest_monitors_latest_vitals_ok"] = rest.twins_matching;
  if (!rest.first_mismatch.empty()) v["rest_first_mismatch"] = rest.first_mismatch;
  if (!bad_twin.empty()) v["viewer_first_mismatch"] = bad_twin;
  v["lj_live_blocks_total"] = MetricValue(m, "lj_live_blocks_total");
  v["lj_live_gaps_total"] = MetricValue(m, "lj_live_gaps_total");
  v["lj_live_dropped_blocks_total"] = MetricValue(m, "lj_live_dropped_blocks_total");
  std::printf(
      "[lingjing-http] viewer: %s of %s ECG values, %llu gaps, %s delta values (%.1f s "
      "after the last response); latest vitals ok: viewer %zu/%zu, REST %zu/%zu\n",
      Thousands(sub->wave_values()).c_str(), Thousands(w.ecg_values).c_str(),
      static_cast<unsigned long long>(sub->gaps()), Thousands(sub->delta_values()).c_str(), drain_s,
      viewer_ok, w.last_vitals.size(), rest.twins_matching, rest.twins_checked);
  r.ok = p.ok == p.requests && r.accepted == w.samples && r.rejected == 0 &&
         sub->wave_values() == w.ecg_values && sub->gaps() == 0 &&
         viewer_ok == w.last_vitals.size() && rest.twins_matching == rest.twins_checked;
  if (!r.ok)
    r.error = p.first_error.empty() ? "not every sample accepted and visible (see visibility)"
                                    : p.first_error;
  std::printf("[lingjing-http] stopping lingjing\n");
  std::fflush(stdout);
  server.reset();
  return r;
}

}  // namespace lj::bench
