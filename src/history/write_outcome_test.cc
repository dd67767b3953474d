// Property: every sample handed to HistoryStore::Write is afterwards returned by the queries
// (raw range, buckets, latest; also after flush, compaction and reopening the store) or was
// refused by that Write with a reason. There is no third outcome (dropped or altered silently).
// Randomised batches mix in-order, out-of-order, duplicate-timestamp and older-than-existing
// scalar samples with waveform blocks that append, backfill before the stored data, fill gaps,
// touch, duplicate or overlap stored blocks, and integer-waveform values an int64 cannot hold.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <deque>
#include <limits>
#include <map>
#include <random>

#include "history/test_util.h"

namespace lj::history {
namespace {

using testing::MustOpen;
using testing::Options;
using testing::TempDir;

constexpr int64_t kSec = 1'000'000'000;
constexpr int64_t kPeriod = 4'000'000;  // 250 Hz: sample times are exact multiples

// What Write said about one batch: the refused entries (index in Add* order) with reasons.
struct Outcome {
  bool ok = false;
  std::string error;
  std::map<size_t, std::pair<ErrorCode, std::string>> refused;
  uint64_t stored = 0;
};

Outcome WriteTracked(HistoryStore& store, const WriteBatch& batch) {
  Outcome o;
  WriteReport report;
  Result<uint64_t> lsn = store.Write(batch, &report);
  o.ok = lsn.ok();
  if (!lsn.ok()) {
    o.error = lsn.status().ToString();
    return o;
  }
  for (const Refusal& r : report.refused) o.refused[r.entry] = {r.code, r.reason};
  o.stored = report.stored;
  return o;
}

struct Sample {
  int64_t t = 0;
  uint64_t seq = 0;  // arrival order
  double f = 0;
  int64_t i = 0;
  std::string s;
};

struct Series {
  SeriesId id = 0;
  ValueType type = ValueType::kDouble;
  bool wave = false;
  std::vector<Sample> kept;                         // accepted samples, arrival order
  std::vector<std::pair<int64_t, int64_t>> blocks;  // accepted waveform blocks [t0, end)
  int64_t next_t = 0;
  std::vector<Sample> Sorted() const {
    auto v = kept;
    std::stable_sort(v.begin(), v.end(), [](const auto& a, const auto& b) { return a.t < b.t; });
    return v;
  }
  double Num(const Sample& x) const {
    return type == ValueType::kDouble ? x.f : static_cast<double>(x.i);
  }
  int64_t lo() const {
    int64_t v = INT64_MAX;
    for (auto [a, b] : blocks) v = std::min(v, a);
    return v;
  }
  int64_t hi() const {
    int64_t v = INT64_MIN;
    for (auto [a, b] : blocks) v = std::max(v, b);
    return v;
  }
  bool Intersects(int64_t a, int64_t b) const {
    for (auto [x, y] : blocks)
      if (a < y && x < b) return true;
    return false;
  }
};

// One entry of a batch as the test built it.
struct Pending {
  Series* series = nullptr;
  std::vector<Sample> samples;
  bool block = false;
  int64_t t0 = 0, end = 0;
  bool bad_value = false;  // an integer waveform value an int64 cannot hold
};

class Property {
 public:
  Property(uint32_t seed, HistoryOptions opts) : rng_(seed), opts_(std::move(opts)) {}

  void Run(int rounds) {
    store_ = MustOpen(opts_);
    ASSERT_NE(store_, nullptr);
    for (int k = 0; k < 8; ++k) AddSeries(k);
    for (int round = 0; round < rounds; ++round) {
      ASSERT_NO_FATAL_FAILURE(WriteRandomBatch());
      const int op = static_cast<int>(Pick(0, 24));
      if (op == 0) ASSERT_TRUE(store_->Flush().ok());
      if (op == 1) ASSERT_TRUE(store_->Compact().ok());
      if (op == 2) ASSERT_NO_FATAL_FAILURE(Reopen());
      if (op <= 2 || round % 15 == 0)
        ASSERT_NO_FATAL_FAILURE(CheckEverything("round " + std::to_string(round)));
    }
    ASSERT_TRUE(store_->Flush().ok());
    ASSERT_NO_FATAL_FAILURE(CheckEverything("after flush"));
    ASSERT_TRUE(store_->Compact().ok());
    ASSERT_NO_FATAL_FAILURE(CheckEverything("after compaction"));
    ASSERT_NO_FATAL_FAILURE(Reopen());
    ASSERT_NO_FATAL_FAILURE(CheckEverything("after reopen"));
    EXPECT_GT(accepted_older_blocks_, 0u) << "the workload never backfilled";
    EXPECT_GT(refused_, 0u) << "the workload never overlapped";
  }

