// The simulator's patient courses through the real pipeline and the ClinicalService: each demo
// bed reaches its intended NEWS2 band / alarm on schedule (doc/design/clinical.md).
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "clinical/clinical_test_env.h"
#include "sim/simulator.h"
#include "sim/ward_builder.h"

namespace lj::clinical {
namespace {

using testing::ClinicalEnv;
using testing::kS;

struct CourseRun {
  ClinicalEnv env;
  std::unique_ptr<sim::Simulator> sim;
  int64_t origin = 0;
  std::map<std::string, std::set<std::string>> kinds;  // patient -> alarm kinds seen

  CourseRun(bool waveforms, int beds) : env(beds) {
    sim::WardLayout layout;
    layout.beds = beds;
    sim::Simulator::Options o = sim::SimulatorOptionsFor(layout);
    o.waveforms = waveforms;
    sim = std::make_unique<sim::Simulator>(*env.pipeline, o);
    origin = env.t0 - 3600 * kS;  // in the past: the pipeline refuses samples > 5 min ahead
    sim->Step(origin);
  }
  int News2(const std::string& p) {
    nlohmann::json v = env.LiveValue(p, "news2");
    return v.is_number() ? v.get<int>() : -1;
  }
  void RunTo(double minutes) {
    const int64_t end = origin + static_cast<int64_t>(minutes * 60) * kS;
    for (int64_t t = last_; t <= end; t += kS) {
      sim->Step(t);
      for (const Alarm& a : env.service->Alarms({}))
        kinds[a.patient].insert(std::string(AlarmKindName(a.kind)));
    }
    last_ = end + kS;
  }
  int64_t last_ = 0;
};

TEST(Courses, VitalsReachTheirNews2BandsOnSchedule) {
  CourseRun r(/*waveforms=*/false, /*beds=*/12);
  r.last_ = r.origin;
  r.RunTo(0.5);
  // Every patient gets nurse observations at once: scores are complete.
  EXPECT_EQ(r.env.LiveValue("patient-a02", "news2Complete"), true);
  r.RunTo(3);
  // Bed 1: sepsis under way since 20 min before the start: urgent band within minutes.
  EXPECT_GE(r.News2("patient-a01"), 5);
  // Bed 3: sepsis starts at +5 min: still low at 4 min.
  r.RunTo(4);
  EXPECT_LT(r.News2("patient-a03"), 5);
  // Bed 7 (COPD, scale 2, on oxygen, RR ~22).
  EXPECT_GE(r.News2("patient-a07"), 2);
  r.RunTo(12);
  EXPECT_GE(r.News2("patient-a01"), 7);  // full sepsis picture at +10 min
  EXPECT_EQ(r.env.LiveValue("patient-a01", "news2Risk"), "high");
  EXPECT_TRUE(r.kinds["patient-a01"].count("news2"));
  EXPECT_EQ(r.env.LiveValue("patient-a01", "alarmLevel"), "high");
  // Bed 5: tachycardia episode from +2 to +4 min.
  EXPECT_TRUE(r.kinds["patient-a05"].count("hr_high"));
  // Bed 9: technical events: leads off at +1 min, probe off at +4 min.
  EXPECT_TRUE(r.kinds["patient-a09"].count("leads_off"));
  EXPECT_TRUE(r.kinds["patient-a09"].count("spo2_sensor_off"));
  r.RunTo(30);
  EXPECT_GE(r.News2("patient-a03"), 5);  // 25 min into its ramp
  // Stable patients stay out of the urgent band.
  for (const char* p : {"patient-a02", "patient-a04", "patient-a06", "patient-a08"})
    EXPECT_LT(r.News2(p), 5) << p;
}

TEST(Courses, AsystoleRunIsDetectedFromTheEcg) {
  CourseRun r(/*waveforms=*/true, /*beds=*/5);  // bed 5: arrhythmia
  r.last_ = r.origin;
  r.RunTo(6.5);  // bed 5: asystole run of 7 s at +2 min + 6 min = +8 min; not yet
  EXPECT_FALSE(r.kinds["patient-a05"].count("asystole"));
  EXPECT_GT(r.env.LiveValue("patient-a02", "ecgHr").get<double>(), 40);
  r.RunTo(8.4);
  EXPECT_TRUE(r.kinds["patient-a05"].count("asystole"));
  EXPECT_FALSE(r.kinds["patient-a02"].count("asystole"));
}

}  // namespace
}  // namespace lj::clinical
