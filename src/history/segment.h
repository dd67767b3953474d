// Segment files `seg-<n>.seg`: immutable, written once by a flush or a compaction
// (doc/storage-format.md, "Segment"): magic, chunk blobs, chunk index, footer.
// SegmentWriter streams chunks to a file and fsyncs it on Finish. Segment opens one (from a file
// or from bytes), validates footer and index against the file size, and reads chunks with pread.
// Thread-safety: a Segment is immutable after Open and safe to share (shared_ptr keeps the fd
// open while any query still uses it, even after the file was deleted). A writer is one thread's.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "history/chunk.h"

namespace lj::history {

inline constexpr char kSegmentMagic[8] = {'L', 'J', 'S', 'E', 'G', 0, 0, 1};
inline constexpr size_t kSegmentFooter = 32;
inline constexpr size_t kIndexEntry = 76;

class SegmentWriter {
 public:
  ~SegmentWriter();
  Status Open(const std::string& path);
  Status Add(SeriesId id, const SeriesData& sorted_chunk);
  // Writes index and footer, fsyncs and closes the file.
  Status Finish();
  uint64_t bytes() const { return offset_; }
  uint64_t samples() const { return samples_; }
  size_t chunks() const { return index_.size(); }

 private:
  Status Drain(bool all);
  std::string path_;
  int fd_ = -1;
  std::string buf_;
  uint64_t offset_ = 0;  // bytes written + buffered
  uint64_t samples_ = 0;
  std::vector<ChunkMeta> index_;
};

class Segment {
 public:
  static Result<std::shared_ptr<Segment>> Open(const std::string& path, uint64_t number);
  static Result<std::shared_ptr<Segment>> FromBytes(std::string bytes);  // fuzzing, tests
  ~Segment();

  uint64_t number() const { return number_; }
  uint64_t bytes() const { return size_; }
  uint64_t samples() const { return samples_; }
  const std::vector<ChunkMeta>& index() const { return index_; }
  // Index entries of one series, in file (= arrival) order.
  std::span<const ChunkMeta> ChunksOf(SeriesId id) const;
  Status ReadChunk(const ChunkMeta& meta, SeriesData* out) const;

 private:
  Status Load();
  Status ReadAt(uint64_t offset, size_t n, std::string* out) const;
  std::string path_;
  uint64_t number_ = 0;
  int fd_ = -1;
  std::string bytes_;  // when not backed by a file
  uint64_t size_ = 0;
  uint64_t samples_ = 0;
  std::vector<ChunkMeta> index_;  // sorted by series, stable (file order within a series)
};

std::string SegmentFileName(uint64_t number);  // "seg-000001.seg"

}  // namespace lj::history
