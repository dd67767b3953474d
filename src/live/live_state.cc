#include "live/live_state.h"

#include "common/log.h"
#include "live/partition.h"

namespace lj::live {

LiveState::LiveState(const model::ModelRegistry& models, LiveOptions options)
    : models_(models), options_(options) {
  if (options_.shards == 0) options_.shards = 1;
  for (uint32_t i = 0; i < options_.shards; ++i) shards_.push_back(std::make_unique<Shard>());
}

LiveState::~LiveState() = default;

uint32_t LiveState::ShardOf(std::string_view twin_id) const {
  return PartitionOf(twin_id, static_cast<uint32_t>(shards_.size()));
}

void LiveState::WithShard(uint32_t shard, const std::function<void(TwinMap&)>& fn) {
  Shard& s = *shards_[shard];
  std::lock_guard lock(s.mu);
  fn(s.twins);
}

std::shared_ptr<TwinState> LiveState::Find(std::string_view twin_id) {
  Shard& s = *shards_[ShardOf(twin_id)];
  std::lock_guard lock(s.mu);
  auto it = s.twins.find(twin_id);
  return it == s.twins.end() ? nullptr : it->second;
}

size_t LiveState::TwinCount() const {
  size_t n = 0;
  for (const auto& s : shards_) {
    std::lock_guard lock(s->mu);
    n += s->twins.size();
  }
  return n;
}

void LiveState::PublishPending(Series& series) {
  if (series.pending) Publish(series, std::move(series.pending));
}

std::shared_ptr<const WaveBlock> LiveState::Publish(Series& series,
                                                    std::unique_ptr<WaveBlock> pending) {
  std::shared_ptr<const WaveBlock> block(pending.release());
  series.last_end_ns = std::max(series.last_end_ns, block->end_ns());
  series.ring.push_back(block);
  ++series.version;
  const int64_t keep_ns = static_cast<int64_t>(options_.wave_buffer_seconds * 1e9);
  while (series.ring.size() > 1 && (series.ring.size() > options_.wave_buffer_max_blocks ||
                                    series.last_end_ns - series.ring.front()->end_ns() > keep_ns)) {
    series.ring.pop_front();
  }
  return block;
}

void LiveState::OnTwinUpserted(const graph::Twin& twin, bool created) {
  const model::Interface* iface = models_.Find(twin.model);
  if (!iface) {
    LJ_LOG_WARN("twin has unknown model; not tracked live", "twin", twin.id, "model", twin.model);
    return;
  }
  uint32_t shard = ShardOf(twin.id);
  Shard& s = *shards_[shard];
  bool added = false;
  {
    std::lock_guard lock(s.mu);
    auto& slot = s.twins[twin.id];
    if (!slot || slot->model != iface) {
      auto st = std::make_shared<TwinState>();
      st->id = twin.id;
      st->model = iface;
      st->series.resize(iface->telemetry.size());
      st->shard = shard;
      if (slot) {
        slot->deleted = true;
        st->version = slot->version + 1;
        st->props_version = slot->props_version + 1;
      }
      slot = std::move(st);
      added = true;
    } else {
      ++slot->version;
      ++slot->props_version;
    }
    slot->properties = twin.properties;
  }
  if (added || created) epoch_.fetch_add(1, std::memory_order_acq_rel);
}

void LiveState::OnTwinDeleted(const std::string& id) {
  Shard& s = *shards_[ShardOf(id)];
  {
    std::lock_guard lock(s.mu);
    auto it = s.twins.find(id);
    if (it == s.twins.end()) return;
    it->second->deleted = true;
    ++it->second->version;
    s.twins.erase(it);
  }
  epoch_.fetch_add(1, std::memory_order_acq_rel);
}

void LiveState::OnRelationshipsChanged(const std::string&) {
  epoch_.fetch_add(1, std::memory_order_acq_rel);
}

}  // namespace lj::live
