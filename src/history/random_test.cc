// Randomised workloads checked against a brute-force in-memory reference: many series of every
// type, out-of-order samples and duplicate timestamps, waveform blocks (some backfilling gaps,
// some overlapping, which the store refuses and reports), interleaved flushes, compactions and
// reopenings; random ranges, limits and bucket counts.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <random>

#include "history/test_util.h"

namespace lj::history {
namespace {

using testing::MustOpen;
using testing::Options;
using testing::TempDir;

constexpr int64_t kSec = 1'000'000'000;

struct RefSample {
  int64_t t;
  uint64_t seq;  // arrival order
  double f = 0;
  int64_t i = 0;
  std::string s;
};

struct RefSeries {
  SeriesId id = 0;
  ValueType type = ValueType::kDouble;
  bool wave = false;
  std::vector<RefSample> samples;  // arrival order
  int64_t next_t = 0;
  int64_t wave_end = INT64_MIN;
  std::vector<RefSample> Sorted() const {
    auto v = samples;
    std::stable_sort(v.begin(), v.end(), [](const auto& a, const auto& b) { return a.t < b.t; });
    return v;
  }
  double Num(const RefSample& x) const {
    return type == ValueType::kDouble ? x.f : static_cast<double>(x.i);
  }
};

class Workload {
 public:
  Workload(uint32_t seed, HistoryOptions opts) : rng_(seed), opts_(std::move(opts)) {}

  void Run(int rounds) {
    store_ = MustOpen(opts_);
    ASSERT_NE(store_, nullptr);
    for (int s = 0; s < 12; ++s) AddSeries(s);
    for (int round = 0; round < rounds; ++round) {
      WriteRandomBatch();
      int op = Pick(0, 39);
      if (op == 0) ASSERT_TRUE(store_->Flush().ok());
      if (op == 1) ASSERT_TRUE(store_->Compact().ok());
      if (op == 2) {
        ASSERT_TRUE(store_->Close().ok());
        store_ = MustOpen(opts_);
        ASSERT_NE(store_, nullptr);
      }
      if (op == 3) AddSeries(static_cast<int>(series_.size()));
      if (round % 10 == 0) CheckQueries(5);
    }
    ASSERT_TRUE(store_->Compact().ok());
    CheckQueries(20);
    CheckAllExact();
  }

 private:
  int64_t Pick(int64_t lo, int64_t hi) {
    return std::uniform_int_distribution<int64_t>(lo, hi)(rng_);
  }

  void AddSeries(int n) {
    RefSeries r;
    int kind = n % 6;
    r.type = kind == 1   ? ValueType::kInt
             : kind == 2 ? ValueType::kBool
             : kind == 3 ? ValueType::kString
             : kind == 4 ? ValueType::kInt
                         : ValueType::kDouble;
    r.wave = kind == 4 || kind == 5;
    auto id =
        store_->Intern({"twin" + std::to_string(n / 3), "tel" + std::to_string(n), r.type, r.wave});
    ASSERT_TRUE(id.ok());
    r.id = *id;
    r.next_t = Pick(0, 100) * kSec;
    series_.push_back(r);
  }

