#include "sim/feed_yield.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace lj::sim {
namespace {

// t + d without overflow (client timestamps can be anywhere in int64).
int64_t SaturatingAdd(int64_t t, int64_t d) {
  int64_t r = 0;
  return __builtin_add_overflow(t, d, &r) ? std::numeric_limits<int64_t>::max() : r;
}

}  // namespace

void FeedYield::OnAccepted(ingest::Protocol protocol, std::span<const live::AcceptedScalar> scalars,
                           std::span<const live::AcceptedBlock> blocks) {
  using ingest::Protocol;
  if (protocol == Protocol::kSimulator || protocol == Protocol::kClinical ||
      protocol == Protocol::kPresence)
    return;
  for (const live::AcceptedScalar& s : scalars)
    if (sim_.IsSimulated(s.twin)) sim_.YieldTo(s.twin, SaturatingAdd(s.t_ns, grace_ns_));
  for (const live::AcceptedBlock& b : blocks) {
    if (!sim_.IsSimulated(b.twin) || b.rate_hz <= 0) continue;
    const double span_ns = static_cast<double>(b.values.size()) * 1e9 / b.rate_hz;
    const int64_t end = SaturatingAdd(b.t0_ns, static_cast<int64_t>(std::min(span_ns, 1e18)));
    sim_.YieldTo(b.twin, SaturatingAdd(end, grace_ns_));
  }
}

}  // namespace lj::sim
