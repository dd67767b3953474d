// LiveState: the current state of every twin, sharded by twin id (PartitionOf) so ingest on
// different twins proceeds in parallel and viewers read without stopping the world.
//
// Contract: LiveState mirrors the twin graph (it is a GraphListener); TwinStates are created,
// updated and marked deleted only through the listener. Callers reach a shard's twins only
// inside WithShard(), which holds that shard's mutex for the duration of the callback; keep
// callbacks short (no I/O, no JSON formatting of large payloads).
// `membership_epoch()` increases whenever twins or relationships are added or removed, so that
// subscriptions know to re-resolve which twins they cover.
// Thread-safety: all methods are safe to call from any thread.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "graph/twin_graph.h"
#include "live/twin_state.h"
#include "model/model.h"

namespace lj::live {

struct LiveOptions {
  uint32_t shards = 16;
  double wave_buffer_seconds = 10;  // waveform history kept per series for slow viewers
  size_t wave_buffer_max_blocks = 4096;
};

class LiveState : public graph::GraphListener {
 public:
  LiveState(const model::ModelRegistry& models, LiveOptions options);
  ~LiveState() override;

  struct StringHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  using TwinMap =
      std::unordered_map<std::string, std::shared_ptr<TwinState>, StringHash, std::equal_to<>>;

  uint32_t shard_count() const { return static_cast<uint32_t>(shards_.size()); }
  uint32_t ShardOf(std::string_view twin_id) const;
  // Runs `fn(twins)` with shard `shard` locked.
  void WithShard(uint32_t shard, const std::function<void(TwinMap&)>& fn);
  // The twin's state object (stable for the twin's life), or nullptr. Read its fields only
  // inside WithShard(twin->shard, ...).
  std::shared_ptr<TwinState> Find(std::string_view twin_id);
  size_t TwinCount() const;
  uint64_t membership_epoch() const { return epoch_.load(std::memory_order_acquire); }
  const LiveOptions& options() const { return options_; }

  // Publishes a block assembled in `series.pending` into the ring, trimming old blocks.
  // Caller holds the shard lock.
  void PublishPending(Series& series);
  // Publishes `block` (its seq must be the series' next ring seq) and returns it.
  // Caller holds the shard lock.
  std::shared_ptr<const WaveBlock> Publish(Series& series, std::unique_ptr<WaveBlock> block);

  // graph::GraphListener
  void OnTwinUpserted(const graph::Twin& twin, bool created) override;
  void OnTwinDeleted(const std::string& id) override;
  void OnRelationshipsChanged(const std::string& source) override;

 private:
  struct Shard {
    std::mutex mu;
    TwinMap twins;
  };
  const model::ModelRegistry& models_;
  LiveOptions options_;
  std::vector<std::unique_ptr<Shard>> shards_;
  std::atomic<uint64_t> epoch_{1};
};

}  // namespace lj::live
