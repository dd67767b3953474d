// A `lingjing serve` child on a free loopback port with a temporary data directory, plus the
// REST steps both Lingjing phases share: creating the monitor twins and checking latest vitals.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "bench_util.h"
#include "ward_workload.h"

namespace lj::bench {

inline constexpr const char* kMonitorModel = "dtmi:lingjing:ward:BedsideMonitor;1";

struct LingjingServer {
  std::unique_ptr<TempDir> dir;
  std::unique_ptr<Process> process;
  uint16_t port = 0;
  ~LingjingServer();

  // Starts `binary serve --port P --data DIR extra...` and waits (bounded) for /healthz.
  // `prefix` is prepended to the command line (e.g. taskset).
  static std::unique_ptr<LingjingServer> Start(const std::string& binary,
                                               const std::vector<std::string>& extra,
                                               std::string* error,
                                               const std::vector<std::string>& prefix = {});
  std::string Metrics() const;
  // PUTs one BedsideMonitor twin per id over `concurrency` connections; returns how many
  // succeeded.
  size_t CreateTwins(const std::vector<std::string>& ids, int concurrency) const;
};

struct VitalsCheck {
  size_t twins_checked = 0;
  size_t twins_matching = 0;  // every vitals field equals the last value sent
  std::string first_mismatch;
};

// GET /api/v1/twins/{id}/telemetry for `n` monitors spread over the workload's twins.
VitalsCheck CheckVitalsRest(const LingjingServer& s, const Workload& w, int n);

}  // namespace lj::bench
