// Internal: a prefix code for zigzagged integers with per-column widths, shared by kDeltaOfDelta
// and the decimal path of kGorilla. Codes: '0' → 0; '10' + w0 bits; '110' + w1 bits;
// '1110' + w2 bits; '1111' + w3 bits (w0 < w1 < w2 < w3 <= 64, w3 covers the widest value).
// The widths are chosen per column to minimise the total size (exhaustive over a histogram of
// value widths) and stored as 4 bytes before the bit stream.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "history/codec/bits.h"

namespace lj::history::codec::internal {

struct BucketCode {
  std::array<uint8_t, 4> widths{8, 16, 32, 64};

  // The widths minimising the encoded size of `values` (zigzagged).
  static BucketCode Fit(std::span<const uint64_t> values);
  // Size in bits of `values` under this code.
  uint64_t CostBits(std::span<const uint64_t> values) const;
  void WriteHeader(std::string* out) const { out->append(widths.begin(), widths.end()); }
  // Parses the 4 width bytes at *pos; false when absent or not strictly increasing up to 64.
  bool ReadHeader(std::string_view in, size_t* pos);

  void Put(BitWriter& w, uint64_t v) const {
    if (v == 0) {
      w.WriteBit(false);
      return;
    }
    int bits = BitWidth(v);
    for (int b = 0; b < 4; ++b) {
      if (bits <= widths[b]) {
        // prefix: b+1 ones then a zero, except the last bucket which is four ones.
        if (b < 3) {
          w.Write((uint64_t{1} << (b + 2)) - 2, b + 2);
        } else {
          w.Write(0xf, 4);
        }
        w.Write(v, widths[b]);
        return;
      }
    }
  }
  uint64_t Get(BitReader& r) const {
    int ones = 0;
    while (ones < 4 && r.ReadBit()) ++ones;
    if (ones == 0) return 0;
    return r.Read(widths[ones - 1]);
  }
};

}  // namespace lj::history::codec::internal
