// Streaming QRS detector: see qrs_detector.h for the contract and the papers.
//
// Per sample: x -> high-pass 2nd order (5 Hz) -> low-pass 2nd order (15 Hz) twice = bp
//   -> d = bp[n] - bp[n-2] -> d^2 -> moving-window integral over 150 ms = mwi.
// Peaks of mwi are confirmed when mwi falls to half the peak (or 300 ms pass); peaks closer than
// 200 ms keep only the larger one. A confirmed peak is a QRS when it exceeds
//   TH = noise + 0.3125 * (qrs - noise)          (qrs, noise: recent peak levels)
// and is not a T wave (within 360 ms of the last QRS with less than half its maximum slope).
// When no QRS arrives for 1.5 mean RR, the largest noise peak above TH / 2 since the last QRS is
// taken (search-back). The beat is placed at the largest |bp| in the integration window,
// corrected by the band-pass group delay.
#include "clinical/ecg/qrs_detector.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <complex>
#include <numbers>
#ifdef QRS_DEBUG
#include <cstdio>
#endif

namespace lj::clinical::ecg {
namespace {

constexpr double kMinRate = 100, kMaxRate = 2000;
constexpr double kLearnS = 2.0;         // learning phase before the first beat is reported
constexpr double kRefractoryS = 0.200;  // no second QRS within this of the last
constexpr double kTWaveS = 0.360;       // T-wave check window
constexpr double kWindowS = 0.150;      // moving-window integration
constexpr double kConfirmS = 0.300;     // force-confirm a peak after this long
constexpr double kMinRrS = 0.25, kMaxRrS = 1.6;
constexpr double kThresholdCoeff = 0.3125;
constexpr size_t kLevels = 8;          // peak levels averaged for the thresholds
constexpr size_t kMaxCandidates = 64;  // noise peaks kept for search-back

struct Biquad {
  double b0 = 1, b1 = 0, b2 = 0, a1 = 0, a2 = 0;
  double z1 = 0, z2 = 0;
  double Step(double x) {
    double y = b0 * x + z1;
    z1 = b1 * x - a1 * y + z2;
    z2 = b2 * x - a2 * y;
    return y;
  }
  std::complex<double> Response(double w) const {
    std::complex<double> z1c = std::polar(1.0, -w), z2c = std::polar(1.0, -2 * w);
    return (b0 + b1 * z1c + b2 * z2c) / (1.0 + a1 * z1c + a2 * z2c);
  }
};

// RBJ audio-EQ-cookbook Butterworth sections (Q = 1/sqrt 2).
Biquad Design(bool high_pass, double f0, double fs) {
  double w0 = 2 * std::numbers::pi * f0 / fs, c = std::cos(w0);
  double alpha = std::sin(w0) / (2 * std::numbers::sqrt2 / 2);
  double a0 = 1 + alpha;
  Biquad q;
  double k = high_pass ? (1 + c) / 2 : (1 - c) / 2;
  q.b0 = k / a0;
  q.b1 = (high_pass ? -2 * k : 2 * k) / a0;
  q.b2 = k / a0;
  q.a1 = -2 * c / a0;
  q.a2 = (1 - alpha) / a0;
  return q;
}

template <typename T>
struct Ring {  // fixed-capacity history indexed by absolute sample number
  std::vector<T> v;
  void Init(size_t n) { v.assign(n, T{}); }
  T& operator[](int64_t i) { return v[static_cast<size_t>(i) % v.size()]; }
};

struct Peak {
  int64_t idx = -1;   // mwi sample index of the peak
  double height = 0;  // mwi value
  double slope = 0;   // max |d| in the integration window
  int64_t beat = 0;   // fiducial sample index
};

double Mean(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return v.empty() ? 0 : s / static_cast<double>(v.size());
}

void PushLevel(std::vector<double>& v, double x) {
  if (v.size() == kLevels) v.erase(v.begin());
  v.push_back(x);
}

}  // namespace

struct QrsDetector::State {
  double rate = 0;
  int64_t anchor_t0 = 0, anchor_idx = 0;  // time of sample anchor_idx
  int64_t next_idx = 0;                   // index of the next sample
  double x0 = 0;
  std::array<Biquad, 3> filters;
  int64_t group_delay = 0;  // samples
  int64_t window = 0, refractory = 0, twave = 0, confirm = 0, learn = 0;
  int64_t max_back = 0;  // search-back never reaches further than this (bounds the latency)
  Ring<double> bp, d, dsq;
  double mwi_sum = 0;
  // Peak tracking on the mwi.
  Peak rising;  // current running maximum
  bool have_rising = false;
  bool falling = false;  // after a peak, until the mwi turns up again
  double fall_min = 0;
  Peak pending;  // confirmed, waiting 200 ms for a larger neighbour
  bool have_pending = false;
  // Classification.
  bool learning = true;
  std::vector<Peak> learn_peaks;
  std::vector<double> qrs_levels, noise_levels, rr;
  std::vector<Peak> candidates;  // noise peaks since the last QRS (search-back)
  Peak last_qrs;
  bool have_qrs = false;
  std::vector<double> hr_rr;  // RR (s) for the heart rate
  int64_t last_beat_t = 0;
  int64_t last_decay = 0;
  std::vector<Beat>* out = nullptr;
  size_t emitted = 0;

