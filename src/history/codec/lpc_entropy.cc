// kLpcEntropy (integer waveforms such as ECG). Layout after the count prefix:
//   mode byte 0 (escape): n × 8 bytes little-endian; used when the column's range does not fit
//     the predictor's arithmetic (|x_i - x_0| / g > 2^30). Analyze() declines such columns.
//   mode byte 1 (LPC): varint zigzag(x0), varint g (GCD of all deltas, >= 1), byte flags
//     (bit 0: the predictor runs on first differences), byte order p (0..32), byte shift
//     (0..15), p × varint zigzag(q_j); then the range-coded residuals (residual_coder.h) to the
//     end of the data. y_i = (x_i - x0) / g; h = y or its first difference (h_0 = 0);
//     h_i = Predict(h, i) + e_i.
// The GCD makes values stored in µV (ADC × 5) cost the same as the raw ADC integers.
#include <algorithm>
#include <numeric>

#include "history/codec/bits.h"
#include "history/codec/codec_impl.h"
#include "history/codec/lpc_fit.h"
#include "history/codec/residual_coder.h"

namespace lj::history::codec::internal {
namespace {

constexpr int64_t kRangeLimit = int64_t{1} << 30;
constexpr int kOrders[] = {1, 2, 3, 4, 6, 8, 10, 12, 16, 20, 24, 32};

// y = (x - x0) / g, or nothing when the column does not fit the predictor's range.
bool Normalise(std::span<const int64_t> x, uint64_t* g_out, std::vector<int64_t>* y) {
  uint64_t g = 0;
  for (size_t i = 1; i < x.size(); ++i) {
    __int128 d = static_cast<__int128>(x[i]) - x[i - 1];
    __int128 mag = d < 0 ? -d : d;
    if (mag > static_cast<__int128>(kRangeLimit) * 2) return false;
    g = std::gcd(g, static_cast<uint64_t>(mag));
  }
  if (g == 0) g = 1;
  y->resize(x.size());
  for (size_t i = 0; i < x.size(); ++i) {
    __int128 d = (static_cast<__int128>(x[i]) - x[0]) / static_cast<__int128>(g);
    if (d > kRangeLimit || d < -kRangeLimit) return false;
    (*y)[i] = static_cast<int64_t>(d);
  }
  *g_out = g;
  return true;
}

// Estimated size of the residuals, sampled on up to kEstimateValues values spread over the
// chunk (a quarter of the work of a full pass on 32k chunks, same choices in practice).
constexpr size_t kEstimateValues = 8192;
uint64_t EstimateBits(std::span<const int64_t> h, const Predictor& p) {
  uint64_t bits = 0;
  size_t step = h.size() > kEstimateValues ? 4 : 1;
  size_t block = 64;  // contiguous runs of 64, every step-th run
  for (size_t start = 0; start < h.size(); start += block * step) {
    size_t end = std::min(h.size(), start + block);
    for (size_t i = start; i < end; ++i) bits += BitWidth(ZigZag(h[i] - p.Predict(h, i)));
  }
  bits *= step;
  return bits + 16 * p.coefs.size();
}

// Picks the signal (y or its difference) and order with the smallest estimated size.
void ChoosePredictor(const std::vector<int64_t>& y, bool* diff, Predictor* best) {
  std::vector<int64_t> d(y.size());
  for (size_t i = 1; i < y.size(); ++i) d[i] = y[i] - y[i - 1];
  uint64_t best_bits = UINT64_MAX;
  for (int use_diff = 0; use_diff < 2; ++use_diff) {
    const std::vector<int64_t>& h = use_diff ? d : y;
    std::span<const int64_t> fit_on(h);
    std::vector<Predictor> fits = FitPredictors(fit_on, kMaxLpcOrder);
    Predictor none;
    uint64_t bits = EstimateBits(h, none);
    if (bits < best_bits) {
      best_bits = bits;
      *best = none;
      *diff = use_diff;
    }
    for (int order : kOrders) {
      if (order > static_cast<int>(fits.size())) break;
      bits = EstimateBits(h, fits[order - 1]);
      if (bits < best_bits) {
        best_bits = bits;
        *best = fits[order - 1];
        *diff = use_diff;
      }
    }
  }
}

class LpcEntropyCodec : public BufferedCodec {
 public:
  CodecId id() const override { return CodecId::kLpcEntropy; }
  std::string_view name() const override { return "lpc_entropy"; }
  bool Supports(ColumnType t) const override { return t == ColumnType::kInt64; }
  bool Suitable(ColumnView v) const override {
    uint64_t g;
    std::vector<int64_t> y;
    return Normalise(v.i64.first(std::min(v.i64.size(), kAnalyzePrefix)), &g, &y);
  }

