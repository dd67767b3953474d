#include "sim/ecgsyn.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "sim/pleth.h"
#include "sim/vitals.h"

namespace lj::sim {
namespace {

// Simple peak counter: rising crossings of `threshold` at least 250 ms apart, re-armed when the
// signal falls below `rearm`.
int CountPeaks(const std::vector<double>& v, double rate, double threshold, double rearm) {
  int n = 0;
  double last = -1;
  bool above = false;
  for (size_t i = 0; i < v.size(); ++i) {
    const double t = static_cast<double>(i) / rate;
    if (!above && v[i] > threshold && (last < 0 || t - last > 0.25)) {
      ++n;
      last = t;
      above = true;
    } else if (v[i] < rearm) {
      above = false;
    }
  }
  return n;
}

std::vector<double> Generate(EcgSynth& ecg, int n) {
  std::vector<double> v(n);
  for (double& x : v) x = ecg.Next();
  return v;
}

class EcgRate : public ::testing::TestWithParam<double> {};

TEST_P(EcgRate, BeatsAtRequestedHeartRate) {
  const double hr = GetParam();
  EcgSynOptions o;
  o.hr_bpm = hr;
  o.hr_std_bpm = 2;
  o.seed = static_cast<uint64_t>(hr);
  EcgSynth ecg(o);
  const std::vector<double> v = Generate(ecg, 250 * 60);
  EXPECT_NEAR(CountPeaks(v, 250, 600, 300), hr, 2) << "hr " << hr;
  EXPECT_NEAR(static_cast<double>(ecg.beats().size()), hr, 2);
}

INSTANTIATE_TEST_SUITE_P(Rates, EcgRate, ::testing::Values(55.0, 72.0, 90.0, 110.0));

TEST(Ecg, ValuesInPlausibleRange) {
  EcgSynOptions o;
  o.r_peak_uv = 1200;
  EcgSynth ecg(o);
  const std::vector<double> v = Generate(ecg, 250 * 20);
  const auto [mn, mx] = std::minmax_element(v.begin(), v.end());
  EXPECT_GT(*mx, 1000);
  EXPECT_LT(*mx, 1500);
  EXPECT_GT(*mn, -800);
  EXPECT_LT(*mn, -50);  // Q and S waves dip below the baseline
  EXPECT_DOUBLE_EQ(ecg.time_s(), 20.0);
}

TEST(Ecg, FollowsHeartRateChanges) {
  EcgSynOptions o;
  o.hr_bpm = 60;
  EcgSynth ecg(o);
  Generate(ecg, 250 * 5);
  ecg.SetHeartRate(100);
  Generate(ecg, 250 * 5);  // settle
  const std::vector<double> v = Generate(ecg, 250 * 60);
  EXPECT_NEAR(CountPeaks(v, 250, 600, 300), 100, 2);
}

TEST(Ecg, DeterministicForASeed) {
  EcgSynOptions o;
  o.seed = 9;
  EcgSynth a(o), b(o);
  EXPECT_EQ(Generate(a, 1000), Generate(b, 1000));
}

TEST(Pleth, OnePulsePerBeat) {
  EcgSynOptions o;
  o.hr_bpm = 80;
  EcgSynth ecg(o);
  PlethSynth pleth(PlethOptions{});
  std::vector<double> p;
  for (int i = 0; i < 250 * 60; ++i) {
    ecg.Next();
    if (i % 2 == 0) p.push_back(pleth.At(i / 250.0, ecg.beats(), 0.25));
  }
  const auto [mn, mx] = std::minmax_element(p.begin(), p.end());
  EXPECT_GT(*mn, 0);
  EXPECT_LT(*mx, 4096);
  EXPECT_NEAR(CountPeaks(p, 125, (*mn + *mx) / 2, *mn + (*mx - *mn) / 4),
              static_cast<double>(ecg.beats().size()), 2);
}

TEST(Vitals, StayInRange) {
  for (uint64_t seed = 1; seed <= 24; ++seed) {
    const bool scale2 = seed % 12 == 0;
    VitalsWalk w(seed, scale2);
    for (int s = 0; s < 6 * 3600; s += 10) {
      w.Advance(10);
      const VitalsReading r = w.Reading();
      ASSERT_GE(r.hr, 55);
      ASSERT_LE(r.hr, 110);
      ASSERT_GE(r.rr, 10);
      ASSERT_LE(r.rr, 24);
      ASSERT_GE(r.spo2, scale2 ? 88 : 92);
      ASSERT_LE(r.spo2, scale2 ? 92 : 100);
      ASSERT_GE(r.nibp_sys, 95);
      ASSERT_LE(r.nibp_sys, 160);
      ASSERT_GE(r.nibp_dia, 55);
      ASSERT_LE(r.nibp_dia, 95);
      ASSERT_GT(r.nibp_mean, r.nibp_dia);
      ASSERT_LT(r.nibp_mean, r.nibp_sys);
      ASSERT_GE(r.temp, 36.0);
      ASSERT_LE(r.temp, 38.5);
    }
  }
}

}  // namespace
}  // namespace lj::sim
