// Round-trip property tests for every registered codec, plus registry/choice and corruption
// handling. Codec-specific tests live in lpc_entropy_test.cc.
#include "history/codec/codec.h"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>

#include "history/codec/codec_impl.h"

namespace lj::history::codec {
namespace {

using I64 = std::vector<int64_t>;
using F64 = std::vector<double>;
constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
constexpr int64_t kMax = std::numeric_limits<int64_t>::max();

std::vector<std::pair<std::string, I64>> IntCases() {
  std::mt19937_64 rng(42);
  std::vector<std::pair<std::string, I64>> cases;
  cases.push_back({"empty", {}});
  cases.push_back({"single", {123456789}});
  cases.push_back({"single_min", {kMin}});
  cases.push_back({"extremes", {kMin, kMax, kMin, kMax, 0, -1, 1, kMax, kMax, kMin}});
  I64 v;
  for (int i = 0; i < 1000; ++i) v.push_back(i % 2 ? kMax : kMin);
  cases.push_back({"alternating_extremes", v});
  cases.push_back({"constant", I64(5000, -77)});
  v.clear();
  for (int i = 0; i < 3000; ++i) v.push_back(1'700'000'000'000'000'000 + i * 1'000'000'000LL);
  cases.push_back({"regular_ts_1s", v});
  v.clear();
  int64_t t = 1'700'000'000'000'000'000;
  for (int i = 0; i < 3000; ++i)
    v.push_back(t += 2'777'778 + static_cast<int64_t>(rng() % 4000000) - 2000000);
  cases.push_back({"jittered_ts", v});
  v.clear();
  for (int i = 0; i < 500; ++i) v.push_back(1'000'000'000LL * (500 - i));
  cases.push_back({"reversed_time", v});
  v.clear();
  for (int i = 0; i < 2000; ++i) v.push_back(static_cast<int64_t>(rng()));
  cases.push_back({"random64", v});
  v.clear();
  for (int i = 0; i < 2000; ++i) v.push_back(static_cast<int64_t>(rng() % 2048) - 1024);
  cases.push_back({"random11bit", v});
  v.clear();
  for (int i = 0; i < 2000; ++i) v.push_back(i % 300 == 0 ? static_cast<int64_t>(rng()) : i);
  cases.push_back({"huge_jumps", v});
  v.clear();
  double phase = 0;
  for (int i = 0; i < 20000; ++i) {
    phase += 0.0174;
    v.push_back(5 * static_cast<int64_t>(1024 + 200 * std::sin(phase) +
                                         (i % 300 < 20 ? 600 * std::sin((i % 300) * 0.157) : 0) +
                                         static_cast<double>(rng() % 7) - 3));
  }
  cases.push_back({"ecg_like_uv", v});
  v.clear();
  for (int i = 0; i < 3000; ++i) v.push_back(i < 1500 ? 7 : kMax - 3);
  cases.push_back({"long_runs", v});
  // Columns whose zero-run state ends exactly at the run threshold (bucket code run mode).
  for (int n = 8; n <= 12; ++n) {
    v.clear();
    for (int i = 0; i < n; ++i) v.push_back(1000 + 10 * i);
    cases.push_back({"regular_" + std::to_string(n), v});
  }
  return cases;
}

std::vector<std::pair<std::string, F64>> DoubleCases() {
  std::mt19937_64 rng(7);
  const double inf = std::numeric_limits<double>::infinity();
  auto nan_with = [](uint64_t payload) {
    return std::bit_cast<double>(uint64_t{0x7ff0000000000000} | payload);
  };
  std::vector<std::pair<std::string, F64>> cases;
  cases.push_back({"empty", {}});
  cases.push_back({"single", {36.8}});
  cases.push_back({"specials",
                   {std::nan(""), nan_with(1), nan_with(0x8000000000001), -nan_with(0x1234), inf,
                    -inf, -0.0, 0.0, 4.9e-324, -4.9e-324, 2.2250738585072009e-308,
                    std::numeric_limits<double>::max(), std::numeric_limits<double>::lowest(),
                    std::numeric_limits<double>::min(), 1e300, -1e-300}});
  F64 v;
  for (int i = 0; i < 1000; ++i) v.push_back(i % 2 ? std::numeric_limits<double>::max() : -inf);
  cases.push_back({"alternating_extremes", v});
  cases.push_back({"constant", F64(4000, 97.0)});
  cases.push_back({"constant_neg_zero", F64(100, -0.0)});
  v.clear();
  for (int i = 0; i < 3000; ++i) v.push_back(std::bit_cast<double>(rng()));
  cases.push_back({"random_bits", v});
  v.clear();
  double hr = 72;
  for (int i = 0; i < 3000; ++i) v.push_back(hr += static_cast<double>(rng() % 3) - 1);
  cases.push_back({"hr_walk", v});
  v.clear();
  double temp = 368;
  for (int i = 0; i < 3000; ++i) v.push_back((temp += static_cast<double>(rng() % 3) - 1) / 10);
  cases.push_back({"temp_1dp", v});
  v.clear();
  for (int i = 0; i < 3000; ++i) v.push_back(std::sin(i * 0.01) * 1e-310);
  cases.push_back({"denormals", v});
  v.clear();
  for (int i = 0; i < 2000; ++i) v.push_back(i % 400 == 0 ? 1e250 : i * 0.1);
  cases.push_back({"huge_jumps", v});
  v.clear();
  for (int i = 0; i < 2000; ++i) v.push_back(static_cast<double>(static_cast<int64_t>(rng())));
  cases.push_back({"big_integers", v});
  for (int n = 8; n <= 12; ++n) cases.push_back({"constant_" + std::to_string(n), F64(n, 97.0)});
  v.assign(20, 97.0);
  v.push_back(96.0);
  cases.push_back({"run_then_change", v});
  return cases;
}

void ExpectSameBits(const F64& a, const F64& b, const std::string& what) {
  ASSERT_EQ(a.size(), b.size()) << what;
  for (size_t i = 0; i < a.size(); ++i) {
    ASSERT_EQ(std::bit_cast<uint64_t>(a[i]), std::bit_cast<uint64_t>(b[i]))
        << what << " at " << i << ": " << a[i] << " vs " << b[i];
  }
}

TEST(CodecRoundTrip, EveryIntCodecEveryCase) {
  const CodecRegistry& reg = CodecRegistry::Default();
  int checked = 0;
  for (const auto& codec : reg.codecs()) {
    if (!codec->Supports(ColumnType::kInt64)) continue;
    for (const auto& [name, values] : IntCases()) {
      std::string what = std::string(codec->name()) + "/" + name;
      // Append in two pieces to exercise Compressor::Append more than once.
      auto c = codec->NewCompressor(ColumnType::kInt64);
      std::span<const int64_t> all(values);
      c->Append(ColumnView::Ints(all.first(values.size() / 3)));
      c->Append(ColumnView::Ints(all.subspan(values.size() / 3)));
      std::string enc = "prefix";
      c->Finish(&enc);
      std::string_view data(enc);
      data.remove_prefix(6);
      I64 out{1, 2, 3};
      Status s = codec->Decode(data, ColumnType::kInt64, values.size(), &out, nullptr);
      ASSERT_TRUE(s.ok()) << what << ": " << s.ToString();
      ASSERT_EQ(out, values) << what;
      ++checked;
      // One value too many or too few is an error, never a crash.
      if (!values.empty()) {
        EXPECT_FALSE(codec->Decode(data, ColumnType::kInt64, values.size() + 1, &out, nullptr).ok())
            << what;
      }
      if (!data.empty()) {
        Status t = codec->Decode(data.substr(0, data.size() - 1), ColumnType::kInt64, values.size(),
                                 &out, nullptr);
        EXPECT_FALSE(t.ok()) << what << " truncated";
        EXPECT_EQ(t.code(), ErrorCode::kStorage);
      }
    }
  }
  EXPECT_GT(checked, 0);
}

TEST(CodecRoundTrip, EveryDoubleCodecEveryCase) {
  const CodecRegistry& reg = CodecRegistry::Default();
  for (const auto& codec : reg.codecs()) {
    if (!codec->Supports(ColumnType::kDouble)) continue;
    for (const auto& [name, values] : DoubleCases()) {
      std::string what = std::string(codec->name()) + "/" + name;
      auto c = codec->NewCompressor(ColumnType::kDouble);
      c->Append(ColumnView::Doubles(values));
      std::string enc;
      c->Finish(&enc);
      F64 out{1.0};
      Status s = codec->Decode(enc, ColumnType::kDouble, values.size(), nullptr, &out);
      ASSERT_TRUE(s.ok()) << what << ": " << s.ToString();
      ExpectSameBits(values, out, what);
      if (!values.empty()) {
        EXPECT_FALSE(codec->Decode(enc, ColumnType::kDouble, values.size() + 1, nullptr, &out).ok())
            << what;
      }
      if (!enc.empty()) {
        Status t = codec->Decode(std::string_view(enc).substr(0, enc.size() - 1),
                                 ColumnType::kDouble, values.size(), nullptr, &out);
        EXPECT_EQ(t.code(), ErrorCode::kStorage) << what << " truncated";
      }
    }
  }
}

TEST(CodecRoundTrip, EncodeColumnUsesTheChosenCodec) {
  const CodecRegistry& reg = CodecRegistry::Default();
  for (const auto& [name, values] : IntCases()) {
    std::string enc;
    const Codec& used = EncodeColumn(reg, ColumnView::Ints(values), &enc);
    EXPECT_EQ(&used, reg.Choose(ColumnView::Ints(values))) << name;
    I64 out;
    ASSERT_TRUE(used.Decode(enc, ColumnType::kInt64, values.size(), &out, nullptr).ok()) << name;
    EXPECT_EQ(out, values) << name;
    EXPECT_LE(enc.size(), values.size() * 8 + 16) << name << " larger than raw";
  }
  for (const auto& [name, values] : DoubleCases()) {
    std::string enc;
    const Codec& used = EncodeColumn(reg, ColumnView::Doubles(values), &enc);
    F64 out;
    ASSERT_TRUE(used.Decode(enc, ColumnType::kDouble, values.size(), nullptr, &out).ok()) << name;
    ExpectSameBits(values, out, name);
    EXPECT_LE(enc.size(), values.size() * 8 + 16) << name << " larger than raw";
  }
}

TEST(CodecRegistryTest, FindsEveryBuiltinAndRawAlwaysQualifies) {
  const CodecRegistry& reg = CodecRegistry::Default();
  ASSERT_NE(reg.Find(CodecId::kRawInt64), nullptr);
  ASSERT_NE(reg.Find(CodecId::kRawDouble), nullptr);
  EXPECT_EQ(reg.Find(static_cast<CodecId>(200)), nullptr);
  EXPECT_NE(reg.Choose(ColumnView::Ints({})), nullptr);
  EXPECT_NE(reg.Choose(ColumnView::Doubles({})), nullptr);
}

TEST(CodecDecode, WrongTypeAndHugeCountAreStorageErrors) {
  const CodecRegistry& reg = CodecRegistry::Default();
  for (const auto& codec : reg.codecs()) {
    I64 i;
    F64 f;
    for (ColumnType t : {ColumnType::kInt64, ColumnType::kDouble}) {
      Status s = codec->Decode("", t, size_t{1} << 40, &i, &f);
      EXPECT_EQ(s.code(), ErrorCode::kStorage) << codec->name();
      if (!codec->Supports(t)) {
        EXPECT_EQ(codec->Decode("", t, 0, &i, &f).code(), ErrorCode::kStorage) << codec->name();
      }
    }
  }
}

// Flipping bytes and truncating anywhere gives ok-with-count-values or kStorage, never a crash
// (ASan/UBSan make a crash visible).
TEST(CodecDecode, CorruptionNeverCrashes) {
  const CodecRegistry& reg = CodecRegistry::Default();
  std::mt19937 rng(1);
  for (const auto& codec : reg.codecs()) {
    for (ColumnType t : {ColumnType::kInt64, ColumnType::kDouble}) {
      if (!codec->Supports(t)) continue;
      std::string enc;
      size_t n = 0;
      if (t == ColumnType::kInt64) {
        I64 v = IntCases()[12].second;  // ecg_like_uv
        n = v.size();
        codec->NewCompressor(t)->Append(ColumnView::Ints(v));
        auto c = codec->NewCompressor(t);
        c->Append(ColumnView::Ints(v));
        c->Finish(&enc);
      } else {
        F64 v = DoubleCases()[7].second;  // hr_walk
        n = v.size();
        auto c = codec->NewCompressor(t);
        c->Append(ColumnView::Doubles(v));
        c->Finish(&enc);
      }
      for (int trial = 0; trial < 120; ++trial) {
        std::string bad = enc;
        if (trial % 3 == 0) {
          bad.resize(rng() % (bad.size() + 1));
        } else {
          for (int k = 0; k < 1 + trial % 4; ++k) {
            if (!bad.empty()) bad[rng() % bad.size()] ^= static_cast<char>(1 + rng() % 255);
          }
        }
        I64 i;
        F64 f;
        Status s = codec->Decode(bad, t, n, &i, &f);
        if (s.ok()) {
          EXPECT_EQ(t == ColumnType::kInt64 ? i.size() : f.size(), n);
        } else {
          EXPECT_EQ(s.code(), ErrorCode::kStorage);
          EXPECT_FALSE(s.message().empty());
        }
      }
    }
  }
}

}  // namespace
}  // namespace lj::history::codec
