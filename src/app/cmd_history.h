// History commands of the `lingjing` binary (src/app/cmd_history.cc):
//   lingjing import wfdb RECORD --twin ID ...   write a WFDB record into a stopped server's store
//   lingjing replay RECORD --monitor ID ...     stream a WFDB record into a running server
// AddHistoryCommands registers both; each runs from its CLI11 callback and ends the parse with
// its exit status (std::exit), so main() needs no further code. Import: 0 when every sample was
// stored, 3 when the store refused some (the summary counts them by reason), 1 on an error
// (e.g. --data not an existing data directory).
#pragma once

#include <CLI/CLI.hpp>

#include <cstdint>
#include <vector>

namespace lj::app {

void AddHistoryCommands(CLI::App& app);

// Linear-interpolation resampling of an integer signal from `from_hz` to `to_hz`, rounded to the
// nearest integer; identity when the rates are equal. Output covers the input's duration.
std::vector<int64_t> Resample(const std::vector<int64_t>& in, double from_hz, double to_hz);

}  // namespace lj::app
