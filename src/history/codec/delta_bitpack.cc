// kDeltaBitpack (integer waveforms). Layout, for n values:
//   n >= 1: varint zigzag(x0)
//   then per block of up to 128 deltas d_i = x_i - x_{i-1} (i >= 1, wrapping modulo 2^64):
//     varint zigzag(min_d), 1 byte width w (0..64), then the block's (d_i - min_d) as w-bit
//     unsigned fields, MSB first, padded to a whole byte.
// Frame of reference per block keeps a spike from widening the rest of the column.
#include <algorithm>

#include "history/codec/bits.h"
#include "history/codec/codec_impl.h"

namespace lj::history::codec::internal {
namespace {

constexpr size_t kBlock = 128;

class DeltaBitpackCodec : public BufferedCodec {
 public:
  CodecId id() const override { return CodecId::kDeltaBitpack; }
  std::string_view name() const override { return "delta_bitpack"; }
  bool Supports(ColumnType t) const override { return t == ColumnType::kInt64; }

  void Encode(ColumnView v, std::string* out) const override {
    std::span<const int64_t> x = v.i64;
    if (x.empty()) return;
    PutVarint(ZigZag(x[0]), out);
    int64_t d[kBlock];
    for (size_t start = 1; start < x.size(); start += kBlock) {
      size_t len = std::min(kBlock, x.size() - start);
      for (size_t k = 0; k < len; ++k) {
        d[k] = static_cast<int64_t>(static_cast<uint64_t>(x[start + k]) -
                                    static_cast<uint64_t>(x[start + k - 1]));
      }
      int64_t lo = *std::min_element(d, d + len);
      uint64_t span = 0;
      for (size_t k = 0; k < len; ++k) {
        span = std::max(span, static_cast<uint64_t>(d[k]) - static_cast<uint64_t>(lo));
      }
      int width = BitWidth(span);
      PutVarint(ZigZag(lo), out);
      out->push_back(static_cast<char>(width));
      BitWriter w(out);
      for (size_t k = 0; k < len; ++k) {
        w.Write(static_cast<uint64_t>(d[k]) - static_cast<uint64_t>(lo), width);
      }
      w.Finish();
    }
  }

 protected:
  Status DecodeInts(std::string_view data, size_t count, std::vector<int64_t>* out) const override {
    if (count == 0) {
      return data.empty() ? Status::Ok() : Corrupt(name(), "trailing bytes after the values");
    }
    // Each block costs at least 2 bytes, the first value at least 1.
    size_t max_blocks = data.size() / 2;
    if ((count - 1 + kBlock - 1) / kBlock > max_blocks) {
      return Corrupt(name(),
                     "declared count " + std::to_string(count) + " exceeds what the data can hold");
    }
    size_t pos = 0;
    uint64_t u = 0;
    if (!GetVarint(data, &pos, &u)) return Corrupt(name(), "bad first value");
    out->reserve(count);
    uint64_t prev = static_cast<uint64_t>(UnZigZag(u));
    out->push_back(static_cast<int64_t>(prev));
    for (size_t start = 1; start < count; start += kBlock) {
      size_t len = std::min(kBlock, count - start);
      if (!GetVarint(data, &pos, &u)) return Corrupt(name(), "bad block minimum");
      uint64_t lo = static_cast<uint64_t>(UnZigZag(u));
      if (pos >= data.size()) return Corrupt(name(), "missing block width");
      int width = static_cast<uint8_t>(data[pos++]);
      if (width > 64) return Corrupt(name(), "block width " + std::to_string(width) + " > 64");
      size_t bytes = (len * static_cast<size_t>(width) + 7) / 8;
      if (data.size() - pos < bytes) return Corrupt(name(), "truncated block");
      BitReader r(data.substr(pos, bytes));
      for (size_t k = 0; k < len; ++k) {
        prev += lo + r.Read(width);
        out->push_back(static_cast<int64_t>(prev));
      }
      if (!r.AtPaddedEnd()) return Corrupt(name(), "non-zero block padding");
      pos += bytes;
    }
    if (pos != data.size()) return Corrupt(name(), "trailing bytes after the values");
    return Status::Ok();
  }
};

}  // namespace

std::unique_ptr<Codec> NewDeltaBitpackCodec() { return std::make_unique<DeltaBitpackCodec>(); }

}  // namespace lj::history::codec::internal
