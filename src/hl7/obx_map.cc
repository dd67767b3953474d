#include "hl7/obx_map.h"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <vector>

namespace lj::hl7 {
namespace {

using R = VitalRole;

// ISO/IEEE 11073-10101 codes are partition << 16 | term code; the physiological (SCADA) partition
// is 2, so e.g. MDC_PRESS_BLD_NONINV_SYS (term 18949) is 2 * 65536 + 18949 = 150021.
// doc/protocols/hl7-mllp.md lists the sources each row was checked against.
constexpr Vital kVitals[] = {
    {"MDC", "147842", "MDC_ECG_HEART_RATE", "hr", R::kHeartRate},
    {"MDC", "149530", "MDC_PULS_OXIM_PULS_RATE", "hr", R::kPulseRate},
    {"MDC", "149514", "MDC_PULS_RATE", "hr", R::kPulseRate},
    {"MDC", "149546", "MDC_PULS_RATE_NON_INV", "hr", R::kPulseRate},
    {"MDC", "150456", "MDC_PULS_OXIM_SAT_O2", "spo2", R::kMeasurement},
    {"MDC", "151562", "MDC_RESP_RATE", "rr", R::kMeasurement},
    {"MDC", "150344", "MDC_TEMP", "temp", R::kMeasurement},
    {"MDC", "150364", "MDC_TEMP_BODY", "temp", R::kMeasurement},
    {"MDC", "150021", "MDC_PRESS_BLD_NONINV_SYS", "nibpSys", R::kMeasurement},
    {"MDC", "150022", "MDC_PRESS_BLD_NONINV_DIA", "nibpDia", R::kMeasurement},
    {"MDC", "150023", "MDC_PRESS_BLD_NONINV_MEAN", "nibpMean", R::kMeasurement},
    {"MDC", "150301", "MDC_PRESS_CUFF_SYS", "nibpSys", R::kMeasurement},
    {"MDC", "150302", "MDC_PRESS_CUFF_DIA", "nibpDia", R::kMeasurement},
    {"MDC", "150303", "MDC_PRESS_CUFF_MEAN", "nibpMean", R::kMeasurement},
    {"LN", "8867-4", "Heart rate", "hr", R::kHeartRate},
    {"LN", "59408-5", "Oxygen saturation in Arterial blood by Pulse oximetry", "spo2",
     R::kMeasurement},
    {"LN", "2708-6", "Oxygen saturation in Arterial blood", "spo2", R::kMeasurement},
    {"LN", "9279-1", "Respiratory rate", "rr", R::kMeasurement},
    {"LN", "8310-5", "Body temperature", "temp", R::kMeasurement},
    {"LN", "8480-6", "Systolic blood pressure", "nibpSys", R::kMeasurement},
    {"LN", "8462-4", "Diastolic blood pressure", "nibpDia", R::kMeasurement},
    {"LN", "8478-0", "Mean blood pressure", "nibpMean", R::kMeasurement},
};

struct Unit {
  const char* family;
  const char* codes[6];  // MDC numeric code, MDC reference id, UCUM (and common) spellings
  double scale;          // canonical = value * scale + offset
  double offset;
};

constexpr double kMmHgPerKPa = 1000.0 / 133.322387415;  // 1 mmHg = 133.322387415 Pa

// MDC unit codes are partition 4 (dimensions): MDC_DIM_MMHG = 4 * 65536 + 3872 = 266016.
constexpr Unit kUnits[] = {
    {"hr", {"264864", "MDC_DIM_BEAT_PER_MIN", "/min", "{beat}/min", "{beats}/min", "1/min"}, 1, 0},
    {"rr",
     {"264928", "MDC_DIM_RESP_PER_MIN", "/min", "{breath}/min", "{breaths}/min", "1/min"},
     1,
     0},
    {"spo2", {"262688", "MDC_DIM_PERCENT", "%", nullptr, nullptr, nullptr}, 1, 0},
    {"temp", {"268192", "MDC_DIM_DEGC", "Cel", nullptr, nullptr, nullptr}, 1, 0},
    {"temp",
     {"266560", "MDC_DIM_FAHR", "[degF]", nullptr, nullptr, nullptr},
     5.0 / 9.0,
     -32.0 * 5.0 / 9.0},
    {"temp", {"266528", "MDC_DIM_KELVIN", "K", nullptr, nullptr, nullptr}, 1, -273.15},
    {"pressure", {"266016", "MDC_DIM_MMHG", "mm[Hg]", "mmHg", nullptr, nullptr}, 1, 0},
    {"pressure",
     {"265987", "MDC_DIM_KILO_PASCAL", "kPa", nullptr, nullptr, nullptr},
     kMmHgPerKPa,
     0},
};

std::string_view UnitFamily(std::string_view telemetry) {
  return telemetry.rfind("nibp", 0) == 0 ? "pressure" : telemetry;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

struct Coding {
  std::string id, text, system;
  bool empty() const { return id.empty() && text.empty(); }
  // "188736 MDC_MASS_BODY_ACTUAL", "HR Heart rate (L)"; parts bounded for messages.
  std::string Label() const {
    std::string out(std::string_view(id).substr(0, 64));
    if (!text.empty()) {
      if (!out.empty()) out += ' ';
      out += std::string_view(text).substr(0, 64);
    }
    if (!system.empty() && !EqualsIgnoreCase(system, "MDC"))
      out += fmt::format(" ({})", std::string_view(system).substr(0, 20));
    return out;
  }
};

// The vitals a coding names: by its code first, then by an MDC reference id (identifier or text).
void Match(const Coding& c, std::vector<const Vital*>* found) {
  const bool any = c.system.empty();
  const bool mdc = any || EqualsIgnoreCase(c.system, "MDC");
  const bool ln = any || EqualsIgnoreCase(c.system, "LN");
  for (const Vital& v : kVitals) {
    if (((v.system == "MDC" && mdc) || (v.system == "LN" && ln)) && c.id == v.code)
      found->push_back(&v);
  }
  if (!mdc) return;
  for (const Vital& v : kVitals) {
    if (v.system == "MDC" && (c.id == v.name || c.text == v.name)) found->push_back(&v);
  }
}

}  // namespace

std::string Vital::Label() const {
  return system == "MDC" ? fmt::format("{} {}", code, name)
                         : fmt::format("{} {} ({})", code, name, system);
}

std::span<const Vital> VitalTable() { return kVitals; }

ObservationId IdentifyObservation(const Segment& obx) {
  ObservationId out;
  const Coding codings[2] = {
      {std::string(Trim(obx.Get(3, 1, 1))), std::string(Trim(obx.Get(3, 1, 2))),
       std::string(Trim(obx.Get(3, 1, 3)))},
      {std::string(Trim(obx.Get(3, 1, 4))), std::string(Trim(obx.Get(3, 1, 5))),
       std::string(Trim(obx.Get(3, 1, 6)))}};
  std::vector<const Vital*> found;
  for (const Coding& c : codings) {
    if (c.empty()) continue;
    if (out.label.empty()) out.label = c.Label();
    Match(c, &found);
  }
  if (found.empty()) return out;
  std::vector<const Vital*> distinct;  // one per telemetry, in the order found
  for (const Vital* v : found) {
    bool seen = false;
    for (const Vital* d : distinct) seen = seen || d->telemetry == v->telemetry;
    if (!seen) distinct.push_back(v);
  }
  if (distinct.size() > 1) {
    out.conflict = "the codings name different observations: ";
    for (size_t i = 0; i < distinct.size(); ++i) {
      out.conflict +=
          fmt::format("{}{} ({})", i ? ", " : "", distinct[i]->Label(), distinct[i]->telemetry);
    }
    return out;
  }
  out.vital = found.front();
  out.label = out.vital->Label();
  return out;
}

bool ConvertUnit(std::string_view telemetry, std::string_view unit, double value, double* out,
                 std::string* why) {
  const std::string_view family = UnitFamily(telemetry);
  std::string accepted;
  for (const Unit& u : kUnits) {
    if (family != u.family) continue;
    for (const char* c : u.codes) {
      if (c == nullptr) continue;
      if (unit == c) {
        *out = value * u.scale + u.offset;
        return true;
      }
      if (!accepted.empty()) accepted += ", ";
      accepted += c;
    }
  }
  *why = fmt::format("unit '{}' is not a unit of {} (accepted: {})", unit.substr(0, 32), telemetry,
                     accepted);
  return false;
}

Result<double> ConvertObxUnit(const Segment& obx, std::string_view telemetry, double value) {
  std::string first_why;
  bool any = false;
  for (int component : {1, 2, 4, 5}) {
    const std::string unit(Trim(obx.Get(6, 1, component)));
    if (unit.empty()) continue;
    double converted = 0;
    std::string why;
    if (ConvertUnit(telemetry, unit, value, &converted, &why)) return converted;
    if (!any) first_why = std::move(why);
    any = true;
  }
  if (!any) return Status(ErrorCode::kMissingField, "missing unit");
  return Status(ErrorCode::kInvalidArgument, std::move(first_why));
}

std::optional<double> ParseNm(std::string_view s) {
  s = Trim(s);
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  size_t digits = 0, dots = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c >= '0' && c <= '9') {
      ++digits;
    } else if (c == '.') {
      ++dots;
    } else if (!(c == '-' && i == 0)) {
      return std::nullopt;
    }
  }
  if (digits == 0 || dots > 1 || s.size() > 64) return std::nullopt;
  double v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

}  // namespace lj::hl7
