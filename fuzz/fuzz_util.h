// Helpers shared by the libFuzzer targets: read every byte of a view (so ASan sees dangling or
// out-of-range views), check that a view lies inside a region, and trap on a broken invariant.
#pragma once

#include <cstdint>
#include <string_view>

namespace lj::fuzz {

inline uint64_t Touch(std::string_view s) {
  uint64_t h = s.size();
  for (char c : s) h = h * 131 + static_cast<unsigned char>(c);
  return h;
}

inline bool Inside(std::string_view s, std::string_view region) {
  return s.data() >= region.data() && s.data() + s.size() <= region.data() + region.size();
}

inline void Check(bool ok) {
  if (!ok) __builtin_trap();
}

}  // namespace lj::fuzz
