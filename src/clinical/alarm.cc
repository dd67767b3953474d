#include "clinical/alarm.h"

#include <array>
#include <tuple>

#include "common/time.h"

namespace lj::clinical {
namespace {

constexpr std::array<std::string_view, 5> kPriorityNames = {"none", "inop", "low", "medium",
                                                            "high"};
constexpr std::array<std::string_view, kAlarmKinds> kKindNames = {
    "hr_high",   "hr_low",   "rr_high", "rr_low",   "spo2_low",  "sbp_high",        "sbp_low",
    "temp_high", "temp_low", "news2",   "asystole", "leads_off", "spo2_sensor_off", "no_data"};
constexpr std::array<std::string_view, 4> kStateNames = {"active", "acknowledged", "latched",
                                                         "cleared"};

}  // namespace

std::string_view PriorityName(Priority p) { return kPriorityNames[static_cast<size_t>(p)]; }

std::optional<Priority> ParsePriority(std::string_view s) {
  for (size_t i = 0; i < kPriorityNames.size(); ++i)
    if (kPriorityNames[i] == s) return static_cast<Priority>(i);
  return std::nullopt;
}

std::string_view AlarmKindName(AlarmKind k) {
  return k == AlarmKind::kCount ? "unknown" : kKindNames[static_cast<size_t>(k)];
}

bool IsTechnical(AlarmKind k) {
  return k == AlarmKind::kLeadsOff || k == AlarmKind::kSpo2SensorOff || k == AlarmKind::kNoData;
}

std::string_view AlarmStateName(AlarmState s) { return kStateNames[static_cast<size_t>(s)]; }

std::optional<AlarmState> ParseAlarmState(std::string_view s) {
  for (size_t i = 0; i < kStateNames.size(); ++i)
    if (kStateNames[i] == s) return static_cast<AlarmState>(i);
  return std::nullopt;
}

nlohmann::json AlarmToJson(const Alarm& a) {
  auto time = [](int64_t ns) {
    return ns == 0 ? nlohmann::json() : nlohmann::json(FormatRfc3339(ns));
  };
  nlohmann::json j = {{"id", std::to_string(a.id)},
                      {"patient", a.patient},
                      {"ward", a.ward},
                      {"kind", AlarmKindName(a.kind)},
                      {"technical", IsTechnical(a.kind)},
                      {"priority", PriorityName(a.priority)},
                      {"conditionPriority", PriorityName(a.condition_priority)},
                      {"state", AlarmStateName(a.state)},
                      {"message", a.message},
                      {"value", a.value},
                      {"limit", a.limit},
                      {"onset", time(a.onset_ns)},
                      {"acknowledged", time(a.acked_ns)},
                      {"acknowledgedBy", a.acked_by},
                      {"cleared", time(a.cleared_ns)},
                      {"endReason", a.end_reason},
                      {"silencedUntil", time(a.silenced_until_ns)},
                      {"escalations", a.escalations},
                      {"announcements", a.announcements}};
  return j;
}

const Alarm* MostPressing(const std::vector<Alarm>& shown) {
  const Alarm* best = nullptr;
  auto rank = [](const Alarm& a) {
    return std::tuple(a.state == AlarmState::kActive, static_cast<int>(a.priority), a.onset_ns);
  };
  for (const Alarm& a : shown) {
    if (a.state != AlarmState::kActive && a.state != AlarmState::kLatched) continue;
    if (!best || rank(a) > rank(*best)) best = &a;
  }
  return best;
}

}  // namespace lj::clinical
