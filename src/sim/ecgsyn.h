// Synthetic ECG from the dynamical model of McSharry, Clifford, Tarassenko and Smith, "A dynamical
// model for generating synthetic electrocardiogram signals", IEEE TBME 50(3):289-294, 2003.
//
// The state (x, y, z) moves round a unit limit cycle in the (x, y) plane, one revolution per
// RR interval; the P, Q, R, S and T waves are Gaussian attractors/repellors in z at fixed angles:
//   x' = a x - w y,   y' = a y + w x,   a = 1 - sqrt(x^2 + y^2)
//   z' = -sum_i a_i dth_i exp(-dth_i^2 / (2 b_i^2)) - (z - z0(t)),   z0 = A sin(2 pi f_resp t)
// integrated with fourth-order Runge-Kutta. w = 2 pi / RR, where the RR interval of each beat is
// drawn from a tachogram with the paper's bimodal spectrum (Mayer waves at 0.1 Hz, respiratory
// sinus arrhythmia at the breathing frequency). Wave angles and widths are scaled with the mean
// heart rate as in the paper (by sqrt(hr/60) and its square root). z is scaled to microvolts so
// that the R peak has the requested amplitude, and white measurement noise is added.
// Thread-safety: none; one owner.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <vector>

#include "sim/rng.h"

namespace lj::sim {

struct EcgSynOptions {
  double sample_rate_hz = 250;
  double hr_bpm = 70;       // mean heart rate
  double hr_std_bpm = 1.0;  // standard deviation of the heart rate (beat-to-beat variability)
  double lf_hf_ratio = 0.5;
  double resp_rate_bpm = 15;  // drives RSA and baseline wander
  double r_peak_uv = 1200;    // R-peak amplitude above the isoelectric line
  double wander_uv = 40;      // respiratory baseline wander amplitude
  double noise_uv = 6;        // white noise standard deviation
  uint64_t seed = 1;
};

class EcgSynth {
 public:
  explicit EcgSynth(const EcgSynOptions& options);

  // New mean heart rate / breathing rate; applied from the next beat.
  void SetHeartRate(double bpm);
  void SetRespRate(double bpm);
  double heart_rate() const { return hr_; }

  // Next sample in microvolts (not rounded).
  double Next();
  // Time of the next sample, in seconds since the first one.
  double time_s() const { return static_cast<double>(n_) / rate_; }
  // R-peak times (seconds, same axis as time_s()) generated so far; callers may pop old ones.
  std::deque<double>& beats() { return beats_; }

 private:
  struct Wave {
    double theta, a, b;
  };
  EcgSynth(const EcgSynOptions& options, bool calibrate);
  void BeginBeat();
  double TachogramUnit(double t) const;  // zero-mean, unit-variance RR modulation at time t
  // theta: the angle of s; z0: the baseline wander at the stage's time.
  void Deriv(const std::array<double, 3>& s, double theta, double z0,
             std::array<double, 3>& out) const;

  EcgSynOptions o_;
  Rng rng_;
  double rate_;
  double hr_;
  double resp_hz_;
  double omega_ = 0;
  double resp_phase_ = 0;
  std::array<Wave, 5> waves_{};
  std::array<double, 3> s_{};  // x, y, z
  double theta_ = 0;           // atan2(y, x) of s_, once have_theta_
  bool have_theta_ = false;
  double t_ = 0;  // integration time, seconds
  int64_t n_ = 0;
  int substeps_ = 1;
  double scale_ = 1;       // microvolts per model unit
  double wander_amp_ = 0;  // A in model units
  std::deque<double> beats_;
  // Tachogram as a sum of sinusoids with random phases (an inverse Fourier transform of the
  // square root of the spectrum).
  std::vector<double> tf_, ta_, tp_;
};

}  // namespace lj::sim
