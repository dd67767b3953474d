// The web client's built files (web/dist), embedded into the binary at build time by
// embed_dist.cmake: path relative to web/dist (e.g. "index.html", "assets/index-3f2a1b.js"),
// content type and bytes. The table is empty when the binary was built without web/dist.
// Thread-safety: immutable static data; every function may run concurrently.
#pragma once

#include <span>
#include <string_view>

namespace lj::webui {

struct Asset {
  std::string_view path;
  std::string_view content_type;
  std::string_view data;
};

std::span<const Asset> Assets();

// The asset at `path` (relative to web/dist, no leading slash), or nullptr.
const Asset* FindAsset(std::string_view path);

// True when the client was built into this binary (web/dist/index.html was present).
bool HasClient();

}  // namespace lj::webui
