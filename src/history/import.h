// Bulk import of a recorded fixed-rate signal into one waveform series (`lingjing import wfdb`,
// doc/protocols/history-api.md): the values are cut into one-second blocks, each starting where
// the previous one ends, and written in batches through HistoryStore::Write with a report. So
// every value handed in is either stored or counted as refused, by reason (doc/design/history.md,
// "Backfill"): nothing is dropped without a count. Older data than the series already holds is
// stored (backfill); a block overlapping stored data is refused and counted.
// Thread-safety: a summary belongs to its caller; the store may be used concurrently.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "common/status.h"
#include "history/history.h"

namespace lj::history {

struct ImportSummary {
  uint64_t read = 0;    // values handed to the store
  uint64_t stored = 0;  // values the store kept
  struct Refused {      // the refused blocks of one error code
    ErrorCode code = ErrorCode::kOk;
    uint64_t samples = 0;
    uint64_t blocks = 0;
    int64_t first_ns = INT64_MAX;  // span covered by the refused blocks: [first_ns, end_ns)
    int64_t end_ns = INT64_MIN;
    std::string first_reason;  // the store's reason for the first of them
    // kOutOfOrder: the earliest start of the stored data they meet (Refusal::stored_from_ns)
    int64_t stored_from_ns = INT64_MAX;
  };
  std::vector<Refused> refused;  // one per code, in order of first appearance

  uint64_t refused_samples() const;
  // Adds one Write's report (`handed` values were in its batch).
  void Add(uint64_t handed, const WriteReport& report);
};

// Called after each batch with the values of this call done so far and the running summary.
using ImportProgressFn = std::function<void(uint64_t done, const ImportSummary& summary)>;

// Writes `values` (sample i at about t0_ns + i / rate_hz) into waveform series `id`, adding the
// outcome to `*summary`. Fails only when a Write fails (store closed or broken, unknown series,
// a rate that is not finite and positive); what was written before stays written and counted.
Status ImportWaveform(HistoryStore& store, SeriesId id, int64_t t0_ns, double rate_hz,
                      std::span<const double> values, ImportSummary* summary,
                      const ImportProgressFn& progress = nullptr);

}  // namespace lj::history
