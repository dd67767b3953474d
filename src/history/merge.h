// Operations on sorted chunk data shared by queries and compaction. Every function keeps time
// order, and ties keep source order (earlier part = earlier arrival).
// Thread-safety: plain functions.
#pragma once

#include <cstdint>
#include <vector>

#include "history/history.h"

namespace lj::history {

// Merges sorted parts (oldest first) of one series into one sorted SeriesData.
SeriesData MergeSorted(std::vector<SeriesData> parts, ValueType type, bool waveform);
// Keeps the samples with from <= t < to (waveform: by each sample's own time).
void Slice(SeriesData* d, int64_t from, int64_t to);
// Appends the samples of sorted `src` with from <= t < to to `dst` (same type; `dst` must end
// at or before them in time for the result to stay sorted).
void AppendSlice(const SeriesData& src, int64_t from, int64_t to, SeriesData* dst);
// Keeps the first `limit` values; sets truncated when something was cut.
void Truncate(SeriesData* d, size_t limit);
// Splits into chunks of at most `max_values` (waveform runs are never split, so a single run
// longer than that is one chunk).
std::vector<SeriesData> SplitChunks(SeriesData d, size_t max_values);

}  // namespace lj::history
