// Storage phases 2 and 3: bytes per sample of a 1,000-patient vitals workload, and the latency
// of a 24-hour trend query (one patient, 5 vitals, 1,000 buckets with min/max/avg/count/last),
// Lingjing against InfluxDB 1.6 on the same data in the same run.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <functional>
#include <memory>
#include <thread>

#include "bench_util.h"
#include "history/history.h"
#include "http_client.h"
#include "influx_server.h"
#include "lingjing_server.h"
#include "storage_phases.h"

namespace lj::bench {
namespace {

constexpr const char* kFields[] = {"hr", "rr", "spo2", "temp", "nibpSys", "nibpDia"};
constexpr int kNibpEveryS = 900;

// One patient's monitor: AR(1) wanderings around individual baselines, reported the way
// monitors report them (integers; temperature to 0.1 °C; NIBP every 15 minutes).
class VitalsGen {
 public:
  explicit VitalsGen(int patient) : state_(0x9E3779B97F4A7C15ull * (patient + 1)) {
    hr0_ = 60 + Uniform() * 35;
    rr0_ = 12 + Uniform() * 8;
    spo20_ = 95 + Uniform() * 4;
    temp0_ = 36.4 + Uniform() * 0.9;
    sys0_ = 105 + Uniform() * 35;
  }
  // Values at unix second `t`; nibp only when t % 900 == 0. Returns the number of fields set.
  int Next(int64_t t, double v[6]) {
    hr_ = 0.97 * hr_ + Normal() * 1.0;
    rr_ = 0.9 * rr_ + Normal() * 0.6;
    spo2_ = 0.95 * spo2_ + Normal() * 0.35;
    temp_ = 0.9995 * temp_ + Normal() * 0.004;
    v[0] = std::round(hr0_ + hr_);
    v[1] = std::round(rr0_ + rr_);
    v[2] = std::min(100.0, std::round(spo20_ + spo2_));
    v[3] = std::round((temp0_ + temp_) * 10) / 10;
    if (t % kNibpEveryS != 0) return 4;
    const double sys = std::round(sys0_ + Normal() * 6);
    v[4] = sys;
    v[5] = std::round(sys * 0.62 + Normal() * 3);
    return 6;
  }

 private:
  double Uniform() {
    state_ ^= state_ << 13;
    state_ ^= state_ >> 7;
    state_ ^= state_ << 17;
    return static_cast<double>(state_ >> 11) / 9007199254740992.0;
  }
  double Normal() {  // Irwin-Hall approximation, mean 0, sd 1
    double s = 0;
    for (int i = 0; i < 12; ++i) s += Uniform();
    return s - 6;
  }
  uint64_t state_;
  double hr0_, rr0_, spo20_, temp0_, sys0_;
  double hr_ = 0, rr_ = 0, spo2_ = 0, temp_ = 0;
};

std::string Num(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%.10g", v);
  return b;
}

// End of the data: at least 2 minutes in the past (nothing in the future) and a multiple of
// 432 s, so that 1,000 buckets of 86.4 s over the last day align with InfluxDB's GROUP BY time
// buckets (which start at multiples of the bucket width since the epoch).
int64_t EndSecond() {
  const int64_t now = static_cast<int64_t>(std::time(nullptr)) - 120;
  return now - now % 432;
}

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t i = std::min(v.size() - 1, static_cast<size_t>(std::ceil(p * v.size())) - 1);
  return v[i];
}

// Line protocol for patients [0, n) over [from_s, to_s), second-major (as devices send it), cut
// into batches of ~5,000 lines.
std::vector<std::string> VitalsBatches(int n, int64_t from_s, int64_t to_s, uint64_t* samples) {
  std::vector<VitalsGen> gens;
  for (int p = 0; p < n; ++p) gens.emplace_back(p);
  std::vector<std::string> batches(1);
  size_t lines = 0;
  double v[6];
  for (int64_t t = from_s; t < to_s; ++t) {
    for (int p = 0; p < n; ++p) {
      const int k = gens[p].Next(t, v);
      std::string& b = batches.back();
      b.append("vitals,twin=").append(MonitorId(p)).append(" ");
      for (int f = 0; f < k; ++f)
        b.append(f ? "," : "").append(kFields[f]).append("=").append(Num(v[f]));
      b.append(" ").append(std::to_string(t * 1000)).append("\n");
      *samples += k;
      if (++lines % 5000 == 0) batches.emplace_back();
    }
  }
  if (batches.back().empty()) batches.pop_back();
  return batches;
}

std::vector<std::string_view> Views(const std::vector<std::string>& v) {
  return {v.begin(), v.end()};
}

}  // namespace

