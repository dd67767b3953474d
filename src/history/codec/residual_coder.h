// Internal: context-modelled coding of prediction residuals for kLpcEntropy.
//
// Each residual e is coded as: its width b = BitWidth(|e|) in unary (adaptive bit per context and
// position), then the bits of |e| below its leading one (the top two with models per width and
// prefix, the rest with models per width and position), then its sign (model per previous sign).
// The context is a quantised, exponentially-decaying mean of recent |e|: QRS complexes and quiet
// baseline get their own statistics.
#pragma once

#include <cstdint>
#include <memory>

#include "history/codec/bits.h"
#include "history/codec/range_coder.h"

namespace lj::history::codec::internal {

class ResidualModel {
 public:
  static constexpr int kMaxWidth = 34;  // |e| < 2^34 (residuals are bounded by 2^33)
  static constexpr int kContexts = 40;

  void Encode(RangeEncoder& rc, int64_t e) {
    uint64_t m = e < 0 ? 0 - static_cast<uint64_t>(e) : static_cast<uint64_t>(e);
    int b = BitWidth(m);
    int ctx = Context();
    for (int j = 0; j < kMaxWidth; ++j) {
      int more = b > j ? 1 : 0;
      rc.Encode(width_[ctx][j], more);
      if (!more) break;
    }
    if (b >= 2) {
      int top = b - 2;  // index of the first bit below the leading one
      int node = 1;
      for (int i = top; i >= 0; --i) {
        int bit = static_cast<int>((m >> i) & 1);
        rc.Encode(Mantissa(b, top, i, node), bit);
        if (top - i < 2) node = node * 2 + bit;
      }
    }
    if (b > 0) {
      int neg = e < 0 ? 1 : 0;
      rc.Encode(sign_[last_sign_], neg);
      last_sign_ = 1 + neg;
    } else {
      last_sign_ = 0;
    }
    Update(m);
  }

  // Decodes one residual; returns false (and leaves *e undefined) on an impossible width.
  bool Decode(RangeDecoder& rc, int64_t* e) {
    int ctx = Context();
    int b = 0;
    while (b < kMaxWidth && rc.Decode(width_[ctx][b])) ++b;
    if (b >= kMaxWidth) return false;
    uint64_t m = b == 0 ? 0 : 1;
    if (b >= 2) {
      int top = b - 2;
      int node = 1;
      for (int i = top; i >= 0; --i) {
        int bit = rc.Decode(Mantissa(b, top, i, node));
        m = (m << 1) | static_cast<uint64_t>(bit);
        if (top - i < 2) node = node * 2 + bit;
      }
    }
    if (b > 0) {
      int neg = rc.Decode(sign_[last_sign_]);
      last_sign_ = 1 + neg;
      *e = neg ? -static_cast<int64_t>(m) : static_cast<int64_t>(m);
    } else {
      last_sign_ = 0;
      *e = 0;
    }
    Update(m);
    return true;
  }

 private:
  int Context() const {
    uint64_t v = avg_ >> 5;  // ≈ 4 × mean |e|
    int w = BitWidth(v);
    int ctx = w < 2 ? w : 2 * w - 2 + static_cast<int>((v >> (w - 2)) & 1);
    return ctx < kContexts ? ctx : kContexts - 1;
  }
  void Update(uint64_t m) {
    if (m > (uint64_t{1} << 24)) m = uint64_t{1} << 24;
    avg_ = avg_ - (avg_ >> 3) + (m << 4);  // ≈ 128 × mean |e| over ~8 values
  }
  BitModel& Mantissa(int b, int top, int i, int node) {
    if (top - i < 2) return high_[b][node];  // node 1..3: the first two bits below the lead
    return low_[b][i];
  }

  BitModel width_[kContexts][kMaxWidth];
  BitModel high_[kMaxWidth][4];
  BitModel low_[kMaxWidth][kMaxWidth];
  BitModel sign_[3];
  uint64_t avg_ = 0;
  int last_sign_ = 0;
};

}  // namespace lj::history::codec::internal
