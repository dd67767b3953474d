#include "auth/scope_resolver.h"

#include <algorithm>
#include <deque>
#include <unordered_set>

namespace lj::auth {

GraphScopeResolver::GraphScopeResolver(graph::TwinGraph& graph, const model::ModelRegistry* models,
                                       GraphScopeOptions options)
    : graph_(graph), models_(models), options_(std::move(options)) {}

bool GraphScopeResolver::ModelIs(const std::string& model, const std::string& base) const {
  if (model == base) return true;
  if (models_ == nullptr) return false;
  const model::Interface* iface = models_->Find(model);
  return iface != nullptr && iface->IsA(base);
}

Result<TwinScope> GraphScopeResolver::Walk(const std::string& twin, ModelsSeen* seen_models) const {
  TwinScope s;
  s.twin = twin;
  Result<graph::Twin> self = graph_.GetTwin(twin);
  if (!self.ok()) {
    if (self.status().code() != ErrorCode::kNotFound) return self.status();
    s.exists = false;
    return s;
  }
  const auto& up = options_.up_relationships;
  auto is_up = [&](const std::string& name) {
    return std::find(up.begin(), up.end(), name) != up.end();
  };
  // The occupant of `id` (target of its outgoing occupant relationship), or "".
  auto occupant = [&](const std::string& id) -> Result<std::string> {
    Result<std::vector<graph::Relationship>> out = graph_.ListRelationships(id);
    if (!out.ok()) return out.status();
    for (const graph::Relationship& r : *out)
      if (r.name == options_.occupant_relationship) return r.target;
    return std::string();
  };
  // Considers twin `id` of model `model` for the patient and the wards.
  auto visit = [&](const std::string& id, const std::string& model) -> Status {
    seen_models->emplace_back(id, model);
    if (ModelIs(model, options_.ward_model)) s.wards.push_back(id);
    if (!s.patient.empty()) return Status::Ok();
    if (ModelIs(model, options_.patient_model)) {
      s.patient = id;
      return Status::Ok();
    }
    Result<std::string> occ = occupant(id);
    if (!occ.ok()) return occ.status();
    s.patient = *occ;
    return Status::Ok();
  };
  LJ_RETURN_IF_ERROR(visit(twin, self->model));

  std::unordered_set<std::string> seen{twin};
  std::deque<std::pair<std::string, int>> queue{{twin, 0}};
  while (!queue.empty() && s.ancestors.size() < options_.max_nodes) {
    auto [id, depth] = queue.front();
    queue.pop_front();
    if (depth >= options_.max_depth) continue;
    Result<std::vector<graph::Relationship>> in = graph_.IncomingRelationships(id);
    if (!in.ok()) {
      if (in.status().code() == ErrorCode::kNotFound) continue;  // deleted meanwhile
      return in.status();
    }
    for (const graph::Relationship& r : *in) {
      if (!is_up(r.name) || !seen.insert(r.source).second) continue;
      if (s.ancestors.size() >= options_.max_nodes) break;
      Result<graph::Twin> parent = graph_.GetTwin(r.source);
      if (!parent.ok()) {
        if (parent.status().code() == ErrorCode::kNotFound) continue;
        return parent.status();
      }
      s.ancestors.push_back(r.source);
      LJ_RETURN_IF_ERROR(visit(r.source, parent->model));
      queue.emplace_back(r.source, depth + 1);
    }
  }
  // Structure above wards: a twin in no ward with a ward among its direct children.
  if (s.wards.empty()) {
    Result<std::vector<graph::Relationship>> out = graph_.ListRelationships(twin);
    if (!out.ok()) return out.status();
    for (const graph::Relationship& r : *out) {
      if (!is_up(r.name)) continue;
      Result<graph::Twin> child = graph_.GetTwin(r.target);
      if (child.ok()) seen_models->emplace_back(r.target, child->model);
      if (child.ok() && ModelIs(child->model, options_.ward_model)) {
        s.above_wards = true;
        break;
      }
    }
  }
  return s;
}

Result<std::shared_ptr<const TwinScope>> GraphScopeResolver::Resolve(std::string_view twin) {
  std::string id(twin);
  uint64_t generation = 0;
  {
    std::lock_guard lk(mu_);
    auto it = cache_.find(id);
    if (it != cache_.end()) {
      hits_.fetch_add(1, std::memory_order_relaxed);
      return it->second;
    }
    generation = generation_;
  }
  misses_.fetch_add(1, std::memory_order_relaxed);
  // The graph has its own lock; it is read without holding mu_.
  ModelsSeen seen_models;
  Result<TwinScope> walked = Walk(id, &seen_models);
  if (!walked.ok()) return walked.status();
  auto scope = std::make_shared<const TwinScope>(std::move(walked).value());
  std::lock_guard lk(mu_);
  if (generation == generation_) {
    if (cache_.size() >= options_.cache_entries) {
      cache_.clear();
      seen_models_.clear();
    }
    cache_.emplace(std::move(id), scope);
    for (auto& [twin_id, model] : seen_models) seen_models_[twin_id] = std::move(model);
  }
  return scope;
}

void GraphScopeResolver::InvalidateLocked() {
  ++generation_;
  cache_.clear();
  seen_models_.clear();
}

// A change that may move twins between wards and patients drops every cached scope: a
// relationship change, a deleted twin, a new twin (it may be cached as unknown), a replaced twin
// whose model differs from the one a cached scope was computed with. Property-only changes
// (patches, e.g. alarm limits) keep the cache. A miss costs a few indexed SQLite reads.
void GraphScopeResolver::OnTwinUpserted(const graph::Twin& twin, bool created) {
  std::lock_guard lk(mu_);
  if (!created) {
    auto it = seen_models_.find(twin.id);
    if (it == seen_models_.end() || it->second == twin.model) {
      ++generation_;  // a walk in flight may have read the old model: do not cache it
      return;
    }
  }
  InvalidateLocked();
}
void GraphScopeResolver::OnTwinDeleted(const std::string&) {
  std::lock_guard lk(mu_);
  InvalidateLocked();
}
void GraphScopeResolver::OnRelationshipsChanged(const std::string&) {
  std::lock_guard lk(mu_);
  InvalidateLocked();
}

}  // namespace lj::auth