std::string MonitorId(int patient) {
  char b[32];
  std::snprintf(b, sizeof b, "monitor-%04d", patient + 1);
  return b;
}

Result<std::unique_ptr<history::HistoryStore>> OpenMeasuredStore(const std::string& dir) {
  history::HistoryOptions ho;
  ho.dir = dir;
  ho.sync = history::SyncPolicy::kNone;
  return history::HistoryStore::Open(ho);
}

Result<uint64_t> SealedStoreBytes(history::HistoryStore& store, const std::string& dir) {
  LJ_RETURN_IF_ERROR(store.Flush());
  LJ_RETURN_IF_ERROR(store.Compact());
  LJ_RETURN_IF_ERROR(store.Close());
  return DirBytes(dir);
}

bool WaitForInfluxCompaction(const InfluxServer& s, int quiet_s, int max_s) {
  uint64_t last = s.TsmBytes();
  auto stable_since = Clock::now();
  const auto t0 = Clock::now();
  while (SecondsSince(t0) < max_s) {
    std::this_thread::sleep_for(std::chrono::seconds(1));
    const uint64_t now = s.TsmBytes();
    if (now != last || s.WalBytes() > 0) {
      last = now;
      stable_since = Clock::now();
    } else if (SecondsSince(stable_since) >= quiet_s && now > 0) {
      return true;
    }
  }
  return false;
}

