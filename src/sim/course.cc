#include "sim/course.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "sim/rng.h"

namespace lj::sim {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kEightHours = 8 * 3600.0;

// Fraction of a linear ramp from `start` over `len` at t (0 before, 1 after).
double Ramp(double t, double start, double len) {
  return len <= 0 ? (t >= start ? 1 : 0) : std::clamp((t - start) / len, 0.0, 1.0);
}

// True when t falls within [offset, offset + len) of a cycle of `period` starting at `start`.
bool InWindow(double t, double start, double period, double offset, double len) {
  if (t < start) return false;
  const double x = std::fmod(t - start, period);
  return x >= offset && x < offset + len;
}

}  // namespace

std::string_view CourseName(CourseKind k) {
  switch (k) {
    case CourseKind::kStable:
      return "stable";
    case CourseKind::kSepsis:
      return "sepsis";
    case CourseKind::kRespiratory:
      return "respiratory";
    case CourseKind::kArrhythmia:
      return "arrhythmia";
    case CourseKind::kTechnical:
      return "technical";
  }
  return "stable";
}

std::string_view EpisodeName(EpisodeKind k) {
  switch (k) {
    case EpisodeKind::kSepsis:
      return "sepsis";
    case EpisodeKind::kChronicRespiratory:
      return "chronic_respiratory";
    case EpisodeKind::kDesaturation:
      return "desaturation";
    case EpisodeKind::kTachycardia:
      return "tachycardia";
    case EpisodeKind::kAsystole:
      return "asystole";
    case EpisodeKind::kLeadsOff:
      return "leads_off";
    case EpisodeKind::kProbeOff:
      return "probe_off";
  }
  return "sepsis";
}

Course::Course(CourseSpec spec, uint64_t seed) : spec_(spec) {
  Rng rng(seed ^ 0xC0C5E);
  tech_phase_s_ = rng.Uniform(600, 8 * 3600.0);
  windows_ = MakeWindows();
}

std::vector<Course::Window> Course::MakeWindows() const {
  const double t0 = spec_.start_s;
  switch (spec_.kind) {
    case CourseKind::kStable:
      return {{EpisodeKind::kLeadsOff, 0, kEightHours, tech_phase_s_, 40},
              {EpisodeKind::kProbeOff, 0, kEightHours, std::fmod(tech_phase_s_ * 1.7, kEightHours),
               25}};
    case CourseKind::kSepsis:
      return {};
    case CourseKind::kRespiratory:
      return {{EpisodeKind::kDesaturation, t0, 2700, 0, 240}};
    case CourseKind::kArrhythmia:
      return {{EpisodeKind::kTachycardia, t0, 1800, 0, 120},
              {EpisodeKind::kAsystole, t0, 1800, 360, 7}};
    case CourseKind::kTechnical:
      return {{EpisodeKind::kLeadsOff, t0, 1200, 0, 45},
              {EpisodeKind::kProbeOff, t0, 1200, 180, 30}};
  }
  return {};
}

CourseState Course::At(double t) const {
  CourseState s;
  if (spec_.kind == CourseKind::kSepsis) {
    const double f = Ramp(t, spec_.start_s, spec_.ramp_s);
    s.d_hr = 45 * f;
    s.d_rr = 12 * f;
    s.d_temp = 2.2 * f;
    s.d_sbp = -45 * f;
    s.d_spo2 = -7 * f;
    if (f >= 0.6) s.consciousness = "newConfusion";
    s.oxygen = f >= 0.7;
  } else if (spec_.kind == CourseKind::kRespiratory) {
    s.oxygen = true;
    s.d_rr = 8;
  }
  for (const Window& w : windows_) {
    if (!InWindow(t, w.start, w.period, w.offset, w.len)) continue;
    switch (w.kind) {
      case EpisodeKind::kDesaturation:
        s.d_spo2 = -7;  // the walk sits at 88–92 %; -7 brings it to ~83 %
        break;
      case EpisodeKind::kTachycardia:
        s.d_hr = 75;
        break;
      case EpisodeKind::kAsystole:
        s.asystole = true;
        break;
      case EpisodeKind::kLeadsOff:
        s.leads_off = true;
        break;
      case EpisodeKind::kProbeOff:
        s.spo2_off = true;
        break;
      case EpisodeKind::kSepsis:
      case EpisodeKind::kChronicRespiratory:
        break;
    }
  }
  return s;
}

std::vector<Episode> Course::Episodes(double from_s, double to_s) const {
  std::vector<Episode> out;
  if (spec_.kind == CourseKind::kSepsis && spec_.start_s < to_s)
    out.push_back({EpisodeKind::kSepsis, spec_.start_s, kInf});
  if (spec_.kind == CourseKind::kRespiratory)
    out.push_back({EpisodeKind::kChronicRespiratory, -kInf, kInf});
  for (const Window& w : windows_) {
    // Cycles k >= 0 whose window [start + k period + offset, ... + len) overlaps [from, to).
    const double first = std::floor((from_s - w.start - w.offset - w.len) / w.period);
    for (double k = std::max(0.0, first);; ++k) {
      const double b = w.start + k * w.period + w.offset, e = b + w.len;
      if (b >= to_s) break;
      if (e > from_s) out.push_back({w.kind, b, e});
    }
  }
  std::sort(out.begin(), out.end(), [](const Episode& a, const Episode& b) {
    return a.start_s != b.start_s ? a.start_s < b.start_s : a.kind < b.kind;
  });
  return out;
}

}  // namespace lj::sim