  void Encode(ColumnView v, std::string* out) const override {
    std::span<const int64_t> x = v.i64;
    if (x.empty()) return;
    uint64_t g = 1;
    std::vector<int64_t> y;
    if (!Normalise(x, &g, &y)) {
      out->push_back(0);
      for (int64_t value : x) PutFixed64(static_cast<uint64_t>(value), out);
      return;
    }
    bool diff = false;
    Predictor pred;
    ChoosePredictor(y, &diff, &pred);
    out->push_back(1);
    PutVarint(ZigZag(x[0]), out);
    PutVarint(g, out);
    out->push_back(diff ? 1 : 0);
    out->push_back(static_cast<char>(pred.coefs.size()));
    out->push_back(static_cast<char>(pred.shift));
    for (int32_t q : pred.coefs) PutVarint(ZigZag(q), out);
    std::vector<int64_t> h(y.size());
    for (size_t i = 0; i < y.size(); ++i) h[i] = diff ? (i == 0 ? 0 : y[i] - y[i - 1]) : y[i];
    auto model = std::make_unique<ResidualModel>();
    RangeEncoder rc(out);
    for (size_t i = 0; i < h.size(); ++i) model->Encode(rc, h[i] - pred.Predict(h, i));
    rc.Finish();
  }

 protected:
  Status DecodeInts(std::string_view data, size_t count, std::vector<int64_t>* out) const override {
    if (count == 0) {
      return data.empty() ? Status::Ok() : Corrupt(name(), "trailing bytes after the values");
    }
    if (data.empty()) return Corrupt(name(), "missing mode byte");
    int mode = static_cast<uint8_t>(data[0]);
    data.remove_prefix(1);
    if (mode == 0) {
      if (data.size() / 8 != count || data.size() % 8 != 0) {
        return Corrupt(name(), "escape block holds " + std::to_string(data.size()) +
                                   " bytes, expected 8 x " + std::to_string(count));
      }
      out->resize(count);
      for (size_t i = 0; i < count; ++i) (*out)[i] = static_cast<int64_t>(GetFixed64(&data[8 * i]));
      return Status::Ok();
    }
    if (mode != 1) return Corrupt(name(), "unknown mode " + std::to_string(mode));
    size_t pos = 0;
    uint64_t x0 = 0, g = 0;
    if (!GetVarint(data, &pos, &x0)) return Corrupt(name(), "bad first value");
    if (!GetVarint(data, &pos, &g) || g == 0) return Corrupt(name(), "bad scale");
    if (data.size() - pos < 3) return Corrupt(name(), "truncated predictor header");
    int flags = static_cast<uint8_t>(data[pos]);
    size_t order = static_cast<uint8_t>(data[pos + 1]);
    Predictor pred;
    pred.shift = static_cast<uint8_t>(data[pos + 2]);
    pos += 3;
    if (flags > 1) return Corrupt(name(), "unknown flags " + std::to_string(flags));
    if (order > kMaxLpcOrder || pred.shift > kMaxLpcShift) {
      return Corrupt(name(), "predictor order " + std::to_string(order) + " / shift " +
                                 std::to_string(pred.shift) + " out of range");
    }
    for (size_t j = 0; j < order; ++j) {
      uint64_t u = 0;
      if (!GetVarint(data, &pos, &u)) return Corrupt(name(), "bad predictor coefficient");
      int64_t q = UnZigZag(u);
      if (q < -32767 || q > 32767) return Corrupt(name(), "predictor coefficient out of range");
      pred.coefs.push_back(static_cast<int32_t>(q));
    }
    // Each value costs at least one adaptive decision (>= 0.0014 bits).
    std::string_view stream = data.substr(pos);
    if (count > (stream.size() + 8) * 8192) {
      return Corrupt(name(),
                     "declared count " + std::to_string(count) + " exceeds what the data can hold");
    }
    bool diff = flags & 1;
    auto model = std::make_unique<ResidualModel>();
    RangeDecoder rc(stream);
    std::vector<int64_t> h;
    h.reserve(count);
    out->reserve(count);
    int64_t y = 0;
    for (size_t i = 0; i < count; ++i) {
      int64_t e = 0;
      if (!model->Decode(rc, &e)) return Corrupt(name(), "residual wider than allowed");
      int64_t hi = pred.Predict(h, i) + e;
      int64_t next = diff ? (i == 0 ? hi : y + hi) : hi;
      if (next > kRangeLimit || next < -kRangeLimit || (i == 0 && hi != 0)) {
        return Corrupt(name(), "value " + std::to_string(i) + " outside the predictor's range");
      }
      h.push_back(hi);
      y = next;
      out->push_back(
          static_cast<int64_t>(static_cast<uint64_t>(UnZigZag(x0)) + static_cast<uint64_t>(y) * g));
      if (rc.Overrun()) return Corrupt(name(), "truncated range-coded stream");
    }
    if (!rc.Exhausted()) return Corrupt(name(), "trailing bytes after the values");
    return Status::Ok();
  }
};

}  // namespace

std::unique_ptr<Codec> NewLpcEntropyCodec() { return std::make_unique<LpcEntropyCodec>(); }

}  // namespace lj::history::codec::internal
