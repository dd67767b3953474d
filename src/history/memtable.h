// The in-memory part of the store: per series, sealed chunks not yet in a segment (sorted,
// immutable, shared with queries) and one open chunk being appended to.
// Thread-safety: none; the store guards a Memtable with its mutex. Sealed chunks are immutable
// and may be read without the lock once their shared_ptr is copied.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "history/history.h"

namespace lj::history {

using ChunkPtr = std::shared_ptr<const SeriesData>;

struct SeriesState {
  SeriesInfo info;
  int64_t retention_s = -1;  // -1: the store's default
  SeriesData open;           // arrival order; `open_sorted` says whether also time order
  bool open_sorted = true;
  int64_t open_min_t = 0, open_max_t = 0;
  std::vector<ChunkPtr> sealed;     // oldest first
  int64_t wave_end_ns = INT64_MIN;  // exclusive end of the newest waveform block stored
};

struct ChunkLimits {
  size_t max_values = 8192;
  int64_t max_span_ns = 3'600'000'000'000;
};

// Appenders; each may first seal the open chunk (limits). Values must match the series type.
void AppendDouble(SeriesState* s, const ChunkLimits& lim, int64_t t, double v);
void AppendInt(SeriesState* s, const ChunkLimits& lim, int64_t t, int64_t v);
void AppendString(SeriesState* s, const ChunkLimits& lim, int64_t t, std::string_view v);
// `values`: n unaligned doubles. The caller has checked that the block overlaps nothing stored
// (FindStoredOverlap and the segments) and, for an integer series, that every value fits.
// A block may start before wave_end_ns (backfill): the open chunk is then sorted at sealing.
void AppendBlock(SeriesState* s, const ChunkLimits& lim, int64_t t0, double rate_hz,
                 const char* values, size_t n);
// A run in the memtable (sealed chunks and the open chunk) that intersects [t0, end): true and
// its extent in *a, *b. Exact: runs, not chunk extents.
bool FindStoredOverlap(const SeriesState& s, int64_t t0, int64_t end, int64_t* a, int64_t* b);
// Moves the open chunk (sorted) to `sealed` if it holds anything.
void SealOpen(SeriesState* s);
// A sorted copy of the open chunk.
SeriesData SortedOpenCopy(const SeriesState& s);

}  // namespace lj::history
