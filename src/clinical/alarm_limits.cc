#include "clinical/alarm_limits.h"

#include <fmt/format.h>

#include <cmath>
#include <limits>

namespace lj::clinical {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr std::array<std::string_view, kLimitParams> kNames = {"hr", "rr", "spo2", "sbp", "temp"};

Limit Make(double lo, double hi, double xlo, double xhi, double hyst, double onset,
           Priority pr = Priority::kMedium, Priority xpr = Priority::kHigh) {
  Limit l;
  l.low = lo;
  l.high = hi;
  l.extreme_low = xlo;
  l.extreme_high = xhi;
  l.hysteresis = hyst;
  l.onset_s = onset;
  l.priority = pr;
  l.extreme_priority = xpr;
  return l;
}

nlohmann::json Num(double v) { return std::isnan(v) ? nlohmann::json() : nlohmann::json(v); }

// Reads an optional number field ("null" = NaN = not checked).
Status ReadNum(const nlohmann::json& o, const char* key, std::string_view param, double* out) {
  auto it = o.find(key);
  if (it == o.end()) return Status::Ok();
  if (it->is_null()) {
    *out = kNaN;
    return Status::Ok();
  }
  if (!it->is_number() || !std::isfinite(it->get<double>()))
    return Status(ErrorCode::kInvalidArgument,
                  fmt::format("alarm limits: '{}.{}' must be a finite number or null", param, key));
  *out = it->get<double>();
  return Status::Ok();
}

bool Le(double a, double b) { return std::isnan(a) || std::isnan(b) || a <= b; }

}  // namespace

std::string_view LimitParamName(LimitParam p) { return kNames[p]; }

AlarmLimits DefaultLimits(Spo2Scale scale) {
  AlarmLimits l;
  l[kLimHr] = Make(50, 120, 40, 150, 5, 10);
  l[kLimRr] = Make(8, 30, 5, 40, 2, 15);
  l[kLimSpo2] = Make(90, kNaN, 85, kNaN, 2, 15);
  l[kLimSbp] = Make(90, 180, 80, 220, 5, 0);
  l[kLimTemp] = Make(35.0, 38.5, 34.0, 40.0, 0.2, 0, Priority::kLow, Priority::kMedium);
  return ForScale(l, scale);
}

AlarmLimits ForScale(AlarmLimits base, Spo2Scale scale) {
  // Scale 2 patients are prescribed 88-92 %: alarm below 85, high priority below 80.
  if (scale == Spo2Scale::kScale2 && base[kLimSpo2].low == 90 && base[kLimSpo2].extreme_low == 85) {
    base[kLimSpo2].low = 85;
    base[kLimSpo2].extreme_low = 80;
  }
  return base;
}

nlohmann::json LimitsToJson(const AlarmLimits& l) {
  nlohmann::json j = nlohmann::json::object();
  for (int i = 0; i < kLimitParams; ++i) {
    const Limit& x = l.p[i];
    j[std::string(kNames[i])] = {{"enabled", x.enabled},
                                 {"low", Num(x.low)},
                                 {"high", Num(x.high)},
                                 {"extremeLow", Num(x.extreme_low)},
                                 {"extremeHigh", Num(x.extreme_high)},
                                 {"hysteresis", x.hysteresis},
                                 {"onsetS", x.onset_s},
                                 {"priority", PriorityName(x.priority)},
                                 {"extremePriority", PriorityName(x.extreme_priority)}};
  }
  return j;
}

