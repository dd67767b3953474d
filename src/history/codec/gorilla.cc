// kGorilla (doubles). One mode byte, then the mode's body; an empty column encodes to nothing.
//   mode 0, XOR (Pelkonen et al., VLDB 2015, §4.1.2): x0 as 64 raw bits, then per value the XOR
//     with its predecessor: '0' equal; '10' + the meaningful bits inside the previous window;
//     '11' + 5 bits leading zeros (capped at 31) + 6 bits (length - 1) + length bits.
//   mode 1 + s (s = 0..6), decimal: every value is exactly k / 10^s for an integer |k| <= 2^53
//     (checked bit for bit, so -0.0, NaN and inf never take this path): varint zigzag(k0), a
//     BucketCode header, then BucketCode(zigzag(k_i - k_{i-1})) as an MSB-first bit stream.
//     Vital signs (HR 72, SpO2 97, temperature 36.8) cost a few bits per sample this way.
#include <algorithm>
#include <bit>
#include <cmath>

#include "history/codec/bits.h"
#include "history/codec/bucket_code.h"
#include "history/codec/codec_impl.h"

namespace lj::history::codec::internal {
namespace {

constexpr int kMaxScale = 6;
constexpr double kPow10[kMaxScale + 1] = {1, 10, 100, 1e3, 1e4, 1e5, 1e6};
constexpr double kMaxExactInt = 9007199254740992.0;  // 2^53

// The smallest scale s for which every value is exactly k / 10^s; -1 when there is none.
int DecimalScale(std::span<const double> x, std::vector<int64_t>* ks) {
  for (int s = 0; s <= kMaxScale; ++s) {
    ks->clear();
    bool ok = true;
    for (double v : x) {
      double scaled = v * kPow10[s];
      if (!(std::fabs(scaled) <= kMaxExactInt)) {  // also false for NaN
        ok = false;
        break;
      }
      int64_t k = std::llround(scaled);
      double back = static_cast<double>(k) / kPow10[s];
      if (std::bit_cast<uint64_t>(back) != std::bit_cast<uint64_t>(v)) {
        ok = false;
        break;
      }
      ks->push_back(k);
    }
    if (ok) return s;
  }
  return -1;
}

class GorillaCodec : public BufferedCodec {
 public:
  CodecId id() const override { return CodecId::kGorilla; }
  std::string_view name() const override { return "gorilla"; }
  bool Supports(ColumnType t) const override { return t == ColumnType::kDouble; }

  void Encode(ColumnView v, std::string* out) const override {
    std::span<const double> x = v.f64;
    if (x.empty()) return;
    std::vector<int64_t> ks;
    int s = DecimalScale(x, &ks);
    if (s >= 0) {
      out->push_back(static_cast<char>(1 + s));
      EncodeDecimal(ks, out);
    } else {
      out->push_back(0);
      EncodeXor(x, out);
    }
  }

 protected:
  Status DecodeDoubles(std::string_view data, size_t count,
                       std::vector<double>* out) const override {
    if (count == 0) {
      return data.empty() ? Status::Ok() : Corrupt(name(), "trailing bytes after the values");
    }
    if (data.empty()) return Corrupt(name(), "missing mode byte");
    int mode = static_cast<uint8_t>(data[0]);
    data.remove_prefix(1);
    if (mode == 0) return DecodeXor(data, count, out);
    if (mode <= 1 + kMaxScale) return DecodeDecimal(data, count, mode - 1, out);
    return Corrupt(name(), "unknown mode " + std::to_string(mode));
  }

 private:
  static void EncodeXor(std::span<const double> x, std::string* out) {
    BitWriter w(out);
    uint64_t prev = std::bit_cast<uint64_t>(x[0]);
    w.Write(prev, 64);
    int win_lead = -1, win_trail = 0;  // no window yet
    for (size_t i = 1; i < x.size(); ++i) {
      uint64_t cur = std::bit_cast<uint64_t>(x[i]);
      uint64_t xr = cur ^ prev;
      prev = cur;
      if (xr == 0) {
        w.WriteBit(false);
        continue;
      }
      int lead = std::min(__builtin_clzll(xr), 31);
      int trail = __builtin_ctzll(xr);
      if (win_lead >= 0 && lead >= win_lead && trail >= win_trail) {
        w.Write(0b10, 2);
        w.Write(xr >> win_trail, 64 - win_lead - win_trail);
        continue;
      }
      int len = 64 - lead - trail;
      w.Write(0b11, 2);
      w.Write(static_cast<uint64_t>(lead), 5);
      w.Write(static_cast<uint64_t>(len - 1), 6);
      w.Write(xr >> trail, len);
      win_lead = lead;
      win_trail = trail;
    }
    w.Finish();
  }

