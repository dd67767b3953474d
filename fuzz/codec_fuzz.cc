// Fuzzes the column codecs (src/history/codec): decodes arbitrary bytes with every codec and
// column type under a fuzzer-chosen count (must give ok with exactly `count` values or
// kStorage, never a crash or unbounded allocation), and round-trips a fuzzer-derived column
// through every codec and EncodeColumn (must be bit-exact).
#include <bit>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "history/codec/codec.h"

namespace codec = lj::history::codec;

namespace {

void Check(bool ok) {
  if (!ok) std::abort();
}

void DecodeArbitrary(const codec::CodecRegistry& reg, std::string_view data, size_t count) {
  std::vector<int64_t> i64;
  std::vector<double> f64;
  for (const auto& c : reg.codecs()) {
    for (codec::ColumnType t : {codec::ColumnType::kInt64, codec::ColumnType::kDouble}) {
      lj::Status s = c->Decode(data, t, count, &i64, &f64);
      if (s.ok()) {
        Check((t == codec::ColumnType::kInt64 ? i64.size() : f64.size()) == count);
      } else {
        Check(s.code() == lj::ErrorCode::kStorage && !s.message().empty());
      }
    }
  }
}

void RoundTrip(const codec::CodecRegistry& reg, std::string_view data) {
  size_t n = data.size() / 8;
  std::vector<int64_t> ints(n);
  std::vector<double> doubles(n);
  for (size_t i = 0; i < n; ++i) {
    uint64_t v;
    std::memcpy(&v, data.data() + 8 * i, 8);
    // Half the time make the column smooth (small deltas), which reaches the deeper paths.
    // (wrapping: the generator itself must not overflow)
    ints[i] = (data.size() % 2 == 0 && i > 0)
                  ? static_cast<int64_t>(static_cast<uint64_t>(ints[i - 1]) +
                                         static_cast<uint64_t>(int64_t{static_cast<int8_t>(v)}))
                  : static_cast<int64_t>(v);
    doubles[i] = (data.size() % 3 == 0) ? static_cast<double>(static_cast<int16_t>(v)) / 10
                                        : std::bit_cast<double>(v);
  }
  for (const auto& c : reg.codecs()) {
    if (c->Supports(codec::ColumnType::kInt64)) {
      auto comp = c->NewCompressor(codec::ColumnType::kInt64);
      comp->Append(codec::ColumnView::Ints(ints));
      std::string enc;
      comp->Finish(&enc);
      std::vector<int64_t> back;
      Check(c->Decode(enc, codec::ColumnType::kInt64, n, &back, nullptr).ok() && back == ints);
    }
    if (c->Supports(codec::ColumnType::kDouble)) {
      auto comp = c->NewCompressor(codec::ColumnType::kDouble);
      comp->Append(codec::ColumnView::Doubles(doubles));
      std::string enc;
      comp->Finish(&enc);
      std::vector<double> back;
      Check(c->Decode(enc, codec::ColumnType::kDouble, n, nullptr, &back).ok());
      Check(back.size() == n && (n == 0 || std::memcmp(back.data(), doubles.data(), 8 * n) == 0));
    }
  }
  std::string enc;
  const codec::Codec& used = codec::EncodeColumn(reg, codec::ColumnView::Ints(ints), &enc);
  std::vector<int64_t> back;
  Check(used.Decode(enc, codec::ColumnType::kInt64, n, &back, nullptr).ok() && back == ints);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* bytes, size_t size) {
  if (size < 3) return 0;
  const auto& reg = codec::CodecRegistry::Default();
  std::string_view data(reinterpret_cast<const char*>(bytes) + 3, size - 3);
  if (bytes[0] & 1) {
    RoundTrip(reg, data);
  } else {
    // count up to 65535: beyond what most inputs can hold, small enough to stay fast.
    size_t count = (static_cast<size_t>(bytes[1]) << 8) | bytes[2];
    DecodeArbitrary(reg, data, count);
  }
  return 0;
}