nlohmann::json RunVitalsStorage(const StorageOptions& o) {
  nlohmann::json out = {
      {"phase", "vitals_storage"}, {"patients", o.vitals_patients}, {"hours", o.vitals_hours}};
  const int64_t to_s = EndSecond();
  const int64_t from_s = to_s - static_cast<int64_t>(o.vitals_hours * 3600);
  std::printf("[vitals] generating %d patients x %.1f h\n", o.vitals_patients, o.vitals_hours);
  std::fflush(stdout);
  uint64_t samples = 0;
  const std::vector<std::string> batches = VitalsBatches(o.vitals_patients, from_s, to_s, &samples);
  out["samples"] = samples;

  // Lingjing: the same values through the history store the server uses.
  TempDir tmp("lj-bench-vitals");
  const std::string dir = tmp.path() + "/history";
  auto opened = OpenMeasuredStore(dir);
  if (!opened.ok()) {
    out["error"] = opened.status().ToString();
    return out;
  }
  auto store = std::move(opened).value();
  std::vector<std::array<history::SeriesId, 6>> ids(o.vitals_patients);
  for (int p = 0; p < o.vitals_patients; ++p)
    for (int f = 0; f < 6; ++f) {
      auto id = store->Intern({MonitorId(p), kFields[f], history::ValueType::kDouble, false});
      if (!id.ok()) {
        out["error"] = id.status().ToString();
        return out;
      }
      ids[p][f] = *id;
    }
  {
    std::vector<VitalsGen> gens;
    for (int p = 0; p < o.vitals_patients; ++p) gens.emplace_back(p);
    history::WriteBatch batch;
    double v[6];
    for (int64_t t = from_s; t < to_s; ++t) {
      batch.Clear();
      for (int p = 0; p < o.vitals_patients; ++p) {
        const int k = gens[p].Next(t, v);
        for (int f = 0; f < k; ++f) batch.AddDouble(ids[p][f], t * 1'000'000'000, v[f]);
      }
      if (auto w = store->Write(batch); !w.ok()) {
        out["error"] = w.status().ToString();
        return out;
      }
    }
  }
  Result<uint64_t> sealed = SealedStoreBytes(*store, dir);
  if (!sealed.ok()) {
    out["error"] = sealed.status().ToString();
    return out;
  }
  const uint64_t lj_bytes = *sealed;
  out["lingjing_bytes"] = lj_bytes;
  out["lingjing_bytes_per_sample"] = static_cast<double>(lj_bytes) / samples;

  std::string error;
  InfluxOptions io;
  io.influxd = o.influxd;
  io.fast_compaction = true;
  auto influx = InfluxServer::Start(io, &error);
  if (!influx) {
    out["influxdb_error"] = error;
  } else {
    (void)influx->Query("CREATE DATABASE vitals");
    PostResult p =
        PostBatches(influx->port(), "/write?db=vitals&precision=ms", Views(batches), 2, "influxdb");
    if (p.ok != p.requests) out["influxdb_write_error"] = p.first_error;
    std::printf("[vitals] waiting for InfluxDB's full compaction (up to %d s)...\n",
                o.compaction_wait_s);
    std::fflush(stdout);
    out["influxdb_compacted"] = WaitForInfluxCompaction(*influx, 15, o.compaction_wait_s);
    out["influxdb_points"] = influx->CountPoints("vitals");
    out["influxdb_tsm_bytes"] = influx->TsmBytes();
    out["influxdb_bytes_per_sample"] = static_cast<double>(influx->TsmBytes()) / samples;
  }
  std::printf("[vitals] %s samples: lingjing %.3f B/sample, influxdb %.3f B/sample\n",
              Thousands(static_cast<double>(samples)).c_str(),
              out["lingjing_bytes_per_sample"].get<double>(),
              out.value("influxdb_bytes_per_sample", -1.0));
  return out;
}

nlohmann::json RunTrendQueries(const StorageOptions& o) {
  nlohmann::json out = {{"phase", "trend_query"},
                        {"patients", o.trend_patients},
                        {"queries", o.trend_queries},
                        {"buckets", o.trend_buckets}};
  const int64_t to_s = EndSecond(), from_s = to_s - 86400;
  uint64_t samples = 0;
  std::printf("[trend] generating 24 h of vitals for %d patients\n", o.trend_patients);
  std::fflush(stdout);
  const std::vector<std::string> batches = VitalsBatches(o.trend_patients, from_s, to_s, &samples);
  out["samples"] = samples;
  const int64_t width_ms = 86400 * 1000 / o.trend_buckets;
  const char* five[] = {"hr", "rr", "spo2", "temp", "nibpSys"};

  auto measure = [&](const std::string& label, uint16_t port,
                     const std::function<std::string(int)>& target) {
    HttpConnection c(port);
    c.Connect();
    std::vector<double> ms;
    int failures = 0;
    std::string first_error;
    for (int i = -10; i < o.trend_queries; ++i) {  // 10 warm-up queries
      const std::string t = target((i + 10) % o.trend_patients);
      const auto t0 = Clock::now();
      HttpResponse r = c.Request("GET", t);
      const double e = SecondsSince(t0) * 1e3;
      if (r.status != 200) {
        ++failures;
        if (first_error.empty())
          first_error = std::to_string(r.status) + " " + r.body.substr(0, 300);
      }
      if (i >= 0) ms.push_back(e);
    }
    nlohmann::json j = {{"p50_ms", Percentile(ms, 0.5)},
                        {"p99_ms", Percentile(ms, 0.99)},
                        {"max_ms", Percentile(ms, 1.0)},
                        {"failures", failures}};
    if (!first_error.empty()) j["first_error"] = first_error;
    std::printf("[trend] %-9s p50 %.2f ms  p99 %.2f ms  max %.2f ms  (%d failed)\n", label.c_str(),
                j["p50_ms"].get<double>(), j["p99_ms"].get<double>(), j["max_ms"].get<double>(),
                failures);
    std::fflush(stdout);
    return j;
  };

  // InfluxDB.
  std::string error;
  InfluxOptions io;
  io.influxd = o.influxd;
  io.fast_compaction = true;
  if (auto influx = InfluxServer::Start(io, &error)) {
    (void)influx->Query("CREATE DATABASE vitals");
    PostBatches(influx->port(), "/write?db=vitals&precision=ms", Views(batches), 2, "influxdb");
    WaitForInfluxCompaction(*influx, 10, o.compaction_wait_s);
    out["influxdb"] = measure("influxdb", influx->port(), [&](int p) {
      std::string sel;
      for (const char* f : five)
        for (const char* agg : {"min", "max", "mean", "count", "last"})
          sel += std::string(sel.empty() ? "" : ",") + agg + "(" + f + ")";
      const std::string q = "SELECT " + sel + " FROM vitals WHERE twin='" + MonitorId(p) +
                            "' AND time >= " + std::to_string(from_s * 1000) + "ms AND time < " +
                            std::to_string(to_s * 1000) + "ms GROUP BY time(" +
                            std::to_string(width_ms) + "ms)";
      return "/query?db=vitals&epoch=ms&q=" + UrlEncode(q);
    });
  } else {
    out["influxdb_error"] = error;
  }

  // Lingjing: ingest over HTTP, restart (so the day is in sealed segments), then query.
  auto server = LingjingServer::Start(o.lingjing, {}, &error);
  if (!server) {
    out["lingjing_error"] = error;
    return out;
  }
  std::vector<std::string> twins;
  for (int p = 0; p < o.trend_patients; ++p) twins.push_back(MonitorId(p));
  server->CreateTwins(twins, 2);
  // One connection: batches must arrive in time order (the server rejects samples more than its
  // out-of-order tolerance older than a series' latest; InfluxDB takes any order).
  PostResult w = PostBatches(server->port, "/write?precision=ms", Views(batches), 1, "lingjing");
  out["lingjing_write_batches_ok"] = w.ok;
  if (w.ok != w.requests) out["lingjing_write_error"] = w.first_error;
  const std::string data_dir = server->dir->path() + "/data";
  server->process->Stop();
  server->process = Process::Start(
      {o.lingjing, "serve", "--port", std::to_string(server->port), "--data", data_dir},
      server->dir->path() + "/lingjing2.log");
  const uint16_t port = server->port;
  WaitFor([&] { return HttpOnce(port, "GET", "/healthz").status == 200; },
          std::chrono::seconds(60));
  // As for InfluxDB: measure once background work (WAL flush, compaction) has settled, i.e. the
  // history's segment count and byte size have not changed for 5 s.
  {
    std::string last;
    auto stable_since = Clock::now();
    const auto t0 = Clock::now();
    while (SecondsSince(t0) < o.compaction_wait_s) {
      std::this_thread::sleep_for(std::chrono::seconds(1));
      const std::string m = HttpOnce(port, "GET", "/metrics").body;
      const std::string now = std::to_string(MetricValue(m, "lj_history_segments")) + "/" +
                              std::to_string(MetricValue(m, "lj_history_bytes"));
      if (now != last) {
        last = now;
        stable_since = Clock::now();
      } else if (SecondsSince(stable_since) >= 5) {
        break;
      }
    }
    out["lingjing_settled_s"] = SecondsSince(t0);
  }
  out["lingjing"] = measure("lingjing", port, [&](int p) {
    std::string series;
    for (const char* f : five)
      series.append(series.empty() ? "" : ",").append(MonitorId(p)).append("/").append(f);
    return "/api/v1/history?series=" + series + "&from=" + std::to_string(from_s * 1000) +
           "&to=" + std::to_string(to_s * 1000) + "&buckets=" + std::to_string(o.trend_buckets);
  });
  return out;
}

}  // namespace lj::bench
