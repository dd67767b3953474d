// Round trips for every value type and waveforms, the catalog, durability and the LOCK file.
#include "history/history.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <limits>
#include <thread>

#include "history/test_util.h"

namespace lj::history {
namespace {

using testing::MustIntern;
using testing::MustOpen;
using testing::Options;
using testing::TempDir;

TEST(HistoryStore, RoundTripsEveryTypeBeforeAndAfterFlushAndReopen) {
  TempDir dir;
  auto opts = Options(dir.path());
  std::vector<double> wave(500);
  for (size_t i = 0; i < wave.size(); ++i) wave[i] = std::sin(i * 0.1);
  SeriesId d, n, b, s, w;
  {
    auto store = MustOpen(opts);
    d = MustIntern(*store, "bed-1", "hr");
    n = MustIntern(*store, "bed-1", "count", ValueType::kInt);
    b = MustIntern(*store, "bed-1", "alarm", ValueType::kBool);
    s = MustIntern(*store, "bed-1", "rhythm", ValueType::kString);
    w = MustIntern(*store, "bed-1", "ecg", ValueType::kDouble, true);
    WriteBatch batch;
    for (int i = 0; i < 100; ++i) {
      batch.AddDouble(d, i * 1'000'000'000LL, 60 + i * 0.5);
      batch.AddInt(n, i * 1'000'000'000LL, -i * 7);
      batch.AddInt(b, i * 1'000'000'000LL, i % 2);
      batch.AddString(s, i * 1'000'000'000LL, "s" + std::to_string(i));
    }
    batch.AddBlock(w, 0, 250, wave.data(), 250);
    batch.AddBlock(w, 1'000'000'000, 250, wave.data() + 250, 250);
    auto lsn = store->Write(batch);
    ASSERT_TRUE(lsn.ok()) << lsn.status().ToString();
    ASSERT_TRUE(store->WaitDurable(*lsn).ok());
    EXPECT_TRUE(store->IsDurable(*lsn));
    for (int phase = 0; phase < 2; ++phase) {
      auto r = store->Read(d, 10'000'000'000, 20'000'000'000);
      ASSERT_TRUE(r.ok());
      ASSERT_EQ(r->t_ns.size(), 10u);
      EXPECT_EQ(r->t_ns[0], 10'000'000'000);
      EXPECT_EQ(r->f64[9], 60 + 19 * 0.5);
      if (phase == 0) ASSERT_TRUE(store->Flush().ok());
    }
  }
  auto store = MustOpen(opts);
  EXPECT_EQ(store->Find("bed-1", "hr"), d);
  EXPECT_EQ(store->Find("bed-1", "nope"), std::nullopt);
  EXPECT_EQ(store->ListSeries("bed-1").size(), 5u);
  auto rn = store->Read(n, 0, INT64_MAX);
  ASSERT_TRUE(rn.ok());
  ASSERT_EQ(rn->i64.size(), 100u);
  EXPECT_EQ(rn->i64[99], -693);
  auto rb = store->Read(b, 0, INT64_MAX);
  ASSERT_EQ(rb->i64.size(), 100u);
  EXPECT_EQ(rb->i64[3], 1);
  auto rs = store->Read(s, 0, INT64_MAX, 10);
  ASSERT_EQ(rs->str.size(), 10u);
  EXPECT_TRUE(rs->truncated);
  EXPECT_EQ(rs->str[7], "s7");
  auto rw = store->Read(w, 0, INT64_MAX);
  ASSERT_TRUE(rw.ok());
  EXPECT_TRUE(rw->waveform);
  ASSERT_EQ(rw->f64.size(), 500u);
  ASSERT_EQ(rw->runs.size(), 1u);  // two contiguous blocks form one run
  EXPECT_EQ(rw->runs[0].count, 500u);
  EXPECT_EQ(rw->f64, wave);
  auto part = store->Read(w, 500'000'000, 1'500'000'000);  // samples 125..374
  ASSERT_EQ(part->f64.size(), 250u);
  EXPECT_EQ(part->runs[0].t0_ns, 500'000'000);
  EXPECT_EQ(part->f64[0], wave[125]);
  auto latest = store->Latest(d);
  ASSERT_TRUE(latest.ok());
  EXPECT_EQ(latest->t_ns[0], 99'000'000'000);
  EXPECT_EQ(latest->f64[0], 60 + 99 * 0.5);
  auto wl = store->Latest(w);
  ASSERT_TRUE(wl.ok());
  EXPECT_EQ(wl->runs[0].t0_ns, 1'996'000'000);
  EXPECT_EQ(wl->f64[0], wave[499]);
  EXPECT_EQ(store->Latest(MustIntern(*store, "bed-2", "hr")).status().code(), ErrorCode::kNotFound);
}

TEST(HistoryStore, InternConflictsAndBadBatches) {
  TempDir dir;
  auto store = MustOpen(Options(dir.path()));
  SeriesId a = MustIntern(*store, "t", "x");
  EXPECT_EQ(MustIntern(*store, "t", "x"), a);
  EXPECT_EQ(store->Intern({"t", "x", ValueType::kInt, false}).status().code(),
            ErrorCode::kConflict);
  EXPECT_EQ(store->Intern({"t", "y", ValueType::kString, true}).status().code(),
            ErrorCode::kInvalidArgument);
  WriteBatch batch;
  batch.AddInt(a, 1, 1);  // wrong kind for a double series
  EXPECT_EQ(store->Write(batch).status().code(), ErrorCode::kInvalidArgument);
  batch.Clear();
  batch.AddDouble(99, 1, 1);
  EXPECT_EQ(store->Write(batch).status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(store->Read(99, 0, 1).status().code(), ErrorCode::kNotFound);
}

TEST(HistoryStore, SecondOpenOfOneDirectoryIsUnavailable) {
  TempDir dir;
  auto store = MustOpen(Options(dir.path()));
  auto second = HistoryStore::Open(Options(dir.path()));
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), ErrorCode::kUnavailable);
  EXPECT_NE(second.status().message().find("LOCK"), std::string::npos);
  ASSERT_TRUE(store->Close().ok());
  EXPECT_TRUE(HistoryStore::Open(Options(dir.path())).ok());
}

TEST(HistoryStore, WhenDurableFiresAfterSyncAndWritesFailAfterClose) {
  TempDir dir;
  auto store = MustOpen(Options(dir.path()));
  SeriesId a = MustIntern(*store, "t", "x");
  std::atomic<int> fired{0};
  uint64_t last = 0;
  for (int i = 0; i < 50; ++i) {
    WriteBatch batch;
    batch.AddDouble(a, i, i);
    auto lsn = store->Write(batch);
    ASSERT_TRUE(lsn.ok());
    last = *lsn;
    store->WhenDurable(*lsn, [&](Status st) {
      EXPECT_TRUE(st.ok());
      ++fired;
    });
  }
  ASSERT_TRUE(store->WaitDurable(last).ok());
  EXPECT_TRUE(store->IsDurable(last));
  // callbacks run on the WAL thread right after durable_lsn advances
  for (int i = 0; i < 10000 && fired.load() < 50; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  EXPECT_EQ(fired.load(), 50);
  ASSERT_TRUE(store->Close().ok());
  WriteBatch batch;
  batch.AddDouble(a, 1, 1);
  EXPECT_EQ(store->Write(batch).status().code(), ErrorCode::kUnavailable);
}

TEST(HistoryStore, OverlappingWaveformBlockIsRefusedEvenAfterRestart) {
  TempDir dir;
  std::vector<double> v(100, 1.0);
  SeriesId w;
  {
    auto store = MustOpen(Options(dir.path()));
    w = MustIntern(*store, "t", "ecg", ValueType::kInt, true);
    WriteBatch batch;
    batch.AddBlock(w, 1'000'000'000, 100, v.data(), 100);  // ends at 2 s
    ASSERT_TRUE(store->Write(batch).ok());
  }
  auto store = MustOpen(Options(dir.path()));
  WriteBatch batch;
  batch.AddBlock(w, 1'500'000'000, 100, v.data(), 100);  // overlaps: refused
  batch.AddBlock(w, 2'000'000'000, 100, v.data(), 100);  // adjacent: kept
  // all or nothing without a report: refused with the reason, nothing applied
  Result<uint64_t> all = store->Write(batch);
  ASSERT_FALSE(all.ok());
  EXPECT_EQ(all.status().code(), ErrorCode::kOutOfOrder);
  EXPECT_NE(all.status().message().find("overlaps"), std::string::npos) << all.status().message();
  EXPECT_EQ(store->Read(w, 0, INT64_MAX)->i64.size(), 100u);
  WriteReport report;
  ASSERT_TRUE(store->Write(batch, &report).ok());
  EXPECT_EQ(report.stored, 100u);
  ASSERT_EQ(report.refused.size(), 1u);
  EXPECT_EQ(report.refused[0].entry, 0u);
  EXPECT_EQ(report.refused[0].series, w);
  EXPECT_EQ(report.refused[0].t_ns, 1'500'000'000);
  EXPECT_EQ(report.refused[0].end_ns, 2'500'000'000);
  EXPECT_EQ(report.refused[0].samples, 100u);
  EXPECT_EQ(report.refused[0].code, ErrorCode::kOutOfOrder);
  EXPECT_NE(report.refused[0].reason.find("'t/ecg'"), std::string::npos)
      << report.refused[0].reason;
  auto r = store->Read(w, 0, INT64_MAX);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->i64.size(), 200u);
  ASSERT_TRUE(store->Close().ok());
  store = MustOpen(Options(dir.path()));  // the refusal was made once: nothing else replayed
  EXPECT_EQ(store->Read(w, 0, INT64_MAX)->i64.size(), 200u);
}

// Entries are numbered in Add* order (a Refusal names one); a string the batch format cannot
// hold is refused when added, not truncated.
TEST(HistoryStore, WriteBatchNumbersEntriesAndRefusesOversizeStrings) {
  WriteBatch b;
  const double v[3] = {1, 2, 3};
  b.AddDouble(1, 0, 1);
  b.AddBlock(2, 0, 250, v, 3);
  EXPECT_EQ(b.entries(), 2u);
  EXPECT_FALSE(b.AddString(3, 0, std::string(WriteBatch::kMaxStringBytes + 1, 'x')));
  EXPECT_EQ(b.entries(), 2u);
  EXPECT_EQ(b.samples(), 4u);
  EXPECT_TRUE(b.AddString(3, 0, std::string(WriteBatch::kMaxStringBytes, 'x')));
  EXPECT_EQ(b.entries(), 3u);
  b.Clear();
  EXPECT_EQ(b.entries(), 0u);
}

// `lingjing import wfdb` into a monitor that already holds newer ECG: blocks older than the
// stored data (not overlapping it) must be stored, in every state of the store.
TEST(HistoryStore, OlderWaveformBlocksBeforeNewerDataAreStored) {
  TempDir dir;
  auto opts = Options(dir.path());
  opts.chunk_max_values = 300;
  constexpr int64_t kS = 1'000'000'000;
  SeriesId w;
  std::vector<double> v(250);
  for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<double>(i);
  {
    auto store = MustOpen(opts);
    w = MustIntern(*store, "monitor-a01", "ecg", ValueType::kInt, true);
    WriteBatch newer;  // "the demo": 10 s of ECG from t = 1000 s
    for (int s = 0; s < 10; ++s) newer.AddBlock(w, (1000 + s) * kS, 250, v.data(), v.size());
    ASSERT_TRUE(store->Write(newer).ok());
    ASSERT_TRUE(store->Flush().ok());
    WriteBatch older;  // "the import": 20 s ending well before, plus 5 s touching the start
    for (int s = 0; s < 20; ++s) older.AddBlock(w, (900 + s) * kS, 250, v.data(), v.size());
    for (int s = 0; s < 5; ++s) older.AddBlock(w, (995 + s) * kS, 250, v.data(), v.size());
    ASSERT_TRUE(store->Write(older).ok());
    for (int phase = 0; phase < 3; ++phase) {
      auto all = store->Read(w, INT64_MIN, INT64_MAX);
      ASSERT_TRUE(all.ok());
      ASSERT_EQ(all->i64.size(), 35u * 250) << "phase " << phase;
      EXPECT_EQ(all->runs.front().t0_ns, 900 * kS);
      auto old = store->Read(w, 900 * kS, 920 * kS);
      ASSERT_TRUE(old.ok());
      EXPECT_EQ(old->i64.size(), 20u * 250) << "phase " << phase;
      auto buckets = store->Downsample(w, 900 * kS, 1010 * kS, 11);
      ASSERT_TRUE(buckets.ok());
      EXPECT_EQ((*buckets)[0].count, 2500u) << "phase " << phase;
      EXPECT_EQ((*buckets)[9].count, 1250u) << "phase " << phase;
      EXPECT_EQ((*buckets)[10].count, 2500u) << "phase " << phase;
      auto latest = store->Latest(w);
      ASSERT_TRUE(latest.ok());
      EXPECT_EQ(latest->runs[0].t0_ns, 1009 * kS + 249 * 4'000'000);
      if (phase == 0) ASSERT_TRUE(store->Flush().ok());
      if (phase == 1) ASSERT_TRUE(store->Compact().ok());
    }
  }
  auto store = MustOpen(opts);  // and after a restart
  auto all = store->Read(w, INT64_MIN, INT64_MAX);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->i64.size(), 35u * 250);
}

// Downsampling reduces a bucket in several lanes; the answer must still be the sequential one:
// a NaN never replaces a number in min/max, a bucket whose first value is NaN reports NaN, and
// `last` is the value with the greatest time, ties to the latest arrival, across sources.
TEST(HistoryStore, DownsampleNaNAndLastAcrossLanesAndSources) {
  TempDir dir;
  auto store = MustOpen(Options(dir.path()));
  SeriesId id = MustIntern(*store, "bed-1", "temp");
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const int64_t s = 1'000'000'000;
  WriteBatch a;  // bucket 0: [0, 10 s) starts with NaN; bucket 1: [10 s, 20 s) NaN inside
  const double b0[] = {nan, 5, 1, 9, 2, 8, 3, 7, 4};
  const double b1[] = {6, 4, nan, 2, 11, -3, 5, 0.5, 7, 1};
  for (int i = 0; i < 9; ++i) a.AddDouble(id, i * s, b0[i]);
  for (int i = 0; i < 10; ++i) a.AddDouble(id, (10 + i) * s, b1[i]);
  ASSERT_TRUE(store->WaitDurable(store->Write(a).value()).ok());
  ASSERT_TRUE(store->Flush().ok());  // now in a segment; the next write is a newer source
  WriteBatch b;
  b.AddDouble(id, 19 * s, 42);  // same time as the bucket's last sample, arrived later
  ASSERT_TRUE(store->WaitDurable(store->Write(b).value()).ok());
  for (int phase = 0; phase < 2; ++phase) {
    auto got = store->Downsample(id, 0, 20 * s, 2);
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    const Bucket &x = (*got)[0], &y = (*got)[1];
    EXPECT_EQ(x.count, 9u);
    EXPECT_TRUE(std::isnan(x.min) && std::isnan(x.max));
    EXPECT_EQ(x.last, 4);
    EXPECT_EQ(y.count, 11u);
    EXPECT_EQ(y.min, -3);
    EXPECT_EQ(y.max, 42);
    EXPECT_TRUE(std::isnan(y.sum));
    EXPECT_EQ(y.last, 42);
    EXPECT_EQ(y.last_t_ns, 19 * s);
    ASSERT_TRUE(store->Compact().ok());  // phase 1: one merged segment
  }
}

}  // namespace
}  // namespace lj::history
