// The alarm state machine, table-driven: onset delay, hysteresis, extreme priority, ack,
// re-alarm only when worse, silence expiry, escalation, latching, INOP suppression.
#include "clinical/alarm_tracker.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace lj::clinical {
namespace {

constexpr int64_t kS = 1'000'000'000;
constexpr int64_t kT0 = 1'800'000'000 * kS;

struct Step {
  double t_s;  // seconds after kT0
  double hr;   // NaN: no fresh HR
  bool leads_off;
  const char* expect_state;     // "none" or an AlarmStateName
  const char* expect_priority;  // PriorityName, "" to skip
};

class TrackerTest : public ::testing::Test {
 protected:
  PatientInputs in;
  AlarmLimits limits = DefaultLimits();
  Staleness st;
  AlarmTiming timing;
  AlarmPolicy policy;
  AlarmTracker tracker{"patient-1", "ward-a"};
  std::vector<AlarmEvent> events;
  uint64_t next = 0;

  void Apply(int64_t now, double hr, bool leads_off) {
    if (!std::isnan(hr)) SetHeartRate(in, hr, now, HrSource::kEcgDevice, st);
    in.leads_off = {true, leads_off ? 1.0 : 0.0, now};
    in.last_data_ns = now;
    News2Result n = ComputeNews2({});
    n.complete = false;
    Conditions c = EvaluateConditions(in, n, limits, now, st, timing);
    tracker.Update(
        c, now, policy, [&] { return ++next; }, events);
    tracker.RunTimers(now, policy, events);
  }
  std::string StateOf(AlarmKind k) const {
    for (const Alarm& a : tracker.Shown())
      if (a.kind == k) return std::string(AlarmStateName(a.state));
    return "none";
  }
  std::string PriorityOf(AlarmKind k) const {
    for (const Alarm& a : tracker.Shown())
      if (a.kind == k) return std::string(PriorityName(a.priority));
    return "none";
  }
  void Run(const std::vector<Step>& steps) {
    for (const Step& s : steps) {
      Apply(kT0 + static_cast<int64_t>(s.t_s * kS), s.hr, s.leads_off);
      EXPECT_EQ(StateOf(AlarmKind::kHrHigh), s.expect_state) << "t=" << s.t_s << " hr=" << s.hr;
      if (*s.expect_priority)
        EXPECT_EQ(PriorityOf(AlarmKind::kHrHigh), s.expect_priority) << "t=" << s.t_s;
    }
  }
};

TEST_F(TrackerTest, OnsetDelayThenHysteresisClear) {
  Run({{0, 100, false, "none", ""},
       {1, 125, false, "none", ""},  // crossed 120: pending
       {6, 130, false, "none", ""},  // 5 s < 10 s onset
       {8, 118, false, "none", ""},  // back under the limit: pending resets
       {9, 125, false, "none", ""},
       {18, 125, false, "none", ""},  // 9 s since the new crossing
       {19, 125, false, "active", "medium"},
       {20, 117, false, "active", ""},  // 117 > 120 - 5: still holds (hysteresis)
       {21, 115, false, "none", ""}});  // <= 115: cleared (medium: not latched)
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.front().alarm.message, "HR 125 > 120");
  EXPECT_EQ(events.back().what, AlarmEvent::What::kCleared);
  EXPECT_EQ(events.back().alarm.end_reason, "resolved");
}

TEST_F(TrackerTest, ExtremeRaisesPriorityAndReAlarmsAcknowledgedOnlyWhenWorse) {
  Run({{0, 125, false, "none", ""}, {10, 125, false, "active", "medium"}});
  const uint64_t id = tracker.Shown().front().id;
  ASSERT_TRUE(tracker.Acknowledge(id, "nurse", kT0 + 11 * kS, events).ok());
  Run({{12, 140, false, "acknowledged", "medium"},  // worse value, same priority: no re-alarm
       {13, 155, false, "active", "high"},          // beyond 150: worse priority: re-alarm
       {14, 147, false, "active", "high"},          // 147 > 150 - 5: extreme holds
       {15, 130, false, "active", "high"}});        // priority stays high once announced
  EXPECT_EQ(tracker.Shown().front().message, "HR 155 > 150");
}

TEST_F(TrackerTest, HighPriorityLatchesUntilAcknowledged) {
  Run({{0, 160, false, "none", ""},
       {10, 160, false, "active", "high"},
       {11, 100, false, "latched", "high"},
       {12, 100, false, "latched", ""}});
  const uint64_t id = tracker.Shown().front().id;
  Result<Alarm> a = tracker.Acknowledge(id, "nurse", kT0 + 13 * kS, events);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->state, AlarmState::kCleared);
  EXPECT_EQ(a->end_reason, "acknowledged");
  EXPECT_EQ(StateOf(AlarmKind::kHrHigh), "none");
  EXPECT_EQ(tracker.Acknowledge(id, "nurse", kT0 + 14 * kS, events).status().code(),
            ErrorCode::kNotFound);
}

