// Resolves and flattens interfaces (see internal/resolver.h).
#include "model/internal/resolver.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>
#include <unordered_map>
#include <unordered_set>

namespace lj::model::internal {
namespace {

class Resolver {
 public:
  Resolver(const std::vector<RawInterface>& pending, const ResolvedSet& done) : done_(done) {
    for (const RawInterface& raw : pending) raw_.emplace(raw.own.id, &raw);
  }

  Status Run(ResolvedSet* fresh) {
    for (const auto& [id, raw] : raw_) {  // sorted by DTMI: deterministic first error
      if (state_[id] == State::kNew) LJ_RETURN_IF_ERROR(Visit(*raw));
    }
    *fresh = std::move(fresh_);
    return Status::Ok();
  }

 private:
  enum class State { kNew, kVisiting, kDone };

  const ResolvedSet::Entry* Lookup(std::string_view id) const {
    if (auto it = done_.entries.find(id); it != done_.entries.end()) return &it->second;
    if (auto it = fresh_.entries.find(id); it != fresh_.entries.end()) return &it->second;
    return nullptr;
  }
  bool Known(const std::string& id) const { return Lookup(id) != nullptr || raw_.count(id) > 0; }

  // Resolves what `raw` depends on (depth first), then flattens `raw` itself.
  Status Visit(const RawInterface& raw) {
    const std::string& file = raw.own.source_file;
    state_[raw.own.id] = State::kVisiting;
    stack_.push_back(raw.own.id);
    auto follow = [&](const Ref& ref, std::string_view kind) -> Status {
      if (Lookup(ref.dtmi) != nullptr) return Status::Ok();
      auto it = raw_.find(ref.dtmi);
      if (it == raw_.end()) {
        return ModelError(ErrorCode::kModelUnresolved, file, ref.pointer,
                          fmt::format("unresolved {} '{}'", kind, ref.dtmi));
      }
      if (state_[ref.dtmi] == State::kVisiting) {
        auto from = std::find(stack_.begin(), stack_.end(), ref.dtmi);
        std::string path;
        for (auto s = from; s != stack_.end(); ++s) path += *s + " -> ";
        return Invalid(file, ref.pointer,
                       fmt::format("{} cycle: {}{}", kind == "extends" ? "extends" : "component",
                                   path, ref.dtmi));
      }
      if (stack_.size() >= kMaxResolveChain) {
        return Invalid(file, ref.pointer,
                       fmt::format("chain of extends/component references longer than {} "
                                   "interfaces",
                                   kMaxResolveChain));
      }
      return Visit(*it->second);
    };
    for (const Ref& ref : raw.extends) LJ_RETURN_IF_ERROR(follow(ref, "extends"));
    for (const Ref& ref : raw.components) LJ_RETURN_IF_ERROR(follow(ref, "component schema"));
    LJ_RETURN_IF_ERROR(Flatten(raw));
    stack_.pop_back();
    state_[raw.own.id] = State::kDone;
    return Status::Ok();
  }

