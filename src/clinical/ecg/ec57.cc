// EC57 beat-by-beat matching. Two cursors walk the sorted reference (R) and detection (T)
// lists. If T is earlier than R - window, T is a false positive; if R is earlier than T - window,
// R is a false negative. Otherwise they are within the window and pair up, unless the next
// detection is closer to R (then T is a false positive: a double detection) or the next
// reference beat is closer to T (then R is a false negative).
#include "clinical/ecg/ec57.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>

namespace lj::clinical::ecg {

double Ec57Counts::Sensitivity() const {
  return tp + fn == 0 ? 1.0 : static_cast<double>(tp) / static_cast<double>(tp + fn);
}
double Ec57Counts::PositivePredictivity() const {
  return tp + fp == 0 ? 1.0 : static_cast<double>(tp) / static_cast<double>(tp + fp);
}
Ec57Counts& Ec57Counts::operator+=(const Ec57Counts& o) {
  tp += o.tp;
  fn += o.fn;
  fp += o.fp;
  return *this;
}

Ec57Counts CompareBeats(std::vector<int64_t> ref, std::vector<int64_t> det, double rate_hz,
                        const Ec57Options& options) {
  std::sort(ref.begin(), ref.end());
  std::sort(det.begin(), det.end());
  const auto window = static_cast<int64_t>(std::floor(options.match_window_s * rate_hz));
  const auto start = static_cast<int64_t>(std::ceil(options.start_s * rate_hz));
  Ec57Counts c;
  size_t i = 0, j = 0;
  auto fn = [&](int64_t r) { c.fn += r >= start; };
  auto fp = [&](int64_t t) { c.fp += t >= start; };
  while (i < ref.size() && j < det.size()) {
    int64_t r = ref[i], t = det[j];
    if (t < r - window) {
      fp(t);
      ++j;
    } else if (r < t - window) {
      fn(r);
      ++i;
    } else if (j + 1 < det.size() && std::llabs(det[j + 1] - r) < std::llabs(t - r)) {
      fp(t);
      ++j;
    } else if (i + 1 < ref.size() && std::llabs(ref[i + 1] - t) < std::llabs(r - t)) {
      fn(r);
      ++i;
    } else {
      c.tp += r >= start;
      ++i;
      ++j;
    }
  }
  for (; i < ref.size(); ++i) fn(ref[i]);
  for (; j < det.size(); ++j) fp(det[j]);
  return c;
}

}  // namespace lj::clinical::ecg
