// Internal: a prefix code for zigzagged integers with per-column widths and a zero-run mode,
// shared by kDeltaOfDelta and the decimal path of kGorilla. Codes: '0' → 0; '10' + w0 bits; '110' +
// w1 bits; '1110' + w2 bits; '1111' + w3 bits (w0 < w1 < w2 < w3 <= 64, w3 covers the widest
// value). The widths are chosen per column to minimise the total size (exhaustive over a histogram
// of value widths) and stored as 4 bytes before the bit stream.
#pragma once

#include <array>
#include <bit>
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

  // Put/Get are stateful: after kRunStart zeros in a row the coder switches to run mode and
  // writes the number of further zeros (Elias gamma of run + 1) before the next value, so a
  // regular timestamp column costs a few bytes in all.
  static constexpr int kRunStart = 8;

  void Put(BitWriter& w, uint64_t v) {
    if (zeros_ >= kRunStart) {
      if (v == 0) {
        ++run_;
        return;
      }
      FlushRun(w);
    }
    if (v == 0) {
      w.WriteBit(false);
      ++zeros_;
      return;
    }
    zeros_ = 0;
    PutNonZero(w, v);
  }
  // Ends the column: writes a pending run.
  void Finish(BitWriter& w) {
    if (zeros_ >= kRunStart && run_ > 0) FlushRun(w);  // the decoder reads a run only when
  }                                                    // a value follows the kRunStart zeros
  // Next value; sets *bad on a run longer than `remaining` values.
  uint64_t Get(BitReader& r, uint64_t remaining, bool* bad) {
    if (run_ > 0) {
      --run_;
      return 0;
    }
    if (zeros_ >= kRunStart) {
      zeros_ = 0;
      uint64_t run = GetGamma(r) - 1;  // zeros before the next non-zero value (or the end)
      if (run > remaining) {
        *bad = true;
        return 0;
      }
      if (run > 0) {
        run_ = run - 1;
        return 0;
      }
      return GetNonZero(r);  // run 0: a non-zero value follows the kRunStart zeros
    }
    int ones = Prefix(r);
    if (ones == 0) {
      ++zeros_;
      return 0;
    }
    zeros_ = 0;
    return r.Read(widths[ones - 1]);
  }

 private:
  void FlushRun(BitWriter& w) {
    PutGamma(w, run_ + 1);
    run_ = 0;
    zeros_ = 0;
  }
  // After a run, the value that ended it is known to be non-zero but still carries its prefix.
  uint64_t GetNonZero(BitReader& r) {
    int ones = Prefix(r);
    if (ones == 0) return 0;  // corrupt, tolerated: decodes to some value
    return r.Read(widths[ones - 1]);
  }
  // Reads a value's prefix ('0', '10', '110', '1110' or '1111'); returns its number of ones.
  static int Prefix(BitReader& r) {
    int ones = std::countl_one(r.Peek());
    if (ones >= 4) {
      r.Skip(4);
      return 4;
    }
    r.Skip(ones + 1);
    return ones;
  }
  void PutNonZero(BitWriter& w, uint64_t v) const {
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
  static void PutGamma(BitWriter& w, uint64_t v) {  // v >= 1
    int n = BitWidth(v);
    w.Write(0, n - 1);
    w.Write(v, n);
  }
  static uint64_t GetGamma(BitReader& r) {
    int zeros = std::countl_zero(r.Peek());
    if (zeros <= 56) {
      r.Skip(zeros + 1);
    } else {  // a long run, or the end of the input: bit by bit
      zeros = 0;
      while (zeros < 63 && !r.ReadBit()) ++zeros;
    }
    if (r.overrun()) return 1;
    return (uint64_t{1} << zeros) | r.Read(zeros);
  }

  int zeros_ = 0;     // zeros in a row so far (coder state)
  uint64_t run_ = 0;  // pending zeros in run mode
};

}  // namespace lj::history::codec::internal
