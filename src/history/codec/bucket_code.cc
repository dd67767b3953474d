#include "history/codec/bucket_code.h"

namespace lj::history::codec::internal {

namespace {
// Prefix length of bucket b (0..3) after the '1' that says "non-zero".
constexpr int kPrefixBits[4] = {2, 3, 4, 4};
}  // namespace

BucketCode BucketCode::Fit(std::span<const uint64_t> values) {
  std::array<uint64_t, 65> hist{};
  for (uint64_t v : values) ++hist[BitWidth(v)];
  int max_width = 1;
  for (int b = 1; b <= 64; ++b) {
    if (hist[b] != 0) max_width = b;
  }
  // cum[k] = number of values with width <= k; cost of bucket (lo, hi] = count * (prefix + hi).
  std::array<uint64_t, 66> cum{};
  for (int b = 0; b <= 64; ++b) cum[b + 1] = cum[b] + hist[b];
  auto count_in = [&](int lo, int hi) { return cum[hi + 1] - cum[lo + 1]; };  // widths (lo, hi]
  BucketCode best;
  uint64_t best_cost = UINT64_MAX;
  // Widths must be strictly increasing; with fewer distinct widths than 4, smaller ones still
  // give valid (if unused) buckets, so allow w0 >= 1 and w3 = max(max_width, 4).
  int w3 = max_width < 4 ? 4 : max_width;
  for (int w0 = 1; w0 < w3 - 2 + 1 && w0 <= 61; ++w0) {
    for (int w1 = w0 + 1; w1 < w3 - 1 + 1 && w1 <= 62; ++w1) {
      for (int w2 = w1 + 1; w2 < w3; ++w2) {
        uint64_t cost =
            count_in(0, w0) * (kPrefixBits[0] + w0) + count_in(w0, w1) * (kPrefixBits[1] + w1) +
            count_in(w1, w2) * (kPrefixBits[2] + w2) + count_in(w2, w3) * (kPrefixBits[3] + w3);
        if (cost < best_cost) {
          best_cost = cost;
          best.widths = {static_cast<uint8_t>(w0), static_cast<uint8_t>(w1),
                         static_cast<uint8_t>(w2), static_cast<uint8_t>(w3)};
        }
      }
    }
  }
  return best;
}

uint64_t BucketCode::CostBits(std::span<const uint64_t> values) const {
  uint64_t bits = 0;
  for (uint64_t v : values) {
    if (v == 0) {
      bits += 1;
      continue;
    }
    int w = BitWidth(v);
    for (int b = 0; b < 4; ++b) {
      if (w <= widths[b]) {
        bits += kPrefixBits[b] + widths[b];
        break;
      }
    }
  }
  return bits;
}

bool BucketCode::ReadHeader(std::string_view in, size_t* pos) {
  if (*pos > in.size() || in.size() - *pos < 4) return false;
  for (int b = 0; b < 4; ++b) widths[b] = static_cast<uint8_t>(in[*pos + b]);
  *pos += 4;
  if (widths[0] < 1 || widths[3] > 64) return false;
  for (int b = 1; b < 4; ++b) {
    if (widths[b] <= widths[b - 1]) return false;
  }
  return true;
}

}  // namespace lj::history::codec::internal