Result<AlarmLimits> MergeLimits(const AlarmLimits& base, const nlohmann::json& patch) {
  if (!patch.is_object())
    return Status(ErrorCode::kInvalidArgument,
                  "alarm limits: body must be an object keyed by hr, rr, spo2, sbp, temp");
  AlarmLimits out = base;
  for (auto it = patch.begin(); it != patch.end(); ++it) {
    int idx = -1;
    for (int i = 0; i < kLimitParams; ++i)
      if (kNames[i] == it.key()) idx = i;
    if (idx < 0)
      return Status(ErrorCode::kInvalidArgument,
                    fmt::format("alarm limits: unknown parameter '{}' (expected hr, rr, spo2, sbp, "
                                "temp)",
                                it.key().substr(0, 64)));
    const std::string_view name = kNames[idx];
    const nlohmann::json& o = it.value();
    if (!o.is_object())
      return Status(ErrorCode::kInvalidArgument,
                    fmt::format("alarm limits: '{}' must be an object", name));
    Limit& l = out.p[idx];
    static constexpr std::array<std::string_view, 9> kKeys = {
        "enabled",    "low",    "high",     "extremeLow",     "extremeHigh",
        "hysteresis", "onsetS", "priority", "extremePriority"};
    for (auto f = o.begin(); f != o.end(); ++f) {
      if (std::find(kKeys.begin(), kKeys.end(), f.key()) == kKeys.end())
        return Status(
            ErrorCode::kInvalidArgument,
            fmt::format("alarm limits: unknown field '{}.{}'", name, f.key().substr(0, 64)));
    }
    if (auto e = o.find("enabled"); e != o.end()) {
      if (!e->is_boolean())
        return Status(ErrorCode::kInvalidArgument,
                      fmt::format("alarm limits: '{}.enabled' must be a boolean", name));
      l.enabled = e->get<bool>();
    }
    LJ_RETURN_IF_ERROR(ReadNum(o, "low", name, &l.low));
    LJ_RETURN_IF_ERROR(ReadNum(o, "high", name, &l.high));
    LJ_RETURN_IF_ERROR(ReadNum(o, "extremeLow", name, &l.extreme_low));
    LJ_RETURN_IF_ERROR(ReadNum(o, "extremeHigh", name, &l.extreme_high));
    double h = l.hysteresis, on = l.onset_s;
    LJ_RETURN_IF_ERROR(ReadNum(o, "hysteresis", name, &h));
    LJ_RETURN_IF_ERROR(ReadNum(o, "onsetS", name, &on));
    l.hysteresis = h;
    l.onset_s = on;
    for (auto [key, dst] :
         {std::pair{"priority", &l.priority}, std::pair{"extremePriority", &l.extreme_priority}}) {
      auto pr = o.find(key);
      if (pr == o.end()) continue;
      std::optional<Priority> p =
          pr->is_string() ? ParsePriority(pr->get<std::string>()) : std::nullopt;
      if (!p || *p == Priority::kNone || *p == Priority::kInop)
        return Status(ErrorCode::kInvalidArgument,
                      fmt::format("alarm limits: '{}.{}' must be \"low\", \"medium\" or \"high\"",
                                  name, key));
      *dst = *p;
    }
  }
  LJ_RETURN_IF_ERROR(Validate(out));
  return out;
}

Status Validate(const AlarmLimits& l) {
  for (int i = 0; i < kLimitParams; ++i) {
    const Limit& x = l.p[i];
    const std::string_view n = kNames[i];
    if (!(x.hysteresis >= 0) || x.hysteresis > 50)
      return Status(ErrorCode::kInvalidArgument,
                    fmt::format("alarm limits: '{}.hysteresis' must be in [0, 50]", n));
    if (!(x.onset_s >= 0) || x.onset_s > 600)
      return Status(ErrorCode::kInvalidArgument,
                    fmt::format("alarm limits: '{}.onsetS' must be in [0, 600] s", n));
    if (!Le(x.extreme_low, x.low) || !Le(x.high, x.extreme_high) || !Le(x.extreme_low, x.high) ||
        !Le(x.low, x.extreme_high) || !Le(x.extreme_low, x.extreme_high) ||
        (!std::isnan(x.low) && !std::isnan(x.high) && !(x.low < x.high)))
      return Status(
          ErrorCode::kInvalidArgument,
          fmt::format("alarm limits: '{}' needs extremeLow <= low < high <= extremeHigh", n));
  }
  return Status::Ok();
}

}  // namespace lj::clinical
