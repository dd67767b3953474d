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

// Episodes() is the ground truth of the alarm audit (lj_alarm_load): every second of a day, each
// windowed state of At() must lie in exactly the episodes Episodes() lists, and vice versa.
TEST(Course, EpisodesAgreeWithTheStateAtEverySecond) {
  for (const CourseSpec spec :
       {CourseSpec{CourseKind::kStable, 0, 0}, CourseSpec{CourseKind::kSepsis, -1200, 1800},
        CourseSpec{CourseKind::kRespiratory, 180, 0}, CourseSpec{CourseKind::kArrhythmia, 120, 0},
        CourseSpec{CourseKind::kTechnical, 60, 0}}) {
    const Course c(spec, 11);
    const std::vector<Episode> eps = c.Episodes(0, 24 * 3600.0);
    auto in = [&](EpisodeKind k, double t) {
      for (const Episode& e : eps)
        if (e.kind == k && t >= e.start_s && t < e.end_s) return true;
      return false;
    };
    int windows = 0;
    for (int t = 0; t < 24 * 3600; ++t) {
      const CourseState s = c.At(t);
      ASSERT_EQ(s.leads_off, in(EpisodeKind::kLeadsOff, t)) << CourseName(spec.kind) << " " << t;
      ASSERT_EQ(s.spo2_off, in(EpisodeKind::kProbeOff, t)) << CourseName(spec.kind) << " " << t;
      ASSERT_EQ(s.asystole, in(EpisodeKind::kAsystole, t)) << CourseName(spec.kind) << " " << t;
      ASSERT_EQ(spec.kind == CourseKind::kArrhythmia && s.d_hr == 75,
                in(EpisodeKind::kTachycardia, t))
          << t;
      ASSERT_EQ(spec.kind == CourseKind::kRespiratory && s.d_spo2 == -7,
                in(EpisodeKind::kDesaturation, t))
          << t;
      windows += s.leads_off || s.spo2_off || s.asystole;
    }
    EXPECT_EQ(in(EpisodeKind::kSepsis, 0), spec.kind == CourseKind::kSepsis);
    EXPECT_EQ(in(EpisodeKind::kChronicRespiratory, 0), spec.kind == CourseKind::kRespiratory);
    if (spec.kind != CourseKind::kSepsis && spec.kind != CourseKind::kRespiratory)
      EXPECT_GT(windows, 0) << CourseName(spec.kind);
  }
  // The demo's technical bed: leads off at +60 s for 45 s, probe off at +240 s, every 20 min.
  const std::vector<Episode> t = Course({CourseKind::kTechnical, 60, 0}, 1).Episodes(0, 1300);
  ASSERT_EQ(t.size(), 3u);
  EXPECT_EQ(t[0].kind, EpisodeKind::kLeadsOff);
  EXPECT_EQ(t[0].start_s, 60);
  EXPECT_EQ(t[0].end_s, 105);
  EXPECT_EQ(t[1].kind, EpisodeKind::kProbeOff);
  EXPECT_EQ(t[1].start_s, 240);
  EXPECT_EQ(t[2].start_s, 1260);
  // Overlap, not containment: an episode under way at `from` is listed.
  EXPECT_EQ(Course({CourseKind::kTechnical, 60, 0}, 1).Episodes(100, 101).size(), 1u);
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
