// ScopeResolver: where a twin belongs (TwinScope: wards, patient, ancestors), for the policy.
//
// GraphScopeResolver walks the twin graph upwards from the twin along the incoming
// relationships that express containment or assignment (by default: contains, hasDevice,
// hasSensor, wears, occupiedBy — hospital → ward → room → bed → patient → devices):
//   - ancestors: every twin reached, nearest first (at most max_nodes, max_depth hops);
//   - wards: the twin itself and every ancestor whose model is (or extends) the ward model;
//   - patient: the twin itself if it is a patient; else the nearest twin on the walk that is a
//     patient or that has an outgoing `occupiedBy` (a bed's occupant) — so a bed, its bedside
//     monitor and a device the patient wears all belong to the patient; a room does not;
//   - above_wards: for twins in no ward, whether one of their direct children is a ward.
// An unknown twin resolves to exists=false with no ward and no patient (never an error).
//
// Caching: results are kept (up to cache_entries, then the cache starts over) and the whole
// cache is dropped on every graph change that can move a twin (relationships, deletions,
// creations, model changes; not property patches) (register the resolver with
// TwinGraph::AddListener; TwinGraph has no RemoveListener, so the resolver must outlive the graph's
// use). A resolution that raced with a graph change is returned but not cached. A cache hit is one
// mutex-protected hash lookup and a shared_ptr copy. Thread-safety: Resolve may be called from any
// thread; listener callbacks only touch the cache (never the graph), as TwinGraph requires.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "auth/policy.h"
#include "graph/twin_graph.h"
#include "model/model.h"

namespace lj::auth {

class ScopeResolver {
 public:
  virtual ~ScopeResolver() = default;
  // kStorage (or another graph error) only when the graph cannot be read: deny on error.
  virtual Result<std::shared_ptr<const TwinScope>> Resolve(std::string_view twin) = 0;
};

struct GraphScopeOptions {
  std::string ward_model = "dtmi:lingjing:ward:Ward;1";
  std::string patient_model = "dtmi:lingjing:ward:Patient;1";
  std::vector<std::string> up_relationships = {"contains", "hasDevice", "hasSensor", "wears",
                                               "occupiedBy"};
  std::string occupant_relationship = "occupiedBy";
  int max_depth = 8;
  size_t max_nodes = 64;
  size_t cache_entries = 100000;
};

class GraphScopeResolver : public ScopeResolver, public graph::GraphListener {
 public:
  // `models` (optional) makes model checks follow `extends`; without it models compare exactly.
  GraphScopeResolver(graph::TwinGraph& graph, const model::ModelRegistry* models,
                     GraphScopeOptions options = {});

  Result<std::shared_ptr<const TwinScope>> Resolve(std::string_view twin) override;

  void OnTwinUpserted(const graph::Twin& twin, bool created) override;
  void OnTwinDeleted(const std::string& id) override;
  void OnRelationshipsChanged(const std::string& source) override;

  uint64_t hits() const { return hits_.load(std::memory_order_relaxed); }
  uint64_t misses() const { return misses_.load(std::memory_order_relaxed); }

 private:
  using ModelsSeen = std::vector<std::pair<std::string, std::string>>;  // twin id, model
  Result<TwinScope> Walk(const std::string& twin, ModelsSeen* seen_models) const;
  bool ModelIs(const std::string& model, const std::string& base) const;
  void InvalidateLocked();

  graph::TwinGraph& graph_;
  const model::ModelRegistry* models_;
  GraphScopeOptions options_;
  std::mutex mu_;
  uint64_t generation_ = 0;                                                  // guarded by mu_
  std::unordered_map<std::string, std::shared_ptr<const TwinScope>> cache_;  // guarded by mu_
  // Models of the twins the cached scopes were computed from; guarded by mu_.
  std::unordered_map<std::string, std::string> seen_models_;
  std::atomic<uint64_t> hits_{0}, misses_{0};
};

}  // namespace lj::auth
