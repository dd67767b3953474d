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
