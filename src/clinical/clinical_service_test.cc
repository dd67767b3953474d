// ClinicalService through the real Pipeline: NEWS2 recomputed live from the monitor and nurse
// observations, derived telemetry visible in live state, alarms raised, acknowledged, persisted.
#include "clinical/clinical_service.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "clinical/clinical_test_env.h"
#include "sim/ecgsyn.h"

namespace lj::clinical {
namespace {

using testing::ClinicalEnv;
using testing::kS;

constexpr const char* kMon = "monitor-a01";
constexpr const char* kPat = "patient-a01";

TEST(ClinicalService, News2RecomputedLiveAndVisibleOnThePatientTwin) {
  ClinicalEnv env;
  ASSERT_EQ(env.Vitals(kMon, 0, 80, 16, 97, 120, 37.0).rejected, 0u);
  // No consciousness/O2 observation yet: incomplete.
  EXPECT_EQ(env.LiveValue(kPat, "news2"), 0);
  EXPECT_EQ(env.LiveValue(kPat, "news2Complete"), false);
  ASSERT_EQ(env.Observe(kPat, 1, "alert", false).rejected, 0u);
  EXPECT_EQ(env.LiveValue(kPat, "news2Complete"), true);
  EXPECT_EQ(env.LiveValue(kPat, "news2Risk"), "low");
  // HR 135 scores 3 (single-parameter 3 -> low-medium risk).
  env.Vitals(kMon, 2, 135, 16, 97, 120, 37.0);
  EXPECT_EQ(env.LiveValue(kPat, "news2"), 3);
  EXPECT_EQ(env.LiveValue(kPat, "news2Risk"), "lowMedium");
  // New confusion (3) + RR 22 (2) + HR 135 (3) + temp 39.2 (2) = 10: high.
  env.Observe(kPat, 3, "newConfusion", false);
  env.Vitals(kMon, 3, 135, 22, 97, 120, 39.2);
  EXPECT_EQ(env.LiveValue(kPat, "news2"), 10);
  EXPECT_EQ(env.LiveValue(kPat, "news2Risk"), "high");
  Result<nlohmann::json> n = env.service->News2(kPat);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ((*n)["parameters"]["pulse"]["score"], 3);
  EXPECT_EQ((*n)["parameters"]["consciousness"]["value"], "newConfusion");
  EXPECT_EQ((*n)["parameters"]["temperature"]["value"], 39.2);
  // The other patient is untouched.
  EXPECT_TRUE(env.LiveValue("patient-a02", "news2").is_null());
}

// A charted reading on the patient twin (a nurse's count, POST /fhir/Observation without a
// device) counts in NEWS2 like the monitor's: the newest reading of a parameter wins.
TEST(ClinicalService, ChartedVitalsOnThePatientCountInNews2) {
  ClinicalEnv env;
  env.Observe(kPat, 0, "alert", false);
  env.Vitals(kMon, 0, 80, 16, 97, 120, 37.0);
  EXPECT_EQ(env.LiveValue(kPat, "news2"), 0);
  // A nurse counts RR 26 (3 points) a second later: newer than the monitor's 16.
  ASSERT_EQ(env.Send(fmt::format(R"({{"samples":[{{"twin":"{}","t":{},"values":{{"rr":26}}}}]}})",
                                 kPat, (env.t0 + 1 * kS) / 1'000'000))
                .rejected,
            0u);
  EXPECT_EQ(env.LiveValue(kPat, "news2"), 3);
  Result<nlohmann::json> n = env.service->News2(kPat);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ((*n)["parameters"]["respiration_rate"]["value"], 26);
  // The monitor's next reading is newer again.
  env.Vitals(kMon, 2, 80, 16, 97, 120, 37.0);
  EXPECT_EQ(env.LiveValue(kPat, "news2"), 0);
}

TEST(ClinicalService, StaleVitalsMakeTheScoreIncomplete) {
  ClinicalEnv env;
  env.Observe(kPat, 0, "alert", false);
  env.Vitals(kMon, 0, 80, 16, 97, 120, 37.0);
  EXPECT_EQ(env.LiveValue(kPat, "news2Complete"), true);
  env.wall = env.t0 + 61 * kS;  // HR, RR, SpO2 older than 60 s
  env.service->Tick();
  EXPECT_EQ(env.LiveValue(kPat, "news2Complete"), false);
  Result<nlohmann::json> n = env.service->News2(kPat);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ((*n)["parameters"]["pulse"]["missing"], true);
  EXPECT_EQ((*n)["parameters"]["systolic_bp"]["missing"], false);  // NIBP: 60 min window
}

TEST(ClinicalService, AlarmRaisedAcknowledgedAndKeptInHistory) {
  ClinicalEnv env;
  env.Observe(kPat, 0, "alert", false);
  for (int s = 0; s <= 10; ++s) env.Vitals(kMon, s, 134, 16, 97, 120, 37.0);
  std::vector<Alarm> active = env.service->Alarms({});
  ASSERT_EQ(active.size(), 1u);
  EXPECT_EQ(active[0].kind, AlarmKind::kHrHigh);
  EXPECT_EQ(active[0].message, "HR 134 > 120");
  EXPECT_EQ(active[0].ward, "ward-a");
  EXPECT_EQ(env.LiveValue(kPat, "alarmLevel"), "medium");
  EXPECT_EQ(env.LiveValue(kPat, "alarmText"), "HR 134 > 120");
  EXPECT_EQ(env.LiveValue(kPat, "alarmCount"), 1);
  EXPECT_EQ(env.service->Alarms({.ward = "ward-b"}).size(), 0u);
  EXPECT_EQ(env.service->Alarms({.patient = "patient-a02"}).size(), 0u);

  Result<Alarm> ack = env.service->Acknowledge(active[0].id, "nurse-1");
  ASSERT_TRUE(ack.ok());
  EXPECT_EQ(ack->state, AlarmState::kAcknowledged);
  EXPECT_EQ(env.LiveValue(kPat, "alarmLevel"), "none");
  EXPECT_EQ(env.LiveValue(kPat, "alarmCount"), 1);
  EXPECT_EQ(env.service->Acknowledge(999999, "x").status().code(), ErrorCode::kNotFound);

  for (int s = 11; s <= 12; ++s) env.Vitals(kMon, s, 90, 16, 97, 120, 37.0);
  EXPECT_EQ(env.service->Alarms({}).size(), 0u);
  EXPECT_EQ(env.LiveValue(kPat, "alarmCount"), 0);
  Result<nlohmann::json> h = env.service->History(kPat, env.t0, env.t0 + 100 * kS);
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  ASSERT_EQ(h->size(), 1u);
  EXPECT_EQ((*h)[0]["state"], "cleared");
  EXPECT_EQ((*h)[0]["acknowledgedBy"], "nurse-1");
  ASSERT_EQ((*h)[0]["events"].size(), 3u);
  EXPECT_EQ((*h)[0]["events"][0]["event"], "raised");
  EXPECT_EQ((*h)[0]["events"][1]["event"], "acknowledged");
  EXPECT_EQ((*h)[0]["events"][2]["event"], "cleared");
  EXPECT_EQ(env.service->History("nobody", 0, 1).status().code(), ErrorCode::kNotFound);
}

TEST(ClinicalService, PatientLimitsApplyAndPersist) {
  ClinicalEnv env;
  Result<nlohmann::json> l = env.service->SetLimits(kPat, {{"hr", {{"high", 140}}}});
  ASSERT_TRUE(l.ok()) << l.status().ToString();
  EXPECT_EQ((*l)["effective"]["hr"]["high"], 140);
  for (int s = 0; s <= 12; ++s) env.Vitals(kMon, s, 134, 16, 97, 120, 37.0);
  EXPECT_EQ(env.service->Alarms({}).size(), 0u);  // 134 < 140
  EXPECT_EQ(env.service->SetLimits(kPat, {{"hr", {{"high", 20}}}}).status().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(env.service->SetLimits("nobody", nlohmann::json::object()).status().code(),
            ErrorCode::kNotFound);
  Result<std::vector<std::pair<std::string, nlohmann::json>>> stored =
      env.service->store().LoadLimits();
  ASSERT_TRUE(stored.ok());
  ASSERT_EQ(stored->size(), 1u);
  EXPECT_EQ((*stored)[0].first, kPat);
}

TEST(ClinicalService, Scale2PatientHasLowerSpo2Limit) {
  ClinicalEnv env(8);  // bed 7 has COPD (spo2Scale 2)
  Result<nlohmann::json> l = env.service->Limits("patient-a07");
  ASSERT_TRUE(l.ok());
  EXPECT_EQ((*l)["effective"]["spo2"]["low"], 85);
  EXPECT_EQ((*env.service->Limits(kPat))["effective"]["spo2"]["low"], 90);
}

TEST(ClinicalService, NoDataRaisesInopOnTick) {
  ClinicalEnv env;
  env.Vitals(kMon, 0, 80, 16, 97, 120, 37.0);
  env.wall = env.t0 + 31 * kS;
  env.service->Tick();
  std::vector<Alarm> a = env.service->Alarms({.patient = kPat});
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].kind, AlarmKind::kNoData);
  EXPECT_EQ(env.LiveValue(kPat, "alarmLevel"), "inop");
}

// A bedside monitor as the clinical layer sees it: an ECG block (250 Hz) every 100 ms and the
// vitals with the leads-off flag once a second, from data time `base` + s.
struct Monitor {
  enum class Ecg { kSinus, kLeadsOff, kFlat };  // kFlat: asystole (leads on, no QRS)
  ClinicalEnv& env;
  int64_t base;
  double t = 0;  // seconds of data sent
  sim::EcgSynth ecg{[] {
    sim::EcgSynOptions o;
    o.hr_bpm = 72;
    o.seed = 7;
    return o;
  }()};

