// The alarm audit of lj_alarm_load: alarms matched to the scheduled episodes of the simulated
// courses, false alarms counted by priority and kind, scheduled episodes that raised no alarm.
#include "clinical/alarm_audit.h"

#include <gtest/gtest.h>

namespace lj::clinical {
namespace {

AuditAlarm A(const std::string& patient, AlarmKind kind, Priority p, double onset,
             double end = 1e18) {
  AuditAlarm a;
  a.patient = patient;
  a.kind = kind;
  a.priority = p;
  a.onset_s = onset;
  a.end_s = end;
  return a;
}

TEST(AlarmAudit, AsystoleAtTheLeadsReturnIsFalse) {
  // The demo's technical bed: leads off [60, 105), probe off [240, 270).
  const sim::Course c({sim::CourseKind::kTechnical, 60, 0}, 1);
  const std::vector<AuditBed> beds = {{"patient-a09", c.Episodes(0, 600)}};
  const std::vector<AuditAlarm> alarms = {
      A("patient-a09", AlarmKind::kLeadsOff, Priority::kInop, 70, 105),
      A("patient-a09", AlarmKind::kAsystole, Priority::kHigh, 105.1, 200),
      A("patient-a09", AlarmKind::kSpo2SensorOff, Priority::kInop, 250, 270)};
  AuditOptions o;
  o.run_end_s = 600;
  const AuditReport r = Audit(beds, alarms, o);
  EXPECT_EQ(r.alarms, 3u);
  EXPECT_EQ(r.explained, 2u);
  ASSERT_EQ(r.false_alarms.size(), 1u);
  EXPECT_EQ(r.false_alarms[0].kind, AlarmKind::kAsystole);
  EXPECT_EQ(r.FalseAt(Priority::kHigh), 1u);
  EXPECT_EQ(r.FalseAt(Priority::kInop), 0u);
  EXPECT_EQ((r.false_by.at({Priority::kHigh, AlarmKind::kAsystole})), 1u);
  EXPECT_EQ(r.episodes.at(sim::EpisodeKind::kLeadsOff).scheduled, 1u);
  EXPECT_EQ(r.episodes.at(sim::EpisodeKind::kLeadsOff).alarmed, 1u);
  EXPECT_EQ(r.episodes.at(sim::EpisodeKind::kProbeOff).alarmed, 1u);
  EXPECT_TRUE(r.missed.empty());
}

TEST(AlarmAudit, KindTimeAndBedMustMatch) {
  const sim::Course arr({sim::CourseKind::kArrhythmia, 120, 0}, 1);  // tachy [120, 240)
  const std::vector<AuditBed> beds = {{"patient-a05", arr.Episodes(0, 1000)}, {"patient-a02", {}}};
  AuditOptions o;
  o.grace_s = 60;
  o.run_end_s = 1000;
  const std::vector<AuditAlarm> alarms = {
      A("patient-a05", AlarmKind::kHrHigh, Priority::kHigh, 130, 250),   // explained
      A("patient-a05", AlarmKind::kNews2, Priority::kMedium, 300, 320),  // 240 + 60 grace
      A("patient-a05", AlarmKind::kNews2, Priority::kMedium, 301, 320),  // too late
      A("patient-a05", AlarmKind::kSpo2Low, Priority::kMedium, 150),     // wrong kind
      A("patient-a02", AlarmKind::kHrHigh, Priority::kMedium, 130),      // another bed
      A("patient-x", AlarmKind::kNoData, Priority::kInop, 10)};          // unknown bed
  const AuditReport r = Audit(beds, alarms, o);
  EXPECT_EQ(r.explained, 2u);
  EXPECT_EQ(r.false_alarms.size(), 4u);
  EXPECT_EQ(r.FalseAt(Priority::kMedium), 3u);
  EXPECT_EQ(r.FalseAt(Priority::kInop), 1u);
  // The asystole run at [480, 487) raised nothing: missed (the ECG was analysed).
  EXPECT_EQ(r.episodes.at(sim::EpisodeKind::kAsystole).scheduled, 1u);
  EXPECT_EQ(r.episodes.at(sim::EpisodeKind::kAsystole).alarmed, 0u);
  ASSERT_EQ(r.missed.size(), 1u);
  EXPECT_EQ(r.missed[0].first, "patient-a05");
  EXPECT_EQ(r.missed[0].second.start_s, 480);
  // Without ECG analysis no asystole is required.
  o.ecg = false;
  EXPECT_TRUE(Audit(beds, alarms, o).missed.empty());
  // An episode too close to the end of the run is not counted.
  o.run_end_s = 480 + 30;
  o.ecg = true;
  EXPECT_TRUE(Audit(beds, alarms, o).missed.empty());
}

TEST(AlarmAudit, OngoingConditionsExplainTheirAlarms) {
  const std::vector<AuditBed> beds = {
      {"patient-a01", sim::Course({sim::CourseKind::kSepsis, -1200, 1800}, 1).Episodes(0, 86400)},
      {"patient-a07", sim::Course({sim::CourseKind::kRespiratory, 180, 0}, 1).Episodes(0, 86400)}};
  const std::vector<AuditAlarm> alarms = {
      A("patient-a01", AlarmKind::kSbpLow, Priority::kHigh, 80000),
      A("patient-a01", AlarmKind::kNews2, Priority::kHigh, 100),
      A("patient-a07", AlarmKind::kNews2, Priority::kMedium, 60),          // chronic: NEWS2 4-5
      A("patient-a07", AlarmKind::kRrHigh, Priority::kMedium, 90),         // chronic: RR up to 32
      A("patient-a07", AlarmKind::kSpo2Low, Priority::kMedium, 90, 100)};  // none yet
  AuditOptions o;
  o.run_end_s = 86400;
  const AuditReport r = Audit(beds, alarms, o);
  EXPECT_EQ(r.explained, 4u);
  ASSERT_EQ(r.false_alarms.size(), 1u);
  EXPECT_EQ(r.false_alarms[0].kind, AlarmKind::kSpo2Low);
  EXPECT_EQ(r.episodes.at(sim::EpisodeKind::kSepsis).alarmed, 1u);
  // A sepsis must raise its NEWS2 alert within 30 min of its onset (its ramp); a run that ends
  // earlier does not count it.
  const std::vector<AuditBed> late = {
      {"patient-a03", sim::Course({sim::CourseKind::kSepsis, 300, 1800}, 1).Episodes(0, 900)}};
  o.run_end_s = 900;
  EXPECT_FALSE(Audit(late, {}, o).episodes.count(sim::EpisodeKind::kSepsis));
  o.run_end_s = 2100;
  EXPECT_EQ(Audit(late, {}, o).missed.size(), 1u);
  EXPECT_EQ(Audit(late, {A("patient-a03", AlarmKind::kNews2, Priority::kMedium, 2100)}, o)
                .episodes.at(sim::EpisodeKind::kSepsis)
                .alarmed,
            1u);
  EXPECT_EQ(
      Audit(late, {A("patient-a03", AlarmKind::kNews2, Priority::kMedium, 2101)}, o).missed.size(),
      1u);
  // Desaturations every 45 min from +180 s: 32 in the day, none alarmed here.
  EXPECT_EQ(r.episodes.at(sim::EpisodeKind::kDesaturation).scheduled, 32u);
  EXPECT_EQ(r.episodes.at(sim::EpisodeKind::kDesaturation).alarmed, 0u);
  EXPECT_FALSE(r.episodes.count(sim::EpisodeKind::kChronicRespiratory));
}

}  // namespace
}  // namespace lj::clinical