 private:
  int64_t Pick(int64_t lo, int64_t hi) {
    return std::uniform_int_distribution<int64_t>(lo, hi)(rng_);
  }

  void Reopen() {
    ASSERT_TRUE(store_->Close().ok());
    store_ = MustOpen(opts_);
    ASSERT_NE(store_, nullptr);
  }

  void AddSeries(int k) {
    Series s;
    const int kind = k % 6;
    s.type = kind == 1   ? ValueType::kInt
             : kind == 2 ? ValueType::kBool
             : kind == 3 ? ValueType::kString
             : kind == 4 ? ValueType::kInt
                         : ValueType::kDouble;
    s.wave = kind >= 4;
    auto id =
        store_->Intern({"twin" + std::to_string(k), "tel" + std::to_string(k), s.type, s.wave});
    ASSERT_TRUE(id.ok());
    s.id = *id;
    s.next_t = 1000 * kSec;
    series_.push_back(s);
  }

  Sample NewSample(const Series& s, int64_t t) {
    Sample x;
    x.t = t;
    const uint64_t v = ++serial_;  // every value is distinct: identity of the sample
    switch (s.type) {
      case ValueType::kDouble:
        x.f = static_cast<double>(v) + 0.25;
        break;
      case ValueType::kString:
        x.s = "s" + std::to_string(v);
        break;
      case ValueType::kBool:
        x.i = static_cast<int64_t>(v & 1);
        break;
      default:
        x.i = static_cast<int64_t>(v);
    }
    return x;
  }

  int64_t ScalarTime(Series& s) {
    switch (Pick(0, 9)) {
      case 0:  // older than everything stored
        return (s.kept.empty() ? s.next_t : s.Sorted().front().t) - Pick(1, 100) * kSec / 4;
      case 1:  // the exact time of a stored sample
        if (!s.kept.empty()) return s.kept[Pick(0, s.kept.size() - 1)].t;
        return s.next_t;
      case 2:  // somewhere in the past
        return s.next_t - Pick(1, 400) * kSec / 4;
      default:
        return s.next_t += Pick(0, 3) * kSec / 4;
    }
  }

  // A block start: appends, gaps, backfills (before everything or into a gap), duplicates,
  // overlaps and near-misses (one millisecond into the stored data).
  int64_t BlockStart(Series& s, int64_t n) {
    const int64_t len = n * kPeriod;
    if (s.blocks.empty()) return s.next_t;
    const auto& some = s.blocks[Pick(0, s.blocks.size() - 1)];
    switch (Pick(0, 8)) {
      case 0:
        return s.hi();
      case 1:
        return s.hi() + Pick(1, 200) * kPeriod;
      case 2:  // older than everything stored (touching or with a gap)
        return s.lo() - len - Pick(0, 3) * Pick(0, 200) * kPeriod;
      case 3:  // just before a stored block (fits when the gap before it is free)
        return some.first - len - Pick(0, 2) * kPeriod;
      case 4:  // just after a stored block
        return some.second + Pick(0, 2) * kPeriod;
      case 5:  // inside a stored block: overlap
        return some.first + Pick(0, (some.second - some.first) / kPeriod - 1) * kPeriod;
      case 6:  // the same block again
        return some.first;
      case 7:  // 1 ms into the newest data (a sender's clock jitter)
        return s.hi() - 1'000'000;
      default:
        return s.hi() + Pick(0, 5) * kPeriod;
    }
  }

