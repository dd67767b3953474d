// A small LRU cache of decoded segment chunks, keyed by (segment number, chunk offset), so that
// repeated trend queries (dashboards refreshing the same range) skip decompression. Segments
// are immutable, so entries never go stale; entries of deleted segments simply age out.
// Thread-safety: all methods are safe to call concurrently (one internal mutex).
#pragma once

#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <unordered_map>

#include "history/history.h"

namespace lj::history {

class ChunkCache {
 public:
  explicit ChunkCache(size_t capacity_bytes) : capacity_(capacity_bytes) {}
  std::shared_ptr<const SeriesData> Get(uint64_t segment, uint64_t offset);
  void Put(uint64_t segment, uint64_t offset, std::shared_ptr<const SeriesData> chunk);

 private:
  struct Key {
    uint64_t segment, offset;
    bool operator==(const Key&) const = default;
  };
  struct KeyHash {
    size_t operator()(const Key& k) const { return k.segment * 0x9E3779B97F4A7C15ull ^ k.offset; }
  };
  struct Entry {
    Key key;
    std::shared_ptr<const SeriesData> chunk;
    size_t bytes;
  };
  std::mutex mu_;
  size_t capacity_, bytes_ = 0;
  std::list<Entry> lru_;  // most recent first
  std::unordered_map<Key, std::list<Entry>::iterator, KeyHash> map_;
};

}  // namespace lj::history
