#include "clinical/alarm_audit.h"

#include <algorithm>
#include <cmath>

namespace lj::clinical {

std::vector<AlarmKind> Explains(sim::EpisodeKind k) {
  using A = AlarmKind;
  switch (k) {
    case sim::EpisodeKind::kSepsis:  // HR, RR, temperature up; SBP, SpO2 down; confusion
      return {A::kHrHigh, A::kRrHigh, A::kTempHigh, A::kSbpLow, A::kSpo2Low, A::kNews2};
    case sim::EpisodeKind::kChronicRespiratory:  // RR 22-24 (up to 32), on oxygen
      return {A::kRrHigh, A::kNews2};
    case sim::EpisodeKind::kDesaturation:
      return {A::kSpo2Low, A::kNews2};
    case sim::EpisodeKind::kTachycardia:
      return {A::kHrHigh, A::kNews2};
    case sim::EpisodeKind::kAsystole:  // the monitor sends HR 0 during the run
      return {A::kAsystole, A::kHrLow, A::kNews2};
    case sim::EpisodeKind::kLeadsOff:
      return {A::kLeadsOff};
    case sim::EpisodeKind::kProbeOff:
      return {A::kSpo2SensorOff};
  }
  return {};
}

std::optional<AlarmKind> MustRaise(sim::EpisodeKind k, bool ecg) {
  switch (k) {
    case sim::EpisodeKind::kSepsis:
      return AlarmKind::kNews2;
    case sim::EpisodeKind::kChronicRespiratory:
      return std::nullopt;
    case sim::EpisodeKind::kDesaturation:
      return AlarmKind::kSpo2Low;
    case sim::EpisodeKind::kTachycardia:
      return AlarmKind::kHrHigh;
    case sim::EpisodeKind::kAsystole:
      return ecg ? std::optional(AlarmKind::kAsystole) : std::nullopt;
    case sim::EpisodeKind::kLeadsOff:
      return AlarmKind::kLeadsOff;
    case sim::EpisodeKind::kProbeOff:
      return AlarmKind::kSpo2SensorOff;
  }
  return std::nullopt;
}

uint64_t AuditReport::FalseAt(Priority p) const {
  uint64_t n = 0;
  for (const auto& [key, count] : false_by)
    if (key.first == p) n += count;
  return n;
}

AuditReport Audit(const std::vector<AuditBed>& beds, const std::vector<AuditAlarm>& alarms,
                  const AuditOptions& o) {
  AuditReport r;
  std::map<std::string, const AuditBed*> by_patient;
  for (const AuditBed& b : beds) by_patient[b.patient] = &b;
  std::map<std::string, std::vector<const AuditAlarm*>> alarms_of;
  for (const AuditAlarm& a : alarms) {
    ++r.alarms;
    alarms_of[a.patient].push_back(&a);
    bool explained = false;
    if (auto it = by_patient.find(a.patient); it != by_patient.end()) {
      for (const sim::Episode& e : it->second->episodes) {
        if (a.onset_s < e.start_s || a.onset_s > e.end_s + o.grace_s) continue;
        const std::vector<AlarmKind> kinds = Explains(e.kind);
        if (std::find(kinds.begin(), kinds.end(), a.kind) != kinds.end()) {
          explained = true;
          break;
        }
      }
    }
    if (explained) {
      ++r.explained;
    } else {
      r.false_alarms.push_back(a);
      ++r.false_by[{a.priority, a.kind}];
    }
  }
  for (const AuditBed& b : beds) {
    for (const sim::Episode& e : b.episodes) {
      const std::optional<AlarmKind> must = MustRaise(e.kind, o.ecg);
      const double due = std::isinf(e.end_s) ? e.start_s + o.ongoing_due_s : e.end_s + o.grace_s;
      if (!must || due > o.run_end_s) continue;
      AuditReport::Episodes& n = r.episodes[e.kind];
      ++n.scheduled;
      bool alarmed = false;
      for (const AuditAlarm* a : alarms_of[b.patient])
        if (a->kind == *must && a->onset_s <= due && a->end_s >= e.start_s) alarmed = true;
      if (alarmed) {
        ++n.alarmed;
      } else {
        r.missed.emplace_back(b.patient, e);
      }
    }
  }
  return r;
}

}  // namespace lj::clinical