  Status DecodeXor(std::string_view data, size_t count, std::vector<double>* out) const {
    BitReader r(data);
    if (r.remaining_bits() < 64 || count - 1 > r.remaining_bits() - 64) {
      return Corrupt(name(),
                     "declared count " + std::to_string(count) + " exceeds what the data can hold");
    }
    out->reserve(count);
    uint64_t prev = r.Read(64);
    out->push_back(std::bit_cast<double>(prev));
    int win_lead = -1, win_trail = 0;
    for (size_t i = 1; i < count; ++i) {
      const uint64_t head = r.Peek();  // control bits (and a new window) in one look
      if (head >> 63) {
        if ((head >> 62) & 1) {
          win_lead = static_cast<int>((head >> 57) & 31);
          int len = static_cast<int>((head >> 51) & 63) + 1;
          win_trail = 64 - win_lead - len;
          if (win_trail < 0) return Corrupt(name(), "XOR window wider than 64 bits");
          r.Skip(13);
        } else if (win_lead < 0) {
          return Corrupt(name(), "XOR window reused before one was set");
        } else {
          r.Skip(2);
        }
        prev ^= r.Read(64 - win_lead - win_trail) << win_trail;
      } else {
        r.Skip(1);
      }
      if (r.overrun()) return Corrupt(name(), "truncated bit stream");
      out->push_back(std::bit_cast<double>(prev));
    }
    if (!r.AtPaddedEnd()) return Corrupt(name(), "trailing bits after the values");
    return Status::Ok();
  }

  static void EncodeDecimal(const std::vector<int64_t>& ks, std::string* out) {
    PutVarint(ZigZag(ks[0]), out);
    std::vector<uint64_t> deltas;
    deltas.reserve(ks.size());
    for (size_t i = 1; i < ks.size(); ++i) deltas.push_back(ZigZag(ks[i] - ks[i - 1]));
    BucketCode code = BucketCode::Fit(deltas);
    code.WriteHeader(out);
    BitWriter w(out);
    for (uint64_t d : deltas) code.Put(w, d);
    code.Finish(w);
    w.Finish();
  }

  Status DecodeDecimal(std::string_view data, size_t count, int scale,
                       std::vector<double>* out) const {
    size_t pos = 0;
    uint64_t u = 0;
    if (!GetVarint(data, &pos, &u)) return Corrupt(name(), "bad first value");
    BucketCode code;
    if (!code.ReadHeader(data, &pos)) return Corrupt(name(), "bad bucket widths");
    BitReader r(data.substr(pos));
    out->reserve(std::min(count, 8 * r.remaining_bits() + 64));  // runs: < 1 bit per value
    uint64_t k = static_cast<uint64_t>(UnZigZag(u));
    bool bad_run = false;
    // Whole numbers (scale 0: heart rate, SpO2, blood pressure) need no division.
    auto decode = [&](auto to_double) {
      out->push_back(to_double(k));
      for (size_t i = 1; i < count; ++i) {
        k += static_cast<uint64_t>(UnZigZag(code.Get(r, count - i, &bad_run)));
        out->push_back(to_double(k));
        if (r.overrun() || bad_run) break;
      }
    };
    if (scale == 0) {
      decode([](uint64_t v) { return static_cast<double>(static_cast<int64_t>(v)); });
    } else {
      const double div = kPow10[scale];
      decode([div](uint64_t v) { return static_cast<double>(static_cast<int64_t>(v)) / div; });
    }
    if (bad_run) return Corrupt(name(), "zero run longer than the column");
    if (r.overrun()) return Corrupt(name(), "truncated bit stream");
    if (!r.AtPaddedEnd()) return Corrupt(name(), "trailing bits after the values");
    return Status::Ok();
  }
};

}  // namespace

std::unique_ptr<Codec> NewGorillaCodec() { return std::make_unique<GorillaCodec>(); }

}  // namespace lj::history::codec::internal
