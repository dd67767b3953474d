// NEWS2: the National Early Warning Score 2 of the Royal College of Physicians (2017 chart),
// computed exactly: every parameter band, SpO2 scale 1 and 2 (scale 2 depends on air/oxygen),
// air or oxygen, ACVPU with new confusion, the aggregate, the single-parameter-3 rule, the
// clinical risk, the minimum monitoring frequency and the clinical response.
//
// Contract: pure functions, thread-safe. Inputs are rounded as the chart reads them (whole
// numbers for respiration, SpO2, systolic BP and pulse; one decimal for temperature) before
// banding. A parameter that is missing is reported in `missing` and scores nothing; a score
// with missing parameters is incomplete and must be shown as such (`complete == false`).
#pragma once

#include <array>
#include <optional>
#include <string_view>

namespace lj::clinical {

enum class Consciousness { kAlert, kNewConfusion, kVoice, kPain, kUnresponsive };
enum class Spo2Scale { kScale1 = 1, kScale2 = 2 };
enum class Risk { kLow, kLowMedium, kMedium, kHigh };

struct News2Input {
  std::optional<double> respiration_rate;  // breaths/min
  std::optional<double> spo2;              // %
  Spo2Scale scale = Spo2Scale::kScale1;    // scale 2 only for prescribed target 88-92 %
  std::optional<bool> on_oxygen;           // supplemental oxygen (any device)
  std::optional<double> systolic_bp;       // mmHg
  std::optional<double> pulse;             // beats/min
  std::optional<Consciousness> consciousness;
  std::optional<double> temperature;  // °C
};

enum Param {
  kRespiration,
  kSpo2,
  kAirOrOxygen,
  kSystolicBp,
  kPulse,
  kConsciousness,
  kTemperature,
  kParams
};
std::string_view ParamName(Param p);

struct News2Result {
  int total = 0;
  std::array<int, kParams> scores{};  // per parameter, 0..3
  std::array<bool, kParams> missing{};
  bool complete = true;
  bool single_parameter_3 = false;  // some parameter scored 3 (red score)
  Risk risk = Risk::kLow;
  std::string_view monitoring;  // minimum frequency of monitoring
  std::string_view response;    // clinical response
};

News2Result ComputeNews2(const News2Input& in);

// Single-parameter scores, exposed for tests and for the avatar's per-body-part colouring.
int ScoreRespiration(double rr);
int ScoreSpo2Scale1(double spo2);
int ScoreSpo2Scale2(double spo2, bool on_oxygen);
int ScoreAirOrOxygen(bool on_oxygen);
int ScoreSystolic(double sbp);
int ScorePulse(double pulse);
int ScoreConsciousness(Consciousness c);
int ScoreTemperature(double celsius);
std::string_view RiskName(Risk r);

}  // namespace lj::clinical
