#include "clinical/alarm_tracker.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace lj::clinical {
namespace {

constexpr double kNsPerS = 1e9;

int64_t Ns(double s) { return static_cast<int64_t>(std::llround(s * kNsPerS)); }

Priority Bump(Priority p) {
  switch (p) {
    case Priority::kInop:
    case Priority::kLow:
      return Priority::kMedium;
    case Priority::kMedium:
    case Priority::kHigh:
      return Priority::kHigh;
    case Priority::kNone:
      break;
  }
  return p;
}

// The condition's priority, message and limit, with hysteresis on the extreme band: an alarm
// already at the extreme priority keeps it while `extreme_holds`.
struct Level {
  Priority priority;
  const std::string* message;
  double limit;
};
Level LevelOf(const Condition& c, bool was_extreme) {
  const bool extreme = c.extreme_raw || (was_extreme && c.extreme_holds);
  if (extreme) return {c.extreme_priority, &c.extreme_message, c.extreme_limit};
  return {c.priority, &c.message, c.limit};
}

}  // namespace

double AlarmPolicy::EscalateAfter(Priority p) const {
  switch (p) {
    case Priority::kHigh:
      return escalate_high_s;
    case Priority::kMedium:
      return escalate_medium_s;
    case Priority::kLow:
      return escalate_low_s;
    case Priority::kInop:
      return escalate_inop_s;
    case Priority::kNone:
      break;
  }
  return 0;
}

std::string_view EventName(AlarmEvent::What w) {
  static constexpr std::array<std::string_view, 10> kNames = {
      "raised",   "worsened",        "improved",  "reactivated", "acknowledged",
      "silenced", "silence_expired", "escalated", "latched",     "cleared"};
  return kNames[static_cast<size_t>(w)];
}

AlarmTracker::Slot* AlarmTracker::SlotOf(uint64_t id) {
  for (Slot& s : slots_)
    if (s.alarm && s.alarm->id == id) return &s;
  return nullptr;
}

const Alarm* AlarmTracker::Find(uint64_t id) const {
  for (const Slot& s : slots_)
    if (s.alarm && s.alarm->id == id) return &*s.alarm;
  return nullptr;
}

void AlarmTracker::Clear(Slot& s, int64_t now, const std::string& reason,
                         std::vector<AlarmEvent>& events) {
  Alarm& a = *s.alarm;
  a.state = AlarmState::kCleared;
  a.cleared_ns = now;
  a.end_reason = reason;
  a.silenced_until_ns = 0;
  a.escalate_at_ns = 0;
  events.push_back({AlarmEvent::What::kCleared, now, a});
  s.alarm.reset();
  s.pending_since = 0;
}

void AlarmTracker::Update(const Conditions& conds, int64_t now, const AlarmPolicy& policy,
                          const IdSource& next_id, std::vector<AlarmEvent>& events) {
  for (size_t k = 0; k < kAlarmKinds; ++k) {
    const Condition& c = conds[k];
    Slot& s = slots_[k];
    if (!s.alarm) {
      if (c.suppressed || !c.known || !c.raw) {
        s.pending_since = 0;
        continue;
      }
      if (s.pending_since == 0) s.pending_since = now;
      if (now - s.pending_since < Ns(c.onset_s)) continue;
      const Level lv = LevelOf(c, false);
      Alarm a;
      a.id = next_id();
      a.patient = patient_;
      a.ward = ward_;
      a.kind = static_cast<AlarmKind>(k);
      a.priority = a.condition_priority = lv.priority;
      a.state = AlarmState::kActive;
      a.message = *lv.message;
      a.value = c.value;
      a.limit = lv.limit;
      a.onset_ns = now;
      a.announcements = 1;
      a.escalate_at_ns = now + Ns(policy.EscalateAfter(a.priority));
      s.alarm = a;
      s.pending_since = 0;
      events.push_back({AlarmEvent::What::kRaised, now, a});
      continue;
    }
    Alarm& a = *s.alarm;
    if (c.suppressed) {
      Clear(s, now, "inop", events);
      continue;
    }
    if (!c.known) continue;  // no fresh data: the alarm stays as it is
    if (a.state == AlarmState::kLatched) {
      if (!c.raw) continue;
      a.state = AlarmState::kActive;  // the condition came back before anyone acknowledged
      ++a.announcements;
      events.push_back({AlarmEvent::What::kReactivated, now, a});
      continue;
    }
    if (!c.holds) {
      if (a.state == AlarmState::kActive && policy.latch_high && a.priority == Priority::kHigh) {
        a.state = AlarmState::kLatched;
        events.push_back({AlarmEvent::What::kLatched, now, a});
      } else {
        Clear(s, now, "resolved", events);
      }
      continue;
    }
    const Level lv =
        LevelOf(c, a.condition_priority == c.extreme_priority && c.extreme_priority != c.priority);
    if (lv.priority > a.condition_priority) {
      a.condition_priority = lv.priority;
      a.priority = std::max(a.priority, lv.priority);
      a.message = *lv.message;
      a.value = c.value;
      a.limit = lv.limit;
      const bool reactivate = a.state == AlarmState::kAcknowledged && a.priority > a.acked_priority;
      if (reactivate) {
        a.state = AlarmState::kActive;
        a.acked_ns = 0;
        a.acked_by.clear();
      }
      if (a.state == AlarmState::kActive) {
        ++a.announcements;
        a.silenced_until_ns = 0;
        a.escalate_at_ns = now + Ns(policy.EscalateAfter(a.priority));
      }
      events.push_back(
          {reactivate ? AlarmEvent::What::kReactivated : AlarmEvent::What::kWorsened, now, a});
    } else if (lv.priority < a.condition_priority) {
      // An unacknowledged alarm keeps the worst priority and message it announced (a transient
      // extreme must not vanish before someone saw it); once acknowledged it follows the data.
      a.condition_priority = lv.priority;
      if (a.state == AlarmState::kAcknowledged && a.escalations == 0) {
        a.priority = lv.priority;
        a.message = *lv.message;
        a.limit = lv.limit;
      }
      events.push_back({AlarmEvent::What::kImproved, now, a});
    }
  }
}

