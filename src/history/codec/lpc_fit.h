// Internal: fitting a quantised linear predictor to one chunk (kLpcEntropy).
// Autocorrelation of the Welch-windowed signal → Levinson-Durbin → coefficients quantised to
// 15-bit integers with a shared right shift (error feedback keeps the rounding unbiased).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace lj::history::codec::internal {

inline constexpr int kMaxLpcOrder = 32;
inline constexpr int kMaxLpcShift = 15;
inline constexpr int64_t kPredictionLimit = int64_t{1} << 31;

struct Predictor {
  std::vector<int32_t> coefs;  // q_1..q_p, |q| < 2^15; prediction uses h[i-1-j] * coefs[j]
  int shift = 0;               // 0..kMaxLpcShift

  // Σ coefs[j] * h[i-1-j] rounded and shifted, clamped to ±kPredictionLimit; h[k<0] = 0.
  // |h| must stay below 2^31 (callers check), so the sum fits an int64.
  int64_t Predict(std::span<const int64_t> h, size_t i) const {
    int64_t acc = 0;
    size_t p = coefs.size();
    if (i >= p) {
      const int64_t* back = h.data() + i - 1;
      for (size_t j = 0; j < p; ++j) acc += coefs[j] * back[-static_cast<ptrdiff_t>(j)];
    } else {
      for (size_t j = 0; j < i; ++j) acc += coefs[j] * h[i - 1 - j];
    }
    if (shift > 0) acc = (acc + (int64_t{1} << (shift - 1))) >> shift;
    return acc > kPredictionLimit    ? kPredictionLimit
           : acc < -kPredictionLimit ? -kPredictionLimit
                                     : acc;
  }
};

// Fitted predictors of every order 1..max_order for signal h (index = order - 1).
std::vector<Predictor> FitPredictors(std::span<const int64_t> h, int max_order);

}  // namespace lj::history::codec::internal
