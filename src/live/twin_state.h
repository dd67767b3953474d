// The live state of one twin: its properties and, per telemetry of its model, the latest scalar
// value or a ring of recent waveform blocks. Internal to the live subsystem (LiveState,
// Pipeline, ClientState).
//
// Invariants: every field of a TwinState is read and written only under its shard's mutex.
// WaveBlocks are immutable once published to a ring (readers may keep the shared_ptr and read it
// after unlocking). Versions only grow: `version` bumps on any change of the twin,
// `props_version` on property changes, Series::version on every accepted scalar sample, and ring
// sequence numbers are consecutive per series.
#pragma once

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdint>
#include <deque>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "ingest/sample.h"
#include "model/model.h"

namespace lj::live {

struct WaveBlock {
  uint64_t seq = 0;
  int64_t t0_ns = 0;
  double rate_hz = 0;
  std::vector<double> values;
  // Rounded as the history store rounds (history/chunk.cc RunTime), so a block that starts at
  // this end touches the previous one in history too, never overlaps it by a nanosecond.
  int64_t end_ns() const {
    return t0_ns + std::llround(static_cast<double>(values.size()) * 1e9 / rate_hz);
  }
};

struct Series {
  // Scalar telemetry: the latest sample by time.
  int64_t t_ns = std::numeric_limits<int64_t>::min();
  ingest::ValueKind kind = ingest::ValueKind::kDouble;
  double d = 0;
  int64_t i = 0;
  bool b = false;
  std::string s;
  uint64_t version = 0;  // accepted samples so far (scalars) or blocks so far (waveforms)
  // Waveform telemetry: recent blocks, oldest first; seq of ring[k] == first_seq + k.
  std::deque<std::shared_ptr<const WaveBlock>> ring;
  uint64_t next_seq = 0;
  int64_t last_end_ns = std::numeric_limits<int64_t>::min();  // end of the newest block
  std::unique_ptr<WaveBlock> pending;  // block being assembled by the current batch
  uint32_t history_id = 0;             // history::SeriesId, interned lazily by the Pipeline
  bool has_value() const { return version > 0; }
};

struct TwinState {
  std::string id;
  const model::Interface* model = nullptr;
  nlohmann::json properties = nlohmann::json::object();
  std::vector<Series> series;  // indexed like model->telemetry
  uint64_t version = 1;
  uint64_t props_version = 1;
  bool deleted = false;
  uint32_t shard = 0;
};

}  // namespace lj::live
