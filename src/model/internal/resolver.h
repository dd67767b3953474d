// Resolution of parsed interfaces: looks up `extends`, component schemas and relationship
// targets, refuses cycles and name clashes, and flattens inherited and component contents.
// All-or-nothing: on failure nothing is added.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "model/internal/loader.h"
#include "model/model.h"

namespace lj::model::internal {

inline constexpr int kMaxExtendsDepth = 10;
inline constexpr size_t kMaxAncestors = 1024;
// Guards the resolver's recursion. Valid models stay far below (10 extends levels, then at most
// one component and its own 10 levels).
inline constexpr size_t kMaxResolveChain = 64;

// Resolved interfaces plus what resolving later interfaces needs to know about them.
struct ResolvedSet {
  struct Entry {
    std::unique_ptr<Interface> iface;
    std::map<std::string, std::string> origins;  // content name -> DTMI that declared it
    int depth = 0;                               // longest `extends` chain below it
  };
  std::map<std::string, Entry, std::less<>> entries;  // by DTMI
};

// Resolves `pending` (which may refer to each other and to `done`) and adds them to `done`.
Status ResolveInterfaces(const std::vector<RawInterface>& pending, ResolvedSet* done);

}  // namespace lj::model::internal
