#include "clinical/ecg/evaluate.h"

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "clinical/ecg/qrs_detector.h"
#include "wfdb/wfdb.h"

namespace lj::clinical::ecg {

std::vector<int64_t> DetectBeats(const std::vector<int32_t>& samples, double rate_hz) {
  QrsDetector detector;
  std::vector<Beat> beats;
  size_t chunk = static_cast<size_t>(std::max(1.0, std::round(rate_hz)));
  for (size_t i = 0; i < samples.size(); i += chunk) {
    size_t n = std::min(chunk, samples.size() - i);
    auto t0 = static_cast<int64_t>(std::llround(static_cast<double>(i) * 1e9 / rate_hz));
    detector.Push(samples.data() + i, n, t0, rate_hz, &beats);
  }
  std::vector<int64_t> out;
  out.reserve(beats.size());
  for (const Beat& b : beats) out.push_back(b.sample);
  return out;
}

namespace {

// The record and its lead, checked; `samples` of that lead.
Result<wfdb::Record> ReadLead(const std::string& path, int lead) {
  Result<wfdb::Record> rec = wfdb::ReadRecord(path);
  if (!rec.ok()) return rec.status();
  if (lead < 0 || lead >= static_cast<int>(rec->samples.size())) {
    return Status(ErrorCode::kInvalidArgument, path + ": no lead " + std::to_string(lead) +
                                                   " (record has " +
                                                   std::to_string(rec->samples.size()) + ")");
  }
  const auto& sig = rec->header.signals[static_cast<size_t>(lead)];
  if (sig.samples_per_frame != 1) {
    return Status(ErrorCode::kUnsupported, path + ": lead with several samples per frame");
  }
  return rec;
}

}  // namespace

Result<RecordBeats> DetectRecord(const std::string& path, int lead) {
  Result<wfdb::Record> rec = ReadLead(path, lead);
  if (!rec.ok()) return rec.status();
  RecordBeats b;
  b.record = std::filesystem::path(path).filename().string();
  b.rate_hz = rec->header.frequency_hz;
  b.lead_name = rec->header.signals[static_cast<size_t>(lead)].description;
  b.samples = DetectBeats(rec->samples[static_cast<size_t>(lead)], b.rate_hz);
  return b;
}

Result<RecordScore> EvaluateRecord(const std::string& path, int lead, const Ec57Options& options) {
  Result<wfdb::Record> rec = ReadLead(path, lead);
  if (!rec.ok()) return rec.status();
  Result<std::vector<wfdb::Annotation>> ann = wfdb::ReadAnnotations(path);
  if (!ann.ok()) return ann.status();
  std::vector<int64_t> ref;
  std::vector<ReferenceMark> marks;
  for (const wfdb::Annotation& a : *ann) {
    if (wfdb::IsBeat(a.code)) ref.push_back(a.sample);
    marks.push_back({a.sample, a.code, a.subtype});
  }
  Ec57Options scoring = options;
  for (const auto& iv : ExcludedIntervals(marks, static_cast<int>(rec->header.signals.size())))
    scoring.excluded.push_back(iv);
  double fs = rec->header.frequency_hz;
  const auto& samples = rec->samples[static_cast<size_t>(lead)];
  RecordScore s;
  s.record = std::filesystem::path(path).filename().string();
  s.rate_hz = fs;
  s.duration_s = static_cast<double>(samples.size()) / fs;
  s.lead_name = rec->header.signals[static_cast<size_t>(lead)].description;
  for (const auto& [from, to] : scoring.excluded) {
    const int64_t a = std::max<int64_t>(from, 0);
    const int64_t b = std::min<int64_t>(to, static_cast<int64_t>(samples.size()));
    if (b > a) s.excluded_s += static_cast<double>(b - a) / fs;
  }
  s.counts = CompareBeats(std::move(ref), DetectBeats(samples, fs), fs, scoring);
  return s;
}

}  // namespace lj::clinical::ecg
