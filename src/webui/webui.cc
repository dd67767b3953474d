#include "webui/webui.h"

namespace lj::webui {

const Asset* FindAsset(std::string_view path) {
  for (const Asset& a : Assets()) {
    if (a.path == path) return &a;
  }
  return nullptr;
}

bool HasClient() { return FindAsset("index.html") != nullptr; }

}  // namespace lj::webui
