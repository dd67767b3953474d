// HistoryStore: the engine's durable, compressed telemetry history (doc/design/history.md,
// on-disk format in doc/storage-format.md).
//
// Write path: the ingest pipeline puts the samples it accepted into a WriteBatch and calls
// Write(). Write() appends the entries it keeps to the write-ahead log buffer and to the
// in-memory open chunks, and returns their log sequence number (LSN); from then on queries see
// them. The
// WAL thread group-commits: one write()+fdatasync() covers every batch queued meanwhile. A sender
// is acknowledged only when Durable(lsn) (SyncPolicy::kBatch, the default); with kInterval the
// log is synced every `sync_interval_ms` and acknowledgements do not wait (loss window: that
// interval); kNone never syncs (tests, benchmarks of the codec path only).
// Open chunks are sealed into compressed, columnar chunks (codec/codec.h) in segment files when
// they fill up or the WAL grows past `wal_flush_bytes`; a segment is made durable and recorded
// in the manifest before the WAL files it covers are deleted. Recovery loads the manifest and
// replays the remaining WAL: every durable batch is recovered exactly once, a torn tail is
// discarded.
//
// Invariants: an acknowledged sample is never lost and never duplicated; a series' samples are
// returned in time order (ties in arrival order); a waveform series stores whole blocks (t0,
// rate, values) and never overlapping ones. Nothing in the write path waits on a query.
// Every sample handed to Write() is either kept (queryable until retention deletes it) or
// refused by that Write() with a reason: a waveform block that overlaps data already stored
// for its series (older, non-overlapping blocks are stored: backfill), or an integer-waveform
// value an int64 cannot hold. Scalar samples are never refused (any order, duplicate times).
// Thread-safety: every method is safe to call from any thread.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace lj::metrics {
class Registry;
}

namespace lj::history {

enum class ValueType : uint8_t { kDouble = 1, kInt = 2, kBool = 3, kString = 4 };

using SeriesId = uint32_t;  // dense, assigned by Intern(), stable across restarts; 0 is invalid

struct SeriesInfo {
  std::string twin;
  std::string telemetry;
  ValueType type = ValueType::kDouble;
  bool waveform = false;  // fixed-rate blocks; type is kInt or kDouble
};

enum class SyncPolicy : uint8_t { kBatch, kInterval, kNone };

struct RetentionRule {
  std::string model;      // DTMI, or empty for any
  std::string telemetry;  // name, or empty for any
  int64_t seconds = 0;    // 0 = keep forever
};

struct HistoryOptions {
  std::string dir;  // created if missing
  SyncPolicy sync = SyncPolicy::kBatch;
  int sync_interval_ms = 100;         // kInterval only
  size_t wal_flush_bytes = 64 << 20;  // seal open chunks into a segment past this WAL size
  size_t chunk_max_values = 8192;     // seal a series' open chunk at this many values
  int64_t chunk_max_span_ns = 3'600'000'000'000;  // ... or when it spans this long (1 h)
  int64_t default_retention_s = 0;                // 0 = forever
  int compaction_trigger_segments = 8;            // compact when this many small segments exist
  // Additions (doc/design/history.md):
  size_t compaction_small_bytes = 256 << 20;  // segments below this size count as small
  bool background_compaction = true;          // off: only Compact() compacts
  size_t chunk_cache_bytes = 256 << 20;       // decoded-chunk LRU cache for queries (0 = off)
  // Test only: called at named steps of a flush or compaction ("segment_synced",
  // "manifest_written", "manifest_installed", "wal_deleted", ...); a test may _exit() there to
  // simulate a crash at that point.
  std::function<void(const char* step)> test_hook;
};

// Accepted samples of one ingest call. Reused: Clear() keeps capacity.
// Each Add* call appends one entry, numbered from 0 in call order (entries() before the call is
// its number; a Refusal names it), except AddBlock of more than 2^20 values, which appends one
// entry per 2^20 values.
class WriteBatch {
 public:
  static constexpr size_t kMaxStringBytes = size_t{1} << 20;

  void AddDouble(SeriesId s, int64_t t_ns, double v);
  void AddInt(SeriesId s, int64_t t_ns, int64_t v);  // kInt and kBool (0/1)
  // False (nothing added) for a string longer than kMaxStringBytes.
  bool AddString(SeriesId s, int64_t t_ns, std::string_view v);
  // A waveform block: values[i] at t0_ns + i * 1e9 / rate_hz.
  void AddBlock(SeriesId s, int64_t t0_ns, double rate_hz, const double* values, size_t n);
  size_t samples() const { return samples_; }  // a block of n values counts n
  size_t entries() const { return entries_; }
  bool empty() const { return samples_ == 0; }
  void Clear();

  // Encoded WAL payload (internal format, see doc/storage-format.md).
  const std::string& payload() const { return buf_; }