  void WriteRandomBatch() {
    WriteBatch batch;
    std::vector<Pending> entries;
    const int n = static_cast<int>(Pick(1, 30));
    for (int k = 0; k < n; ++k) {
      Series& s = series_[Pick(0, series_.size() - 1)];
      Pending p;
      p.series = &s;
      if (!s.wave) {
        Sample x = NewSample(s, ScalarTime(s));
        if (s.type == ValueType::kDouble) batch.AddDouble(s.id, x.t, x.f);
        if (s.type == ValueType::kString) batch.AddString(s.id, x.t, x.s);
        if (s.type == ValueType::kInt || s.type == ValueType::kBool) batch.AddInt(s.id, x.t, x.i);
        p.samples.push_back(x);
        entries.push_back(std::move(p));
        continue;
      }
      const int64_t count = Pick(1, 40);
      p.block = true;
      p.t0 = BlockStart(s, count);
      p.end = p.t0 + count * kPeriod;
      std::vector<double> v;
      for (int64_t i = 0; i < count; ++i) {
        Sample x = NewSample(s, p.t0 + i * kPeriod);
        v.push_back(s.type == ValueType::kDouble ? x.f : static_cast<double>(x.i));
        p.samples.push_back(x);
      }
      if (s.type == ValueType::kInt && Pick(0, 30) == 0) {  // not representable as int64
        v[Pick(0, count - 1)] = Pick(0, 1) ? std::numeric_limits<double>::quiet_NaN() : 1e19;
        p.bad_value = true;
      }
      batch.AddBlock(s.id, p.t0, 250, v.data(), v.size());
      entries.push_back(std::move(p));
    }
    Outcome out = WriteTracked(*store_, batch);
    ASSERT_TRUE(out.ok) << out.error;
    uint64_t stored = 0;
    for (size_t e = 0; e < entries.size(); ++e) {
      Pending& p = entries[e];
      Series& s = *p.series;
      auto it = out.refused.find(e);
      const bool refused = it != out.refused.end();
      if (refused) {
        ++refused_;
        EXPECT_FALSE(it->second.second.empty()) << "a refusal without a reason";
      }
      if (!p.block) {
        EXPECT_FALSE(refused) << "scalar sample refused: " << it->second.second;
        for (auto& x : p.samples) x.seq = seq_++;
        s.kept.insert(s.kept.end(), p.samples.begin(), p.samples.end());
        stored += p.samples.size();
        continue;
      }
      const bool overlaps = s.Intersects(p.t0, p.end);
      const bool outside = s.blocks.empty() || p.end <= s.lo() || p.t0 >= s.hi();
      if (p.bad_value) {
        ASSERT_TRUE(refused) << "an int64 cannot hold a value of entry " << e;
        EXPECT_EQ(it->second.first, ErrorCode::kWrongType) << it->second.second;
        continue;
      }
      if (overlaps) {
        ASSERT_TRUE(refused) << "overlapping block accepted: entry " << e << " t0 " << p.t0;
        EXPECT_EQ(it->second.first, ErrorCode::kOutOfOrder) << it->second.second;
        continue;
      }
      if (outside) {
        ASSERT_FALSE(refused) << "a block before or after all stored data was refused: "
                              << it->second.second;
      }
      if (refused) {  // allowed only inside the span of stored data (a gap inside one chunk)
        EXPECT_EQ(it->second.first, ErrorCode::kOutOfOrder) << it->second.second;
        continue;
      }
      if (!s.blocks.empty() && p.end <= s.lo()) ++accepted_older_blocks_;
      s.blocks.push_back({p.t0, p.end});
      for (auto& x : p.samples) x.seq = seq_++;
      s.kept.insert(s.kept.end(), p.samples.begin(), p.samples.end());
      stored += p.samples.size();
    }
    EXPECT_EQ(out.stored, stored);
  }

  std::vector<Sample> Flatten(const Series& s, const SeriesData& d) {
    std::vector<Sample> out;
    auto put = [&](int64_t t, size_t i) {
      Sample x;
      x.t = t;
      if (s.type == ValueType::kDouble)
        x.f = d.f64.at(i);
      else if (s.type == ValueType::kString)
        x.s = d.str.at(i);
      else
        x.i = d.i64.at(i);
      out.push_back(x);
    };
    if (s.wave) {
      for (const auto& r : d.runs)
        for (size_t i = 0; i < r.count; ++i)
          put(r.t0_ns + static_cast<int64_t>(i) * kPeriod, r.offset + i);
    } else {
      for (size_t i = 0; i < d.t_ns.size(); ++i) put(d.t_ns[i], i);
    }
    return out;
  }

  void ExpectSame(const std::vector<Sample>& want, const std::vector<Sample>& got,
                  const std::string& what) {
    ASSERT_EQ(got.size(), want.size()) << what;
    for (size_t i = 0; i < want.size(); ++i) {
      ASSERT_EQ(got[i].t, want[i].t) << what << " at " << i;
      ASSERT_EQ(got[i].f, want[i].f) << what << " at " << i;
      ASSERT_EQ(got[i].i, want[i].i) << what << " at " << i;
      ASSERT_EQ(got[i].s, want[i].s) << what << " at " << i;
    }
  }