  int64_t TimeOf(int64_t idx) const {
    return anchor_t0 + std::llround(static_cast<double>(idx - anchor_idx) * 1e9 / rate);
  }
  double Threshold() const {
    double q = Mean(qrs_levels), n = Mean(noise_levels);
    return n + kThresholdCoeff * (q - n);
  }
  double MeanRr() const {
    double m = rr.empty() ? 1.0 : Mean(rr);
    return std::clamp(m, kMinRrS, kMaxRrS) * rate;
  }

  void Emit(const Peak& p) {
    if (have_qrs) {
      PushLevel(rr, static_cast<double>(p.idx - last_qrs.idx) / rate);
      hr_rr.push_back(static_cast<double>(p.beat - last_qrs.beat) / rate);
      if (hr_rr.size() > 64) hr_rr.erase(hr_rr.begin());
    }
    last_qrs = p;
    have_qrs = true;
    candidates.clear();
    last_beat_t = TimeOf(p.beat);
    out->push_back(Beat{p.beat, last_beat_t});
    ++emitted;
  }

  void Classify(const Peak& p) {
#ifdef QRS_DEBUG
    if (p.idx > QRS_DEBUG * rate && p.idx < (QRS_DEBUG + 5) * rate)
      fprintf(stderr,
              "peak %.3f h=%.0f slope=%.1f th=%.0f q=%.0f n=%.0f last=%.3f lastslope=%.1f\n",
              p.beat / rate, p.height, p.slope, Threshold(), Mean(qrs_levels), Mean(noise_levels),
              last_qrs.beat / rate, last_qrs.slope);
#endif
    if (have_qrs && p.idx - last_qrs.idx < refractory) return;
    bool t_wave = have_qrs && p.idx - last_qrs.idx < twave && p.slope < 0.5 * last_qrs.slope;
    if (p.height > Threshold() && !t_wave) {
      PushLevel(qrs_levels, p.height);
      Emit(p);
      return;
    }
    PushLevel(noise_levels, p.height);
    if (!t_wave) {
      if (candidates.size() == kMaxCandidates) candidates.erase(candidates.begin());
      candidates.push_back(p);
    }
  }

  // No QRS for 1.5 RR and nothing to search back to: the QRS level may be stale (an artefact,
  // a change of lead or amplitude). Halve it once a second, down to twice the noise level.
  void Stall(int64_t now) {
    if (now - last_decay < static_cast<int64_t>(rate)) return;
    last_decay = now;
    double floor = 2 * Mean(noise_levels);
    for (double& q : qrs_levels) q = std::max(floor, 0.5 * q);
  }

