// Alarm vocabulary of the clinical layer: kinds (physiological, NEWS2, technical INOP),
// priorities in the IEC 60601-1-8 sense (high = red, medium = yellow, low = cyan; technical
// alarms are "INOP"), the life-cycle states and one alarm's record as the REST API, the history
// store and the patient's derived telemetry see it. Design and rationale: doc/design/clinical.md.
//
// Contract: plain values. An Alarm is identified by `id` (unique, increasing across restarts).
// Thread-safety: none needed (values).
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lj::clinical {

// Ordered by urgency: a higher value outranks a lower one in summaries.
enum class Priority : uint8_t { kNone = 0, kInop = 1, kLow = 2, kMedium = 3, kHigh = 4 };
std::string_view PriorityName(Priority p);  // "none", "inop", "low", "medium", "high"
std::optional<Priority> ParsePriority(std::string_view s);

enum class AlarmKind : uint8_t {
  kHrHigh,
  kHrLow,
  kRrHigh,
  kRrLow,
  kSpo2Low,
  kSbpHigh,
  kSbpLow,
  kTempHigh,
  kTempLow,
  kNews2,          // clinical-response alert: NEWS2 >= 5 or a single 3 (urgent), >= 7 (emergency)
  kAsystole,       // no QRS for asystole_s, from the ECG beat detector
  kLeadsOff,       // INOP: ECG electrodes off (monitor ecgLeadsOff, patch leadsOff)
  kSpo2SensorOff,  // INOP: SpO2 probe off (monitor spo2SensorOff, oximeter sensorOff)
  kNoData,         // INOP: no sample from the patient's devices for no_data_s
  kCount
};
constexpr size_t kAlarmKinds = static_cast<size_t>(AlarmKind::kCount);
std::string_view AlarmKindName(AlarmKind k);  // "hr_high", ..., "no_data"
bool IsTechnical(AlarmKind k);

// active: sounding, not yet acknowledged. acknowledged: seen by a clinician, condition persists.
// latched: a high-priority alarm whose condition ended before anyone acknowledged it; stays
// shown until acknowledged. cleared: ended (terminal).
enum class AlarmState : uint8_t { kActive, kAcknowledged, kLatched, kCleared };
std::string_view AlarmStateName(AlarmState s);
std::optional<AlarmState> ParseAlarmState(std::string_view s);

struct Alarm {
  uint64_t id = 0;
  std::string patient;
  std::string ward;  // may be empty when the patient is not in a ward
  AlarmKind kind = AlarmKind::kHrHigh;
  Priority priority = Priority::kMedium;            // effective (condition + escalation)
  Priority condition_priority = Priority::kMedium;  // what the data alone says
  AlarmState state = AlarmState::kActive;
  std::string message;   // "HR 134 > 120"
  double value = 0;      // value at onset or at the last worsening
  double limit = 0;      // the limit it crossed
  int64_t onset_ns = 0;  // when the alarm was raised (after the onset delay)
  int64_t acked_ns = 0;
  std::string acked_by;
  Priority acked_priority = Priority::kNone;  // priority when acknowledged (re-alarm if worse)
  int64_t cleared_ns = 0;
  std::string end_reason;  // "resolved", "acknowledged", "inop", "patient_left"
  int64_t silenced_until_ns = 0;
  int64_t escalate_at_ns = 0;  // next escalation if still unacknowledged (0 = none)
  int escalations = 0;
  int announcements = 0;  // times it sounded: onset, worsening, silence expiry, escalation

  bool shown() const { return state != AlarmState::kCleared; }
};

nlohmann::json AlarmToJson(const Alarm& a);

// The alarm a bed's summary (alarmText, the tile) names among those shown: an unacknowledged
// one, active before latched (what is happening now before what has ended), then the higher
// priority, then the newer onset; null when every shown alarm is acknowledged.
const Alarm* MostPressing(const std::vector<Alarm>& shown);

}  // namespace lj::clinical
