// What the clinical layer knows about one patient right now (latest vital signs with their
// timestamps, nurse observations, sensor INOP flags, ECG beats) and how that becomes a NEWS2
// input and the alarm conditions the AlarmTracker acts on.
//
// Staleness (doc/design/clinical.md): a value older than its window counts as missing for NEWS2
// and as unknown for alarms — continuous HR/RR/SpO2 60 s, NIBP systolic 60 min, temperature 4 h,
// consciousness and supplemental O2 12 h (the NEWS2 minimum observation interval).
// INOP suppression: leads off suppresses ECG-sourced HR alarms and asystole; SpO2 sensor off
// suppresses SpO2 alarms (and HR alarms when HR comes from the oximeter); no data suppresses
// every physiological alarm. Asystole counts the time without a beat from the later of the last
// beat and `rhythm_since_ns` (the end of the last ECG INOP or gap), never across one.
// Thread-safety: plain values and pure functions.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>

#include "clinical/alarm.h"
#include "clinical/alarm_limits.h"
#include "clinical/news2.h"

namespace lj::clinical {

enum Vital { kVHr, kVRr, kVSpo2, kVSbp, kVTemp, kVitals };

// Where a heart rate came from; a lower rank wins while it is fresh.
enum class HrSource : uint8_t { kEcgDevice = 0, kEcgDetector = 1, kPulse = 2 };

struct Reading {
  bool has = false;
  double v = 0;
  int64_t t_ns = 0;
};

struct Staleness {
  double vital_s = 60;
  double sbp_s = 3600;
  double temp_s = 4 * 3600;
  double observation_s = 12 * 3600;
  double no_data_s = 30;  // no sample at all from the patient's devices: INOP "no data"
  double flag_s = 60;     // an INOP flag (leads off, sensor off) older than this is ignored
};

struct AlarmTiming {
  double news2_onset_s = 60;  // a NEWS2 band must persist this long (scores move beat to beat)
  double leads_off_onset_s = 10;
  double sensor_off_onset_s = 10;
  double asystole_s = 4;  // no QRS for this long = asystole (onset 0 after that)
};

struct PatientInputs {
  std::array<Reading, kVitals> vital;
  HrSource hr_source = HrSource::kEcgDevice;
  std::optional<Consciousness> consciousness;
  int64_t consciousness_ns = 0;
  std::optional<bool> on_oxygen;
  int64_t oxygen_ns = 0;
  Spo2Scale scale = Spo2Scale::kScale1;
  Reading leads_off, spo2_off;  // v != 0: flag set
  int64_t last_data_ns = 0;     // any device sample (not nurse observations)
  int64_t last_ecg_ns = 0;      // end of the last ECG block analysed (0 = no ECG analysis)
  int64_t last_beat_ns = 0;     // last QRS found by the detector (0 = none yet)
  bool asystole = false;        // the detector reports no QRS for AlarmTiming::asystole_s
  // Rhythm timers ("time since the last beat") count from no earlier than this: the end of the
  // last INOP of the ECG (leads off, no data) or the first sample after a gap in the ECG.
  int64_t rhythm_since_ns = 0;
};

// True while the ECG cannot be analysed: leads off (a fresh flag) or no data from the devices.
// Its end restarts the rhythm timers (ClinicalService).
bool EcgInop(const PatientInputs& in, int64_t now_ns, const Staleness& st);

// Updates the HR slot if `source` ranks at least as high as the current one or the current
// reading is stale.
void SetHeartRate(PatientInputs& in, double bpm, int64_t t_ns, HrSource source,
                  const Staleness& st);

bool Fresh(const Reading& r, int64_t now_ns, double window_s);
News2Input ToNews2Input(const PatientInputs& in, int64_t now_ns, const Staleness& st);

// One alarm kind's condition at this instant, as the tracker consumes it.
struct Condition {
  bool known = false;       // evaluable (fresh, not suppressed)
  bool suppressed = false;  // an INOP on the same sensor: active alarm ends ("inop")
  bool raw = false;         // onset condition (limit crossed)
  bool holds = false;       // still beyond the clear threshold (limit -/+ hysteresis)
  bool extreme_raw = false, extreme_holds = false;
  Priority priority = Priority::kMedium, extreme_priority = Priority::kHigh;
  double onset_s = 0;
  double value = 0, limit = 0, extreme_limit = 0;
  std::string message, extreme_message;
};
using Conditions = std::array<Condition, kAlarmKinds>;

Conditions EvaluateConditions(const PatientInputs& in, const News2Result& news2,
                              const AlarmLimits& limits, int64_t now_ns, const Staleness& st,
                              const AlarmTiming& timing);

}  // namespace lj::clinical
