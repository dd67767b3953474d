// GraphResolver: resolves subscription targets over the twin graph (twin exists; subtree by
// relationship traversal; all twins of a model or a derived model).
// Thread-safety: as TwinGraph (safe from any thread).
#pragma once

#include "graph/twin_graph.h"
#include "live/client_state.h"

namespace lj::live {

class GraphResolver : public Resolver {
 public:
  explicit GraphResolver(graph::TwinGraph& graph) : graph_(graph) {}
  Result<std::vector<std::string>> Resolve(const Target& target) override;

 private:
  graph::TwinGraph& graph_;
};

}  // namespace lj::live
