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
