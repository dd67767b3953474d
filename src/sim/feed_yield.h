// FeedYield: hands a simulated monitor over to whoever else writes it. Registered as a
// live::SampleObserver beside the demo's Simulator, it sees every accepted sample; a sample from
// a client (any protocol but the simulator's own, the clinical layer's derived telemetry and
// viewers' presence) on a simulated monitor makes the simulator skip that monitor until
// `grace` after the sample's data time (Simulator::YieldTo). So `lingjing replay`, an HL7 feed or
// a curl against the demo writes the monitor alone and is never refused for overlapping the
// simulation; the simulation resumes `grace` after the feed's last data.
// Thread-safety: OnAccepted may run concurrently (Simulator::YieldTo is atomic).
#pragma once

#include <cstdint>
#include <span>

#include "live/sample_observer.h"
#include "sim/simulator.h"

namespace lj::sim {

class FeedYield : public live::SampleObserver {
 public:
  // `simulator` must outlive the observer's registration.
  explicit FeedYield(Simulator& simulator, int64_t grace_ns = 10'000'000'000)
      : sim_(simulator), grace_ns_(grace_ns) {}

  void OnAccepted(ingest::Protocol protocol, std::span<const live::AcceptedScalar> scalars,
                  std::span<const live::AcceptedBlock> blocks) override;

 private:
  Simulator& sim_;
  int64_t grace_ns_;
};

}  // namespace lj::sim
