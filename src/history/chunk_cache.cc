#include "history/chunk_cache.h"

namespace lj::history {
namespace {

size_t Footprint(const SeriesData& d) {
  size_t n = d.t_ns.size() * 8 + d.f64.size() * 8 + d.i64.size() * 8 +
             d.runs.size() * sizeof(SeriesData::Run) + sizeof(SeriesData);
  for (const auto& s : d.str) n += sizeof(std::string) + s.size();
  return n;
}

}  // namespace

std::shared_ptr<const SeriesData> ChunkCache::Get(uint64_t segment, uint64_t offset) {
  std::lock_guard lk(mu_);
  auto it = map_.find({segment, offset});
  if (it == map_.end()) return nullptr;
  lru_.splice(lru_.begin(), lru_, it->second);
  return it->second->chunk;
}

void ChunkCache::Put(uint64_t segment, uint64_t offset, std::shared_ptr<const SeriesData> chunk) {
  size_t bytes = Footprint(*chunk);
  if (bytes > capacity_ / 4) return;  // one huge chunk must not flush the whole cache
  std::lock_guard lk(mu_);
  Key key{segment, offset};
  if (map_.count(key)) return;
  lru_.push_front({key, std::move(chunk), bytes});
  map_[key] = lru_.begin();
  bytes_ += bytes;
  while (bytes_ > capacity_ && !lru_.empty()) {
    bytes_ -= lru_.back().bytes;
    map_.erase(lru_.back().key);
    lru_.pop_back();
  }
}

}  // namespace lj::history
