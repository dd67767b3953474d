// kDeltaOfDelta (timestamps). Layout, for n values:
//   n >= 1: varint zigzag(x0)
//   n >= 2: varint zigzag(x1 - x0)
//   n >= 3: varint g (>= 1, the GCD of every delta-of-delta), BucketCode header (4 bytes), then an
//           MSB-first bit stream of BucketCode(zigzag(dod_i / g)) for i = 2..n-1, zero-padded.
// Arithmetic wraps modulo 2^64, so every int64 column round-trips. A regular column costs 1 bit
// per value; g absorbs timestamps that are really ms or µs stored as ns.
#include <algorithm>
#include <numeric>

#include "history/codec/bits.h"
#include "history/codec/bucket_code.h"
#include "history/codec/codec_impl.h"

namespace lj::history::codec::internal {
namespace {

uint64_t Magnitude(uint64_t v) { return static_cast<int64_t>(v) < 0 ? 0 - v : v; }

class DeltaOfDeltaCodec : public BufferedCodec {
 public:
  CodecId id() const override { return CodecId::kDeltaOfDelta; }
  std::string_view name() const override { return "delta_of_delta"; }
  bool Supports(ColumnType t) const override { return t == ColumnType::kInt64; }

  void Encode(ColumnView v, std::string* out) const override {
    std::span<const int64_t> x = v.i64;
    size_t n = x.size();
    if (n >= 1) PutVarint(ZigZag(x[0]), out);
    if (n >= 2) PutVarint(ZigZag(static_cast<int64_t>(U(x[1]) - U(x[0]))), out);
    if (n < 3) return;
    std::vector<uint64_t> dod(n - 2);
    uint64_t g = 0;
    for (size_t i = 2; i < n; ++i) {
      uint64_t d1 = U(x[i]) - U(x[i - 1]);
      uint64_t d0 = U(x[i - 1]) - U(x[i - 2]);
      dod[i - 2] = d1 - d0;
      g = std::gcd(g, Magnitude(dod[i - 2]));
    }
    if (g == 0) g = 1;
    for (uint64_t& d : dod) {
      uint64_t q = Magnitude(d) / g;
      d = ZigZag(static_cast<int64_t>(static_cast<int64_t>(d) < 0 ? 0 - q : q));
    }
    PutVarint(g, out);
    BucketCode code = BucketCode::Fit(dod);
    code.WriteHeader(out);
    BitWriter w(out);
    for (uint64_t d : dod) code.Put(w, d);
    code.Finish(w);
    w.Finish();
  }

 protected:
  Status DecodeInts(std::string_view data, size_t count, std::vector<int64_t>* out) const override {
    size_t pos = 0;
    uint64_t u = 0;
    if (count >= 1) {
      if (!GetVarint(data, &pos, &u)) return Corrupt(name(), "bad first value");
      out->push_back(UnZigZag(u));
    }
    if (count >= 2) {
      if (!GetVarint(data, &pos, &u)) return Corrupt(name(), "bad first delta");
      out->push_back(static_cast<int64_t>(U((*out)[0]) + u_delta(u)));
    }
    if (count < 3) {
      if (pos != data.size()) return Corrupt(name(), "trailing bytes after the values");
      return Status::Ok();
    }
    uint64_t g = 0;
    if (!GetVarint(data, &pos, &g) || g == 0) return Corrupt(name(), "bad scale");
    BucketCode code;
    if (!code.ReadHeader(data, &pos)) return Corrupt(name(), "bad bucket widths");
    BitReader r(data.substr(pos));
    // Zero runs make values cheaper than a bit, so only the global cap bounds `count`; the
    // output grows as values actually decode.
    out->reserve(std::min(count, 8 * r.remaining_bits() + 64));
    uint64_t prev = U((*out)[1]);
    uint64_t delta = U((*out)[1]) - U((*out)[0]);
    bool bad_run = false;
    for (size_t i = 2; i < count; ++i) {
      int64_t q = UnZigZag(code.Get(r, count - i, &bad_run));
      delta += U(q) * g;
      prev += delta;
      out->push_back(static_cast<int64_t>(prev));
      if (r.overrun() || bad_run) break;
    }
    if (bad_run) return Corrupt(name(), "zero run longer than the column");
    if (r.overrun()) return Corrupt(name(), "truncated bit stream");
    if (!r.AtPaddedEnd()) return Corrupt(name(), "trailing bits after the values");
    return Status::Ok();
  }

 private:
  static uint64_t U(int64_t v) { return static_cast<uint64_t>(v); }
  static uint64_t u_delta(uint64_t zz) { return U(UnZigZag(zz)); }
};

}  // namespace

std::unique_ptr<Codec> NewDeltaOfDeltaCodec() { return std::make_unique<DeltaOfDeltaCodec>(); }

}  // namespace lj::history::codec::internal
