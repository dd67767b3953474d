#include "sim/course.h"

#include <algorithm>
#include <cmath>

#include "sim/rng.h"

namespace lj::sim {
namespace {

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

Course::Course(CourseSpec spec, uint64_t seed) : spec_(spec) {
  Rng rng(seed ^ 0xC0C5E);
  tech_phase_s_ = rng.Uniform(600, 8 * 3600.0);
}

CourseState Course::At(double t) const {
  CourseState s;
  const double t0 = spec_.start_s;
  switch (spec_.kind) {
    case CourseKind::kStable:
      s.leads_off = InWindow(t, 0, 8 * 3600.0, tech_phase_s_, 40);
      s.spo2_off = InWindow(t, 0, 8 * 3600.0, std::fmod(tech_phase_s_ * 1.7, 8 * 3600.0), 25);
      break;
    case CourseKind::kSepsis: {
      const double f = Ramp(t, t0, spec_.ramp_s);
      s.d_hr = 45 * f;
      s.d_rr = 12 * f;
      s.d_temp = 2.2 * f;
      s.d_sbp = -45 * f;
      s.d_spo2 = -7 * f;
      if (f >= 0.6) s.consciousness = "newConfusion";
      s.oxygen = f >= 0.7;
      break;
    }
    case CourseKind::kRespiratory: {
      s.oxygen = true;
      s.d_rr = 8;
      // Desaturation: the walk sits at 88–92 %; -7 brings it to ~83 %.
      if (InWindow(t, t0, 2700, 0, 240)) s.d_spo2 = -7;
      break;
    }
    case CourseKind::kArrhythmia:
      if (InWindow(t, t0, 1800, 0, 120)) s.d_hr = 75;
      s.asystole = InWindow(t, t0, 1800, 360, 7);
      break;
    case CourseKind::kTechnical:
      s.leads_off = InWindow(t, t0, 1200, 0, 45);
      s.spo2_off = InWindow(t, t0, 1200, 180, 30);
      break;
  }
  return s;
}

}  // namespace lj::sim
