#include "clinical/ecg/qrs_detector.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <random>

#include "clinical/ecg/ec57.h"
#include "clinical/ecg/evaluate.h"

namespace lj::clinical::ecg {
namespace {

constexpr int64_t kSec = 1'000'000'000;

// Synthetic ECG in ADC units (200/mV): P, QRS and T waves as Gaussians, plus noise and wander.
std::vector<int32_t> Synth(double fs, double seconds, double hr_bpm, std::vector<int64_t>* r) {
  std::mt19937 rng(42);
  std::normal_distribution<double> noise(0, 3);
  size_t n = static_cast<size_t>(fs * seconds);
  std::vector<double> x(n, 0);
  double rr = 60 / hr_bpm;
  auto bump = [&](double t, double amp, double width) {
    for (size_t i = 0; i < n; ++i) {
      double dt = static_cast<double>(i) / fs - t;
      if (std::abs(dt) < 5 * width) x[i] += amp * std::exp(-dt * dt / (2 * width * width));
    }
  };
  for (double t = 0.5; t < seconds - 0.5; t += rr) {
    r->push_back(std::llround(t * fs));
    bump(t - 0.16, 30, 0.02);
    bump(t - 0.02, -30, 0.008);
    bump(t, 220, 0.012);
    bump(t + 0.03, -50, 0.01);
    bump(t + 0.28, 60, 0.05);
  }
  std::vector<int32_t> out(n);
  for (size_t i = 0; i < n; ++i) {
    double t = static_cast<double>(i) / fs;
    out[i] = static_cast<int32_t>(
        std::lround(1024 + x[i] + 40 * std::sin(0.3 * 6.283 * t) + noise(rng)));
  }
  return out;
}

std::vector<int64_t> Detect(QrsDetector& d, const std::vector<int32_t>& s, double fs, size_t chunk,
                            int64_t t0 = 0) {
  std::vector<Beat> beats;
  for (size_t i = 0; i < s.size(); i += chunk) {
    size_t n = std::min(chunk, s.size() - i);
    d.Push(s.data() + i, n, t0 + std::llround(static_cast<double>(i) * kSec / fs), fs, &beats);
  }
  std::vector<int64_t> idx;
  for (const Beat& b : beats) idx.push_back(b.sample);
  return idx;
}

class SynthRates : public ::testing::TestWithParam<double> {};

TEST_P(SynthRates, FindsEveryBeatAtAnyRate) {
  double fs = GetParam();
  std::vector<int64_t> ref;
  std::vector<int32_t> s = Synth(fs, 60, 72, &ref);
  QrsDetector d;
  std::vector<int64_t> det = Detect(d, s, fs, 37);
  Ec57Options o;
  o.start_s = 0;
  Ec57Counts c = CompareBeats(ref, det, fs, o);
  EXPECT_EQ(c.fn, 0) << fs;
  EXPECT_EQ(c.fp, 0) << fs;
  Rhythm r = d.CurrentRhythm(60 * kSec);
  EXPECT_NEAR(r.heart_rate_bpm, 72, 1.5);
  EXPECT_FALSE(r.asystole || r.bradycardia || r.tachycardia);
}
INSTANTIATE_TEST_SUITE_P(Rates, SynthRates, ::testing::Values(125.0, 250.0, 360.0, 500.0));

TEST(QrsDetector, ChunkSizeDoesNotMatter) {
  std::vector<int64_t> ref;
  std::vector<int32_t> s = Synth(250, 30, 90, &ref);
  QrsDetector a, b;
  EXPECT_EQ(Detect(a, s, 250, 1), Detect(b, s, 250, 1000));
}

TEST(QrsDetector, LatencyIsBounded) {
  // Beats, 8 s of flat line (search-back and stall recovery at work), beats again.
  std::vector<int64_t> ref;
  std::vector<int32_t> s = Synth(250, 20, 70, &ref);
  std::vector<int32_t> flat(250 * 8, 1024);
  s.insert(s.begin() + 250 * 10, flat.begin(), flat.end());
  QrsDetector d;
  std::vector<Beat> beats;
  double worst = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    size_t before = beats.size();
    d.Push(&s[i], 1, static_cast<int64_t>(i) * 4'000'000, 250, &beats);
    for (size_t k = before; k < beats.size(); ++k) {
      worst = std::max(worst, static_cast<double>(static_cast<int64_t>(i) - beats[k].sample) / 250);
    }
  }
  EXPECT_GT(beats.size(), 20u);
  EXPECT_LE(worst, d.MaxLatencySeconds());
}

TEST(QrsDetector, BeatTimesAreAbsolute) {
  std::vector<int64_t> ref;
  std::vector<int32_t> s = Synth(250, 10, 60, &ref);
  QrsDetector d;
  std::vector<Beat> beats;
  int64_t t0 = 1'700'000'000 * kSec;
  d.Push(s.data(), s.size(), t0, 250, &beats);
  ASSERT_FALSE(beats.empty());
  for (const Beat& b : beats) EXPECT_EQ(b.t_ns, t0 + b.sample * 4'000'000);
}

TEST(QrsDetector, GapResetsAndTachycardia) {
  std::vector<int64_t> ref;
  std::vector<int32_t> s = Synth(250, 20, 150, &ref);
  QrsDetector d;
  std::vector<Beat> beats;
  d.Push(s.data(), s.size(), 0, 250, &beats);
  Rhythm r = d.CurrentRhythm(20 * kSec);
  EXPECT_TRUE(r.tachycardia);
  EXPECT_NEAR(r.heart_rate_bpm, 150, 3);
  // 10 s later (a gap): the detector restarts, sample indices count from the new start.
  beats.clear();
  d.Push(s.data(), s.size(), 30 * kSec, 250, &beats);
  ASSERT_FALSE(beats.empty());
  EXPECT_LT(beats.front().sample, 250 * 3);
  EXPECT_EQ(beats.front().t_ns, 30 * kSec + beats.front().sample * 4'000'000);
}

TEST(QrsDetector, AsystoleAndBradycardia) {
  std::vector<int64_t> ref;
  std::vector<int32_t> s = Synth(250, 30, 35, &ref);
  QrsDetector d;
  std::vector<Beat> beats;
  d.Push(s.data(), s.size(), 0, 250, &beats);
  Rhythm r = d.CurrentRhythm(30 * kSec);
  EXPECT_TRUE(r.bradycardia);
  EXPECT_FALSE(r.asystole);
  // Flat line for 6 s.
  std::vector<int32_t> flat(250 * 6, 1024);
  d.Push(flat.data(), flat.size(), 30 * kSec, 250, &beats);
  r = d.CurrentRhythm(36 * kSec);
  EXPECT_TRUE(r.asystole);
  EXPECT_FALSE(r.bradycardia);  // asystole supersedes
  // A fresh detector on a flat line reports asystole only after 4 s of signal.
  QrsDetector f;
  f.Push(flat.data(), 250 * 3, 0, 250, &beats);
  EXPECT_FALSE(f.CurrentRhythm(3 * kSec).asystole);
  f.Push(flat.data(), 250 * 3, 3 * kSec, 250, &beats);
  EXPECT_TRUE(f.CurrentRhythm(6 * kSec).asystole);
}

TEST(QrsDetector, HostileInput) {
  QrsDetector d;
  std::vector<Beat> beats;
  std::vector<int32_t> s = {INT32_MIN, INT32_MAX, 0, INT32_MIN, INT32_MAX};
  for (int64_t i = 0; i < 2000; ++i) d.Push(s.data(), s.size(), i * 5 * 4'000'000, 250, &beats);
  EXPECT_EQ(d.Push(s.data(), s.size(), 0, 0.0, &beats), 0u);  // bad rate: dropped
  EXPECT_EQ(d.Push(s.data(), s.size(), 0, NAN, &beats), 0u);
  EXPECT_EQ(d.Push(s.data(), 0, 0, 250, &beats), 0u);
  EXPECT_LE(d.MaxLatencySeconds(), 5);
}

TEST(QrsDetector, MitBih100MeetsEc57Target) {
  std::string dir = std::string(LJ_SHARED_DIR) + "/data/mitdb";
  if (!std::filesystem::exists(dir + "/100.hea")) {
    GTEST_SKIP() << dir << " not found: put the PhysioNet MIT-BIH records beside the repository";
  }
  Result<RecordScore> s = EvaluateRecord(dir + "/100", 0);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_GE(s->counts.Sensitivity(), 0.995) << "TP " << s->counts.tp << " FN " << s->counts.fn;
  EXPECT_GE(s->counts.PositivePredictivity(), 0.995)
      << "TP " << s->counts.tp << " FP " << s->counts.fp;
  EXPECT_GT(s->counts.tp, 1800);
}

}  // namespace
}  // namespace lj::clinical::ecg
