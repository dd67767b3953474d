// Runs the streaming QRS detector over a WFDB record and scores it against the record's
// reference annotations with the EC57 rules. Used by `lingjing ecg evaluate` and the CI test.
// The record is streamed in 1-second chunks with timestamps, exactly as the live pipeline
// would feed it. Thread-safety: plain functions.
#pragma once

#include <string>
#include <vector>

#include "clinical/ecg/ec57.h"
#include "common/status.h"

namespace lj::clinical::ecg {

struct RecordScore {
  std::string record;
  double rate_hz = 0;
  double duration_s = 0;
  std::string lead_name;  // the analysed signal's description in the header ("MLII", "V5")
  double excluded_s = 0;  // VF and all-signals-unreadable time left out (ExcludedIntervals)
  Ec57Counts counts;
};

// The detector's beats on one lead of a record (`lingjing ecg detect`): sample indices.
struct RecordBeats {
  std::string record;
  double rate_hz = 0;
  std::string lead_name;
  std::vector<int64_t> samples;
};
Result<RecordBeats> DetectRecord(const std::string& path, int lead);

// `path` is the record path without extension ("…/mitdb/100"); `lead` the signal index.
Result<RecordScore> EvaluateRecord(const std::string& path, int lead,
                                   const Ec57Options& options = {});
// Detections (sample indices) of one lead of a record, streamed in 1-second chunks.
std::vector<int64_t> DetectBeats(const std::vector<int32_t>& samples, double rate_hz);

}  // namespace lj::clinical::ecg
