#include "clinical/news2.h"

#include <cmath>

namespace lj::clinical {
namespace {

int Whole(double v) { return static_cast<int>(std::lround(v)); }
// Temperature in tenths of a degree, as read from the chart (one decimal).
int Tenths(double c) { return static_cast<int>(std::lround(c * 10)); }

}  // namespace

int ScoreRespiration(double rr) {
  const int v = Whole(rr);
  if (v <= 8) return 3;
  if (v <= 11) return 1;
  if (v <= 20) return 0;
  if (v <= 24) return 2;
  return 3;
}

int ScoreSpo2Scale1(double spo2) {
  const int v = Whole(spo2);
  if (v <= 91) return 3;
  if (v <= 93) return 2;
  if (v <= 95) return 1;
  return 0;
}

// Scale 2 (hypercapnic respiratory failure, target 88-92 %): on air, 88 % and above scores 0;
// on oxygen, 93 % and above scores 1/2/3 to flag over-oxygenation.
int ScoreSpo2Scale2(double spo2, bool on_oxygen) {
  const int v = Whole(spo2);
  if (v <= 83) return 3;
  if (v <= 85) return 2;
  if (v <= 87) return 1;
  if (v <= 92 || !on_oxygen) return 0;
  if (v <= 94) return 1;
  if (v <= 96) return 2;
  return 3;
}

int ScoreAirOrOxygen(bool on_oxygen) { return on_oxygen ? 2 : 0; }

int ScoreSystolic(double sbp) {
  const int v = Whole(sbp);
  if (v <= 90) return 3;
  if (v <= 100) return 2;
  if (v <= 110) return 1;
  if (v <= 219) return 0;
  return 3;
}

int ScorePulse(double pulse) {
  const int v = Whole(pulse);
  if (v <= 40) return 3;
  if (v <= 50) return 1;
  if (v <= 90) return 0;
  if (v <= 110) return 1;
  if (v <= 130) return 2;
  return 3;
}

int ScoreConsciousness(Consciousness c) { return c == Consciousness::kAlert ? 0 : 3; }

int ScoreTemperature(double celsius) {
  const int t = Tenths(celsius);
  if (t <= 350) return 3;
  if (t <= 360) return 1;
  if (t <= 380) return 0;
  if (t <= 390) return 1;
  return 2;
}

std::string_view ParamName(Param p) {
  switch (p) {
    case kRespiration:
      return "respiration_rate";
    case kSpo2:
      return "spo2";
    case kAirOrOxygen:
      return "air_or_oxygen";
    case kSystolicBp:
      return "systolic_bp";
    case kPulse:
      return "pulse";
    case kConsciousness:
      return "consciousness";
    case kTemperature:
      return "temperature";
    case kParams:
      break;
  }
  return "?";
}

std::string_view RiskName(Risk r) {
  switch (r) {
    case Risk::kLow:
      return "low";
    case Risk::kLowMedium:
      return "low-medium";
    case Risk::kMedium:
      return "medium";
    case Risk::kHigh:
      return "high";
  }
  return "?";
}

News2Result ComputeNews2(const News2Input& in) {
  News2Result r;
  auto set = [&](Param p, std::optional<int> score) {
    if (score) {
      r.scores[p] = *score;
    } else {
      r.missing[p] = true;
      r.complete = false;
    }
  };
  set(kRespiration,
      in.respiration_rate ? std::optional(ScoreRespiration(*in.respiration_rate)) : std::nullopt);
  std::optional<int> spo2;
  if (in.spo2) {
    if (in.scale == Spo2Scale::kScale1) {
      spo2 = ScoreSpo2Scale1(*in.spo2);
    } else if (in.on_oxygen) {
      spo2 = ScoreSpo2Scale2(*in.spo2, *in.on_oxygen);
    }  // scale 2 cannot be read without knowing air/oxygen
  }
  set(kSpo2, spo2);
  set(kAirOrOxygen, in.on_oxygen ? std::optional(ScoreAirOrOxygen(*in.on_oxygen)) : std::nullopt);
  set(kSystolicBp, in.systolic_bp ? std::optional(ScoreSystolic(*in.systolic_bp)) : std::nullopt);
  set(kPulse, in.pulse ? std::optional(ScorePulse(*in.pulse)) : std::nullopt);
  set(kConsciousness,
      in.consciousness ? std::optional(ScoreConsciousness(*in.consciousness)) : std::nullopt);
  set(kTemperature,
      in.temperature ? std::optional(ScoreTemperature(*in.temperature)) : std::nullopt);

  for (int s : r.scores) {
    r.total += s;
    if (s == 3) r.single_parameter_3 = true;
  }
  if (r.total >= 7) {
    r.risk = Risk::kHigh;
    r.monitoring = "continuous monitoring of vital signs";
    r.response =
        "emergency response: team with critical-care competencies, usually transfer "
        "to a higher level of care";
  } else if (r.total >= 5) {
    r.risk = Risk::kMedium;
    r.monitoring = "minimum 1-hourly";
    r.response =
        "urgent response: registered nurse informs the medical team, urgent assessment "
        "by a clinician with core competencies in acute illness";
  } else if (r.single_parameter_3) {
    r.risk = Risk::kLowMedium;
    r.monitoring = "minimum 1-hourly";
    r.response =
        "urgent ward-based response: registered nurse informs the medical team, who "
        "decide whether escalation is needed";
  } else if (r.total >= 1) {
    r.risk = Risk::kLow;
    r.monitoring = "minimum 4-6-hourly";
    r.response =
        "registered nurse assesses and decides on the frequency of monitoring and "
        "whether escalation is needed";
  } else {
    r.risk = Risk::kLow;
    r.monitoring = "minimum 12-hourly";
    r.response = "continue routine NEWS monitoring";
  }
  return r;
}

}  // namespace lj::clinical
