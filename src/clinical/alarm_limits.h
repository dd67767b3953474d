// Alarm limits: per vital sign a low and a high limit (medium priority unless stated), an
// extreme low/high (high priority), a hysteresis margin (an alarm clears only once the value is
// back inside the limit by this margin) and an onset delay (the limit must stay crossed this
// long before the alarm is raised). Defaults are for adult acute medicine (doc/design/clinical.md
// gives the sources); wards may have their own table, patients their own overrides (REST
// PUT /api/v1/patients/{id}/alarm-limits, persisted by AlarmStore).
//
// Contract: pure values and functions; a limit that is NaN is not checked. Validate() refuses
// inconsistent limits (extreme_low <= low < high <= extreme_high, margins >= 0, onsets in
// [0, 600] s) with kInvalidArgument and the parameter's name.
#pragma once

#include <nlohmann/json.hpp>

#include <array>
#include <string_view>

#include "clinical/alarm.h"
#include "clinical/news2.h"
#include "common/status.h"

namespace lj::clinical {

enum LimitParam { kLimHr, kLimRr, kLimSpo2, kLimSbp, kLimTemp, kLimitParams };
std::string_view LimitParamName(LimitParam p);  // "hr", "rr", "spo2", "sbp", "temp"

struct Limit {
  bool enabled = true;
  double low = 0, high = 0;                  // NaN = not checked
  double extreme_low = 0, extreme_high = 0;  // NaN = not checked
  double hysteresis = 0;
  double onset_s = 0;
  Priority priority = Priority::kMedium;        // beyond low/high
  Priority extreme_priority = Priority::kHigh;  // beyond the extremes
};

struct AlarmLimits {
  std::array<Limit, kLimitParams> p;
  Limit& operator[](LimitParam k) { return p[k]; }
  const Limit& operator[](LimitParam k) const { return p[k]; }
};

// Adult acute-medicine defaults; SpO2 limits follow the patient's NEWS2 scale (scale 2: 85/80).
AlarmLimits DefaultLimits(Spo2Scale scale = Spo2Scale::kScale1);
// The SpO2 limits of `base` adjusted for scale 2 unless the caller overrode them.
AlarmLimits ForScale(AlarmLimits base, Spo2Scale scale);

nlohmann::json LimitsToJson(const AlarmLimits& l);
// Applies a partial document {"hr": {"high": 130, "onsetS": 5}, ...} to `base` and validates.
Result<AlarmLimits> MergeLimits(const AlarmLimits& base, const nlohmann::json& patch);
Status Validate(const AlarmLimits& l);

}  // namespace lj::clinical
