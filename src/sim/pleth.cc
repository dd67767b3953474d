#include "sim/pleth.h"

#include <algorithm>
#include <cmath>

namespace lj::sim {

// Pulse shape, s seconds after onset, for a beat of interval rr: an asymmetric Gaussian systolic
// peak (upstroke ~0.12 s, decay ~0.3 s) and a diastolic wave after the dicrotic notch. Times
// shrink mildly with heart rate.
double PlethSynth::Pulse(double s, double rr) {
  const double k = std::clamp(std::sqrt(rr / 0.85), 0.7, 1.2);
  const double peak = 0.12 * k;
  const double w = s < peak ? 0.045 * k : 0.11 * k;
  const double d1 = (s - peak) / w;
  const double d2 = (s - 0.36 * k) / (0.075 * k);
  return std::exp(-0.5 * d1 * d1) + 0.32 * std::exp(-0.5 * d2 * d2);
}

double PlethSynth::At(double t, const std::deque<double>& beats, double resp_hz) {
  double sum = 0;
  for (size_t i = 0; i < beats.size(); ++i) {
    const double s = t - beats[i] - o_.ptt_s;
    if (s < -0.3) break;  // later beats start later still
    if (s > 1.5) continue;
    // The preceding interval: known when the beat happens, so a pulse never changes shape.
    const double rr = i > 0 ? beats[i] - beats[i - 1] : 0.85;
    sum += Pulse(s, rr);
  }
  const double resp = std::sin(2 * M_PI * resp_hz * t);
  double v = o_.baseline + o_.amplitude * o_.perfusion * sum * (1 + o_.resp_mod * resp) +
             0.03 * o_.amplitude * o_.perfusion * resp;
  if (o_.noise > 0) v += o_.noise * rng_.Normal();
  return v;
}

}  // namespace lj::sim
