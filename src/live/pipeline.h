// Pipeline: the engine's IngestSink. For each parsed batch it validates every sample against the
// twin's model (unknown twin, unknown telemetry, wrong type, non-finite, out of order beyond
// tolerance, timestamp too far in the future, waveform rate mismatch, oversize) and applies the
// accepted ones to LiveState, one shard lock per shard touched per batch.
//
// Invariants: a rejected sample never affects its neighbours; scalar live values only move
// forward in time (a late sample within tolerance is accepted but does not replace a newer
// value); consecutive waveform samples of one series in one batch become one block; every
// sample is either counted accepted or rejected with exactly one reason (lj_ingest_* metrics).
// Thread-safety: Ingest may be called concurrently from any thread.
#pragma once

#include <array>
#include <cstdint>

#include "ingest/ingest_sink.h"
#include "live/live_state.h"
#include "metrics/metrics.h"

namespace lj::live {

struct PipelineOptions {
  int64_t out_of_order_tolerance_ns = 5'000'000'000;  // 5 s
  int64_t max_future_ns = 300'000'000'000;            // 5 min ahead of the server clock
  double rate_tolerance = 0.01;                       // relative, block rate vs model rate
  size_t max_block_values = 65536;
};

class Pipeline : public ingest::IngestSink {
 public:
  Pipeline(LiveState& live, metrics::Registry& metrics, PipelineOptions options);
  ingest::IngestReport Ingest(ingest::ParsedBatch& batch, ingest::Protocol protocol) override;

  static constexpr size_t kReasons = 10;

 private:
  struct ShardWork;
  void ApplyShard(LiveState::TwinMap& twins, ingest::ParsedBatch& batch, const uint32_t* idx,
                  size_t n, int64_t now_ns, ShardWork& work);
  bool CheckScalar(const model::Schema& schema, const ingest::Value& v, std::string* why) const;
  static void StoreScalar(const model::Schema& schema, const ingest::Value& v, int64_t t_ns,
                          Series& se);
  // kOk, or the reject reason with `why` filled.
  ErrorCode ApplyWave(const ingest::ParsedBatch& batch, const ingest::ParsedSample& smp,
                      const model::Telemetry& tel, Series& se, ShardWork& work, std::string* why);
  void CountReject(ingest::IngestReport& report, ingest::Reject&& reject, uint64_t samples,
                   ingest::Protocol protocol);

  LiveState& live_;
  PipelineOptions options_;
  static constexpr size_t kProtocols = static_cast<size_t>(ingest::Protocol::kCount);
  std::array<metrics::Counter*, kProtocols> accepted_{};
  std::array<metrics::Counter*, kProtocols> batches_{};
  std::array<std::array<metrics::Counter*, kReasons>, kProtocols> rejected_{};
};

}  // namespace lj::live
