#include "sim/vitals.h"

#include <algorithm>
#include <cmath>

namespace lj::sim {

void VitalsWalk::Walk::Init(Rng& rng, double lo_, double hi_, double mlo_, double mhi_, double sd_,
                            double tau_, double mean_sd_) {
  lo = lo_;
  hi = hi_;
  mlo = mlo_;
  mhi = mhi_;
  sd = sd_;
  tau = tau_;
  mean_sd = mean_sd_;
  mean = rng.Uniform(mlo, mhi);
  x = std::clamp(mean + sd * rng.Normal(), lo, hi);
}

void VitalsWalk::Walk::Step(Rng& rng, double dt) {
  mean = std::clamp(mean + mean_sd * std::sqrt(dt / 3600.0) * rng.Normal(), mlo, mhi);
  // Euler–Maruyama step of dx = (mean - x)/tau dt + sd*sqrt(2/tau) dW.
  x += (mean - x) * dt / tau + sd * std::sqrt(2 * dt / tau) * rng.Normal();
  x = std::clamp(x, lo, hi);
}

VitalsWalk::VitalsWalk(uint64_t seed, bool spo2_scale2) : rng_(seed) {
  hr_.Init(rng_, 55, 110, 62, 98, 2.0, 30, 6);
  rr_.Init(rng_, 10, 24, 12, 20, 0.8, 40, 2);
  if (spo2_scale2) {
    spo2_.Init(rng_, 88, 92, 89, 91, 0.6, 20, 0.5);
  } else {
    spo2_.Init(rng_, 92, 100, 94.5, 98.5, 0.6, 20, 1);
  }
  sys_.Init(rng_, 95, 160, 105, 148, 3.0, 120, 8);
  const double dmid = std::clamp(sys_.mean * 0.6 + rng_.Uniform(-4, 4), 58.0, 90.0);
  dia_.Init(rng_, 55, 95, dmid - 3, dmid + 3, 2.0, 120, 4);
  // About one patient in eight is febrile.
  if (rng_.Chance(0.125)) {
    temp_.Init(rng_, 36.0, 38.5, 37.8, 38.3, 0.08, 900, 0.2);
  } else {
    temp_.Init(rng_, 36.0, 38.5, 36.4, 37.3, 0.08, 900, 0.2);
  }
}

void VitalsWalk::Advance(double dt_s) {
  for (Walk* w : {&hr_, &rr_, &spo2_, &sys_, &dia_, &temp_}) w->Step(rng_, dt_s);
}

VitalsReading VitalsWalk::Reading() const {
  VitalsReading r;
  r.hr = std::round(hr_.x);
  r.rr = std::round(rr_.x);
  r.spo2 = std::round(spo2_.x);
  r.nibp_sys = std::round(sys_.x);
  // Keep a plausible pulse pressure (≥ 25 mmHg).
  r.nibp_dia = std::min(std::round(dia_.x), r.nibp_sys - 25);
  r.nibp_mean = std::round(r.nibp_dia + (r.nibp_sys - r.nibp_dia) / 3);
  r.temp = std::round(temp_.x * 10) / 10;
  return r;
}

}  // namespace lj::sim