  void WriteRandomBatch() {
    WriteBatch batch;
    // Blocks starting before the end of their series' stored data: backfill into a gap (kept)
    // or an overlap (refused); the report decides, the checks below verify the outcome.
    struct Maybe {
      size_t entry;
      RefSeries* r;
      int64_t t0, end;
      std::vector<RefSample> samples;
    };
    std::vector<Maybe> maybe;
    int n = static_cast<int>(Pick(1, 40));
    for (int k = 0; k < n; ++k) {
      RefSeries& r = series_[Pick(0, series_.size() - 1)];
      if (r.wave) {
        int count = static_cast<int>(Pick(1, 60));
        int64_t t0 = Pick(0, 3) == 0 ? r.next_t - Pick(1, 100) * 4'000'000  // before the end
                     : Pick(0, 1)    ? r.next_t                             // contiguous
                                     : r.next_t + Pick(1, 50) * 4'000'000;     // gap
        std::vector<double> v(count);
        for (auto& x : v) x = r.type == ValueType::kInt ? Pick(-2000, 2000) : Pick(-1e6, 1e6) / 7.0;
        const size_t entry = batch.entries();
        batch.AddBlock(r.id, t0, 250, v.data(), v.size());
        if (t0 < r.wave_end) {
          Maybe m{entry, &r, t0, t0 + count * 4'000'000, {}};
          for (int i = 0; i < count; ++i) {
            RefSample x{t0 + i * 4'000'000, 0, 0, 0, {}};
            if (r.type == ValueType::kInt)
              x.i = static_cast<int64_t>(v[i]);
            else
              x.f = v[i];
            m.samples.push_back(x);
          }
          maybe.push_back(std::move(m));
          continue;
        }
        for (int i = 0; i < count; ++i) {
          RefSample x{t0 + i * 4'000'000, seq_++, 0, 0, {}};
          if (r.type == ValueType::kInt)
            x.i = static_cast<int64_t>(v[i]);
          else
            x.f = v[i];
          r.samples.push_back(x);
        }
        r.wave_end = r.next_t = t0 + count * 4'000'000;
        continue;
      }
      // mostly increasing, sometimes back in time (out of order) or an exact duplicate time
      int64_t t = r.next_t;
      int mode = static_cast<int>(Pick(0, 9));
      if (mode == 0) t -= Pick(1, 30) * kSec / 2;
      if (mode == 1 && !r.samples.empty()) t = r.samples[Pick(0, r.samples.size() - 1)].t;
      if (mode >= 2) r.next_t += Pick(1, 3) * kSec / 2;
      RefSample x{t, seq_++, 0, 0, {}};
      switch (r.type) {
        case ValueType::kDouble:
          x.f = Pick(-1e6, 1e6) / 3.0;
          batch.AddDouble(r.id, t, x.f);
          break;
        case ValueType::kString:
          x.s = "v" + std::to_string(Pick(0, 1e6));
          batch.AddString(r.id, t, x.s);
          break;
        case ValueType::kBool:
          x.i = Pick(0, 1);
          batch.AddInt(r.id, t, x.i);
          break;
        default:
          x.i = Pick(-1e12, 1e12);
          batch.AddInt(r.id, t, x.i);
          break;
      }
      r.samples.push_back(x);
    }
    WriteReport report;
    auto lsn = store_->Write(batch, &report);
    ASSERT_TRUE(lsn.ok()) << lsn.status().ToString();
    size_t next = 0;
    for (const Refusal& refusal : report.refused) {  // only blocks starting before the end
      while (next < maybe.size() && maybe[next].entry < refusal.entry) ++next;
      ASSERT_TRUE(next < maybe.size() && maybe[next].entry == refusal.entry) << refusal.reason;
      maybe[next++].r = nullptr;
    }
    for (Maybe& m : maybe) {
      if (!m.r) continue;                        // refused
      for (const RefSample& x : m.r->samples) {  // kept: it overlaps nothing kept before
        ASSERT_FALSE(x.t >= m.t0 && x.t < m.end) << "overlapping block kept at " << m.t0;
      }
      for (RefSample& x : m.samples) {
        x.seq = seq_++;
        m.r->samples.push_back(x);
      }
    }
  }

  // Flattens a read into (t, value) samples.
  std::vector<RefSample> Flatten(const RefSeries& r, const SeriesData& d) {
    std::vector<RefSample> out;
    auto put = [&](int64_t t, size_t i) {
      RefSample x{t, 0, 0, 0, {}};
      if (r.type == ValueType::kDouble)
        x.f = d.f64.at(i);
      else if (r.type == ValueType::kString)
        x.s = d.str.at(i);
      else
        x.i = d.i64.at(i);
      out.push_back(x);
    };
    if (r.wave) {
      for (const auto& run : d.runs) {
        for (size_t i = 0; i < run.count; ++i) put(run.t0_ns + i * 4'000'000, run.offset + i);
      }
    } else {
      for (size_t i = 0; i < d.t_ns.size(); ++i) put(d.t_ns[i], i);
    }
    return out;
  }

  void ExpectSame(const std::vector<RefSample>& want, const std::vector<RefSample>& got,
                  const std::string& what) {
    ASSERT_EQ(got.size(), want.size()) << what;
    for (size_t i = 0; i < want.size(); ++i) {
      ASSERT_EQ(got[i].t, want[i].t) << what << " at " << i;
      ASSERT_EQ(got[i].f, want[i].f) << what << " at " << i;
      ASSERT_EQ(got[i].i, want[i].i) << what << " at " << i;
      ASSERT_EQ(got[i].s, want[i].s) << what << " at " << i;
    }
  }

