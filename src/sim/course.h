// Clinical courses of simulated patients: offsets on top of a patient's vital-sign random walk
// (VitalsWalk), nurse observations (ACVPU, supplemental oxygen) and device events, as a pure
// function of simulated time since the simulator's start. Deterministic: a course is fully
// defined by its kind, its start time and its seed.
//
//   stable       baseline walk; a short ECG-leads-off and SpO2-probe-off event every ~8 h
//                (seeded times), as a real ward sees them.
//   sepsis       over `ramp` (30 min) HR +45, RR +12, temperature +2.2 °C, systolic -45 mmHg,
//                SpO2 -7 %; new confusion from 60 % of the ramp; oxygen started at 70 %.
//   respiratory  COPD on SpO2 scale 2, on oxygen, RR 22–24; a desaturation to ~83 % for 4 min
//                every 45 min.
//   arrhythmia   tachycardia (HR ~155) for 2 min every 30 min; a 7-s asystole run 4 min after
//                each tachycardia episode.
//   technical    ECG leads off for 45 s and SpO2 probe off for 30 s, every 20 min.
// Episodes() lists the same schedule as intervals (the ground truth an alarm audit compares
// alarms with, lj_alarm_load); At() and Episodes() are derived from one table, so they agree.
// The demo schedule (which bed gets which course, start times) is in ward_roster.cc
// (CourseForBed) and doc/design/clinical.md. Thread-safety: immutable after construction.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace lj::sim {

enum class CourseKind : uint8_t { kStable, kSepsis, kRespiratory, kArrhythmia, kTechnical };
std::string_view CourseName(CourseKind k);

struct CourseSpec {
  CourseKind kind = CourseKind::kStable;
  double start_s = 0;    // seconds after the simulator start (negative: already under way)
  double ramp_s = 1800;  // sepsis: time from onset to the full picture
};

struct CourseState {
  double d_hr = 0, d_rr = 0, d_spo2 = 0, d_sbp = 0, d_temp = 0;
  bool asystole = false;                     // ECG flat, HR 0, pleth flat
  bool leads_off = false;                    // ECG flat, ecgLeadsOff true
  bool spo2_off = false;                     // pleth flat, spo2SensorOff true
  std::string_view consciousness = "alert";  // ACVPU enum value of the Patient model
  bool oxygen = false;
};

// A scheduled event of a course. Ongoing conditions (sepsis from its onset, chronic respiratory
// failure) run to +infinity; the respiratory course's chronic part starts at -infinity.
enum class EpisodeKind : uint8_t {
  kSepsis,              // the sepsis course from its onset on
  kChronicRespiratory,  // COPD: raised RR, on oxygen, SpO2 scale 2 (always)
  kDesaturation,        // respiratory: SpO2 -7 %
  kTachycardia,         // arrhythmia: HR +75
  kAsystole,            // arrhythmia: flat ECG, HR 0
  kLeadsOff,            // ECG flat, ecgLeadsOff
  kProbeOff,            // pleth flat, spo2SensorOff
};
std::string_view EpisodeName(EpisodeKind k);  // "sepsis", "chronic_respiratory", ...

struct Episode {
  EpisodeKind kind = EpisodeKind::kSepsis;
  double start_s = 0, end_s = 0;  // [start, end) in course time
};

class Course {
 public:
  Course(CourseSpec spec, uint64_t seed);
  CourseState At(double t_s) const;
  // Every episode overlapping [from_s, to_s), ordered by start (ties: by kind).
  std::vector<Episode> Episodes(double from_s, double to_s) const;
  const CourseSpec& spec() const { return spec_; }

 private:
  // A window of `len` seconds at `offset` into every `period` from `start` on.
  struct Window {
    EpisodeKind kind;
    double start, period, offset, len;
  };
  std::vector<Window> MakeWindows() const;

  CourseSpec spec_;
  double tech_phase_s_ = 0;      // seeded offset of the stable patients' technical events
  std::vector<Window> windows_;  // the schedule, made once (At runs per sample)
};

}  // namespace lj::sim
