#include "clinical/patient_inputs.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "common/time.h"

namespace lj::clinical {
namespace {

constexpr double kNsPerS = 1e9;

struct VitalInfo {
  const char* label;
  const char* fmt;  // value format
  LimitParam limit;
};
constexpr std::array<VitalInfo, kVitals> kInfo = {{{"HR", "{:.0f}", kLimHr},
                                                   {"RR", "{:.0f}", kLimRr},
                                                   {"SpO2", "{:.0f}", kLimSpo2},
                                                   {"SBP", "{:.0f}", kLimSbp},
                                                   {"Temp", "{:.1f}", kLimTemp}}};

std::string Fmt(const char* f, double v) { return fmt::format(fmt::runtime(f), v); }

// Fills the high (dir > 0) or low (dir < 0) condition of vital `k` from its limit.
void LimitCondition(const VitalInfo& info, const Limit& l, double v, int dir, Condition& c) {
  const double lim = dir > 0 ? l.high : l.low;
  const double xlim = dir > 0 ? l.extreme_high : l.extreme_low;
  const double base = std::isnan(lim) ? xlim : lim;
  if (!l.enabled || std::isnan(base)) {
    c.known = false;
    return;
  }
  auto beyond = [&](double x, double margin) { return dir > 0 ? v > x - margin : v < x + margin; };
  c.onset_s = l.onset_s;
  c.value = v;
  c.priority = std::isnan(lim) ? l.extreme_priority : l.priority;
  c.extreme_priority = l.extreme_priority;
  c.limit = base;
  c.raw = beyond(base, 0);
  c.holds = beyond(base, l.hysteresis);
  if (!std::isnan(xlim)) {
    c.extreme_limit = xlim;
    c.extreme_raw = beyond(xlim, 0);
    c.extreme_holds = beyond(xlim, l.hysteresis);
  }
  const char* op = dir > 0 ? ">" : "<";
  c.message = fmt::format("{} {} {} {}", info.label, Fmt(info.fmt, v), op, Fmt(info.fmt, base));
  if (!std::isnan(xlim))
    c.extreme_message =
        fmt::format("{} {} {} {}", info.label, Fmt(info.fmt, v), op, Fmt(info.fmt, xlim));
}

}  // namespace

bool Fresh(const Reading& r, int64_t now_ns, double window_s) {
  return r.has && ElapsedNs(now_ns, r.t_ns) <= window_s * kNsPerS;
}

void SetHeartRate(PatientInputs& in, double bpm, int64_t t_ns, HrSource source,
                  const Staleness& st) {
  Reading& r = in.vital[kVHr];
  if (r.has && source > in.hr_source && Fresh(r, t_ns, st.vital_s)) return;
  if (r.has && t_ns < r.t_ns && source == in.hr_source) return;
  r = {true, bpm, t_ns};
  in.hr_source = source;
}

bool EcgInop(const PatientInputs& in, int64_t now, const Staleness& st) {
  const bool leads_off = Fresh(in.leads_off, now, st.flag_s) && in.leads_off.v != 0;
  const bool no_data =
      in.last_data_ns > 0 && ElapsedNs(now, in.last_data_ns) > st.no_data_s * kNsPerS;
  return leads_off || no_data;
}

News2Input ToNews2Input(const PatientInputs& in, int64_t now, const Staleness& st) {
  News2Input n;
  auto get = [&](Vital k, double window) -> std::optional<double> {
    return Fresh(in.vital[k], now, window) ? std::optional(in.vital[k].v) : std::nullopt;
  };
  n.pulse = get(kVHr, st.vital_s);
  n.respiration_rate = get(kVRr, st.vital_s);
  n.spo2 = get(kVSpo2, st.vital_s);
  n.systolic_bp = get(kVSbp, st.sbp_s);
  n.temperature = get(kVTemp, st.temp_s);
  const double obs_ns = st.observation_s * kNsPerS;
  if (in.consciousness && ElapsedNs(now, in.consciousness_ns) <= obs_ns)
    n.consciousness = in.consciousness;
  if (in.on_oxygen && ElapsedNs(now, in.oxygen_ns) <= obs_ns) n.on_oxygen = in.on_oxygen;
  n.scale = in.scale;
  // An SpO2 probe that is off reads nonsense: the SpO2 is missing, not low.
  if (Fresh(in.spo2_off, now, st.flag_s) && in.spo2_off.v != 0) n.spo2.reset();
  return n;
}

Conditions EvaluateConditions(const PatientInputs& in, const News2Result& news2,
                              const AlarmLimits& limits, int64_t now, const Staleness& st,
                              const AlarmTiming& timing) {
  Conditions c;
  const bool leads_off = Fresh(in.leads_off, now, st.flag_s) && in.leads_off.v != 0;
  const bool spo2_off = Fresh(in.spo2_off, now, st.flag_s) && in.spo2_off.v != 0;
  const bool no_data =
      in.last_data_ns > 0 && ElapsedNs(now, in.last_data_ns) > st.no_data_s * kNsPerS;

  // Technical alarms.
  auto flag = [&](Condition& x, bool known, bool on, double onset, std::string msg) {
    x.known = known;
    x.raw = x.holds = on;
    x.priority = Priority::kInop;
    x.onset_s = onset;
    x.message = std::move(msg);
  };
  flag(c[static_cast<size_t>(AlarmKind::kLeadsOff)], Fresh(in.leads_off, now, st.flag_s), leads_off,
       timing.leads_off_onset_s, "ECG leads off");
  flag(c[static_cast<size_t>(AlarmKind::kSpo2SensorOff)], Fresh(in.spo2_off, now, st.flag_s),
       spo2_off, timing.sensor_off_onset_s, "SpO2 sensor off");
  flag(c[static_cast<size_t>(AlarmKind::kNoData)], in.last_data_ns > 0, no_data, 0,
       fmt::format("No data for {:.0f} s", ElapsedNs(now, in.last_data_ns) / kNsPerS));

  // Vital-sign limits.
  const std::array<double, kVitals> windows = {st.vital_s, st.vital_s, st.vital_s, st.sbp_s,
                                               st.temp_s};
  struct Map {
    AlarmKind kind;
    Vital vital;
    int dir;
  };
  constexpr std::array<Map, 9> kMap = {{{AlarmKind::kHrHigh, kVHr, 1},
                                        {AlarmKind::kHrLow, kVHr, -1},
                                        {AlarmKind::kRrHigh, kVRr, 1},
                                        {AlarmKind::kRrLow, kVRr, -1},
                                        {AlarmKind::kSpo2Low, kVSpo2, -1},
                                        {AlarmKind::kSbpHigh, kVSbp, 1},
                                        {AlarmKind::kSbpLow, kVSbp, -1},
                                        {AlarmKind::kTempHigh, kVTemp, 1},
                                        {AlarmKind::kTempLow, kVTemp, -1}}};
  for (const Map& m : kMap) {
    Condition& x = c[static_cast<size_t>(m.kind)];
    const Reading& r = in.vital[m.vital];
    bool suppressed = no_data;
    if (m.vital == kVHr) suppressed |= in.hr_source == HrSource::kPulse ? spo2_off : leads_off;
    if (m.vital == kVSpo2) suppressed |= spo2_off;
    if (suppressed) {
      x.suppressed = true;
      continue;
    }
    if (!Fresh(r, now, windows[m.vital])) continue;
    x.known = true;
    LimitCondition(kInfo[m.vital], limits[kInfo[m.vital].limit], r.v, m.dir, x);
  }

  // Asystole from the ECG beat detector.
  {
    Condition& x = c[static_cast<size_t>(AlarmKind::kAsystole)];
    if (leads_off || no_data) {
      x.suppressed = true;
    } else if (in.last_ecg_ns > 0 && ElapsedNs(now, in.last_ecg_ns) <= st.vital_s * kNsPerS) {
      // No beat since the later of the last beat and the end of the last ECG INOP or gap: a
      // pause of the analysis is not a pause of the heart.
      const int64_t since = std::max(in.last_beat_ns, in.rhythm_since_ns);
      const double gap_s =
          since > 0 ? ElapsedNs(in.last_ecg_ns, since) / kNsPerS : timing.asystole_s;
      x.known = true;
      x.raw = x.holds = in.asystole && (since == 0 || gap_s > timing.asystole_s);
      x.priority = Priority::kHigh;
      x.value = gap_s;
      x.limit = timing.asystole_s;
      x.message = fmt::format("Asystole: no QRS for {:.0f} s", gap_s);
    }
  }

  // NEWS2 clinical-response alert: urgent (>= 5 or a single 3), emergency (>= 7). Missing
  // parameters only ever add points, so an incomplete score can raise but never clear.
  {
    Condition& x = c[static_cast<size_t>(AlarmKind::kNews2)];
    const bool urgent = news2.total >= 5 || news2.single_parameter_3;
    x.known = news2.complete || urgent;
    x.raw = urgent;
    x.holds = news2.total >= 4 || news2.single_parameter_3;
    x.extreme_raw = news2.total >= 7;
    x.extreme_holds = news2.total >= 6;
    x.priority = Priority::kMedium;
    x.extreme_priority = Priority::kHigh;
    x.onset_s = timing.news2_onset_s;
    x.value = news2.total;
    x.limit = news2.total >= 5 ? 5 : 3;
    x.extreme_limit = 7;
    const std::string tag = news2.complete ? "" : " (incomplete)";
    if (news2.total >= 5) {
      x.message = fmt::format("NEWS2 {}{}: urgent response", news2.total, tag);
    } else {
      std::string which;
      for (int p = 0; p < kParams; ++p)
        if (news2.scores[p] == 3) which = std::string(ParamName(static_cast<Param>(p)));
      x.message =
          fmt::format("NEWS2 {}{}: 3 in {}, urgent ward-based review", news2.total, tag, which);
    }
    x.extreme_message = fmt::format("NEWS2 {}{}: emergency response", news2.total, tag);
  }
  return c;
}

}  // namespace lj::clinical
