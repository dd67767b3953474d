#include "hl7/oru.h"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <map>
#include <optional>
#include <set>

#include "hl7/dtm.h"

namespace lj::hl7 {
namespace {

struct Observation {
  int code;
  const char* ref;
  const char* telemetry;
  bool pulse_rate;  // feeds hr only without an ECG heart rate for the same twin
};

constexpr Observation kObservations[] = {
    {147842, "MDC_ECG_HEART_RATE", "hr", false},
    {149530, "MDC_PULS_OXIM_PULS_RATE", "hr", true},
    {149514, "MDC_PULS_RATE", "hr", true},
    {150456, "MDC_PULS_OXIM_SAT_O2", "spo2", false},
    {151562, "MDC_RESP_RATE", "rr", false},
    {150344, "MDC_TEMP", "temp", false},
    {150364, "MDC_TEMP_BODY", "temp", false},
    {150301, "MDC_PRESS_BLD_NONINV_SYS", "nibpSys", false},
    {150302, "MDC_PRESS_BLD_NONINV_DIA", "nibpDia", false},
    {150303, "MDC_PRESS_BLD_NONINV_MEAN", "nibpMean", false},
};

struct Unit {
  const char* telemetry;
  const char* codes[6];  // MDC numeric code, MDC reference id, UCUM spellings
  double scale;          // canonical = value * scale + offset
  double offset;
};

constexpr double kMmHgPerKPa = 1000.0 / 133.322387415;

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
    {"temp", {"K", nullptr, nullptr, nullptr, nullptr, nullptr}, 1, -273.15},
    {"pressure", {"266016", "MDC_DIM_MMHG", "mm[Hg]", "mmHg", nullptr, nullptr}, 1, 0},
    {"pressure",
     {"265987", "MDC_DIM_KILO_PASCAL", "kPa", nullptr, nullptr, nullptr},
     kMmHgPerKPa,
     0},
};

std::string_view UnitFamily(std::string_view telemetry) {
  return telemetry.rfind("nibp", 0) == 0 ? "pressure" : telemetry;
}

const Observation* FindObservation(std::string_view code, std::string_view ref) {
  for (const Observation& o : kObservations) {
    if (code == std::to_string(o.code) || (!ref.empty() && ref == o.ref)) return &o;
  }
  return nullptr;
}

// HL7 NM: optional sign, digits, optional decimal point.
std::optional<double> ParseNm(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
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

// Resolves and caches the sample target of each PID group and each OBX-18 device.
class Targets {
 public:
  explicit Targets(WardIndex& ward) : ward_(ward) {}

  void SetPatient(std::string mrn) {
    mrn_ = std::move(mrn);
    monitor_.reset();
  }
  Result<std::string> Monitor() {
    if (!monitor_) monitor_ = Resolve();
    return *monitor_;
  }
  bool IsTwin(const std::string& id) {
    auto it = twins_.find(id);
    if (it == twins_.end()) it = twins_.emplace(id, ward_.graph().GetTwin(id).ok()).first;
    return it->second;
  }

 private:
  Result<std::string> Resolve() {
    if (mrn_.empty()) {
      return Status(ErrorCode::kMissingField,
                    "PID-3: missing patient identifier (needed to find the bedside monitor)");
    }
    Result<graph::Twin> p = ward_.FindPatient(mrn_);
    if (!p.ok()) return Status(ErrorCode::kUnknownTwin, "PID-3: " + p.status().message());
    auto beds = ward_.BedsOf(p->id);
    if (!beds.ok()) return beds.status();
    if (beds->empty()) {
      return Status(ErrorCode::kUnknownTwin,
                    fmt::format("PID-3: patient '{}' occupies no bed", p->id));
    }
    Result<std::string> m = ward_.MonitorOf(beds->front().first);
    if (!m.ok()) return Status(ErrorCode::kUnknownTwin, m.status().message());
    return m;
  }

  WardIndex& ward_;
  std::string mrn_;
  std::optional<Result<std::string>> monitor_;
  std::map<std::string, bool> twins_;
};

struct Pending {
  ingest::ParsedSample sample;
  bool pulse_rate = false;
};

}  // namespace

bool ConvertUnit(std::string_view telemetry, std::string_view unit, double value, double* out,
                 std::string* why) {
  const std::string_view family = UnitFamily(telemetry);
  std::string accepted;
  for (const Unit& u : kUnits) {
    if (family != u.telemetry) continue;
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

void BuildOruBatch(const Message& msg, WardIndex& ward, const OruOptions& options, OruResult* out) {
  ingest::ParsedBatch& batch = out->batch;
  Result<Dtm> msh7 = ParseDtm(msg.Get("MSH-7"), options.default_offset_minutes);
  const int offset =
      msh7.ok() && msh7->has_offset ? msh7->offset_minutes : options.default_offset_minutes;
  Targets targets(ward);
  std::string obr_time;
  std::vector<Pending> pending;
  std::set<std::string> ecg_hr_twins;
  uint32_t n = 0;

  for (const Segment& seg : msg.segments()) {
    if (seg.name() == "PID") {
      const int reps = seg.Repetitions(3);
      std::string mrn = seg.Get(3, 1, 1);
      for (int r = 1; r <= reps; ++r) {
        if (seg.Get(3, r, 5) == "MR" && !seg.Get(3, r, 1).empty()) mrn = seg.Get(3, r, 1);
      }
      targets.SetPatient(std::move(mrn));
      continue;
    }
    if (seg.name() == "OBR") {
      obr_time = seg.Get(7);
      continue;
    }
    if (seg.name() != "OBX") continue;
    ++n;
    const std::string value = seg.Get(5);
    const std::string status = seg.Get(11);
    const std::string code = seg.Get(3, 1, 1), ref = seg.Get(3, 1, 2);
    const Observation* obs = FindObservation(code, ref);
    if (value.empty() || status == "X" || status == "D" || status == "W" || obs == nullptr) {
      ++out->ignored;
      continue;
    }
    auto reject = [&](int field, ErrorCode ec, std::string_view why) {
      const std::string where =
          field > 0 ? fmt::format("OBX({})-{}", n, field) : fmt::format("OBX({})", n);
      batch.rejects.push_back(
          ingest::Reject{n, ec, fmt::format("{}: {} {}: {}", where, obs->code, obs->ref, why)});
    };
    const std::string type = seg.Get(2);
    if (!type.empty() && type != "NM") {
      reject(2, ErrorCode::kWrongType,
             fmt::format("value type '{}', expected NM", type.substr(0, 8)));
      continue;
    }
    std::optional<double> v = ParseNm(value);
    if (!v) {
      reject(5, ErrorCode::kWrongType, fmt::format("'{}' is not a number", value.substr(0, 32)));
      continue;
    }
    std::string unit = seg.Get(6, 1, 1);
    double converted = 0;
    std::string why;
    if (unit.empty()) unit = seg.Get(6, 1, 2);
    if (unit.empty()) {
      reject(6, ErrorCode::kMissingField, "missing unit");
      continue;
    }
    std::string why2;
    const std::string unit_text = seg.Get(6, 1, 2);
    if (!ConvertUnit(obs->telemetry, unit, *v, &converted, &why) &&
        (unit_text.empty() || unit_text == unit ||
         !ConvertUnit(obs->telemetry, unit_text, *v, &converted, &why2))) {
      reject(6, ErrorCode::kInvalidArgument, why);
      continue;
    }
    const std::string obx_time = seg.Get(14);
    const std::string& ts = !obx_time.empty() ? obx_time : obr_time;
    int64_t t_ns = options.now_ns;
    const std::string& ts_text = !ts.empty() ? ts : msg.Get("MSH-7");
    if (!ts_text.empty()) {
      Result<Dtm> t = ParseDtm(ts_text, offset);
      const int field = !obx_time.empty() ? 14 : 0;
      if (!t.ok() || t->digits < 12) {
        reject(field, ErrorCode::kBadTimestamp,
               t.ok() ? fmt::format("'{}': needs at least minute precision", ts_text.substr(0, 32))
                      : t.status().message());
        continue;
      }
      t_ns = t->ns;
    }
    std::string twin;
    const int devices = seg.Repetitions(18);
    for (int r = 1; r <= devices && twin.empty(); ++r) {
      std::string dev = seg.Get(18, r, 1);
      if (!dev.empty() && dev.size() <= 256 && targets.IsTwin(dev)) twin = std::move(dev);
    }
    if (twin.empty()) {
      Result<std::string> m = targets.Monitor();
      if (!m.ok()) {
        reject(3, m.status().code(), m.status().message());
        continue;
      }
      twin = *m;
    }
    if (batch.owned.empty() || batch.owned.back() != twin) batch.owned.push_back(twin);
    Pending p;
    p.sample.twin = batch.owned.back();
    p.sample.telemetry = obs->telemetry;
    p.sample.t_ns = t_ns;
    p.sample.value = ingest::Value::Double(converted);
    p.sample.source = n;
    p.pulse_rate = obs->pulse_rate;
    if (obs->code == 147842) ecg_hr_twins.insert(twin);
    pending.push_back(p);
  }
  for (const Pending& p : pending) {
    if (p.pulse_rate && ecg_hr_twins.count(std::string(p.sample.twin)) > 0) {
      ++out->ignored;
      continue;
    }
    batch.samples.push_back(p.sample);
  }
}

}  // namespace lj::hl7