  Status Flatten(const RawInterface& raw) {
    const std::string& file = raw.own.source_file;
    ResolvedSet::Entry entry;
    entry.iface = std::make_unique<Interface>();
    Interface& out = *entry.iface;
    const Interface& own = raw.own;
    out.id = own.id;
    out.display_name = own.display_name;
    out.description = own.description;
    out.source_file = own.source_file;
    out.extends = own.extends;
    out.source = own.source;

    std::unordered_set<std::string> seen_ancestors, seen_telemetry, seen_properties,
        seen_relationships, seen_components;
    for (const Ref& ref : raw.extends) {
      const ResolvedSet::Entry& base = *Lookup(ref.dtmi);
      for (const auto& [name, origin] : base.origins) {
        auto [it, fresh] = entry.origins.emplace(name, origin);
        if (!fresh && it->second != origin) {
          return Invalid(
              file, ref.pointer,
              fmt::format("name '{}' is inherited from both {} and {}", name, it->second, origin));
        }
      }
      entry.depth = std::max(entry.depth, base.depth + 1);
      if (entry.depth > kMaxExtendsDepth) {
        return Invalid(file, ref.pointer,
                       fmt::format("extends hierarchy deeper than {} levels", kMaxExtendsDepth));
      }
      const Interface& b = *base.iface;
      if (seen_ancestors.insert(b.id).second) out.ancestors.push_back(b.id);
      for (const std::string& a : b.ancestors) {
        if (seen_ancestors.insert(a).second) out.ancestors.push_back(a);
      }
      for (const Telemetry& t : b.telemetry) {
        if (seen_telemetry.insert(t.name).second) out.telemetry.push_back(t);
      }
      for (const Property& p : b.properties) {
        if (seen_properties.insert(p.name).second) out.properties.push_back(p);
      }
      for (const Relationship& r : b.relationships) {
        if (seen_relationships.insert(r.name).second) out.relationships.push_back(r);
      }
      for (const Component& c : b.components) {
        if (seen_components.insert(c.name).second) out.components.push_back(c);
      }
    }
    if (out.ancestors.size() > kMaxAncestors) {
      return Invalid(
          file, Child(raw.pointer, "extends"),
          fmt::format("more than {} interfaces in the extends hierarchy", kMaxAncestors));
    }
    for (const Ref& n : raw.names) {
      auto [it, fresh] = entry.origins.emplace(n.dtmi, own.id);
      if (!fresh) {
        return Invalid(
            file, Child(n.pointer, "name"),
            fmt::format("duplicate name '{}': already inherited from {}", n.dtmi, it->second));
      }
    }
    out.telemetry.insert(out.telemetry.end(), own.telemetry.begin(), own.telemetry.end());
    out.properties.insert(out.properties.end(), own.properties.begin(), own.properties.end());
    out.relationships.insert(out.relationships.end(), own.relationships.begin(),
                             own.relationships.end());
    out.components.insert(out.components.end(), own.components.begin(), own.components.end());
    for (size_t i = 0; i < own.components.size(); ++i) {
      const Component& c = own.components[i];
      const Interface& schema = *Lookup(c.schema)->iface;
      if (!schema.components.empty()) {
        return Invalid(file, raw.components[i].pointer,
                       fmt::format("component schema '{}' has components of its own; DTDL v3 "
                                   "does not allow nested components",
                                   c.schema));
      }
      for (const Telemetry& t : schema.telemetry) {
        Telemetry flat = t;
        flat.name = c.name + "." + t.name;
        out.telemetry.push_back(std::move(flat));
      }
    }
    for (const Ref& target : raw.targets) {
      if (!Known(target.dtmi)) {
        return ModelError(ErrorCode::kModelUnresolved, file, target.pointer,
                          fmt::format("unresolved relationship target '{}'", target.dtmi));
      }
    }
    for (size_t i = 0; i < out.telemetry.size(); ++i) {
      out.telemetry_index.emplace(out.telemetry[i].name, static_cast<int>(i));
    }
    std::string id = out.id;
    fresh_.entries.emplace(std::move(id), std::move(entry));
    return Status::Ok();
  }

  const ResolvedSet& done_;
  ResolvedSet fresh_;
  std::map<std::string, const RawInterface*> raw_;
  std::unordered_map<std::string, State> state_;
  std::vector<std::string> stack_;
};

}  // namespace

Status ResolveInterfaces(const std::vector<RawInterface>& pending, ResolvedSet* done) {
  Resolver resolver(pending, *done);
  ResolvedSet fresh;
  LJ_RETURN_IF_ERROR(resolver.Run(&fresh));
  for (auto& [id, entry] : fresh.entries) done->entries.emplace(id, std::move(entry));
  return Status::Ok();
}

}  // namespace lj::model::internal
