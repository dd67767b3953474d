// Codec choice, the built-in set, size expectations on typical columns, and kLpcEntropy on real
// MIT-BIH data (record 100) when ../shared/data/mitdb is present.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <random>

#include "history/codec/codec.h"
#include "wfdb/wfdb.h"

namespace lj::history::codec {
namespace {

std::vector<int64_t> EcgLike(size_t n, int64_t scale) {
  std::mt19937 rng(3);
  std::normal_distribution<double> noise(0, 2);
  std::vector<int64_t> v;
  for (size_t i = 0; i < n; ++i) {
    double t = static_cast<double>(i % 300);
    double qrs = 400 * std::exp(-(t - 100) * (t - 100) / 20);
    double twave = 60 * std::exp(-(t - 180) * (t - 180) / 400);
    double wander = 40 * std::sin(static_cast<double>(i) * 0.002);
    v.push_back(scale *
                static_cast<int64_t>(std::lround(1024 + qrs + twave + wander + noise(rng))));
  }
  return v;
}

size_t EncodedSize(const Codec& c, const std::vector<int64_t>& v) {
  auto comp = c.NewCompressor(ColumnType::kInt64);
  comp->Append(ColumnView::Ints(v));
  std::string enc;
  comp->Finish(&enc);
  return enc.size();
}

TEST(CodecChoice, DefaultRegistryHasEveryBuiltinWithStableIds) {
  const CodecRegistry& reg = CodecRegistry::Default();
  EXPECT_EQ(reg.codecs().size(), 6u);
  EXPECT_EQ(reg.Find(CodecId::kDeltaOfDelta)->name(), "delta_of_delta");
  EXPECT_EQ(reg.Find(CodecId::kDeltaBitpack)->name(), "delta_bitpack");
  EXPECT_EQ(reg.Find(CodecId::kGorilla)->name(), "gorilla");
  EXPECT_EQ(reg.Find(CodecId::kLpcEntropy)->name(), "lpc_entropy");
  for (const auto& c : reg.codecs()) EXPECT_EQ(reg.Find(c->id()), c.get());
}

TEST(CodecChoice, RegularTimestampsPickDeltaOfDeltaAtAFewBytes) {
  std::vector<int64_t> ts;
  for (int i = 0; i < 8192; ++i) ts.push_back(1'790'000'000'000'000'000 + i * 2'777'778LL);
  const Codec* c = CodecRegistry::Default().Choose(ColumnView::Ints(ts));
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->id(), CodecId::kDeltaOfDelta);
  EXPECT_LT(EncodedSize(*c, ts), 40u);  // zero-run mode: a handful of bytes for the whole chunk
}

TEST(CodecChoice, JitteredTimestampsStayCheap) {
  std::mt19937_64 rng(5);
  std::vector<int64_t> ts;
  int64_t t = 1'790'000'000'000'000'000;
  for (int i = 0; i < 8192; ++i) ts.push_back(t += 1'000'000'000 + (rng() % 6'000'000) - 3'000'000);
  const Codec& dod = *CodecRegistry::Default().Find(CodecId::kDeltaOfDelta);
  // ±3 ms of ns jitter is ~23 bits of entropy per delta; well under the 64 of raw.
  EXPECT_LT(EncodedSize(dod, ts), ts.size() * 4);
}

TEST(CodecChoice, EcgLikeColumnPicksLpc) {
  std::vector<int64_t> ecg = EcgLike(16384, 1);
  const Codec* c = CodecRegistry::Default().Choose(ColumnView::Ints(ecg));
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->id(), CodecId::kLpcEntropy);
}

TEST(CodecChoice, GcdMakesMicrovoltsCostTheSameAsAdc) {
  const Codec& lpc = *CodecRegistry::Default().Find(CodecId::kLpcEntropy);
  size_t adc = EncodedSize(lpc, EcgLike(16384, 1));
  size_t uv = EncodedSize(lpc, EcgLike(16384, 5));
  EXPECT_LE(uv, adc + 4);
}

TEST(CodecChoice, VitalsAsSmallDecimalsCostWellUnderABytePerSample) {
  std::mt19937 rng(9);
  std::vector<double> hr, temp;
  double h = 72, t = 368;
  for (int i = 0; i < 3600; ++i) {
    h = std::clamp(h + static_cast<int>(rng() % 3) - 1, 50.0, 120.0);
    t = std::clamp(t + (rng() % 20 == 0 ? static_cast<int>(rng() % 3) - 1 : 0), 360.0, 380.0);
    hr.push_back(h);
    temp.push_back(t / 10);
  }
  for (const auto* col : {&hr, &temp}) {
    std::string enc;
    const Codec& used = EncodeColumn(CodecRegistry::Default(), ColumnView::Doubles(*col), &enc);
    EXPECT_EQ(used.id(), CodecId::kGorilla);
    EXPECT_LT(enc.size(), col->size() / 2);
  }
}

TEST(LpcEntropyMitdb, Record100RoundTripsLosslesslyUnderHalfAByte) {
  std::string dir = std::string(LJ_SHARED_DIR) + "/data/mitdb";
  if (!std::filesystem::exists(dir + "/100.hea")) {
    GTEST_SKIP() << dir << " not found: MIT-BIH record 100 unavailable";
  }
  auto rec = wfdb::ReadRecord(dir + "/100");
  ASSERT_TRUE(rec.ok()) << rec.status().ToString();
  const Codec& lpc = *CodecRegistry::Default().Find(CodecId::kLpcEntropy);
  size_t bytes = 0, samples = 0;
  for (const auto& sig : rec->samples) {
    std::vector<int64_t> all(sig.begin(), sig.end());
    for (size_t start = 0; start < all.size(); start += 16384) {
      std::vector<int64_t> part(all.begin() + start,
                                all.begin() + std::min(all.size(), start + 16384));
      auto comp = lpc.NewCompressor(ColumnType::kInt64);
      comp->Append(ColumnView::Ints(part));
      std::string enc;
      comp->Finish(&enc);
      std::vector<int64_t> back;
      ASSERT_TRUE(lpc.Decode(enc, ColumnType::kInt64, part.size(), &back, nullptr).ok());
      ASSERT_EQ(back, part) << "chunk at " << start;
      bytes += enc.size();
      samples += part.size();
    }
  }
  EXPECT_EQ(samples, 2u * 650000u);
  EXPECT_LT(static_cast<double>(bytes) / static_cast<double>(samples), 0.6);
}

}  // namespace
}  // namespace lj::history::codec