  // Sends [t, t + seconds) in 100-ms blocks; vitals at every whole second.
  void Run(double seconds, Ecg mode, double hr = 72) {
    for (int b = 0; b < static_cast<int>(std::lround(seconds * 10)); ++b, t += 0.1) {
      const int64_t t_ns = base + std::llround(t * 1e9);
      std::string values;
      for (int i = 0; i < 25; ++i) {
        const double x = ecg.Next();
        const long y = mode == Ecg::kSinus ? std::lround(x) : mode == Ecg::kFlat ? (i * 7) % 5 : 0;
        values += fmt::format("{}{}", i ? "," : "", y);
      }
      std::string body = fmt::format(
          R"({{"samples":[{{"twin":"{}","telemetry":"ecg","t":{},"rate":250,"values":[{}]}})", kMon,
          t_ns / 1'000'000, values);
      if (std::lround(t * 10) % 10 == 0)
        body += fmt::format(
            R"(,{{"twin":"{}","t":{},"values":{{"hr":{},"rr":16,"spo2":97,"nibpSys":120,)"
            R"("temp":37,"ecgLeadsOff":{},"spo2SensorOff":false}}}})",
            kMon, t_ns / 1'000'000, mode == Ecg::kFlat ? 0 : hr,
            mode == Ecg::kLeadsOff ? "true" : "false");
      body += "]}";
      env.wall = t_ns + 100'000'000;
      ingest::IngestReport r = env.Send(body);
      ASSERT_EQ(r.rejected, 0u) << (r.rejects.empty() ? "" : r.rejects.front().message);
    }
  }
  void Gap(double seconds) {
    t += seconds;
    env.wall = base + std::llround(t * 1e9);
    env.service->Tick();  // the service's own clock runs on (no data, INOP)
  }
  int64_t At(double s) const { return base + std::llround(s * 1e9); }
};

// Every asystole alarm the patient had, from the history.
std::vector<nlohmann::json> Asystoles(ClinicalEnv& env, const Monitor& m) {
  env.service->store().Flush();
  Result<nlohmann::json> h = env.service->History(kPat, m.base, m.At(m.t + 60));
  EXPECT_TRUE(h.ok()) << h.status().ToString();
  std::vector<nlohmann::json> out;
  if (h.ok())
    for (const nlohmann::json& a : *h) {
      if (a["kind"] == "asystole") out.push_back(a);
    }
  return out;
}

int64_t OnsetNs(const nlohmann::json& alarm) {
  return ParseRfc3339Ns(alarm["onset"].get<std::string>()).value_or(0);
}

// Issue item 10: the demo's leads-off episode (45 s) ended with "Asystole: no QRS for 45 s" at
// the instant the leads came back, in sinus rhythm. A lead-off (any INOP of the ECG) restarts
// the rhythm timers; a real asystole after the leads return still alarms after its 4 s.
TEST(ClinicalService, LeadsBackInSinusRhythmIsNoAsystole) {
  ClinicalEnv env;
  Monitor m{env, env.t0 - 600 * kS};
  env.Observe(kPat, -600, "alert", false);
  m.Run(20, Monitor::Ecg::kSinus);
  EXPECT_GT(env.LiveValue(kPat, "ecgHr").get<double>(), 60);
  m.Run(45, Monitor::Ecg::kLeadsOff);
  ASSERT_EQ(env.service->Alarms({.patient = kPat}).size(), 1u);  // leads_off INOP
  m.Run(30, Monitor::Ecg::kSinus);
  EXPECT_TRUE(Asystoles(env, m).empty()) << Asystoles(env, m).front().dump();
  EXPECT_GT(env.LiveValue(kPat, "ecgHr").get<double>(), 60);
  EXPECT_LT(env.LiveValue(kPat, "ecgHr").get<double>(), 90);
  // Leads off again; this time the heart has stopped when they come back.
  m.Run(20, Monitor::Ecg::kLeadsOff);
  const double back = m.t;
  m.Run(3.8, Monitor::Ecg::kFlat);
  EXPECT_TRUE(Asystoles(env, m).empty()) << "before its 4 s";
  m.Run(2, Monitor::Ecg::kFlat);
  std::vector<nlohmann::json> a = Asystoles(env, m);
  ASSERT_EQ(a.size(), 1u);
  EXPECT_GE(OnsetNs(a[0]), m.At(back + 4));
  EXPECT_LE(OnsetNs(a[0]), m.At(back + 4.5));
  EXPECT_EQ(a[0]["priority"], "high");
  EXPECT_EQ(a[0]["message"], "Asystole: no QRS for 4 s");
}

// The rhythm timers restart from the patient's own data time: another bed's device whose clock
// runs 20 s ahead (the service's clock follows the newest sample of all) must not hold back this
// patient's asystole alarm after its leads return.
TEST(ClinicalService, RhythmRestartsAtThePatientsOwnTime) {
  ClinicalEnv env;
  Monitor m{env, env.t0 - 600 * kS};
  env.Observe(kPat, -600, "alert", false);
  m.Run(20, Monitor::Ecg::kSinus);
  m.Run(20, Monitor::Ecg::kLeadsOff);
  env.Vitals("monitor-a02", -600 + m.t + 20, 80, 16, 97, 120, 37.0);
  m.Run(6, Monitor::Ecg::kFlat);
  ASSERT_EQ(Asystoles(env, m).size(), 1u);
}

// The same for the end of any other INOP of the ECG (no data from the device) and for a gap in
// the ECG samples' data time (a device reconnecting): "time since the last beat" restarts.
TEST(ClinicalService, RhythmTimersRestartAfterNoDataAndAfterAGap) {
  ClinicalEnv env;
  Monitor m{env, env.t0 - 600 * kS};
  env.Observe(kPat, -600, "alert", false);
  m.Run(20, Monitor::Ecg::kSinus);
  m.Gap(40);  // the device is away: no data INOP after 30 s
  ASSERT_EQ(env.service->Alarms({.patient = kPat}).size(), 1u);
  EXPECT_EQ(env.service->Alarms({.patient = kPat})[0].kind, AlarmKind::kNoData);
  m.Run(20, Monitor::Ecg::kSinus);
  EXPECT_TRUE(Asystoles(env, m).empty()) << Asystoles(env, m).front().dump();
  m.Gap(8);  // shorter than "no data": no INOP, only a gap in the samples
  m.Run(20, Monitor::Ecg::kSinus);
  EXPECT_TRUE(Asystoles(env, m).empty()) << Asystoles(env, m).front().dump();
  EXPECT_GT(env.LiveValue(kPat, "ecgHr").get<double>(), 60);
  // A flat line after a gap is still asystole, 4 s after the samples resume.
  m.Gap(8);
  const double back = m.t;
  m.Run(6, Monitor::Ecg::kFlat);
  std::vector<nlohmann::json> a = Asystoles(env, m);
  ASSERT_EQ(a.size(), 1u);
  EXPECT_GE(OnsetNs(a[0]), m.At(back + 4));
  EXPECT_LE(OnsetNs(a[0]), m.At(back + 4.5));
}

}  // namespace
}  // namespace lj::clinical