void AlarmTracker::RunTimers(int64_t now, const AlarmPolicy& policy,
                             std::vector<AlarmEvent>& events) {
  for (Slot& s : slots_) {
    if (!s.alarm) continue;
    Alarm& a = *s.alarm;
    if (a.state != AlarmState::kActive && a.state != AlarmState::kLatched) continue;
    if (a.silenced_until_ns != 0) {
      if (now < a.silenced_until_ns) continue;
      a.silenced_until_ns = 0;
      ++a.announcements;
      a.escalate_at_ns = now + Ns(policy.EscalateAfter(a.priority));
      events.push_back({AlarmEvent::What::kSilenceExpired, now, a});
      continue;
    }
    if (a.escalate_at_ns != 0 && now >= a.escalate_at_ns) {
      ++a.escalations;
      a.priority = Bump(a.priority);
      ++a.announcements;
      a.escalate_at_ns = now + Ns(policy.EscalateAfter(a.priority));
      events.push_back({AlarmEvent::What::kEscalated, now, a});
    }
  }
}

Result<Alarm> AlarmTracker::Acknowledge(uint64_t id, const std::string& by, int64_t now,
                                        std::vector<AlarmEvent>& events) {
  Slot* s = SlotOf(id);
  if (!s) return Status(ErrorCode::kNotFound, fmt::format("no shown alarm {}", id));
  Alarm& a = *s->alarm;
  if (a.state == AlarmState::kAcknowledged) return a;  // idempotent
  a.acked_ns = now;
  a.acked_by = by;
  a.acked_priority = a.priority;
  if (a.state == AlarmState::kLatched) {
    Alarm out = a;
    Clear(*s, now, "acknowledged", events);
    out = events.back().alarm;
    return out;
  }
  a.state = AlarmState::kAcknowledged;
  a.silenced_until_ns = 0;
  a.escalate_at_ns = 0;
  events.push_back({AlarmEvent::What::kAcknowledged, now, a});
  return a;
}

Result<Alarm> AlarmTracker::Silence(uint64_t id, double seconds, int64_t now,
                                    const AlarmPolicy& policy, std::vector<AlarmEvent>& events) {
  Slot* s = SlotOf(id);
  if (!s) return Status(ErrorCode::kNotFound, fmt::format("no shown alarm {}", id));
  Alarm& a = *s->alarm;
  if (a.state != AlarmState::kActive && a.state != AlarmState::kLatched)
    return Status(ErrorCode::kConflict,
                  fmt::format("alarm {} is {}, not sounding", id, AlarmStateName(a.state)));
  if (!(seconds > 0)) seconds = policy.default_silence_s;
  seconds = std::min(seconds, policy.max_silence_s);
  a.silenced_until_ns = now + Ns(seconds);
  a.escalate_at_ns = 0;  // paused; re-armed when the silence ends
  events.push_back({AlarmEvent::What::kSilenced, now, a});
  return a;
}

void AlarmTracker::ClearAll(int64_t now, const std::string& reason,
                            std::vector<AlarmEvent>& events) {
  for (Slot& s : slots_) {
    if (s.alarm) Clear(s, now, reason, events);
    s.pending_since = 0;
  }
}

std::vector<Alarm> AlarmTracker::Shown() const {
  std::vector<Alarm> out;
  for (const Slot& s : slots_)
    if (s.alarm) out.push_back(*s.alarm);
  std::stable_sort(out.begin(), out.end(), [](const Alarm& a, const Alarm& b) {
    const bool ua = a.state != AlarmState::kAcknowledged, ub = b.state != AlarmState::kAcknowledged;
    if (ua != ub) return ua;
    if (a.priority != b.priority) return a.priority > b.priority;
    return a.onset_ns < b.onset_ns;
  });
  return out;
}

}  // namespace lj::clinical
