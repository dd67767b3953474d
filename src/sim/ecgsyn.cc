#include "sim/ecgsyn.h"

#include <algorithm>
#include <cmath>

namespace lj::sim {
namespace {

constexpr double kPi = M_PI;

double Gauss(double f, double mean, double sd) {
  double d = (f - mean) / sd;
  return std::exp(-0.5 * d * d) / (sd * std::sqrt(2 * kPi));
}

}  // namespace

EcgSynth::EcgSynth(const EcgSynOptions& options) : EcgSynth(options, true) {}

EcgSynth::EcgSynth(const EcgSynOptions& options, bool calibrate)
    : o_(options),
      rng_(options.seed),
      rate_(options.sample_rate_hz > 0 ? options.sample_rate_hz : 250),
      hr_(std::clamp(options.hr_bpm, 30.0, 200.0)),
      resp_hz_(std::clamp(options.resp_rate_bpm, 4.0, 60.0) / 60.0) {
  // Internal integration step of at most 1 ms.
  substeps_ = std::max(1, static_cast<int>(std::ceil(1000.0 / rate_)));

  // RR tachogram spectrum (paper, eq. 3): two Gaussians, Mayer waves at f1 = 0.1 Hz and RSA at
  // the breathing frequency, both with standard deviation 0.01 Hz, power ratio LF/HF.
  const double lf = o_.lf_hf_ratio / (1 + o_.lf_hf_ratio);
  const double hf = 1 / (1 + o_.lf_hf_ratio);
  const double df = 0.0025;
  double var = 0;
  for (double f = df; f < 0.5; f += df) {
    double s = lf * Gauss(f, 0.1, 0.01) + hf * Gauss(f, resp_hz_, 0.01);
    double amp = std::sqrt(2 * s * df);
    if (amp < 1e-4) continue;
    tf_.push_back(f);
    ta_.push_back(amp);
    tp_.push_back(rng_.Uniform(0, 2 * kPi));
    var += amp * amp / 2;
  }
  for (double& a : ta_) a /= std::sqrt(var > 0 ? var : 1);

  // Start somewhere in diastole at a random phase so that monitors are not in step.
  double th0 = rng_.Uniform(-kPi, -kPi / 2);
  s_ = {std::cos(th0), std::sin(th0), 0};
  resp_phase_ = rng_.Uniform(0, 2 * kPi);
  BeginBeat();

  if (calibrate) {
    EcgSynOptions c = o_;
    c.hr_std_bpm = 0;
    c.wander_uv = 0;
    c.noise_uv = 0;
    EcgSynth cal(c, false);
    double zmax = 0;
    const int n = static_cast<int>(rate_ * 4);
    for (int i = 0; i < n; ++i) {
      double v = cal.Next();
      if (i > n / 4) zmax = std::max(zmax, v);
    }
    scale_ = zmax > 0 ? o_.r_peak_uv / zmax : 1;
  }
  wander_amp_ = o_.wander_uv / scale_;
}

void EcgSynth::SetHeartRate(double bpm) { hr_ = std::clamp(bpm, 30.0, 200.0); }

void EcgSynth::SetRespRate(double bpm) { resp_hz_ = std::clamp(bpm, 4.0, 60.0) / 60.0; }

double EcgSynth::TachogramUnit(double t) const {
  double u = 0;
  for (size_t k = 0; k < tf_.size(); ++k) u += ta_[k] * std::sin(2 * kPi * tf_[k] * t + tp_[k]);
  return u;
}

void EcgSynth::BeginBeat() {
  const double rr_mean = 60.0 / hr_;
  const double u = std::clamp(TachogramUnit(t_), -3.0, 3.0);
  const double rr = std::max(0.25, rr_mean * (1 + u * o_.hr_std_bpm / hr_));
  omega_ = 2 * kPi / rr;
  // Table I of the paper, with angles and widths scaled by the mean heart rate.
  const double f = std::sqrt(hr_ / 60.0);
  const double f2 = std::sqrt(f);
  waves_ = {{
      {-kPi / 3 * f2, 1.2, 0.25 * f},  // P
      {-kPi / 12 * f, -5.0, 0.1 * f},  // Q
      {0, 30.0, 0.1 * f},              // R
      {kPi / 12 * f, -7.5, 0.1 * f},   // S
      {kPi / 2 * f, 0.75, 0.4 * f},    // T
  }};
}

// theta = atan2(s[1], s[0]) and z0 (the baseline wander) are the caller's: each is computed once
// per state and time, not once per use.
void EcgSynth::Deriv(const std::array<double, 3>& s, double theta, double z0,
                     std::array<double, 3>& out) const {
  const double x = s[0], y = s[1], z = s[2];
  const double alpha = 1 - std::sqrt(x * x + y * y);
  out[0] = alpha * x - omega_ * y;
  out[1] = alpha * y + omega_ * x;
  double zd = 0;
  for (const Wave& w : waves_) {
    // theta - w.theta wrapped to [-pi, pi]: |theta| <= pi and |w.theta| < pi, so one turn at
    // most, and then the difference is exact (Sterbenz) — the same value as
    // std::remainder(d, 2 pi), at a fraction of its cost.
    double d = theta - w.theta;
    if (d > kPi) {
      d -= 2 * kPi;
    } else if (d < -kPi) {
      d += 2 * kPi;
    }
    zd -= w.a * d * std::exp(-d * d / (2 * w.b * w.b));
  }
  out[2] = zd - (z - z0);
}

double EcgSynth::Next() {
  double v = scale_ * s_[2];
  if (o_.noise_uv > 0) v += o_.noise_uv * rng_.Normal();

  const double h = 1.0 / (rate_ * substeps_);
  auto angle = [](const std::array<double, 3>& s) { return std::atan2(s[1], s[0]); };
  for (int k = 0; k < substeps_; ++k) {
    if (!have_theta_) theta_ = angle(s_);
    const double th_prev = theta_;
    const double z0_0 = wander_amp_ * std::sin(resp_phase_ + 2 * kPi * resp_hz_ * 0.0);
    const double z0_h2 = wander_amp_ * std::sin(resp_phase_ + 2 * kPi * resp_hz_ * (h / 2));
    const double z0_h = wander_amp_ * std::sin(resp_phase_ + 2 * kPi * resp_hz_ * h);
    std::array<double, 3> k1, k2, k3, k4, tmp;
    Deriv(s_, th_prev, z0_0, k1);
    for (int i = 0; i < 3; ++i) tmp[i] = s_[i] + h / 2 * k1[i];
    Deriv(tmp, angle(tmp), z0_h2, k2);
    for (int i = 0; i < 3; ++i) tmp[i] = s_[i] + h / 2 * k2[i];
    Deriv(tmp, angle(tmp), z0_h2, k3);
    for (int i = 0; i < 3; ++i) tmp[i] = s_[i] + h * k3[i];
    Deriv(tmp, angle(tmp), z0_h, k4);
    for (int i = 0; i < 3; ++i) s_[i] += h / 6 * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i]);
    resp_phase_ = std::fmod(resp_phase_ + 2 * kPi * resp_hz_ * h, 2 * kPi);
    t_ += h;
    const double th = angle(s_);
    theta_ = th;  // the next substep's starting angle
    have_theta_ = true;
    if (th_prev < 0 && th >= 0 && th_prev > -kPi / 2) {
      // The R wave sits at angle 0: record the crossing time (linear interpolation).
      beats_.push_back(t_ - h * th / (th - th_prev));
    } else if (th_prev > kPi / 2 && th < -kPi / 2) {
      BeginBeat();  // a new revolution (mid-diastole) starts the next RR interval
    }
  }
  ++n_;
  return v;
}

}  // namespace lj::sim
