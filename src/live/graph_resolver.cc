#include "live/graph_resolver.h"

#include <fmt/format.h>

namespace lj::live {

Result<std::vector<std::string>> GraphResolver::Resolve(const Target& target) {
  switch (target.kind) {
    case Target::Kind::kTwin: {
      Result<graph::Twin> t = graph_.GetTwin(target.id);
      if (!t.ok()) return t.status();
      return std::vector<std::string>{target.id};
    }
    case Target::Kind::kSubtree:
      return graph_.Traverse(target.id, target.relationships, target.depth);
    case Target::Kind::kModel: {
      Result<std::vector<graph::Twin>> twins = graph_.ListTwins(target.id, true);
      if (!twins.ok()) return twins.status();
      std::vector<std::string> ids;
      ids.reserve(twins->size());
      for (const auto& t : *twins) ids.push_back(t.id);
      return ids;
    }
  }
  return Status(ErrorCode::kInvalidArgument, "unknown target kind");
}

}  // namespace lj::live
