// SampleObserver: the seam through which stages after live state (clinical rules and alarms,
// NEWS2, ECG beat detection) see every accepted sample without touching ingest internals.
//
// Contract: the Pipeline calls OnAccepted once per Ingest() call that accepted anything (except
// Protocol::kPresence calls: viewers' poses are not clinical data and are never observed), after
// the samples were applied to live state and history, with no lock of the pipeline or live state
// held, on the ingesting thread. Observers must be fast and must not block on I/O; they may call
// IngestSink::Ingest themselves (e.g. to publish derived telemetry such as a NEWS2 score), which
// calls observers again, so an observer must not react to its own derived telemetry in a loop.
// The views are valid only during the call. Thread-safety: OnAccepted may be called concurrently
// from several ingesting threads.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "ingest/ingest_sink.h"
#include "ingest/sample.h"

namespace lj::live {

struct AcceptedScalar {
  std::string_view twin;
  std::string_view telemetry;
  int64_t t_ns = 0;
  ingest::Value value;  // as validated against the model (kInt for integral schemas)
};

struct AcceptedBlock {
  std::string_view twin;
  std::string_view telemetry;
  int64_t t0_ns = 0;
  double rate_hz = 0;
  std::span<const double> values;
};

class SampleObserver {
 public:
  virtual ~SampleObserver() = default;
  virtual void OnAccepted(ingest::Protocol protocol, std::span<const AcceptedScalar> scalars,
                          std::span<const AcceptedBlock> blocks) = 0;
};

}  // namespace lj::live
