// Pipeline: the engine's IngestSink. For each parsed batch it validates every sample against the
// twin's model (unknown twin, unknown telemetry, wrong type, non-finite, string not valid UTF-8,
// out of order beyond tolerance, timestamp too far in the future or older than max_age, waveform
// rate mismatch, oversize, derived telemetry from outside the engine) and applies the accepted
// ones to LiveState, one shard lock per shard touched per batch. Telemetry marked `Derived` in
// its model (NEWS2, alarm state) is accepted only with Protocol::kClinical, the engine's own.
//
// With a HistoryStore attached, the accepted samples of each shard are written to history
// (one WriteBatch, one Write()) while that shard's lock is held and before its waveform blocks
// are published to live state, so whatever a viewer can see live is already in history (the
// exact history→live seam of the WebSocket `history_s` subscription). IngestReport::lsn is the
// LSN to wait for before acknowledging (0 when nothing was written). A failed write rejects the
// shard's samples with kStorage (its waveform blocks are dropped; scalar live values may already
// show them). With history, a waveform sample overlapping the data already held is rejected.
// After applying, the registered SampleObservers see the accepted samples (sample_observer.h),
// except Protocol::kPresence batches (a viewer's pose is not clinical data). Twins of
// `session_models` accept telemetry only with Protocol::kPresence (else `forbidden`).
//
// Invariants: a rejected sample never affects its neighbours; scalar live values only move
// forward in time (a late sample within tolerance is accepted but does not replace a newer
// value); consecutive waveform samples of one series in one batch become one block; every
// sample is either counted accepted or rejected with exactly one reason (lj_ingest_* metrics).
// Thread-safety: Ingest and AddObserver may be called concurrently from any thread.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "history/history.h"

#include "ingest/ingest_sink.h"
#include "live/live_state.h"
#include "live/sample_observer.h"
#include "metrics/metrics.h"

namespace lj::live {

struct PipelineOptions {
  int64_t out_of_order_tolerance_ns = 5'000'000'000;  // 5 s
  int64_t max_future_ns = 300'000'000'000;            // 5 min ahead of the server clock
  // The oldest sample accepted is this far behind the server clock (0 = no limit): a sample
  // dated 1700 is refused `bad_timestamp`, not kept in a fresh series. Bulk loads of old
  // records go to the store directly (`lingjing import`), not through the pipeline. The
  // server's default is [ingest] max_age = 30 days (app/config.cc).
  int64_t max_age_ns = 0;
  double rate_tolerance = 0.01;  // relative, block rate vs model rate
  size_t max_block_values = 65536;
  // History retention per model/telemetry (most specific wins), set when a series is first
  // interned by this process; series no rule matches keep the store's default.
  std::vector<history::RetentionRule> retention;
  // Models of session-owned twins (the presence twin of a viewer, live/presence.h): their
  // telemetry is accepted only with Protocol::kPresence, anything else is rejected `forbidden`.
  std::vector<std::string> session_models;
};

class Pipeline : public ingest::IngestSink {
 public:
  // `history` may be null (live only); it must outlive the pipeline.
  Pipeline(LiveState& live, metrics::Registry& metrics, PipelineOptions options,
           history::HistoryStore* history = nullptr);
  ingest::IngestReport Ingest(ingest::ParsedBatch& batch, ingest::Protocol protocol) override;
  // Registers an observer (not owned; it must outlive the pipeline). Observers added while
  // ingest runs see the batches that start after the call.
  void AddObserver(SampleObserver* observer);
  history::HistoryStore* history() const { return history_; }

  // The history value type of a telemetry: integral → kInt, boolean → kBool, string or enum of
  // strings → kString, else kDouble (waveforms: kInt or kDouble).
  static history::ValueType HistoryType(const model::Telemetry& tel);

  static constexpr size_t kReasons = 13;

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
  // Interns the series in history (cached in Series::history_id); 0 with `why` on failure.
  history::SeriesId HistoryId(const TwinState& twin, int ti, Series& se, std::string* why);
  void WriteScalar(history::SeriesId id, const model::Schema& schema, const ingest::Value& v,
                   int64_t t_ns, ShardWork& work);
  // Writes the shard's batch and publishes its blocks (or drops them if the write failed).
  void CommitShard(ShardWork& work);
  void Notify(ingest::Protocol protocol, ShardWork& work);
  bool IsSessionOwned(const model::Interface& iface) const;

  LiveState& live_;
  PipelineOptions options_;
  history::HistoryStore* history_ = nullptr;
  std::mutex observers_mu_;
  std::shared_ptr<const std::vector<SampleObserver*>> observers_;
  metrics::Counter* history_failures_ = nullptr;
  static constexpr size_t kProtocols = static_cast<size_t>(ingest::Protocol::kCount);
  std::array<metrics::Counter*, kProtocols> accepted_{};
  std::array<metrics::Counter*, kProtocols> batches_{};
  std::array<std::array<metrics::Counter*, kReasons>, kProtocols> rejected_{};
};

}  // namespace lj::live