  void CheckQueries(int n) {
    for (int q = 0; q < n; ++q) {
      const RefSeries& r = series_[Pick(0, series_.size() - 1)];
      int64_t from = Pick(-10, 400) * kSec / 2, to = from + Pick(1, 400) * kSec / 2;
      size_t limit = Pick(0, 3) == 0 ? Pick(0, 50) : SIZE_MAX;
      std::vector<RefSample> want;
      for (const auto& x : r.Sorted()) {
        if (x.t >= from && x.t < to) want.push_back(x);
      }
      bool trunc = want.size() > limit;
      if (trunc) want.resize(limit);
      auto got = store_->Read(r.id, from, to, limit);
      ASSERT_TRUE(got.ok()) << got.status().ToString();
      EXPECT_EQ(got->truncated, trunc);
      ExpectSame(want, Flatten(r, *got), "read series " + std::to_string(r.id));
      if (r.type != ValueType::kString) CheckDownsample(r, from, to, Pick(1, 40));
      CheckLatest(r);
    }
  }

  void CheckDownsample(const RefSeries& r, int64_t from, int64_t to, size_t nb) {
    uint64_t span = to - from, width = span / nb + (span % nb != 0);
    std::vector<Bucket> want(nb);
    for (const auto& x : r.Sorted()) {
      if (x.t < from || x.t >= to) continue;
      Bucket& b = want[(x.t - from) / width];
      double v = r.Num(x);
      b.min = b.count ? std::min(b.min, v) : v;
      b.max = b.count ? std::max(b.max, v) : v;
      b.sum += v;
      b.last = v;
      b.last_t_ns = x.t;
      ++b.count;
    }
    auto got = store_->Downsample(r.id, from, to, nb);
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    ASSERT_EQ(got->size(), nb);
    for (size_t i = 0; i < nb; ++i) {
      const Bucket &w = want[i], &g = (*got)[i];
      EXPECT_EQ(g.start_ns, from + static_cast<int64_t>(i * width));
      ASSERT_EQ(g.count, w.count) << "bucket " << i;
      if (!w.count) continue;
      EXPECT_EQ(g.min, w.min);
      EXPECT_EQ(g.max, w.max);
      EXPECT_NEAR(g.sum, w.sum, 1e-9 * (std::fabs(w.sum) + 1) * w.count);
      EXPECT_EQ(g.last, w.last) << "bucket " << i << " series " << r.id;
      EXPECT_EQ(g.last_t_ns, w.last_t_ns);
    }
  }

  void CheckLatest(const RefSeries& r) {
    auto got = store_->Latest(r.id);
    if (r.samples.empty()) {
      EXPECT_EQ(got.status().code(), ErrorCode::kNotFound);
      return;
    }
    ASSERT_TRUE(got.ok());
    auto sorted = r.Sorted();
    ExpectSame({sorted.back()}, Flatten(r, *got), "latest");
  }

  void CheckAllExact() {
    for (const auto& r : series_) {
      auto got = store_->Read(r.id, INT64_MIN, INT64_MAX);
      ASSERT_TRUE(got.ok());
      ExpectSame(r.Sorted(), Flatten(r, *got), "full read");
    }
  }

  std::mt19937 rng_;
  HistoryOptions opts_;
  std::unique_ptr<HistoryStore> store_;
  std::vector<RefSeries> series_;
  uint64_t seq_ = 0;
};

class RandomWorkload : public ::testing::TestWithParam<uint32_t> {};

TEST_P(RandomWorkload, QueriesMatchTheReference) {
  TempDir dir;
  auto opts = Options(dir.path());
  opts.chunk_max_values = 37;  // many small chunks: sealing, stats fast path, merges
  opts.chunk_max_span_ns = 40 * kSec;
  Workload(GetParam(), opts).Run(200);
}

TEST_P(RandomWorkload, WithBackgroundFlushAndCompaction) {
  TempDir dir;
  auto opts = Options(dir.path());
  opts.chunk_max_values = 50;
  opts.wal_flush_bytes = 4096;
  opts.background_compaction = true;
  opts.compaction_trigger_segments = 3;
  opts.sync = GetParam() % 2 ? SyncPolicy::kInterval : SyncPolicy::kNone;
  opts.sync_interval_ms = 5;
  Workload(GetParam() + 1000, opts).Run(200);
}

INSTANTIATE_TEST_SUITE_P(Seeds, RandomWorkload, ::testing::Values(1u, 2u, 3u));

}  // namespace
}  // namespace lj::history