  void CheckEverything(const std::string& when) {
    for (const Series& s : series_) {
      const std::string what = when + ", series " + std::to_string(s.id);
      const auto sorted = s.Sorted();
      auto all = store_->Read(s.id, INT64_MIN, INT64_MAX);
      ASSERT_TRUE(all.ok()) << all.status().ToString();
      ASSERT_NO_FATAL_FAILURE(ExpectSame(sorted, Flatten(s, *all), what + ": full read"));
      if (s.wave) {  // stored runs never overlap and come in time order
        for (size_t i = 1; i < all->runs.size(); ++i) {
          const auto& a = all->runs[i - 1];
          ASSERT_LE(a.t0_ns + static_cast<int64_t>(a.count) * kPeriod, all->runs[i].t0_ns) << what;
        }
      }
      if (sorted.empty()) {
        EXPECT_EQ(store_->Latest(s.id).status().code(), ErrorCode::kNotFound) << what;
        continue;
      }
      auto latest = store_->Latest(s.id);
      ASSERT_TRUE(latest.ok()) << what;
      ASSERT_NO_FATAL_FAILURE(ExpectSame({sorted.back()}, Flatten(s, *latest), what + ": latest"));
      // a random range, raw and in buckets
      const int64_t lo = sorted.front().t, hi = sorted.back().t + 1;
      const int64_t from = lo + Pick(-10, 100) * (hi - lo) / 100;
      const int64_t to = std::max(from + 1, from + Pick(0, 110) * (hi - lo) / 100);
      std::vector<Sample> want;
      for (const auto& x : sorted)
        if (x.t >= from && x.t < to) want.push_back(x);
      auto part = store_->Read(s.id, from, to);
      ASSERT_TRUE(part.ok());
      ASSERT_NO_FATAL_FAILURE(ExpectSame(want, Flatten(s, *part), what + ": range read"));
      if (s.type != ValueType::kString)
        ASSERT_NO_FATAL_FAILURE(CheckBuckets(s, want, from, to, what));
    }
  }

  void CheckBuckets(const Series& s, const std::vector<Sample>& in_range, int64_t from, int64_t to,
                    const std::string& what) {
    const size_t nb = static_cast<size_t>(Pick(1, 30));
    const uint64_t span = static_cast<uint64_t>(to - from), width = span / nb + (span % nb != 0);
    std::vector<Bucket> want(nb);
    for (const auto& x : in_range) {
      Bucket& b = want[(static_cast<uint64_t>(x.t - from)) / width];
      const double v = s.Num(x);
      b.min = b.count ? std::min(b.min, v) : v;
      b.max = b.count ? std::max(b.max, v) : v;
      b.sum += v;
      b.last = v;
      b.last_t_ns = x.t;
      ++b.count;
    }
    auto got = store_->Downsample(s.id, from, to, nb);
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    ASSERT_EQ(got->size(), nb);
    for (size_t i = 0; i < nb; ++i) {
      const Bucket &w = want[i], &g = (*got)[i];
      ASSERT_EQ(g.count, w.count) << what << ": bucket " << i;
      if (!w.count) continue;
      EXPECT_EQ(g.min, w.min) << what << ": bucket " << i;
      EXPECT_EQ(g.max, w.max) << what << ": bucket " << i;
      EXPECT_NEAR(g.sum, w.sum, 1e-9 * (std::fabs(w.sum) + 1) * static_cast<double>(w.count));
      EXPECT_EQ(g.last, w.last) << what << ": bucket " << i;
      EXPECT_EQ(g.last_t_ns, w.last_t_ns) << what << ": bucket " << i;
    }
  }

  std::mt19937 rng_;
  HistoryOptions opts_;
  std::unique_ptr<HistoryStore> store_;
  std::deque<Series> series_;  // stable addresses
  uint64_t serial_ = 0, seq_ = 0;
  uint64_t accepted_older_blocks_ = 0, refused_ = 0;
};

class WriteOutcome : public ::testing::TestWithParam<uint32_t> {};

TEST_P(WriteOutcome, EverySampleIsQueryableOrWasRefusedWithAReason) {
  TempDir dir;
  auto opts = Options(dir.path());
  opts.chunk_max_values = 64;  // many chunks: sealing, statistics fast path, merges
  opts.chunk_max_span_ns = 30 * kSec;
  Property(GetParam(), opts).Run(250);
}

TEST_P(WriteOutcome, WithBackgroundFlushAndCompaction) {
  TempDir dir;
  auto opts = Options(dir.path());
  opts.chunk_max_values = 50;
  opts.wal_flush_bytes = 8192;
  opts.background_compaction = true;
  opts.compaction_trigger_segments = 3;
  opts.sync = SyncPolicy::kNone;
  Property(GetParam() + 500, opts).Run(250);
}

INSTANTIATE_TEST_SUITE_P(Seeds, WriteOutcome, ::testing::Values(11u, 12u, 13u));

}  // namespace
}  // namespace lj::history