  // Search-back: called every sample once a QRS is known.
  void SearchBack(int64_t now) {
    while (have_qrs && now - last_qrs.idx > static_cast<int64_t>(1.5 * MeanRr())) {
      double th = 0.5 * Threshold();
      auto best = candidates.end();
      for (auto it = candidates.begin(); it != candidates.end(); ++it) {
        if (it->idx - last_qrs.idx >= refractory && it->height > th && now - it->idx <= max_back &&
            (best == candidates.end() || it->height > best->height)) {
          best = it;
        }
      }
      if (best == candidates.end()) {
        Stall(now);
        return;
      }
      Peak p = *best;
      std::vector<Peak> later;
      for (const Peak& c : candidates) {
        if (c.idx > p.idx) later.push_back(c);
      }
      PushLevel(qrs_levels, p.height);
      Emit(p);
      candidates = std::move(later);
    }
  }

  void EndLearning() {
    learning = false;
    double max_h = 0, sum = 0;
    for (const Peak& p : learn_peaks) {
      max_h = std::max(max_h, p.height);
      sum += p.height;
    }
    if (learn_peaks.empty()) return;
    qrs_levels.assign(1, max_h);
    noise_levels.assign(1, 0.5 * sum / static_cast<double>(learn_peaks.size()) * 0.25);
    std::vector<Peak> peaks = std::move(learn_peaks);
    learn_peaks.clear();
    for (const Peak& p : peaks) Classify(p);
  }

  void OnPeak(const Peak& p) {
    if (learning) {
      learn_peaks.push_back(p);
      return;
    }
    Classify(p);
  }

  void OnConfirmed(const Peak& p) {
    if (have_pending && p.idx - pending.idx < refractory) {
      if (p.height > pending.height) pending = p;
      return;
    }
    if (have_pending) OnPeak(pending);
    pending = p;
    have_pending = true;
  }

  void Step(double x) {
    int64_t n = next_idx++;
    double y = x - x0;
    for (Biquad& f : filters) y = f.Step(y);
    bp[n] = y;
    double dv = n >= 2 ? y - bp[n - 2] : 0;
    d[n] = dv;
    double sq = dv * dv;
    dsq[n] = sq;
    mwi_sum += sq;
    if (n >= window) mwi_sum -= dsq[n - window];
    double mwi = std::max(mwi_sum, 0.0);

    if (falling) {
      if (mwi <= fall_min) {
        fall_min = mwi;
      } else {
        falling = false;
        have_rising = false;
      }
    }
    if (!falling) {
      if (!have_rising || mwi > rising.height) {
        rising = Peak{n, mwi, 0, 0};
        have_rising = mwi > 0;
      } else if (mwi < 0.5 * rising.height || n - rising.idx > confirm) {
        Locate(rising);
        OnConfirmed(rising);
        have_rising = false;
        falling = true;
        fall_min = mwi;
      }
    }
    if (have_pending && n - pending.idx >= refractory) {
      have_pending = false;
      OnPeak(pending);
    }
    if (learning && n >= learn) EndLearning();
    if (!learning) SearchBack(n);
  }