 private:
  std::string buf_;
  size_t samples_ = 0;
  size_t entries_ = 0;
};

// An entry of a batch that Write() did not keep, and why.
struct Refusal {
  size_t entry = 0;  // its number in the batch (WriteBatch::entries() before it was added)
  SeriesId series = 0;
  int64_t t_ns = 0;    // the sample's time, or the block's first sample time
  int64_t end_ns = 0;  // exclusive end: a block's t0 + n / rate, a sample's t_ns + 1
  size_t samples = 0;  // 1, or the block's values
  // kOutOfOrder: the block overlaps data already stored for the series (reason names both);
  // kWrongType: a value an integer waveform cannot hold (not finite, or beyond int64).
  ErrorCode code = ErrorCode::kOk;
  std::string reason;
  // kOutOfOrder: the stored span the block meets [stored_from_ns, stored_to_ns) (a segment
  // chunk's whole extent when the data is in a segment); otherwise 0.
  int64_t stored_from_ns = 0, stored_to_ns = 0;
};

// What Write() did with a batch: `stored` samples were kept, the `refused` entries (in batch
// order) were not; stored + the refused entries' samples = batch.samples().
struct WriteReport {
  uint64_t stored = 0;
  std::vector<Refusal> refused;
  uint64_t refused_samples() const {
    uint64_t n = 0;
    for (const Refusal& r : refused) n += r.samples;
    return n;
  }
};

// Query results. Scalar series fill t_ns plus the column of their type; waveform series fill
// `runs` (contiguous stretches at one rate) plus their value column, and leave t_ns empty.
struct SeriesData {
  ValueType type = ValueType::kDouble;
  bool waveform = false;
  std::vector<int64_t> t_ns;
  std::vector<double> f64;       // kDouble
  std::vector<int64_t> i64;      // kInt, kBool
  std::vector<std::string> str;  // kString
  struct Run {
    int64_t t0_ns = 0;
    double rate_hz = 0;
    size_t offset = 0;  // into f64/i64
    size_t count = 0;
  };
  std::vector<Run> runs;
  bool truncated = false;  // `limit` was reached
  size_t size() const;
};

struct Bucket {
  int64_t start_ns = 0;  // bucket covers [start_ns, start_ns + width)
  uint64_t count = 0;    // 0: no data; the other fields are then meaningless
  double min = 0, max = 0, sum = 0, last = 0;
  int64_t last_t_ns = 0;
  double avg() const { return count ? sum / static_cast<double>(count) : 0; }
};

struct HistoryStats {
  uint64_t series = 0;
  uint64_t samples_written = 0;  // since open
  uint64_t durable_lsn = 0;
  uint64_t wal_bytes = 0;        // current WAL files
  uint64_t segment_bytes = 0;    // sealed chunk files
  uint64_t segment_samples = 0;  // samples in sealed chunks
  uint64_t segments = 0;
};

// Called during Open() while the WAL is replayed: done and total in bytes.
using ProgressFn = std::function<void(uint64_t done, uint64_t total)>;

class HistoryStore {
 public:
  static Result<std::unique_ptr<HistoryStore>> Open(const HistoryOptions& options,
                                                    metrics::Registry* metrics = nullptr,
                                                    ProgressFn progress = nullptr);
  virtual ~HistoryStore() = default;

  // The id of (twin, telemetry), created on first use (the definition is logged with the next
  // batch). Fails with kConflict if the series exists with another type or waveform flag.
  virtual Result<SeriesId> Intern(const SeriesInfo& info) = 0;
  virtual std::optional<SeriesId> Find(std::string_view twin, std::string_view telemetry) const = 0;
  virtual Result<SeriesInfo> Info(SeriesId id) const = 0;
  virtual std::vector<std::pair<SeriesId, SeriesInfo>> ListSeries(std::string_view twin) const = 0;
  // Sets the retention of a series (seconds, 0 = forever); applied at compaction.
  virtual void SetRetention(SeriesId id, int64_t seconds) = 0;

  // Appends the entries of the batch it accepts (visible to queries on return) and returns the
  // LSN that makes them durable. An entry is refused only for the reasons in Refusal; the
  // refused entries are listed in `report` with their reasons and the others are kept. If
  // nothing is kept, the LSN is the last one assigned (durable as soon as everything before).
  // Fails, with nothing of the batch applied, when the store is closed or broken
  // (kUnavailable/kStorage/kIo), the batch is larger than 512 MiB or names an unknown series or
  // one of another kind (kInvalidArgument).
  virtual Result<uint64_t> Write(const WriteBatch& batch, WriteReport* report) = 0;
  // All or nothing: as above when every entry is accepted; if any entry would be refused,
  // nothing is applied and the error is that refusal's code, its reason and the count.
  Result<uint64_t> Write(const WriteBatch& batch) { return Write(batch, nullptr); }
  // True once everything up to `lsn` is durable under the sync policy.
  virtual bool IsDurable(uint64_t lsn) const = 0;
  // Calls `done` (on the WAL thread, or inline if already durable) once `lsn` is durable, or
  // with an error if the log cannot be synced. Keep `done` short: post to your own executor.
  virtual void WhenDurable(uint64_t lsn, std::function<void(Status)> done) = 0;
  virtual Status WaitDurable(uint64_t lsn) = 0;

  // Raw samples with from_ns <= t < to_ns (waveform: samples whose own time is in range),
  // at most `limit` values.
  virtual Result<SeriesData> Read(SeriesId id, int64_t from_ns, int64_t to_ns,
                                  size_t limit = SIZE_MAX) const = 0;
  // `buckets` equal-width buckets over [from_ns, to_ns); numeric series only.
  virtual Result<std::vector<Bucket>> Downsample(SeriesId id, int64_t from_ns, int64_t to_ns,
                                                 size_t buckets) const = 0;
  // The newest sample (by time) of a series, or kNotFound when it has none.
  virtual Result<SeriesData> Latest(SeriesId id) const = 0;

  // Seals all open chunks into a segment and syncs it (also done on Close).
  virtual Status Flush() = 0;
  // Merges small segments and drops data past retention.
  virtual Status Compact() = 0;
  virtual HistoryStats Stats() const = 0;
  // Stops the WAL thread after a final sync and flush. Further writes fail.
  virtual Status Close() = 0;
};

}  // namespace lj::history
