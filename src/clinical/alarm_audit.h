// Alarm audit of a simulated ward: which alarms the scripted patient courses explain (each
// alarm matched to a scheduled episode of its bed's course, sim::Course::Episodes), which fire
// with no scheduled event behind them (false alarms), and whether every scheduled episode raised
// the alarm it should. lj_alarm_load prints it; doc/design/clinical.md has the figures.
//
// Rules: an episode explains the alarm kinds of Explains() whose onset lies in
// [start, end + grace_s] (onset delays, NEWS2 persistence and staleness make an alarm start
// after its cause). An episode is alarmed when an alarm of MustRaise() of that bed was shown at
// some time in [start, due], due = end + grace_s, or start + ongoing_due_s for an ongoing
// condition (sepsis reaches its NEWS2 band during its ramp); episodes whose due time is after
// run_end_s are not counted (the run ended first). Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "clinical/alarm.h"
#include "sim/course.h"

namespace lj::clinical {

struct AuditAlarm {
  std::string patient;
  AlarmKind kind = AlarmKind::kHrHigh;
  Priority priority = Priority::kMedium;  // as raised (before any escalation)
  double onset_s = 0;                     // course time: seconds since the simulator start
  double end_s = std::numeric_limits<double>::infinity();  // cleared; +inf while shown
  std::string message;
};

struct AuditBed {
  std::string patient;
  std::vector<sim::Episode> episodes;  // the bed's course over the run
};

struct AuditOptions {
  double grace_s = 120;
  double ongoing_due_s = 1800;
  double run_end_s = std::numeric_limits<double>::infinity();
  bool ecg = true;  // the ECG was analysed: an asystole run must raise "asystole"
};

// The alarm kinds an episode explains, and the alarm it must raise (none for the chronic
// respiratory failure, and for asystole without ECG analysis).
std::vector<AlarmKind> Explains(sim::EpisodeKind k);
std::optional<AlarmKind> MustRaise(sim::EpisodeKind k, bool ecg);

struct AuditReport {
  struct Episodes {
    uint64_t scheduled = 0, alarmed = 0;
  };
  uint64_t alarms = 0, explained = 0;
  std::vector<AuditAlarm> false_alarms;  // in input order
  std::map<std::pair<Priority, AlarmKind>, uint64_t> false_by;
  std::map<sim::EpisodeKind, Episodes> episodes;
  std::vector<std::pair<std::string, sim::Episode>> missed;  // (patient, episode) not alarmed
  uint64_t FalseAt(Priority p) const;
};

AuditReport Audit(const std::vector<AuditBed>& beds, const std::vector<AuditAlarm>& alarms,
                  const AuditOptions& options);

}  // namespace lj::clinical