  // Fiducial point and slope of a peak from the band-passed history.
  void Locate(Peak& p) const {
    int64_t lo = std::max<int64_t>(0, p.idx - window), best = p.idx;
    double best_v = -1, slope = 0;
    auto& self = const_cast<State&>(*this);
    for (int64_t i = lo; i <= p.idx; ++i) {
      if (std::abs(self.bp[i]) > best_v) {
        best_v = std::abs(self.bp[i]);
        best = i;
      }
      slope = std::max(slope, std::abs(self.d[i]));
    }
    p.slope = slope;
    p.beat = std::max<int64_t>(0, best - group_delay);
  }
};

QrsDetector::QrsDetector(QrsDetectorOptions options) : options_(options) {}
QrsDetector::~QrsDetector() = default;
QrsDetector::QrsDetector(QrsDetector&&) noexcept = default;
QrsDetector& QrsDetector::operator=(QrsDetector&&) noexcept = default;

void QrsDetector::Reset() { state_.reset(); }

void QrsDetector::Start(int64_t t0_ns, double rate_hz) {
  state_ = std::make_unique<State>();
  State& s = *state_;
  s.rate = rate_hz;
  s.anchor_t0 = t0_ns;
  s.filters = {Design(true, 5, rate_hz), Design(false, 15, rate_hz), Design(false, 15, rate_hz)};
  // Group delay at 10 Hz, from the phase slope of the cascade.
  double w = 2 * std::numbers::pi * 10 / rate_hz, dw = 1e-4;
  auto phase = [&](double ww) {
    std::complex<double> h = 1;
    for (const Biquad& f : s.filters) h *= f.Response(ww);
    return std::arg(h);
  };
  double gd = -(phase(w + dw) - phase(w - dw)) / (2 * dw);
  s.group_delay = std::llround(std::max(0.0, gd));
  auto samples = [&](double sec) { return std::max<int64_t>(1, std::llround(sec * rate_hz)); };
  s.window = samples(kWindowS);
  s.refractory = samples(kRefractoryS);
  s.twave = samples(kTWaveS);
  s.confirm = samples(kConfirmS);
  s.learn = samples(kLearnS);
  s.max_back = samples(1.5 * kMaxRrS);
  size_t hist = static_cast<size_t>(samples(kWindowS + kConfirmS) + 8);
  s.bp.Init(hist);
  s.d.Init(hist);
  s.dsq.Init(hist);
}

size_t QrsDetector::Push(const int32_t* samples, size_t n, int64_t t0_ns, double rate_hz,
                         std::vector<Beat>* beats) {
  if (!(rate_hz >= kMinRate && rate_hz <= kMaxRate)) {
    Reset();
    return 0;
  }
  if (n == 0) return 0;
  if (state_) {
    State& s = *state_;
    double period = 1e9 / s.rate;
    double expected = static_cast<double>(s.TimeOf(s.next_idx));
    if (rate_hz != s.rate || std::abs(static_cast<double>(t0_ns) - expected) > 2 * period) {
      Reset();
    }
  }
  if (!state_) {
    Start(t0_ns, rate_hz);
    state_->x0 = samples[0];
  }
  State& s = *state_;
  s.anchor_t0 = t0_ns;
  s.anchor_idx = s.next_idx;
  s.out = beats;
  size_t before = s.emitted;
  for (size_t i = 0; i < n; ++i) s.Step(samples[i]);
  s.out = nullptr;
  return s.emitted - before;
}

Rhythm QrsDetector::CurrentRhythm(int64_t now_ns) const {
  Rhythm r;
  if (!state_) return r;
  const State& s = *state_;
  if (s.hr_rr.size() >= 1) {
    size_t k =
        std::min(s.hr_rr.size(), static_cast<size_t>(std::max(1, options_.rate_window_beats)));
    std::vector<double> last(s.hr_rr.end() - static_cast<std::ptrdiff_t>(k), s.hr_rr.end());
    std::nth_element(last.begin(), last.begin() + static_cast<std::ptrdiff_t>(k / 2), last.end());
    double med = last[k / 2];
    if (med > 0) r.heart_rate_bpm = 60.0 / med;
  }
  r.last_beat_ns = s.have_qrs ? s.last_beat_t : 0;
  int64_t since = s.have_qrs ? s.last_beat_t : s.TimeOf(0);
  bool seen = static_cast<double>(now_ns - s.TimeOf(0)) >= options_.asystole_s * 1e9;
  r.asystole = seen && static_cast<double>(now_ns - since) > options_.asystole_s * 1e9;
  if (r.heart_rate_bpm > 0 && !r.asystole) {
    r.bradycardia = r.heart_rate_bpm < options_.bradycardia_bpm;
    r.tachycardia = r.heart_rate_bpm > options_.tachycardia_bpm;
  }
  return r;
}

double QrsDetector::MaxLatencySeconds() const {
  // Search-back fires at most 1.5 * kMaxRrS after the last beat; the learning phase delays the
  // first beats by kLearnS.
  return std::max(1.5 * kMaxRrS, kLearnS) + kWindowS + kConfirmS + kRefractoryS;
}

}  // namespace lj::clinical::ecg
