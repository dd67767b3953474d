// History store micro-benchmark (no peers): write throughput with group commit, and query
// latency of a 24-hour 1 Hz trend downsampled into 1000 buckets after compaction, with the
// decoded-chunk cache off (every query decompresses) and on.
//   history_bench [--dir D] [--samples N] [--batch B] [--queries Q]
// Prints one line per figure; run it from a Release build (-DLJ_BENCH=ON -DLJ_SANITIZE=OFF).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "history/history.h"
#include "metrics/metrics.h"

namespace {

using lj::history::HistoryOptions;
using lj::history::HistoryStore;
using lj::history::SeriesId;
using lj::history::SyncPolicy;
using lj::history::ValueType;
using lj::history::WriteBatch;
using Clock = std::chrono::steady_clock;

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

std::unique_ptr<HistoryStore> OpenOrDie(const HistoryOptions& o, lj::metrics::Registry* reg) {
  auto r = HistoryStore::Open(o, reg);
  if (!r.ok()) {
    std::fprintf(stderr, "open: %s\n", r.status().ToString().c_str());
    std::exit(1);
  }
  return std::move(*r);
}

// 100 series of 1 Hz vitals; each batch holds `batch` samples (batch / 100 seconds of data).
void WriteThroughput(const std::string& dir, size_t total, size_t batch, SyncPolicy sync,
                     bool wait_each) {
  std::filesystem::remove_all(dir);
  lj::metrics::Registry reg;
  HistoryOptions o;
  o.dir = dir;
  o.sync = sync;
  auto store = OpenOrDie(o, &reg);
  constexpr int kSeries = 100;
  std::vector<SeriesId> ids;
  for (int i = 0; i < kSeries; ++i) {
    ids.push_back(*store->Intern(
        {"bed-" + std::to_string(i / 5), "v" + std::to_string(i), ValueType::kDouble, false}));
  }
  std::mt19937 rng(1);
  std::normal_distribution<double> noise(0, 1);
  WriteBatch b;
  uint64_t lsn = 0;
  int64_t t = 1'700'000'000'000'000'000;
  auto start = Clock::now();
  size_t written = 0;
  while (written < total) {
    b.Clear();
    for (size_t i = 0; i < batch; ++i) {
      b.AddDouble(ids[i % kSeries], t, 80 + std::round(noise(rng) * 10) / 10);
      if (i % kSeries == kSeries - 1) t += 1'000'000'000;
    }
    lsn = *store->Write(b);
    if (wait_each) (void)store->WaitDurable(lsn);
    written += batch;
  }
  (void)store->WaitDurable(lsn);
  double secs = Seconds(Clock::now() - start);
  auto fsyncs = reg.GetCounter("lj_history_fsyncs_total", "").Value();
  auto commits = reg.GetCounter("lj_history_group_commit_writes_total", "").Value();
  std::printf(
      "write sync=%s wait_each=%d batch=%zu: %.0f samples/s (%zu samples in %.2f s, "
      "%llu fsyncs, %.1f batches/commit)\n",
      sync == SyncPolicy::kBatch      ? "batch"
      : sync == SyncPolicy::kInterval ? "interval"
                                      : "none",
      wait_each, batch, written / secs, written, secs, (unsigned long long)fsyncs,
      commits ? double(written / batch) / commits : 0.0);
  auto cs = Clock::now();
  (void)store->Close();
  auto st = std::filesystem::space(dir);
  (void)st;
  std::printf("  close (seal + segment) %.3f s\n", Seconds(Clock::now() - cs));
}

void TrendQuery(const std::string& dir, int queries, size_t cache_bytes) {
  std::filesystem::remove_all(dir);
  HistoryOptions o;
  o.dir = dir;
  o.chunk_cache_bytes = cache_bytes;
  auto store = OpenOrDie(o, nullptr);
  std::printf("-- trend queries, decoded-chunk cache %zu MiB%s\n", cache_bytes >> 20,
              cache_bytes ? " (warm after the first query)" : " (every query decodes)");
  SeriesId hr = *store->Intern({"bed-1", "hr", ValueType::kDouble, false});
  SeriesId spo2 = *store->Intern({"bed-1", "spo2", ValueType::kDouble, false});
  const int64_t t0 = 1'700'000'000'000'000'000, kDay = 86'400;
  std::mt19937 rng(2);
  std::normal_distribution<double> noise(0, 1);
  WriteBatch b;
  for (int64_t s = 0; s < kDay; ++s) {
    b.AddDouble(hr, t0 + s * 1'000'000'000, 70 + std::round(noise(rng) * 30) / 10);
    b.AddDouble(spo2, t0 + s * 1'000'000'000, 97 + std::round(noise(rng) * 10) / 10);
    if (b.samples() >= 5000) {
      (void)store->Write(b);
      b.Clear();
    }
    if (s % 3600 == 3599) (void)store->Flush();  // hourly segments, then compacted below
  }
  (void)store->Write(b);
  (void)store->Flush();
  auto st0 = store->Stats();
  auto cs = Clock::now();
  (void)store->Compact();
  double compact_s = Seconds(Clock::now() - cs);
  auto st = store->Stats();
  std::printf(
      "compaction: %llu -> %llu segments in %.3f s; %llu samples in %llu bytes "
      "(%.2f bytes/sample, 2 series)\n",
      (unsigned long long)st0.segments, (unsigned long long)st.segments, compact_s,
      (unsigned long long)st.segment_samples, (unsigned long long)st.segment_bytes,
      double(st.segment_bytes) / st.segment_samples);
  auto measure = [&](const char* what, auto fn) {
    std::vector<double> us;
    for (int q = 0; q < queries; ++q) {
      auto s = Clock::now();
      fn();
      us.push_back(Seconds(Clock::now() - s) * 1e6);
    }
    std::sort(us.begin(), us.end());
    std::printf("%s: p50 %.0f us, p99 %.0f us, max %.0f us (%d queries)\n", what, us[us.size() / 2],
                us[us.size() * 99 / 100], us.back(), queries);
  };
  measure("downsample 24 h x 1 Hz into 1000 buckets", [&] {
    auto r = store->Downsample(hr, t0, t0 + kDay * 1'000'000'000, 1000);
    if (!r.ok() || (*r)[0].count != 87) std::abort();
  });
  measure("read 24 h x 1 Hz raw (86400 samples)", [&] {
    auto r = store->Read(hr, t0, t0 + kDay * 1'000'000'000);
    if (!r.ok() || r->size() != 86'400) std::abort();
  });
  measure("latest", [&] {
    if (!store->Latest(hr).ok()) std::abort();
  });
}

}  // namespace

int main(int argc, char** argv) {
  std::string dir = "/tmp/lj_history_bench";
  size_t samples = 5'000'000, batch = 5000;
  int queries = 200;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--dir") dir = argv[i + 1];
    if (a == "--samples") samples = std::stoul(argv[i + 1]);
    if (a == "--batch") batch = std::stoul(argv[i + 1]);
    if (a == "--queries") queries = std::stoi(argv[i + 1]);
  }
  if (samples > 0) {
    WriteThroughput(dir, samples, batch, SyncPolicy::kBatch, false);
    WriteThroughput(dir, samples / 10, batch, SyncPolicy::kBatch, true);
    WriteThroughput(dir, samples, batch, SyncPolicy::kNone, false);
  }
  TrendQuery(dir, queries, 0);
  TrendQuery(dir, queries, 64 << 20);
  std::filesystem::remove_all(dir);
  return 0;
}
