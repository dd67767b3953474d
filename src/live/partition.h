// Partitioning by twin id. The same function decides the live-state shard inside one process and,
// later, the JetStream subject a twin's telemetry travels on across machines, so it must be
// stable across builds, processes and architectures: 64-bit FNV-1a of the id's bytes.
#pragma once

#include <cstdint>
#include <string_view>

namespace lj::live {

inline uint64_t StableHash(std::string_view s) {
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}

inline uint32_t PartitionOf(std::string_view twin_id, uint32_t partitions) {
  return static_cast<uint32_t>(StableHash(twin_id) % partitions);
}

}  // namespace lj::live
