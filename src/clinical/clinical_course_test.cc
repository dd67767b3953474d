// The simulator's patient courses through the real pipeline and the ClinicalService: each demo
// bed reaches its intended NEWS2 band / alarm on schedule (doc/design/clinical.md).
#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <set>

#include "clinical/clinical_test_env.h"
#include "sim/simulator.h"
#include "sim/ward_builder.h"

namespace lj::clinical {
namespace {

using testing::ClinicalEnv;
using testing::kS;

// Hands the simulator's batches to the pipeline, after `tamper` (if set) had its way with them.
struct TamperSink : ingest::IngestSink {
  ingest::IngestSink& next;
  std::function<void(ingest::ParsedBatch&)> tamper;
  explicit TamperSink(ingest::IngestSink& n) : next(n) {}
  ingest::IngestReport Ingest(ingest::ParsedBatch& b, ingest::Protocol p) override {
    if (tamper) tamper(b);
    return next.Ingest(b, p);
  }
};

struct CourseRun {
  ClinicalEnv env;
  TamperSink sink{*env.pipeline};
  std::unique_ptr<sim::Simulator> sim;
  int64_t origin = 0;
  std::map<std::string, std::set<std::string>> kinds;  // patient -> alarm kinds seen

  CourseRun(bool waveforms, int beds) : env(beds) {
    sim::WardLayout layout;
    layout.beds = beds;
    sim::Simulator::Options o = sim::SimulatorOptionsFor(layout);
    o.waveforms = waveforms;
    sim = std::make_unique<sim::Simulator>(sink, o);
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

// Every alarm of `kind` in the patient's history.
std::vector<nlohmann::json> AlarmsOf(CourseRun& r, const std::string& patient,
                                     std::string_view kind) {
  r.env.service->store().Flush();
  Result<nlohmann::json> h =
      r.env.service->History(patient, r.origin - 3600 * kS, r.origin + 24 * 3600 * kS);
  EXPECT_TRUE(h.ok()) << h.status().ToString();
  std::vector<nlohmann::json> out;
  if (h.ok())
    for (const nlohmann::json& a : *h)
      if (a["kind"] == kind) out.push_back(a);
  return out;
}

// Issue item 10, the exact course: bed A09's scripted leads-off episode (+60 s for 45 s, flat
// ECG and ecgLeadsOff) raised "Asystole: no QRS for 45 s" (high, latched) the instant the leads
// came back, in sinus rhythm. The leads-off INOP must be the only alarm of the episode.
TEST(Courses, LeadsOffEpisodeEndsWithoutAsystole) {
  CourseRun r(/*waveforms=*/true, /*beds=*/9);  // bed 9: technical events from +1 min
  r.last_ = r.origin;
  r.RunTo(1.7);  // leads back at +105 s
  EXPECT_TRUE(r.kinds["patient-a09"].count("leads_off"));
  r.RunTo(3.5);  // sinus rhythm goes on (the probe-off follows at +4 min)
  EXPECT_FALSE(r.kinds["patient-a09"].count("asystole"));
  EXPECT_TRUE(AlarmsOf(r, "patient-a09", "asystole").empty())
      << AlarmsOf(r, "patient-a09", "asystole").front().dump();
  EXPECT_GT(r.env.LiveValue("patient-a09", "ecgHr").get<double>(), 40);
}

// The same episode, but the heart stops as the leads come back (flat ECG with a few microvolts
// of noise and HR 0 from +105 s): asystole after its normal 4 s, counted from the leads' return.
TEST(Courses, AsystoleAfterTheLeadsReturnStillAlarms) {
  CourseRun r(/*waveforms=*/true, /*beds=*/9);
  const int64_t back = r.origin + 105 * kS;
  r.sink.tamper = [back, origin = r.origin](ingest::ParsedBatch& b) {
    for (ingest::ParsedSample& s : b.samples) {
      if (s.twin != "monitor-a09") continue;
      if (s.is_block() && s.telemetry == "ecg") {
        for (uint32_t i = 0; i < s.count; ++i) {
          const int64_t n = (s.t_ns - origin) / 4'000'000 + i;  // as the simulator's asystole
          if (s.t_ns + static_cast<int64_t>(i) * 4'000'000 >= back)
            b.wave_values[s.offset + i] = static_cast<double>(n * 7919 % 11) - 5;
        }
      } else if (s.telemetry == "hr" && s.t_ns >= back) {
        s.value = ingest::Value::Double(0);
      }
    }
  };
  r.last_ = r.origin;
  r.RunTo(2.5);
  const std::vector<nlohmann::json> a = AlarmsOf(r, "patient-a09", "asystole");
  ASSERT_EQ(a.size(), 1u);
  const int64_t onset = ParseRfc3339Ns(a[0]["onset"].get<std::string>()).value_or(0);
  EXPECT_GE(onset, back + 4 * kS);
  EXPECT_LE(onset, back + 5 * kS);
  EXPECT_EQ(a[0]["priority"], "high");
}

}  // namespace
}  // namespace lj::clinical
