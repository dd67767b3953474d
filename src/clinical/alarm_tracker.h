// AlarmTracker: the alarm state machine of one patient. Given the conditions of every alarm kind
// at an instant (EvaluateConditions), it raises alarms after their onset delay, keeps one alarm
// per kind (duplicate suppression), raises the priority when a condition worsens (re-announcing
// an acknowledged alarm only if it got worse), clears with hysteresis, latches unacknowledged
// high-priority alarms whose condition ended, ends physiological alarms whose sensor is INOP, and
// runs the timers: silence (audio paused) expiry and escalation of unacknowledged alarms.
//
// Life cycle: (pending) -> active -> acknowledged -> cleared; active -> latched (high priority,
// condition ended, never acknowledged) -> cleared on acknowledge. Every transition is reported
// as an AlarmEvent so the caller can persist it and refresh the patient's summary.
// Thread-safety: none; the ClinicalService serialises access. Time is the caller's `now_ns`
// (sample time), so replays and accelerated simulation behave as live data.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "clinical/alarm.h"
#include "clinical/patient_inputs.h"
#include "common/status.h"

namespace lj::clinical {

struct AlarmPolicy {
  bool latch_high = true;  // latch unacknowledged high-priority alarms (IEC 60601-1-8 option)
  // Escalation: an active, unacknowledged, unsilenced alarm is escalated after this long at its
  // priority: low/INOP -> medium, medium -> high, high -> re-announced (stays high).
  double escalate_high_s = 60;
  double escalate_medium_s = 120;
  double escalate_low_s = 300;
  double escalate_inop_s = 300;
  double default_silence_s = 120;  // "audio paused" (IEC 60601-1-8 default up to 2 min)
  double max_silence_s = 600;
  double EscalateAfter(Priority p) const;
};

struct AlarmEvent {
  enum class What : uint8_t {
    kRaised,
    kWorsened,
    kImproved,
    kReactivated,  // acknowledged alarm re-announced because it got worse, or latched came back
    kAcknowledged,
    kSilenced,
    kSilenceExpired,
    kEscalated,
    kLatched,
    kCleared,
  };
  What what = What::kRaised;
  int64_t t_ns = 0;
  Alarm alarm;  // the alarm after the transition
};
std::string_view EventName(AlarmEvent::What w);

class AlarmTracker {
 public:
  using IdSource = std::function<uint64_t()>;

  AlarmTracker(std::string patient, std::string ward)
      : patient_(std::move(patient)), ward_(std::move(ward)) {}

  void set_ward(std::string ward) { ward_ = std::move(ward); }
  const std::string& patient() const { return patient_; }

  // Applies the conditions at `now`; appends the transitions to `events`.
  void Update(const Conditions& conds, int64_t now, const AlarmPolicy& policy,
              const IdSource& next_id, std::vector<AlarmEvent>& events);
  // Silence expiry and escalation at `now`.
  void RunTimers(int64_t now, const AlarmPolicy& policy, std::vector<AlarmEvent>& events);

  // kNotFound when the id is not one of this patient's shown alarms; kConflict when the alarm
  // is in a state the action does not apply to.
  Result<Alarm> Acknowledge(uint64_t id, const std::string& by, int64_t now,
                            std::vector<AlarmEvent>& events);
  Result<Alarm> Silence(uint64_t id, double seconds, int64_t now, const AlarmPolicy& policy,
                        std::vector<AlarmEvent>& events);
  // Ends every alarm (patient discharged or moved out of monitoring).
  void ClearAll(int64_t now, const std::string& reason, std::vector<AlarmEvent>& events);

  // Alarms shown (active, acknowledged, latched), most urgent first.
  std::vector<Alarm> Shown() const;
  const Alarm* Find(uint64_t id) const;
  bool pending(AlarmKind k) const { return slots_[static_cast<size_t>(k)].pending_since != 0; }

 private:
  struct Slot {
    int64_t pending_since = 0;
    std::optional<Alarm> alarm;
  };
  Slot* SlotOf(uint64_t id);
  void Clear(Slot& s, int64_t now, const std::string& reason, std::vector<AlarmEvent>& events);

  std::string patient_, ward_;
  std::array<Slot, kAlarmKinds> slots_;
};

}  // namespace lj::clinical
