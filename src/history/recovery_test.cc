// Recovery: after a crash (a fork()ed child that _exit()s without closing), at every byte of a
// torn WAL tail, on corruption before the tail, and with a crash injected between each step of
// a flush and of a compaction: nothing acknowledged is lost and nothing is duplicated.
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "history/file_util.h"
#include "history/test_util.h"
#include "history/wal.h"

namespace lj::history {
namespace {

using testing::MustIntern;
using testing::MustOpen;
using testing::Options;
using testing::TempDir;
namespace fs = std::filesystem;

constexpr int kSeries = 3;

// Batch b holds one sample per series: t = b seconds, value = b * 10 + series.
void WriteBatches(HistoryStore& store, int from, int to) {
  std::vector<SeriesId> ids;
  for (int s = 0; s < kSeries; ++s)
    ids.push_back(MustIntern(store, "bed", "v" + std::to_string(s)));
  uint64_t lsn = 0;
  for (int b = from; b < to; ++b) {
    WriteBatch batch;
    for (int s = 0; s < kSeries; ++s) batch.AddDouble(ids[s], b * 1'000'000'000LL, b * 10 + s);
    auto r = store.Write(batch);
    if (!r.ok()) _exit(5);
    lsn = *r;
  }
  if (!store.WaitDurable(lsn).ok()) _exit(6);
}

// Expects exactly batches [0, n) in every series, each sample once.
void ExpectBatches(HistoryStore& store, int n) {
  for (int s = 0; s < kSeries; ++s) {
    auto id = store.Find("bed", "v" + std::to_string(s));
    if (n == 0 && !id) continue;
    ASSERT_TRUE(id.has_value());
    auto r = store.Read(*id, INT64_MIN, INT64_MAX);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    ASSERT_EQ(r->t_ns.size(), static_cast<size_t>(n)) << "series " << s;
    for (int b = 0; b < n; ++b) {
      ASSERT_EQ(r->t_ns[b], b * 1'000'000'000LL);
      ASSERT_EQ(r->f64[b], b * 10 + s);
    }
  }
}

// Runs `child` in a forked process that must end with _exit(0); returns its exit status.
template <typename F>
int InChild(F child) {
  pid_t pid = fork();
  if (pid == 0) {
    child();
    _exit(0);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 100;
}

TEST(Recovery, CrashWithoutCloseLosesNothingDurable) {
  TempDir dir;
  ASSERT_EQ(InChild([&] {
              auto store = MustOpen(Options(dir.path()));
              WriteBatches(*store, 0, 40);
              _exit(0);  // no Close(): the WAL is all there is
            }),
            0);
  auto store = MustOpen(Options(dir.path()));
  ExpectBatches(*store, 40);
  WriteBatches(*store, 40, 50);  // LSNs and series ids continue after recovery
  ASSERT_TRUE(store->Close().ok());
  store = MustOpen(Options(dir.path()));
  ExpectBatches(*store, 50);
}

std::string LastWal(const std::string& dir) {
  auto wals = ListNumbered(dir, "wal-", ".log");
  char name[32];
  std::snprintf(name, sizeof name, "wal-%06llu.log", static_cast<unsigned long long>(wals.back()));
  return dir + "/" + name;
}

TEST(Recovery, TornTailAtEveryByteOfTheLastRecordIsDiscarded) {
  TempDir dir;
  ASSERT_EQ(InChild([&] {
              auto store = MustOpen(Options(dir.path()));
              WriteBatches(*store, 0, 5);
              _exit(0);
            }),
            0);
  std::string data;
  ASSERT_TRUE(ReadFile(LastWal(dir.path()), &data).ok());
  WalScan scan = ScanWal(data);
  ASSERT_EQ(scan.end, WalScan::End::kClean);
  size_t last = scan.records.back().offset;
  for (size_t cut = last; cut < data.size(); ++cut) {
    TempDir copy;
    fs::copy(dir.path(), copy.path(),
             fs::copy_options::recursive | fs::copy_options::overwrite_existing);
    fs::resize_file(LastWal(copy.path()), cut);
    {
      auto store = MustOpen(Options(copy.path()));
      ASSERT_NE(store, nullptr) << "cut at " << cut;
      ExpectBatches(*store, 4);
      ASSERT_TRUE(store->Close().ok());
    }
    auto store = MustOpen(Options(copy.path()));  // and the repaired store reopens cleanly
    ExpectBatches(*store, 4);
  }
  // a flipped byte inside the last record is a torn tail too
  TempDir copy;
  fs::copy(dir.path(), copy.path(),
           fs::copy_options::recursive | fs::copy_options::overwrite_existing);
  {
    std::fstream f(LastWal(copy.path()), std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(data.size() - 3));
    f.put(static_cast<char>(data[data.size() - 3] ^ 0x40));
  }
  auto store = MustOpen(Options(copy.path()));
  ExpectBatches(*store, 4);
}

TEST(Recovery, CorruptionBeforeTheTailIsAStorageError) {
  TempDir dir;
  ASSERT_EQ(InChild([&] {
              auto store = MustOpen(Options(dir.path()));
              WriteBatches(*store, 0, 5);
              _exit(0);
            }),
            0);
  std::string path = LastWal(dir.path()), data;
  ASSERT_TRUE(ReadFile(path, &data).ok());
  WalScan scan = ScanWal(data);
  size_t victim = scan.records[scan.records.size() - 2].offset + 20;
  {
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(victim));
    f.put(static_cast<char>(data[victim] ^ 1));
  }
  auto r = HistoryStore::Open(Options(dir.path()));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kStorage);
  EXPECT_NE(r.status().message().find("wal-"), std::string::npos) << r.status().message();
  EXPECT_NE(r.status().message().find(std::to_string(scan.records[scan.records.size() - 2].offset)),
            std::string::npos)
      << r.status().message();
}

// Write() decides once whether a waveform block is kept; replay never decides again. Here a
// backfilled block fits a gap between two segment chunks; a compaction then merges those chunks
// into one whose extent covers the gap, and the process crashes. Replaying the log must still
// keep the block (a second decision, against the coarser index, would lose it).
TEST(Recovery, BackfilledBlockSurvivesACrashAfterCompaction) {
  TempDir dir;
  constexpr int64_t kS = 1'000'000'000;
  const std::vector<double> v(100, 7.0);
  auto block = [&](HistoryStore& store, SeriesId id, int64_t t0, WriteReport* report) {
    WriteBatch b;
    b.AddBlock(id, t0, 100, v.data(), v.size());  // one second
    return store.Write(b, report);
  };
  ASSERT_EQ(InChild([&] {
              auto store = MustOpen(Options(dir.path()));
              SeriesId w = MustIntern(*store, "bed", "ecg", ValueType::kInt, true);
              if (!block(*store, w, 10 * kS, nullptr).ok() || !store->Flush().ok()) _exit(2);
              if (!block(*store, w, 20 * kS, nullptr).ok() || !store->Flush().ok()) _exit(3);
              WriteReport report;
              auto lsn = block(*store, w, 12 * kS, &report);  // into the gap
              if (!lsn.ok() || report.stored != 100 || !store->WaitDurable(*lsn).ok()) _exit(4);
              if (!store->Compact().ok() || store->Stats().segments != 1) _exit(5);
              _exit(0);  // no Close(): the backfilled block is only in the WAL
            }),
            0);
  auto store = MustOpen(Options(dir.path()));
  SeriesId w = *store->Find("bed", "ecg");
  auto r = store->Read(w, INT64_MIN, INT64_MAX);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->runs.size(), 3u);
  EXPECT_EQ(r->runs[1].t0_ns, 12 * kS);
  EXPECT_EQ(r->i64.size(), 300u);
  // A new block in the same gap is refused now: one segment chunk spans [10 s, 21 s), and a gap
  // inside a chunk cannot be filled. The reason says so.
  WriteReport report;
  ASSERT_TRUE(block(*store, w, 15 * kS, &report).ok());
  ASSERT_EQ(report.refused.size(), 1u);
  EXPECT_EQ(report.refused[0].code, ErrorCode::kOutOfOrder);
  EXPECT_NE(report.refused[0].reason.find("gap inside one chunk"), std::string::npos)
      << report.refused[0].reason;
  // ...but before everything stored and after it, blocks are kept
  ASSERT_TRUE(block(*store, w, 2 * kS, &report).ok());
  EXPECT_EQ(report.stored, 100u);
  ASSERT_TRUE(block(*store, w, 30 * kS, &report).ok());
  EXPECT_EQ(report.stored, 100u);
  ASSERT_TRUE(store->Close().ok());
  store = MustOpen(Options(dir.path()));
  EXPECT_EQ(store->Read(w, INT64_MIN, INT64_MAX)->i64.size(), 500u);
}

// A batch logged by a build before backfill (WAL record type 1) is replayed with the rule that
// build applied: a block starting before the end of its series' newest block was not kept.
TEST(Recovery, LegacyBatchRecordsKeepTheirOverlapRule) {
  TempDir dir;
  constexpr int64_t kS = 1'000'000'000;
  const std::vector<double> v(100, 3.0);
  SeriesId w;
  {
    auto store = MustOpen(Options(dir.path()));
    w = MustIntern(*store, "bed", "ecg", ValueType::kInt, true);
    WriteBatch b;
    b.AddBlock(w, 10 * kS, 100, v.data(), v.size());
    ASSERT_TRUE(store->Write(b).ok());
    ASSERT_TRUE(store->Close().ok());
  }
  WriteBatch legacy;
  legacy.AddBlock(w, 5 * kS, 100, v.data(), v.size());   // before the newest block: not kept
  legacy.AddBlock(w, 11 * kS, 100, v.data(), v.size());  // after it: kept
  std::string rec;
  AppendWalRecord(&rec, 1000, WalType::kBatchV1, legacy.payload());
  std::ofstream(LastWal(dir.path()), std::ios::binary | std::ios::app) << rec;
  auto store = MustOpen(Options(dir.path()));
  auto r = store->Read(w, INT64_MIN, INT64_MAX);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->runs.size(), 2u);  // [10 s, 11 s) from the segment, [11 s, 12 s) replayed
  EXPECT_EQ(r->runs[0].t0_ns, 10 * kS);
  EXPECT_EQ(r->runs[1].t0_ns, 11 * kS);
  EXPECT_EQ(r->i64.size(), 200u);
}

class CrashStep : public ::testing::TestWithParam<const char*> {};

// Crash inside the second flush (or inside a compaction), then recover and check every sample
// is there exactly once; then keep writing, flush, compact and check again.
TEST_P(CrashStep, FlushOrCompactionInterruptedLosesAndDuplicatesNothing) {
  std::string step = GetParam();
  bool compaction = step.starts_with("compact:");
  if (compaction) step = step.substr(8);
  TempDir dir;
  int code = InChild([&] {
    auto opts = Options(dir.path());
    bool armed = false;
    opts.test_hook = [&](const char* s) {
      if (armed && step == s) _exit(0);
    };
    auto store = MustOpen(opts);
    WriteBatches(*store, 0, 10);
    if (!store->Flush().ok()) _exit(7);
    WriteBatches(*store, 10, 20);
    if (compaction) {
      if (!store->Flush().ok()) _exit(7);
      WriteBatches(*store, 20, 30);
      armed = true;
      store->Compact().IgnoreError();
    } else {
      armed = true;
      store->Flush().IgnoreError();
    }
    _exit(9);  // the step was never reached
  });
  ASSERT_EQ(code, 0);
  int n = compaction ? 30 : 20;
  {
    auto store = MustOpen(Options(dir.path()));
    ExpectBatches(*store, n);
    WriteBatches(*store, n, n + 5);
    ASSERT_TRUE(store->Flush().ok());
    ASSERT_TRUE(store->Compact().ok());
    ExpectBatches(*store, n + 5);
  }
  auto store = MustOpen(Options(dir.path()));
  ExpectBatches(*store, n + 5);
  EXPECT_EQ(store->Stats().segments, 1u);
  // no orphans: exactly one segment file, no temp manifest
  EXPECT_EQ(ListNumbered(dir.path(), "seg-", ".seg").size(), 1u);
  EXPECT_FALSE(fs::exists(dir.path() + "/MANIFEST.tmp"));
}

INSTANTIATE_TEST_SUITE_P(Steps, CrashStep,
                         ::testing::Values("segment_synced", "manifest_written",
                                           "manifest_installed", "wal_deleted",
                                           "compact:compaction_synced", "compact:manifest_written",
                                           "compact:manifest_installed"),
                         [](const auto& info) {
                           std::string s = info.param;
                           for (char& c : s) {
                             if (c == ':') c = '_';
                           }
                           return s;
                         });

}  // namespace
}  // namespace lj::history
