// Streaming QRS detector for one ECG lead, plus the running heart rate and the rhythm alarm
// inputs (asystole, bradycardia, tachycardia).
//
// Algorithm (written from the papers, not from any implementation):
//   Pan J, Tompkins WJ. A real-time QRS detection algorithm. IEEE Trans Biomed Eng
//     1985;32(3):230-236 (band-pass, derivative, squaring, moving-window integration, adaptive
//     signal/noise thresholds, search-back, T-wave discrimination, 200 ms refractory period).
//   Hamilton PS, Tompkins WJ. Quantitative investigation of QRS detection rules using the
//     MIT/BIH arrhythmia database. IEEE Trans Biomed Eng 1986;33(12):1157-1165 (threshold from
//     the means of recent QRS and noise peak levels, coefficient 0.3125; search-back after
//     1.5 RR; peak confirmation by a fall to half of the peak).
// Filters are designed at run time for the sampling rate (any rate from 100 Hz to 2 kHz), so
// the same detector serves 125 Hz, 250 Hz and 360 Hz streams. See doc/design/ecg.md.
//
// Contract: Push() takes consecutive chunks of integer samples (the ADC units of the source;
// the detector is insensitive to gain and offset) and appends the beats it has confirmed, each
// at most MaxLatencySeconds() after the sample it names. Beat times are absolute: the sample
// index counts from the last reset, t_ns is derived from the chunk timestamps. A chunk whose
// t0 does not continue the previous one (a gap or overlap of more than two sample periods), or
// a change of rate, resets the detector (beats, thresholds and heart rate restart; the
// learning phase takes ~2 s). Thread-safety: none; one detector per ECG series, used from
// one thread. Memory is bounded (fixed-size buffers sized at reset from the rate).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace lj::clinical::ecg {

struct Beat {
  int64_t sample = 0;  // index since the last reset
  int64_t t_ns = 0;    // absolute time of that sample
};

struct QrsDetectorOptions {
  double asystole_s = 4.0;       // no beat for longer than this: asystole
  double bradycardia_bpm = 40;   // heart rate below: bradycardia
  double tachycardia_bpm = 140;  // heart rate above: tachycardia
  int rate_window_beats = 8;     // heart rate = 60 / median of the last N RR intervals
};

struct Rhythm {
  double heart_rate_bpm = 0;  // 0 while fewer than 2 beats since the last reset
  bool asystole = false;
  bool bradycardia = false;
  bool tachycardia = false;
  int64_t last_beat_ns = 0;  // 0 when none
};

class QrsDetector {
 public:
  explicit QrsDetector(QrsDetectorOptions options = {});
  ~QrsDetector();
  QrsDetector(QrsDetector&&) noexcept;
  QrsDetector& operator=(QrsDetector&&) noexcept;

  // Feeds n samples; the first is at t0_ns, the rest follow at 1/rate_hz. rate_hz outside
  // [100, 2000] is ignored (the chunk is dropped and the detector reset). Returns the number of
  // beats appended to *beats.
  size_t Push(const int32_t* samples, size_t n, int64_t t0_ns, double rate_hz,
              std::vector<Beat>* beats);
  // Forgets everything (call on a known gap or a lead change).
  void Reset();

  // Heart rate and alarm inputs as of `now_ns` (asystole counts from the last beat, or from the
  // reset when there was none; it is only reported once the detector has seen asystole_s of
  // signal).
  Rhythm CurrentRhythm(int64_t now_ns) const;
  // Upper bound on how long after a QRS complex Push() reports it, for the current rate.
  double MaxLatencySeconds() const;

 private:
  struct State;
  void Start(int64_t t0_ns, double rate_hz);
  QrsDetectorOptions options_;
  std::unique_ptr<State> state_;  // pimpl: the filter internals stay out of this header
};

}  // namespace lj::clinical::ecg