TEST_F(TrackerTest, LatchingCanBeTurnedOff) {
  policy.latch_high = false;
  Run({{0, 160, false, "none", ""},
       {10, 160, false, "active", "high"},
       {11, 100, false, "none", ""}});
}

TEST_F(TrackerTest, LeadsOffSuppressesEcgHeartRateAlarms) {
  Run({{0, 125, false, "none", ""},
       {10, 125, false, "active", ""},
       {11, 125, true, "none", ""},  // leads off: the HR alarm ends ("inop")
       {30, 125, true, "none", ""}});
  EXPECT_EQ(StateOf(AlarmKind::kLeadsOff), "active");  // INOP raised after its 10 s onset
  EXPECT_EQ(PriorityOf(AlarmKind::kLeadsOff), "inop");
  bool inop_end = false;
  for (const AlarmEvent& e : events)
    if (e.what == AlarmEvent::What::kCleared && e.alarm.kind == AlarmKind::kHrHigh)
      inop_end = e.alarm.end_reason == "inop";
  EXPECT_TRUE(inop_end);
}

TEST_F(TrackerTest, SilenceExpiresAndReannounces) {
  Run({{0, 125, false, "none", ""}, {10, 125, false, "active", ""}});
  const uint64_t id = tracker.Shown().front().id;
  ASSERT_TRUE(tracker.Silence(id, 30, kT0 + 11 * kS, policy, events).ok());
  const int announced = tracker.Shown().front().announcements;
  Run({{40, 125, false, "active", "medium"}});
  EXPECT_EQ(tracker.Shown().front().announcements, announced);
  Run({{41, 125, false, "active", "medium"}});  // silence over at 41
  EXPECT_EQ(tracker.Shown().front().announcements, announced + 1);
  EXPECT_EQ(events.back().what, AlarmEvent::What::kSilenceExpired);
}

TEST_F(TrackerTest, SilenceIsBoundedAndOnlyForSoundingAlarms) {
  Run({{0, 125, false, "none", ""}, {10, 125, false, "active", ""}});
  const uint64_t id = tracker.Shown().front().id;
  Result<Alarm> s = tracker.Silence(id, 1e6, kT0 + 10 * kS, policy, events);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->silenced_until_ns, kT0 + 610 * kS);
  ASSERT_TRUE(tracker.Acknowledge(id, "", kT0 + 11 * kS, events).ok());
  EXPECT_EQ(tracker.Silence(id, 10, kT0 + 12 * kS, policy, events).status().code(),
            ErrorCode::kConflict);
}

TEST_F(TrackerTest, UnacknowledgedAlarmEscalates) {
  Run({{0, 125, false, "none", ""},
       {10, 125, false, "active", "medium"},
       {129, 125, false, "active", "medium"},
       {130, 125, false, "active", "high"}});  // 120 s unacknowledged: medium -> high
  EXPECT_EQ(tracker.Shown().front().escalations, 1);
  EXPECT_EQ(tracker.Shown().front().condition_priority, Priority::kMedium);
  Run({{190, 125, false, "active", "high"}});  // high: re-announced every 60 s
  EXPECT_EQ(tracker.Shown().front().escalations, 2);
  EXPECT_EQ(events.back().what, AlarmEvent::What::kEscalated);
}

TEST_F(TrackerTest, AcknowledgedAlarmDoesNotEscalate) {
  Run({{0, 125, false, "none", ""}, {10, 125, false, "active", ""}});
  ASSERT_TRUE(tracker.Acknowledge(tracker.Shown().front().id, "", kT0 + 11 * kS, events).ok());
  Run({{500, 125, false, "acknowledged", "medium"}});
  EXPECT_EQ(tracker.Shown().front().escalations, 0);
}

TEST_F(TrackerTest, StaleValueKeepsAlarmAndNoDataRaisesInop) {
  Run({{0, 125, false, "none", ""}, {10, 125, false, "active", ""}});
  // No further samples: at +45 s the tick sees no data for 35 s.
  const int64_t now = kT0 + 45 * kS;
  Conditions c = EvaluateConditions(in, ComputeNews2({}), limits, now, st, timing);
  tracker.Update(
      c, now, policy, [&] { return ++next; }, events);
  EXPECT_EQ(StateOf(AlarmKind::kNoData), "active");
  EXPECT_EQ(StateOf(AlarmKind::kHrHigh), "none");  // suppressed by the no-data INOP
}

