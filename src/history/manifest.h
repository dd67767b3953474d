// The MANIFEST file: the store's durable state besides the WAL (doc/storage-format.md,
// "Manifest"): live segments, the series catalog (with retention), the first WAL file not yet
// covered by segments, and the last LSN the segments cover. Replaced atomically (temp, fsync,
// rename, fsync dir), so a crash leaves the old or the new one. Thread-safety: plain values.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "history/history.h"

namespace lj::history {

struct CatalogEntry {
  SeriesId id = 0;
  SeriesInfo info;
  int64_t retention_s = -1;  // -1: the store's default
};

struct SegmentEntry {
  uint64_t number = 0;  // file seg-<number>.seg
  uint64_t seq = 0;     // age order for ties between segments (older = smaller)
};

struct Manifest {
  uint64_t wal_min = 1;                // WAL files with a smaller number are covered by segments
  uint64_t last_lsn = 0;               // highest LSN whose batch is in a segment
  uint64_t next_file = 1;              // next segment number
  std::vector<CatalogEntry> series;    // ids 1..n in order
  std::vector<SegmentEntry> segments;  // ascending seq
};

std::string EncodeManifest(const Manifest& m);
Status DecodeManifest(std::string_view bytes, Manifest* m);
// One catalog entry, also the payload of a WAL kSeries record.
void EncodeCatalogEntry(const CatalogEntry& e, std::string* out);
Status DecodeCatalogEntry(std::string_view bytes, CatalogEntry* e);

}  // namespace lj::history
