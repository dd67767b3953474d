// Retention and compaction keep exactly the expected samples; queries and writes run
// concurrently with flushes and compactions.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "history/file_util.h"
#include "history/test_util.h"

namespace lj::history {
namespace {

using testing::MustIntern;
using testing::MustOpen;
using testing::Options;
using testing::TempDir;

constexpr int64_t kSec = 1'000'000'000;

int64_t Now() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Sample k sits at now - k * 10 min - 5 min: far from any 1 h cutoff taken within minutes.
int64_t SampleTime(int64_t now, int k) { return now - k * 600 * kSec - 300 * kSec; }

TEST(Retention, CompactionDropsExactlyTheSamplesPastEachSeriesRetention) {
  TempDir dir;
  auto opts = Options(dir.path());
  opts.default_retention_s = 2 * 3600;  // 2 h unless a series says otherwise
  opts.chunk_max_values = 4;
  int64_t now = Now();
  SeriesId a, b, c, w;
  {
    auto store = MustOpen(opts);
    a = MustIntern(*store, "bed", "a");
    b = MustIntern(*store, "bed", "b");
    c = MustIntern(*store, "bed", "c", ValueType::kInt);
    w = MustIntern(*store, "bed", "ecg", ValueType::kDouble, true);
    store->SetRetention(a, 3600);  // 1 h
    store->SetRetention(c, 0);     // forever
    WriteBatch batch;
    for (int k = 47; k >= 0; --k) {  // 8 h of samples
      batch.AddDouble(a, SampleTime(now, k), k);
      batch.AddDouble(b, SampleTime(now, k), k);
      batch.AddInt(c, SampleTime(now, k), k);
      std::vector<double> v(10, k);
      batch.AddBlock(w, SampleTime(now, k), 100, v.data(), v.size());  // 0.1 s runs
    }
    ASSERT_TRUE(store->Write(batch).ok());
    ASSERT_TRUE(store->Flush().ok());
  }  // retention settings survive the restart (WAL, then manifest)
  auto store = MustOpen(opts);
  ASSERT_TRUE(store->Compact().ok());
  auto count = [&](SeriesId id) { return store->Read(id, INT64_MIN, INT64_MAX)->size(); };
  EXPECT_EQ(count(a), 6u);        // k = 0..5: within 1 h
  EXPECT_EQ(count(b), 12u);       // k = 0..11: within the 2 h default
  EXPECT_EQ(count(c), 48u);       // forever
  EXPECT_EQ(count(w), 12u * 10);  // whole runs, 2 h default
  auto oldest = store->Read(a, INT64_MIN, INT64_MAX);
  EXPECT_EQ(oldest->t_ns.front(), SampleTime(now, 5));
  EXPECT_EQ(oldest->f64.front(), 5);
  // shortening a retention applies at the next compaction
  store->SetRetention(c, 1800);
  ASSERT_TRUE(store->Compact().ok());
  EXPECT_EQ(count(c), 3u);
  ASSERT_TRUE(store->Close().ok());
  store = MustOpen(opts);
  EXPECT_EQ(count(c), 3u);
}

TEST(Compaction, MergesSmallSegmentsIntoOneWithTheSameSamples) {
  TempDir dir;
  auto opts = Options(dir.path());
  opts.chunk_max_values = 16;
  auto store = MustOpen(opts);
  SeriesId a = MustIntern(*store, "bed", "hr");
  for (int seg = 0; seg < 6; ++seg) {
    WriteBatch batch;
    for (int i = 0; i < 100; ++i) batch.AddDouble(a, (seg * 100 + i) * kSec, seg * 100 + i);
    ASSERT_TRUE(store->Write(batch).ok());
    ASSERT_TRUE(store->Flush().ok());
  }
  HistoryStats before = store->Stats();
  EXPECT_EQ(before.segments, 6u);
  EXPECT_EQ(before.segment_samples, 600u);
  ASSERT_TRUE(store->Compact().ok());
  HistoryStats after = store->Stats();
  EXPECT_EQ(after.segments, 1u);
  EXPECT_EQ(after.segment_samples, 600u);
  EXPECT_LT(after.segment_bytes, before.segment_bytes);  // fewer, larger chunks
  EXPECT_EQ(ListNumbered(dir.path(), "seg-", ".seg").size(), 1u);
  auto r = store->Read(a, INT64_MIN, INT64_MAX);
  ASSERT_EQ(r->size(), 600u);
  for (int i = 0; i < 600; ++i) ASSERT_EQ(r->f64[i], i);
  auto buckets = store->Downsample(a, 0, 600 * kSec, 6);
  ASSERT_TRUE(buckets.ok());
  for (int b = 0; b < 6; ++b) {
    EXPECT_EQ((*buckets)[b].count, 100u);
    EXPECT_EQ((*buckets)[b].min, b * 100);
    EXPECT_EQ((*buckets)[b].max, b * 100 + 99);
    EXPECT_EQ((*buckets)[b].last, b * 100 + 99);
    EXPECT_DOUBLE_EQ((*buckets)[b].avg(), b * 100 + 49.5);
  }
}

TEST(Concurrency, WritersReadersFlushAndCompactionTogether) {
  TempDir dir;
  auto opts = Options(dir.path());
  opts.chunk_max_values = 64;
  opts.wal_flush_bytes = 16 << 10;  // background flushes too
  opts.background_compaction = true;
  opts.compaction_trigger_segments = 3;
  auto store = MustOpen(opts);
  constexpr int kWriters = 3, kBatches = 150, kPerBatch = 20;
  std::vector<SeriesId> ids;
  for (int w = 0; w < kWriters; ++w)
    ids.push_back(MustIntern(*store, "bed", "s" + std::to_string(w)));
  std::atomic<bool> done{false};
  std::atomic<int> failures{0};
  std::vector<std::atomic<size_t>> written(kWriters);
  std::vector<std::thread> threads;
  for (int w = 0; w < kWriters; ++w) {
    threads.emplace_back([&, w] {
      for (int b = 0; b < kBatches; ++b) {
        WriteBatch batch;
        for (int i = 0; i < kPerBatch; ++i) {
          int n = b * kPerBatch + i;
          batch.AddDouble(ids[w], n * kSec, n);
        }
        if (!store->Write(batch).ok()) ++failures;
        written[w] += kPerBatch;
      }
    });
  }
  for (int r = 0; r < 2; ++r) {
    threads.emplace_back([&, r] {
      while (!done) {
        int w = r % kWriters;
        size_t before = written[w];
        auto got = store->Read(ids[w], INT64_MIN, INT64_MAX);
        if (!got.ok() || got->size() < before) ++failures;  // writes are visible on return
        for (size_t i = 0; got.ok() && i < got->size(); ++i) {
          if (got->t_ns[i] != static_cast<int64_t>(i) * kSec || got->f64[i] != i) {
            ++failures;
            break;
          }
        }
        auto ds = store->Downsample(ids[w], 0, 10'000 * kSec, 100);
        if (!ds.ok()) ++failures;
        if (before > 0 && !store->Latest(ids[w]).ok()) ++failures;
      }
    });
  }
  threads.emplace_back([&] {
    while (!done) {
      if (!store->Flush().ok() || !store->Compact().ok()) ++failures;
    }
  });
  for (int w = 0; w < kWriters; ++w) threads[w].join();
  done = true;
  for (size_t i = kWriters; i < threads.size(); ++i) threads[i].join();
  EXPECT_EQ(failures.load(), 0);
  for (int w = 0; w < kWriters; ++w) {
    auto got = store->Read(ids[w], INT64_MIN, INT64_MAX);
    ASSERT_EQ(got->size(), static_cast<size_t>(kBatches * kPerBatch));
  }
}

}  // namespace
}  // namespace lj::history
