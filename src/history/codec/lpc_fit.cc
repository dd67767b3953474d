#include "history/codec/lpc_fit.h"

#include <algorithm>
#include <cmath>

namespace lj::history::codec::internal {

namespace {

Predictor Quantize(const std::vector<double>& a) {
  Predictor p;
  double cmax = 0;
  for (double c : a) cmax = std::max(cmax, std::fabs(c));
  int exp = 0;
  std::frexp(cmax, &exp);  // cmax < 2^exp
  p.shift = std::clamp(14 - exp, 0, kMaxLpcShift);
  double scale = std::ldexp(1.0, p.shift);
  double carry = 0;
  for (double c : a) {
    double want = c * scale + carry;
    double q = std::clamp(std::round(want), -32767.0, 32767.0);
    carry = want - q;
    p.coefs.push_back(static_cast<int32_t>(q));
  }
  return p;
}

}  // namespace

std::vector<Predictor> FitPredictors(std::span<const int64_t> h, int max_order) {
  size_t n = h.size();
  std::vector<Predictor> out;
  if (n < 2 || max_order < 1) return out;
  max_order = std::min<int>(max_order, static_cast<int>(n) - 1);
  std::vector<double> w(n);
  for (size_t i = 0; i < n; ++i) {
    double t =
        (2.0 * static_cast<double>(i) - static_cast<double>(n - 1)) / static_cast<double>(n + 1);
    w[i] = static_cast<double>(h[i]) * (1.0 - t * t);  // Welch window
  }
  std::vector<double> r(max_order + 1, 0.0);
  for (int lag = 0; lag <= max_order; ++lag) {
    double s = 0;
    for (size_t i = static_cast<size_t>(lag); i < n; ++i) s += w[i] * w[i - lag];
    r[lag] = s;
  }
  r[0] *= 1.0 + 1e-9;  // a touch of white noise keeps the recursion stable
  if (r[0] <= 0) {
    for (int k = 1; k <= max_order; ++k) out.push_back(Predictor{std::vector<int32_t>(k, 0), 0});
    return out;
  }
  std::vector<double> a(max_order + 1, 0.0), prev(max_order + 1, 0.0);
  double err = r[0];
  for (int i = 1; i <= max_order; ++i) {
    double acc = r[i];
    for (int j = 1; j < i; ++j) acc -= a[j] * r[i - j];
    double k = err > 0 ? acc / err : 0;
    prev = a;
    a[i] = k;
    for (int j = 1; j < i; ++j) a[j] = prev[j] - k * prev[i - j];
    err *= (1 - k * k);
    out.push_back(Quantize(std::vector<double>(a.begin() + 1, a.begin() + i + 1)));
  }
  return out;
}

}  // namespace lj::history::codec::internal
