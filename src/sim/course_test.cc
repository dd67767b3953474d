// Patient courses: the schedule of each course as a pure function of time.
#include "sim/course.h"

#include <gtest/gtest.h>

#include "sim/ward_builder.h"

namespace lj::sim {
namespace {

TEST(Course, SepsisRampsOverItsDuration) {
  Course c({CourseKind::kSepsis, 300, 1800}, 1);
  EXPECT_EQ(c.At(0).d_hr, 0);
  EXPECT_EQ(c.At(300).d_hr, 0);
  EXPECT_NEAR(c.At(300 + 900).d_hr, 22.5, 1e-9);
  EXPECT_NEAR(c.At(300 + 1800).d_sbp, -45, 1e-9);
  EXPECT_NEAR(c.At(5000).d_temp, 2.2, 1e-9);
  EXPECT_EQ(c.At(300 + 1000).consciousness, "alert");
  EXPECT_EQ(c.At(300 + 1100).consciousness, "newConfusion");
  EXPECT_FALSE(c.At(300 + 1200).oxygen);
  EXPECT_TRUE(c.At(300 + 1300).oxygen);
}

TEST(Course, ArrhythmiaAndTechnicalWindows) {
  Course a({CourseKind::kArrhythmia, 120, 0}, 1);
  EXPECT_EQ(a.At(119).d_hr, 0);
  EXPECT_EQ(a.At(120).d_hr, 75);
  EXPECT_EQ(a.At(239).d_hr, 75);
  EXPECT_EQ(a.At(240).d_hr, 0);
  EXPECT_FALSE(a.At(479).asystole);
  EXPECT_TRUE(a.At(480).asystole);
  EXPECT_TRUE(a.At(486.9).asystole);
  EXPECT_FALSE(a.At(487).asystole);
  EXPECT_TRUE(a.At(480 + 1800).asystole);  // every 30 min
  Course t({CourseKind::kTechnical, 60, 0}, 1);
  EXPECT_TRUE(t.At(60).leads_off);
  EXPECT_FALSE(t.At(105).leads_off);
  EXPECT_TRUE(t.At(240).spo2_off);
  EXPECT_FALSE(t.At(270).spo2_off);
}

TEST(Course, StableEventsAreSeededAndRare) {
  Course a({CourseKind::kStable, 0, 0}, 7), b({CourseKind::kStable, 0, 0}, 7);
  int off = 0;
  for (int s = 0; s < 24 * 3600; ++s) {
    EXPECT_EQ(a.At(s).leads_off, b.At(s).leads_off);
    off += a.At(s).leads_off;
  }
  EXPECT_EQ(off, 3 * 40);  // one 40-s event per 8 h
}

TEST(Course, DemoSchedule) {
  WardLayout l;
  EXPECT_EQ(CourseForBed(l, 0).kind, CourseKind::kSepsis);
  EXPECT_LT(CourseForBed(l, 0).start_s, 0);
  EXPECT_EQ(CourseForBed(l, 6).kind, CourseKind::kRespiratory);
  EXPECT_EQ(CourseForBed(l, 12).kind, CourseKind::kSepsis);
  EXPECT_EQ(CourseForBed(l, 1).kind, CourseKind::kStable);
  const Simulator::Options o = SimulatorOptionsFor(l);
  ASSERT_EQ(o.courses.size(), 24u);
  ASSERT_EQ(o.patients.size(), 24u);
  EXPECT_EQ(o.patients[0], "patient-a01");
  // Bed 7 is both the COPD patient and the respiratory course.
  EXPECT_EQ(o.spo2_scale2_monitors.front(), "monitor-a07");
  EXPECT_EQ(o.courses[6].kind, CourseKind::kRespiratory);
}

}  // namespace
}  // namespace lj::sim
