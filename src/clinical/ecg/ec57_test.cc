#include "clinical/ecg/ec57.h"

#include <gtest/gtest.h>

namespace lj::clinical::ecg {
namespace {

// 100 Hz: window 15 samples, scoring from sample 0 unless set.
Ec57Counts Cmp(std::vector<int64_t> ref, std::vector<int64_t> det, double start_s = 0) {
  Ec57Options o;
  o.start_s = start_s;
  return CompareBeats(std::move(ref), std::move(det), 100, o);
}

TEST(Ec57, PerfectAndEmpty) {
  Ec57Counts c = Cmp({100, 200, 300}, {101, 199, 300});
  EXPECT_EQ(c.tp, 3);
  EXPECT_EQ(c.fn, 0);
  EXPECT_EQ(c.fp, 0);
  EXPECT_EQ(Cmp({}, {}).Sensitivity(), 1.0);
  Ec57Counts miss = Cmp({100, 200}, {});
  EXPECT_EQ(miss.fn, 2);
  EXPECT_EQ(miss.Sensitivity(), 0.0);
  Ec57Counts extra = Cmp({}, {5, 6});
  EXPECT_EQ(extra.fp, 2);
  EXPECT_EQ(extra.PositivePredictivity(), 0.0);
}

TEST(Ec57, EdgeOfWindow) {
  // 150 ms at 100 Hz = 15 samples: 15 away matches, 16 away does not.
  Ec57Counts in = Cmp({100}, {115});
  EXPECT_EQ(in.tp, 1);
  Ec57Counts in_early = Cmp({100}, {85});
  EXPECT_EQ(in_early.tp, 1);
  Ec57Counts out = Cmp({100}, {116});
  EXPECT_EQ(out.tp, 0);
  EXPECT_EQ(out.fn, 1);
  EXPECT_EQ(out.fp, 1);
  Ec57Counts out_early = Cmp({100}, {84});
  EXPECT_EQ(out_early.fn, 1);
  EXPECT_EQ(out_early.fp, 1);
}

TEST(Ec57, DoubleDetectionIsOneFalsePositive) {
  Ec57Counts c = Cmp({100, 200}, {95, 104, 200});
  EXPECT_EQ(c.tp, 2);
  EXPECT_EQ(c.fp, 1);
  EXPECT_EQ(c.fn, 0);
  // The closer of two detections is the match, whichever comes first.
  Ec57Counts c2 = Cmp({100}, {88, 99});
  EXPECT_EQ(c2.tp, 1);
  EXPECT_EQ(c2.fp, 1);
}

TEST(Ec57, OneDetectionBetweenTwoBeatsMatchesTheCloser) {
  Ec57Counts c = Cmp({100, 120}, {117});
  EXPECT_EQ(c.tp, 1);
  EXPECT_EQ(c.fn, 1);
  EXPECT_EQ(c.fp, 0);
}

TEST(Ec57, StartOfScoringBoundary) {
  // Scoring from 5 s = sample 500.
  Ec57Counts c = Cmp({499, 500, 700}, {499, 500, 600}, 5);
  EXPECT_EQ(c.tp, 1);  // 499 matched but before the start: not counted; 500 counts
  EXPECT_EQ(c.fp, 1);  // 600
  EXPECT_EQ(c.fn, 1);  // 700
  Ec57Counts before = Cmp({100, 200}, {300, 450}, 5);
  EXPECT_EQ(before.tp + before.fp + before.fn, 0);
  // A reference just after the start matched by a detection just before it counts as TP.
  Ec57Counts straddle = Cmp({502}, {495}, 5);
  EXPECT_EQ(straddle.tp, 1);
  EXPECT_EQ(straddle.fp, 0);
}

// VF and all-signals-unreadable segments are not scored: events in them count nowhere, events
// outside count as usual; the interval's end is outside it.
TEST(Ec57, ExcludedIntervalsAreNotScored) {
  Ec57Options o;
  o.start_s = 0;
  o.excluded = {{1000, 2000}, {5000, 5600}};
  // 1000..1999 excluded: a missed beat (1500) and a false detection (1800) in it count nowhere.
  Ec57Counts c = CompareBeats({500, 1500, 2000, 2500, 5200}, {500, 1800, 2000, 2500, 5300}, 100, o);
  EXPECT_EQ(c.tp, 3);  // 500, 2000 (the end is scored), 2500
  EXPECT_EQ(c.fn, 0);
  EXPECT_EQ(c.fp, 0);
}

TEST(Ec57, ExcludedIntervalsFromReferenceAnnotations) {
  constexpr int kN = 1, kNoise = 14, kVfOn = 32, kVfOff = 33;
  // VF from 1000 to 2000; noise with both of two signals unreadable (bits 4 and 5) from 3000,
  // noise cleared at 3500; one signal unreadable (bit 4 only) from 4000: not a shutdown; an
  // unreadable-all (-1, stored 0x3ff) from 6000 to the end; a VFON without VFOFF at 8000.
  const std::vector<ReferenceMark> marks = {
      {10, kN, 0},          {1000, kVfOn, 0},      {2000, kVfOff, 0},
      {3000, kNoise, 0x30}, {3500, kNoise, 0},     {4000, kNoise, 0x10},
      {4500, kNoise, 0},    {6000, kNoise, 0x3ff}, {8000, kVfOn, 0}};
  const auto iv = ExcludedIntervals(marks, 2);
  ASSERT_EQ(iv.size(), 4u);
  EXPECT_EQ(iv[0], (std::pair<int64_t, int64_t>{1000, 2000}));
  EXPECT_EQ(iv[1], (std::pair<int64_t, int64_t>{3000, 3500}));
  EXPECT_EQ(iv[2].first, 6000);
  EXPECT_EQ(iv[2].second, INT64_MAX);
  EXPECT_EQ(iv[3].first, 8000);
  // With three signals, bits 4 and 5 leave one readable: no shutdown.
  EXPECT_EQ(ExcludedIntervals({{3000, kNoise, 0x30}, {3500, kNoise, 0}}, 3).size(), 0u);
  EXPECT_EQ(ExcludedIntervals({{3000, kNoise, 0x70}, {3500, kNoise, 0}}, 3).size(), 1u);
}

TEST(Ec57, UnsortedInputAndGross) {
  Ec57Counts a = Cmp({300, 100, 200}, {200, 300, 100});
  EXPECT_EQ(a.tp, 3);
  Ec57Counts b{1, 1, 2};
  a += b;
  EXPECT_EQ(a.tp, 4);
  EXPECT_DOUBLE_EQ(a.Sensitivity(), 0.8);
  EXPECT_DOUBLE_EQ(a.PositivePredictivity(), 4.0 / 6.0);
}

}  // namespace
}  // namespace lj::clinical::ecg
