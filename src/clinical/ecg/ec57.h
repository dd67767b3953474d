// Beat-by-beat comparison of QRS detections against reference annotations, per ANSI/AAMI EC57
// (the rules WFDB's `bxb` applies, written from the standard's description):
//   - reference beats are the beat annotations of the reference file (wfdb::IsBeat);
//   - a detection matches a reference beat within +-150 ms (the match window), one to one; when
//     two candidates compete, the closer one wins (see ec57.cc);
//   - scoring starts 5 minutes into the record (sample >= 300 * fs) and runs to the end: a match
//     counts when its reference beat is in the scored interval, an unmatched reference beat is a
//     false negative and an unmatched detection a false positive when they are in it;
//   - `excluded` intervals are not scored (EC57 excludes ventricular flutter/fibrillation and
//     the segments where every signal is unreadable: ExcludedIntervals builds them from the
//     reference annotations).
// Se = TP / (TP + FN), +P = TP / (TP + FP). Thread-safety: plain functions and values.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace lj::clinical::ecg {

struct Ec57Options {
  double match_window_s = 0.150;
  double start_s = 300;  // scoring starts here (EC57: 5 minutes)
  // Sample intervals [first, second) not scored (sorted or not; may overlap).
  std::vector<std::pair<int64_t, int64_t>> excluded;
};

struct Ec57Counts {
  int64_t tp = 0, fn = 0, fp = 0;
  double Sensitivity() const;           // 1 when tp + fn == 0
  double PositivePredictivity() const;  // 1 when tp + fp == 0
  Ec57Counts& operator+=(const Ec57Counts& o);
};

// Reference annotations as (sample, code, subtype), for ExcludedIntervals (no WFDB dependency).
struct ReferenceMark {
  int64_t sample = 0;
  int code = 0;
  int subtype = 0;
};
// The intervals EC57 leaves out of beat-by-beat scoring: ventricular flutter/fibrillation from
// VFON '[' (code 32) to VFOFF ']' (33; to the end when it never comes), and "shutdown" — from a
// NOISE '~' (14) whose subtype marks every one of the record's `num_signals` signals unreadable
// (bits 4..7; or -1, stored as 0x3ff / 0xff) to the next NOISE annotation.
std::vector<std::pair<int64_t, int64_t>> ExcludedIntervals(const std::vector<ReferenceMark>& marks,
                                                           int num_signals);

// `reference` and `detected` are sample indices (sorted ascending; they are sorted if not).
Ec57Counts CompareBeats(std::vector<int64_t> reference, std::vector<int64_t> detected,
                        double rate_hz, const Ec57Options& options = {});

}  // namespace lj::clinical::ecg
