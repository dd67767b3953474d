// Synthetic photoplethysmogram (pulse oximeter "pleth"), synchronised to the ECG's R peaks: each
// beat launches a pulse after the pulse transit time, shaped as a fast systolic upstroke with a
// slower decay plus a smaller diastolic (reflected) wave, scaled by perfusion and modulated by
// breathing. Output in arbitrary integer-like units around `baseline`.
// Thread-safety: none; one owner.
#pragma once

#include <cstdint>
#include <deque>

#include "sim/rng.h"

namespace lj::sim {

struct PlethOptions {
  double baseline = 1000;
  double amplitude = 1800;  // height of a pulse at perfusion 1
  double perfusion = 1.0;   // per-patient pulse amplitude factor
  double ptt_s = 0.22;      // pulse transit time: R peak to pulse onset
  double resp_mod = 0.06;   // relative amplitude modulation by breathing
  double noise = 3;         // white noise standard deviation
  uint64_t seed = 1;
};

class PlethSynth {
 public:
  explicit PlethSynth(const PlethOptions& options) : o_(options), rng_(options.seed) {}

  // Value at time t (seconds, on the ECG generator's axis) from the R-peak times `beats`
  // (ascending; beats up to t - ptt_s must be present). resp_hz is the breathing frequency.
  double At(double t, const std::deque<double>& beats, double resp_hz);

  // Beats older than this are no longer needed for times >= t.
  double Horizon(double t) const { return t - o_.ptt_s - 2.0; }

 private:
  static double Pulse(double s, double rr);
  PlethOptions o_;
  Rng rng_;
};

}  // namespace lj::sim
