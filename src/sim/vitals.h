// Slowly varying vital signs of one simulated patient: each value is a mean-reverting random walk
// (Ornstein-Uhlenbeck) around a per-patient baseline that itself drifts slowly, clamped to a
// plausible adult range. Readings are rounded as a bedside monitor displays them.
// Thread-safety: none; one owner.
#pragma once

#include <cstdint>

#include "sim/rng.h"

namespace lj::sim {

struct VitalsReading {
  double hr = 0;                                     // beats/min, integer
  double rr = 0;                                     // breaths/min, integer
  double spo2 = 0;                                   // %, integer
  double nibp_sys = 0, nibp_dia = 0, nibp_mean = 0;  // mmHg, integers
  double temp = 0;                                   // °C, one decimal
};

class VitalsWalk {
 public:
  // spo2_scale2: a patient with hypercapnic respiratory failure (COPD) targeted at 88–92 %.
  VitalsWalk(uint64_t seed, bool spo2_scale2);

  void Advance(double dt_s);
  VitalsReading Reading() const;
  // Unrounded values that drive the waveforms.
  double heart_rate() const { return hr_.x; }
  double resp_rate() const { return rr_.x; }

 private:
  struct Walk {
    double x = 0, mean = 0;   // current value and baseline
    double lo = 0, hi = 0;    // hard range of the value
    double mlo = 0, mhi = 0;  // range the baseline drifts in
    double sd = 0, tau = 1;   // stationary standard deviation and reversion time (s)
    double mean_sd = 0;       // baseline drift per sqrt(hour)
    void Init(Rng& rng, double lo, double hi, double mlo, double mhi, double sd, double tau,
              double mean_sd);
    void Step(Rng& rng, double dt);
  };
  Rng rng_;
  Walk hr_, rr_, spo2_, sys_, dia_, temp_;
};

}  // namespace lj::sim
