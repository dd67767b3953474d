// Sealed chunks: one series' samples over a time range, compressed column by column through the
// codec registry (doc/storage-format.md, "Chunk"). A chunk in memory is a SeriesData sorted by
// time (stable: ties keep arrival order); on disk it is an encoded blob with a trailing CRC-32C
// plus a ChunkMeta index entry whose statistics let queries skip decoding.
// Thread-safety: plain functions; decoding untrusted blobs never crashes or over-allocates.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"
#include "history/history.h"

namespace lj::history {

inline constexpr size_t kMaxChunkValues = size_t{1} << 22;

struct ChunkMeta {
  SeriesId series = 0;
  uint32_t count = 0;
  int64_t min_t = 0, max_t = 0;
  int64_t end_t = 0;    // exclusive end: max_t + 1, or a waveform's last run end (t0 + n/rate)
  uint64_t offset = 0;  // in the segment file
  uint32_t length = 0;  // of the encoded blob
  double min = 0, max = 0, sum = 0, last = 0;  // numeric series; last = value at max_t
};

// Time of sample i of a waveform run.
int64_t RunTime(const SeriesData::Run& run, size_t i);
// Number of values of `d` (either column).
size_t ValueCount(const SeriesData& d);
// Time of the last sample / first sample of a non-empty chunk.
int64_t FirstTime(const SeriesData& d);
int64_t LastTime(const SeriesData& d);

// Sorts scalar samples stably by time, waveform runs by start time (with their values).
void SortChunk(SeriesData* d);
// Statistics of a sorted, non-empty chunk (everything but offset/length).
ChunkMeta ComputeMeta(SeriesId id, const SeriesData& d);
// Appends the encoding of a sorted, non-empty chunk; returns its meta with length set.
ChunkMeta EncodeChunk(SeriesId id, const SeriesData& d, std::string* out);
// Decodes a blob (checks CRC, shape, bounds); `expect` (optional) must match its header.
Status DecodeChunk(std::string_view blob, const ChunkMeta* expect, SeriesData* out);

}  // namespace lj::history
