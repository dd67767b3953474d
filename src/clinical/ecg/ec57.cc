// EC57 beat-by-beat matching. Two cursors walk the sorted reference (R) and detection (T)
// lists. If T is earlier than R - window, T is a false positive; if R is earlier than T - window,
// R is a false negative. Otherwise they are within the window and pair up, unless the next
// detection is closer to R (then T is a false positive: a double detection) or the next
// reference beat is closer to T (then R is a false negative).
#include "clinical/ecg/ec57.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <optional>

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
  auto excluded = options.excluded;
  std::sort(excluded.begin(), excluded.end());
  // Scored: at or after `start` and in no excluded interval.
  auto scored = [&](int64_t s) {
    if (s < start) return false;
    auto it = std::upper_bound(excluded.begin(), excluded.end(),
                               std::pair<int64_t, int64_t>{s, INT64_MAX});
    for (auto k = excluded.begin(); k != it; ++k)
      if (s < k->second) return false;
    return true;
  };
  Ec57Counts c;
  size_t i = 0, j = 0;
  auto fn = [&](int64_t r) { c.fn += scored(r); };
  auto fp = [&](int64_t t) { c.fp += scored(t); };
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
      c.tp += scored(r);
      ++i;
      ++j;
    }
  }
  for (; i < ref.size(); ++i) fn(ref[i]);
  for (; j < det.size(); ++j) fp(det[j]);
  return c;
}

std::vector<std::pair<int64_t, int64_t>> ExcludedIntervals(const std::vector<ReferenceMark>& marks,
                                                           int num_signals) {
  constexpr int kNoise = 14, kVfOn = 32, kVfOff = 33;
  const int all = num_signals >= 1 && num_signals <= 4 ? (1 << num_signals) - 1 : 0xf;
  auto unreadable = [&](int subtype) {
    if (subtype == 0x3ff || subtype == 0xff) return true;  // -1: every signal unreadable
    return ((subtype >> 4) & all) == all;
  };
  std::vector<std::pair<int64_t, int64_t>> out;
  std::optional<int64_t> vf, shutdown;
  for (const ReferenceMark& m : marks) {
    if (m.code == kVfOn && !vf) vf = m.sample;
    if (m.code == kVfOff && vf) out.emplace_back(*vf, m.sample), vf.reset();
    if (m.code == kNoise) {
      if (shutdown) out.emplace_back(*shutdown, m.sample), shutdown.reset();
      if (unreadable(m.subtype)) shutdown = m.sample;
    }
  }
  if (vf) out.emplace_back(*vf, INT64_MAX);
  if (shutdown) out.emplace_back(*shutdown, INT64_MAX);
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace lj::clinical::ecg
