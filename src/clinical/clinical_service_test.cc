// ClinicalService through the real Pipeline: NEWS2 recomputed live from the monitor and nurse
// observations, derived telemetry visible in live state, alarms raised, acknowledged, persisted.
#include "clinical/clinical_service.h"

#include <gtest/gtest.h>

#include "clinical/clinical_test_env.h"

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

}  // namespace
}  // namespace lj::clinical
