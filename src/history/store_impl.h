// HistoryStore's implementation (internal; the contract is history.h, the design
// doc/design/history.md). Split over store.cc (open, recovery, catalog, write path),
// wal_thread.cc (group commit), flush.cc (segments, manifest, compaction, retention) and
// query.cc (Read, Downsample, Latest).
//
// Locking: mu_ guards the catalog, the memtable, the WAL queue and the segment list. Write()
// holds it to assign the LSN, queue the record and append to the memtable; queries hold it only
// to copy shared_ptrs and the open chunk's range. maint_mu_ serialises flush and compaction
// (never taken by Write). The WAL thread and the maintenance thread never hold mu_ during I/O.
#pragma once

#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "history/chunk_cache.h"
#include "history/history.h"
#include "history/manifest.h"
#include "history/memtable.h"
#include "history/segment.h"
#include "history/wal.h"
#include "metrics/metrics.h"

namespace lj::history {

// A waveform block Write() has kept earlier in the batch it is deciding (store.cc).
struct WriteScratchBlock {
  SeriesId series = 0;
  int64_t t0 = 0, end = 0;
};

struct StoreMetrics {
  metrics::Counter* wal_bytes = nullptr;
  metrics::Counter* fsyncs = nullptr;
  metrics::Counter* group_commits = nullptr;  // WAL writes (each covers >= 1 batch)
  metrics::Counter* batches = nullptr;
  metrics::Counter* compactions = nullptr;
  metrics::Counter* write_errors = nullptr;
  metrics::Counter* dropped_blocks = nullptr;
  metrics::Gauge* segments = nullptr;
  metrics::Gauge* bytes = nullptr;
  metrics::Gauge* samples = nullptr;
};

class Store final : public HistoryStore {
 public:
  explicit Store(HistoryOptions options, metrics::Registry* registry);
  ~Store() override;
  Status OpenAndRecover(const ProgressFn& progress);

  Result<SeriesId> Intern(const SeriesInfo& info) override;
  std::optional<SeriesId> Find(std::string_view twin, std::string_view telemetry) const override;
  Result<SeriesInfo> Info(SeriesId id) const override;
  std::vector<std::pair<SeriesId, SeriesInfo>> ListSeries(std::string_view twin) const override;
  void SetRetention(SeriesId id, int64_t seconds) override;
  using HistoryStore::Write;
  Result<uint64_t> Write(const WriteBatch& batch, WriteReport* report) override;
  bool IsDurable(uint64_t lsn) const override;
  void WhenDurable(uint64_t lsn, std::function<void(Status)> done) override;
  Status WaitDurable(uint64_t lsn) override;
  Result<SeriesData> Read(SeriesId id, int64_t from_ns, int64_t to_ns, size_t limit) const override;
  Result<std::vector<Bucket>> Downsample(SeriesId id, int64_t from_ns, int64_t to_ns,
                                         size_t buckets) const override;
  Result<SeriesData> Latest(SeriesId id) const override;
  Status Flush() override;
  Status Compact() override;
  HistoryStats Stats() const override;
  Status Close() override;

 private:
  struct Pending {  // WAL bytes queued for one file
    uint64_t wal_no = 0;
    std::string bytes;
    uint64_t last_lsn = 0;
  };
  struct Snapshot {  // what a query reads, oldest first
    ValueType type = ValueType::kDouble;
    bool waveform = false;
    std::vector<std::shared_ptr<Segment>> segments;
    std::vector<ChunkPtr> sealed;
    SeriesData open;  // sorted
  };

  // store.cc
  Status LockDir();
  Status Recover(const ProgressFn& progress);
  Status ReplayWal(uint64_t wal_no, bool last, uint64_t* done, uint64_t total,
                   const ProgressFn& progress);
  Status ApplyRecord(WalType type, std::string_view payload, uint64_t lsn);
  void ApplyBatch(std::string_view payload, bool legacy);  // under mu_
  void QueueRecord(uint64_t lsn, WalType type, std::string_view payload,
                   uint32_t payload_crc);  // under mu_
  SeriesState* StateOf(SeriesId id);
  const SeriesState* StateOf(SeriesId id) const;
  std::string Path(const std::string& name) const { return opt_.dir + "/" + name; }
  ChunkLimits limits() const { return {opt_.chunk_max_values, opt_.chunk_max_span_ns}; }
  void Hook(const char* step) const {
    if (opt_.test_hook) opt_.test_hook(step);
  }

  // wal_thread.cc
  void WalLoop();
  Status WalWrite(std::vector<Pending>* batch, bool sync, uint64_t* opened);
  Status RotateTo(uint64_t wal_no);
  std::vector<std::function<void(Status)>> TakeDoneWaiters(const Status& st);  // under mu_

  // flush.cc
  Status FlushLocked();             // under maint_mu_
  Status CompactLocked(bool all);   // under maint_mu_
  Manifest ManifestLocked() const;  // under mu_
  Status InstallManifest(const Manifest& m);
  void MaintLoop();
  void UpdateGauges();  // under mu_
  int64_t RetentionOf(const SeriesState& s) const;

  // query.cc
  Result<Snapshot> Take(SeriesId id, int64_t from_ns, int64_t to_ns) const;
  // A segment chunk, decoded, through the cache.
  Result<ChunkPtr> LoadChunk(const Segment& seg, const ChunkMeta& meta) const;

  HistoryOptions opt_;
  StoreMetrics m_;
  mutable ChunkCache cache_;
  int lock_fd_ = -1;

  mutable std::mutex mu_;
  std::condition_variable wal_cv_;   // WAL thread: work queued / stop
  std::condition_variable done_cv_;  // WaitDurable, flush: progress made
  std::deque<SeriesState> series_;   // id = index + 1
  std::unordered_map<std::string, SeriesId> by_name_;
  uint64_t next_lsn_ = 1;
  uint64_t written_lsn_ = 0;
  uint64_t durable_lsn_ = 0;
  uint64_t wal_no_ = 1;         // file new records go to
  uint64_t opened_wal_no_ = 0;  // file the WAL thread has open (all older ones are complete)
  uint64_t wal_bytes_ = 0;      // in all live WAL files, including queued
  std::vector<Pending> pending_;
  std::vector<WriteScratchBlock> decide_scratch_;  // Write's reused scratch (blocks kept so far)
  std::multimap<uint64_t, std::function<void(Status)>> waiters_;
  Status broken_;
  bool closed_ = false;
  bool stop_wal_ = false;
  bool stop_wal_done_ = false;     // the WAL thread has exited
  uint64_t wal_since_freeze_ = 0;  // WAL bytes queued since the last flush froze the memtable
  uint64_t man_wal_min_ = 1;       // manifest.wal_min
  uint64_t queued_bytes_ = 0;      // in pending_, not yet taken by the WAL thread
  static constexpr uint64_t kMaxQueuedWalBytes = uint64_t{256} << 20;
  uint64_t samples_written_ = 0;
  std::vector<SegmentEntry> seg_entries_;  // parallel to segments_
  std::vector<std::shared_ptr<Segment>> segments_;
  uint64_t next_file_ = 1;
  uint64_t next_seq_ = 1;
  uint64_t flushed_lsn_ = 0;  // manifest.last_lsn

  std::mutex maint_mu_;
  std::condition_variable maint_cv_;
  bool maint_requested_ = false;
  bool stop_maint_ = false;
  Status maint_error_;

  int wal_fd_ = -1;  // WAL thread only (and Close after it stopped)
  std::thread wal_thread_;
  std::thread maint_thread_;
};

}  // namespace lj::history