TEST(News2Condition, UrgentAndEmergencyBands) {
  PatientInputs in;
  Staleness st;
  AlarmTiming timing;
  News2Result n;
  n.total = 5;
  n.complete = true;
  Conditions c = EvaluateConditions(in, n, DefaultLimits(), 0, st, timing);
  const Condition& x = c[static_cast<size_t>(AlarmKind::kNews2)];
  EXPECT_TRUE(x.raw);
  EXPECT_FALSE(x.extreme_raw);
  EXPECT_EQ(x.message, "NEWS2 5: urgent response");
  n.total = 7;
  c = EvaluateConditions(in, n, DefaultLimits(), 0, st, timing);
  EXPECT_TRUE(c[static_cast<size_t>(AlarmKind::kNews2)].extreme_raw);
  n.total = 3;
  n.single_parameter_3 = true;
  n.scores[kRespiration] = 3;
  c = EvaluateConditions(in, n, DefaultLimits(), 0, st, timing);
  EXPECT_TRUE(c[static_cast<size_t>(AlarmKind::kNews2)].raw);
  EXPECT_EQ(c[static_cast<size_t>(AlarmKind::kNews2)].message,
            "NEWS2 3: 3 in respiration_rate, urgent ward-based review");
  n.total = 2;  // incomplete and low: unknown (cannot clear)
  n.single_parameter_3 = false;
  n.complete = false;
  c = EvaluateConditions(in, n, DefaultLimits(), 0, st, timing);
  EXPECT_FALSE(c[static_cast<size_t>(AlarmKind::kNews2)].known);
}

TEST(AlarmLimitsTest, MergeValidatesAndScale2LowersSpo2) {
  AlarmLimits d = DefaultLimits(Spo2Scale::kScale2);
  EXPECT_EQ(d[kLimSpo2].low, 85);
  Result<AlarmLimits> m = MergeLimits(d, {{"hr", {{"high", 130}, {"onsetS", 5}}}});
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ((*m)[kLimHr].high, 130);
  EXPECT_EQ((*m)[kLimHr].onset_s, 5);
  EXPECT_EQ(MergeLimits(d, {{"hr", {{"high", 30}}}}).status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(MergeLimits(d, {{"bp", {{"high", 30}}}}).status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(MergeLimits(d, {{"hr", {{"hgh", 30}}}}).status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(MergeLimits(d, {{"hr", {{"onsetS", -1}}}}).status().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(MergeLimits(d, {{"hr", {{"priority", "inop"}}}}).status().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(MergeLimits(d, nlohmann::json::array()).status().code(), ErrorCode::kInvalidArgument);
}

// The bed's summary names what is happening now: an active alarm before an older latched one,
// even of the same priority (asystole after a latched "HR 164 > 150"); then priority; then the
// newer onset; acknowledged alarms only when nothing else is shown.
TEST(MostPressing, ActiveBeforeLatchedThenPriorityThenNewest) {
  auto alarm = [](uint64_t id, AlarmState st, Priority p, int64_t onset, const char* msg) {
    Alarm a;
    a.id = id, a.state = st, a.priority = p, a.onset_ns = onset, a.message = msg;
    return a;
  };
  std::vector<Alarm> shown = {alarm(1, AlarmState::kLatched, Priority::kHigh, 10, "HR 164 > 150"),
                              alarm(2, AlarmState::kActive, Priority::kHigh, 20, "Asystole")};
  EXPECT_EQ(MostPressing(shown)->id, 2u);
  std::swap(shown[0], shown[1]);
  EXPECT_EQ(MostPressing(shown)->id, 2u) << "order of the list does not matter";
  shown.push_back(alarm(3, AlarmState::kActive, Priority::kMedium, 30, "SpO2 88 < 90"));
  EXPECT_EQ(MostPressing(shown)->id, 2u) << "priority before recency";
  shown.push_back(alarm(4, AlarmState::kActive, Priority::kHigh, 40, "RR 31 > 30"));
  EXPECT_EQ(MostPressing(shown)->id, 4u) << "the newer of equal priority";
  const std::vector<Alarm> latched = {
      alarm(5, AlarmState::kLatched, Priority::kHigh, 5, "old"),
      alarm(6, AlarmState::kLatched, Priority::kHigh, 6, "newer"),
      alarm(7, AlarmState::kAcknowledged, Priority::kHigh, 7, "seen")};
  EXPECT_EQ(MostPressing(latched)->id, 6u);
  EXPECT_EQ(MostPressing({alarm(8, AlarmState::kAcknowledged, Priority::kHigh, 1, "seen")}),
            nullptr);
}

}  // namespace
}  // namespace lj::clinical
