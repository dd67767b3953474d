// File-format tests: a tiny store's files parse back (and, with LJ_HISTORY_EXAMPLE_DIR set, are
// left there: the worked example of doc/storage-format.md and the fuzz seed corpora come from
// it); chunk round trips and rejection of corrupt bytes.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <limits>

#include "history/chunk.h"
#include "history/file_util.h"
#include "history/format.h"
#include "history/manifest.h"
#include "history/segment.h"
#include "history/test_util.h"
#include "history/wal.h"

namespace lj::history {
namespace {

using testing::MustIntern;
using testing::MustOpen;
using testing::Options;
using testing::TempDir;

TEST(Format, TinyStoreFilesParseBack) {
  TempDir tmp;
  const char* env = std::getenv("LJ_HISTORY_EXAMPLE_DIR");
  std::string dir = env ? env : tmp.path();
  std::filesystem::remove_all(dir);
  auto opts = Options(dir);
  opts.sync = SyncPolicy::kBatch;
  {
    auto store = MustOpen(opts);
    SeriesId hr = MustIntern(*store, "bed-1", "hr");
    WriteBatch batch;
    const double v[] = {72, 72, 73, 71};
    for (int i = 0; i < 4; ++i)
      batch.AddDouble(hr, 1'700'000'000'000'000'000 + i * 1'000'000'000LL, v[i]);
    auto lsn = store->Write(batch);
    ASSERT_TRUE(lsn.ok());
    ASSERT_TRUE(store->WaitDurable(*lsn).ok());
    std::string wal;
    ASSERT_TRUE(ReadFile(dir + "/wal-000001.log", &wal).ok());
    WalScan scan = ScanWal(wal);
    EXPECT_EQ(scan.end, WalScan::End::kClean);
    ASSERT_EQ(scan.records.size(), 2u);  // series definition, batch
    EXPECT_EQ(scan.records[0].type, WalType::kSeries);
    EXPECT_EQ(scan.records[1].lsn, 2u);
    if (env) std::filesystem::copy_file(dir + "/wal-000001.log", dir + "/example-wal.log");
    ASSERT_TRUE(store->Flush().ok());
  }
  auto seg = Segment::Open(dir + "/seg-000001.seg", 1);
  ASSERT_TRUE(seg.ok()) << seg.status().ToString();
  ASSERT_EQ((*seg)->index().size(), 1u);
  const ChunkMeta& m = (*seg)->index()[0];
  EXPECT_EQ(m.count, 4u);
  EXPECT_EQ(m.min, 71);
  EXPECT_EQ(m.max, 73);
  EXPECT_EQ(m.sum, 288);
  EXPECT_EQ(m.last, 71);
  SeriesData d;
  ASSERT_TRUE((*seg)->ReadChunk(m, &d).ok());
  EXPECT_EQ(d.f64, (std::vector<double>{72, 72, 73, 71}));
  std::string man;
  ASSERT_TRUE(ReadFile(dir + "/MANIFEST", &man).ok());
  Manifest mf;
  ASSERT_TRUE(DecodeManifest(man, &mf).ok());
  EXPECT_EQ(mf.series.size(), 1u);
  EXPECT_EQ(mf.segments.size(), 1u);
  EXPECT_EQ(mf.wal_min, 2u);
  EXPECT_EQ(mf.last_lsn, 2u);
}

SeriesData Wave(std::vector<SeriesData::Run> runs, std::vector<int64_t> v) {
  SeriesData d;
  d.type = ValueType::kInt;
  d.waveform = true;
  d.runs = std::move(runs);
  d.i64 = std::move(v);
  return d;
}

TEST(Format, ChunksRoundTripAndRejectEveryFlippedByte) {
  std::vector<SeriesData> chunks;
  SeriesData s;
  s.type = ValueType::kString;
  s.t_ns = {1, 2, 2, 5};
  s.str = {"a", "", "ccc", std::string(300, 'x')};
  chunks.push_back(s);
  chunks.push_back(Wave({{1000, 250, 0, 3}, {9000, 500, 3, 2}}, {1, -2, 3, 4, 5}));
  SeriesData f;
  f.t_ns = {-5, 0, 7};
  f.f64 = {-0.0, std::numeric_limits<double>::infinity(), 1e-300};
  chunks.push_back(f);
  for (const auto& c : chunks) {
    std::string blob;
    ChunkMeta m = EncodeChunk(7, c, &blob);
    EXPECT_EQ(m.length, blob.size());
    SeriesData back;
    ASSERT_TRUE(DecodeChunk(blob, &m, &back).ok());
    EXPECT_EQ(back.t_ns, c.t_ns);
    EXPECT_EQ(back.str, c.str);
    EXPECT_EQ(back.i64, c.i64);
    ASSERT_EQ(back.f64.size(), c.f64.size());
    for (size_t i = 0; i < c.f64.size(); ++i)
      EXPECT_EQ(std::signbit(back.f64[i]), std::signbit(c.f64[i]));
    ASSERT_EQ(back.runs.size(), c.runs.size());
    for (size_t i = 0; i < c.runs.size(); ++i) {
      EXPECT_EQ(back.runs[i].t0_ns, c.runs[i].t0_ns);
      EXPECT_EQ(back.runs[i].rate_hz, c.runs[i].rate_hz);
      EXPECT_EQ(back.runs[i].count, c.runs[i].count);
    }
    for (size_t i = 0; i < blob.size(); ++i) {
      std::string bad = blob;
      bad[i] ^= 0x10;
      EXPECT_FALSE(DecodeChunk(bad, nullptr, &back).ok()) << "flipped byte " << i;
    }
  }
}

TEST(Format, Crc32cMatchesTheReferenceAndKnownValues) {
  EXPECT_EQ(Crc32c("123456789", 9), 0xE3069283u);  // the CRC-32C check value
  EXPECT_EQ(Crc32cReference("123456789", 9), 0xE3069283u);
  std::string data;
  for (int i = 0; i < 300; ++i) data.push_back(static_cast<char>(i * 37 + 11));
  for (size_t n = 0; n <= data.size(); n += 7) {
    for (uint32_t seed : {0u, 1u, 0xDEADBEEFu}) {
      ASSERT_EQ(Crc32c(data.data(), n, seed), Crc32cReference(data.data(), n, seed)) << n;
    }
    ASSERT_EQ(Crc32c(data.data() + n, data.size() - n, Crc32c(data.data(), n)),
              Crc32c(data.data(), data.size()));
  }
}

TEST(Format, WalScanTellsTornTailsFromCorruption) {
  std::string wal;
  AppendWalRecord(&wal, 1, WalType::kBatch, "abc");
  size_t second = wal.size();
  AppendWalRecord(&wal, 2, WalType::kBatch, "defg");
  AppendWalRecord(&wal, 3, WalType::kRetention, std::string(12, 'x'));
  WalScan clean = ScanWal(wal);
  ASSERT_EQ(clean.end, WalScan::End::kClean);
  ASSERT_EQ(clean.records.size(), 3u);
  EXPECT_EQ(clean.records[1].payload, "defg");
  EXPECT_EQ(clean.records[2].lsn, 3u);
  // zero-filled space after the last record (preallocation, lost pages): torn tail
  WalScan zeros = ScanWal(wal + std::string(100, '\0'));
  EXPECT_EQ(zeros.end, WalScan::End::kTornTail);
  EXPECT_EQ(zeros.records.size(), 3u);
  EXPECT_EQ(zeros.valid_bytes, wal.size());
  // a bad record followed by a good one: corruption, reported at its offset
  std::string bad = wal;
  bad[second + 18] ^= 1;
  WalScan corrupt = ScanWal(bad);
  EXPECT_EQ(corrupt.end, WalScan::End::kCorrupt);
  EXPECT_EQ(corrupt.records.size(), 1u);
  EXPECT_NE(corrupt.reason.find(std::to_string(second)), std::string::npos);
  // an absurd length in the middle is corruption too
  bad = wal;
  bad[second + 3] = 0x7f;
  EXPECT_EQ(ScanWal(bad).end, WalScan::End::kCorrupt);
}

}  // namespace
}  // namespace lj::history
