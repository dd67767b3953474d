// `lingjing import wfdb` at the store level: a WFDB record imported into a monitor whose ECG
// series already holds newer data (the README's example after the demo has run). Every sample
// read from the record is stored, or counted as refused with its reason; nothing else.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "history/import.h"
#include "history/test_util.h"
#include "wfdb/wfdb.h"

namespace lj::history {
namespace {

using testing::MustIntern;
using testing::MustOpen;
using testing::Options;
using testing::TempDir;

constexpr int64_t kSec = 1'000'000'000;
const std::string kMitdb = std::string(LJ_SHARED_DIR) + "/data/mitdb";

// What the import reported, and what the store then holds.
struct Imported {
  uint64_t read = 0, stored = 0, refused = 0;
  std::string reasons;
  int64_t refused_from = INT64_MAX, refused_to = INT64_MIN;
  int64_t stored_from = INT64_MAX;  // earliest stored data the refused blocks met
};

// The import as `lingjing import wfdb` does it: ImportWaveform, summed up.
Imported Import(HistoryStore& store, SeriesId id, int64_t start, double rate,
                const std::vector<int64_t>& values) {
  std::vector<double> v(values.begin(), values.end());
  ImportSummary summary;
  uint64_t last_done = 0;
  Status st = ImportWaveform(store, id, start, rate, v, &summary,
                             [&](uint64_t done, const ImportSummary& so_far) {
                               EXPECT_GT(done, last_done);  // progress moves forward
                               EXPECT_EQ(so_far.read, done);
                               last_done = done;
                             });
  EXPECT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(last_done, values.size());
  Imported out{summary.read, summary.stored, summary.refused_samples(), ""};
  for (const auto& r : summary.refused) {
    EXPECT_EQ(r.code, ErrorCode::kOutOfOrder);
    out.reasons += r.first_reason + "\n";
    out.refused_from = std::min(out.refused_from, r.first_ns);
    out.refused_to = std::max(out.refused_to, r.end_ns);
    out.stored_from = std::min(out.stored_from, r.stored_from_ns);
  }
  EXPECT_EQ(out.read, out.stored + out.refused);  // no third outcome
  return out;
}

// MIT-BIH style conversion to µV: (adc - baseline) * 1000 / gain.
std::vector<int64_t> Microvolts(const wfdb::Record& rec, size_t signal) {
  const wfdb::SignalSpec& sig = rec.header.signals[signal];
  std::vector<int64_t> out;
  for (int32_t adc : rec.samples[signal])
    out.push_back(std::llround(static_cast<double>(adc - sig.baseline) * 1000 / sig.gain));
  return out;
}

// A small record in format 212: 2 signals, 360 Hz, `seconds` long.
std::string WriteRecord(const std::string& dir, int seconds) {
  const int n = 360 * seconds;
  std::vector<std::vector<int32_t>> sig(2, std::vector<int32_t>(n));
  for (int i = 0; i < n; ++i) {
    sig[0][i] = 1024 + static_cast<int32_t>(200 * std::sin(i * 0.05));
    sig[1][i] = 1024 - (i % 300);
  }
  Result<std::string> dat = wfdb::EncodeSignals(sig, 212);
  EXPECT_TRUE(dat.ok());
  std::ofstream(dir + "/rec.dat", std::ios::binary) << *dat;
  std::ofstream(dir + "/rec.hea") << "rec 2 360 " << n << "\n"
                                  << "rec.dat 212 200 11 1024 " << sig[0][0] << " "
                                  << wfdb::Checksum(sig[0]) << " 0 MLII\n"
                                  << "rec.dat 212 200 11 1024 " << sig[1][0] << " "
                                  << wfdb::Checksum(sig[1]) << " 0 V5\n";
  return dir + "/rec";
}

// The monitor's ECG as the demo leaves it: 250 Hz one-second blocks over [from, to).
void WriteDemoEcg(HistoryStore& store, SeriesId id, int64_t from, int64_t to) {
  std::vector<double> v(250);
  for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<double>(i % 50) * 10;
  WriteBatch wb;
  for (int64_t t = from; t < to; t += kSec) wb.AddBlock(id, t, 250, v.data(), v.size());
  ASSERT_TRUE(store.Write(wb).ok());
}

uint64_t StoredBetween(HistoryStore& store, SeriesId id, int64_t from, int64_t to) {
  auto r = store.Read(id, from, to);
  EXPECT_TRUE(r.ok());
  return r.ok() ? r->size() : 0;
}

TEST(ImportWfdb, OlderRecordBeforeNewerEcgIsStored) {
  TempDir dir;
  const std::string rec_path = WriteRecord(dir.path(), 20);
  Result<wfdb::Record> rec = wfdb::ReadRecord(rec_path);
  ASSERT_TRUE(rec.ok()) << rec.status().ToString();
  const std::vector<int64_t> uv = Microvolts(*rec, 0);
  auto store = MustOpen(Options(dir.path() + "/history"));
  SeriesId ecg = MustIntern(*store, "monitor-a01", "ecg", ValueType::kInt, true);
  const int64_t now = 1'800'000'000 * kSec;
  WriteDemoEcg(*store, ecg, now - 60 * kSec, now);  // the demo ran for the last minute
  ASSERT_TRUE(store->Flush().ok());

  const int64_t start = now - 120 * kSec;  // the record: [now - 120 s, now - 100 s)
  Imported got = Import(*store, ecg, start, 360, uv);
  EXPECT_EQ(got.read, uv.size());
  EXPECT_EQ(got.stored, uv.size());
  EXPECT_EQ(got.refused, 0u) << got.reasons;
  for (int phase = 0; phase < 3; ++phase) {
    auto r = store->Read(ecg, start, start + 20 * kSec);
    ASSERT_TRUE(r.ok());
    ASSERT_EQ(r->size(), uv.size()) << "phase " << phase;
    EXPECT_EQ(r->i64, uv);
    EXPECT_EQ(r->runs.front().rate_hz, 360);
    EXPECT_EQ(StoredBetween(*store, ecg, now - 60 * kSec, now), 60u * 250);
    if (phase == 0) ASSERT_TRUE(store->Flush().ok());
    if (phase == 1) ASSERT_TRUE(store->Compact().ok());
  }
}

// The README's example: the record is placed to end now, where the demo's ECG already is.
// The part before the demo's data is stored; the overlapping part is refused, counted and
// explained; read = stored + refused.
TEST(ImportWfdb, OverlapWithStoredEcgIsRefusedAndCounted) {
  TempDir dir;
  const std::string rec_path = WriteRecord(dir.path(), 30);
  Result<wfdb::Record> rec = wfdb::ReadRecord(rec_path);
  ASSERT_TRUE(rec.ok()) << rec.status().ToString();
  const std::vector<int64_t> uv = Microvolts(*rec, 0);
  auto store = MustOpen(Options(dir.path() + "/history"));
  SeriesId ecg = MustIntern(*store, "monitor-a01", "ecg", ValueType::kInt, true);
  const int64_t now = 1'800'000'000 * kSec;
  WriteDemoEcg(*store, ecg, now - 10 * kSec, now);

  Imported got = Import(*store, ecg, now - 30 * kSec, 360, uv);
  EXPECT_EQ(got.read, uv.size());
  EXPECT_EQ(got.stored, 20u * 360);
  EXPECT_EQ(got.refused, 10u * 360);
  EXPECT_NE(got.reasons.find("overlaps"), std::string::npos) << got.reasons;
  EXPECT_NE(got.reasons.find("'monitor-a01/ecg'"), std::string::npos) << got.reasons;
  EXPECT_EQ(got.refused_from, now - 10 * kSec);
  EXPECT_EQ(got.refused_to, now);
  EXPECT_EQ(got.stored_from, now - 10 * kSec);  // where the demo's ECG begins
  EXPECT_EQ(StoredBetween(*store, ecg, now - 30 * kSec, now), 20u * 360 + 10u * 250);
}

TEST(ImportWfdb, Mitdb100IntoAMonitorWithNewerEcg) {
  if (!std::filesystem::exists(kMitdb + "/100.hea"))
    GTEST_SKIP() << kMitdb << " not found: put the PhysioNet data beside the repository";
  TempDir dir;
  Result<wfdb::Record> rec = wfdb::ReadRecord(kMitdb + "/100");
  ASSERT_TRUE(rec.ok()) << rec.status().ToString();
  const std::vector<int64_t> uv = Microvolts(*rec, 0);  // MLII
  ASSERT_EQ(uv.size(), 650000u);
  auto store = MustOpen(Options(dir.path()));
  SeriesId ecg = MustIntern(*store, "monitor-a01", "ecg", ValueType::kInt, true);
  const int64_t now = 1'800'000'000 * kSec;
  WriteDemoEcg(*store, ecg, now - 120 * kSec, now);      // the demo ran for two minutes
  const int64_t start = now - 120 * kSec - 1806 * kSec;  // ends just before the demo began
  Imported got = Import(*store, ecg, start, 360, uv);
  EXPECT_EQ(got.stored, 650000u);
  EXPECT_EQ(got.refused, 0u) << got.reasons;
  ASSERT_TRUE(store->Flush().ok());
  EXPECT_EQ(StoredBetween(*store, ecg, start, now - 120 * kSec), 650000u);
  EXPECT_EQ(StoredBetween(*store, ecg, now - 120 * kSec, now), 120u * 250);
  auto r = store->Read(ecg, start, start + kSec);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->i64.size(), 360u);
  EXPECT_EQ(r->i64.front(), (995 - 1024) * 5);  // the record's first sample, in µV
}

}  // namespace
}  // namespace lj::history
