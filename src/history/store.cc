// HistoryStore: open, recovery, catalog and the write path (store_impl.h).
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>

#include "common/log.h"
#include "common/time.h"
#include "history/batch_format.h"
#include "history/chunk.h"
#include "history/file_util.h"
#include "history/format.h"
#include "history/store_impl.h"

namespace lj::history {
namespace {

constexpr size_t kMaxNameBytes = 4096;

std::string NameKey(std::string_view twin, std::string_view telemetry) {
  std::string k(twin);
  k.push_back('\0');
  k.append(telemetry);
  return k;
}

std::string WalName(uint64_t n) {
  char name[32];
  std::snprintf(name, sizeof name, "wal-%06llu.log", static_cast<unsigned long long>(n));
  return name;
}

bool TypeAccepts(const SeriesInfo& info, BatchTag tag) {
  if (info.waveform) return tag == BatchTag::kBlock;
  switch (tag) {
    case BatchTag::kDouble:
      return info.type == ValueType::kDouble;
    case BatchTag::kInt:
      return info.type == ValueType::kInt || info.type == ValueType::kBool;
    case BatchTag::kString:
      return info.type == ValueType::kString;
    default:
      return false;
  }
}

std::string SeriesName(const SeriesInfo& info) { return info.twin + "/" + info.telemetry; }

// Checks every entry names a known series of a matching type (else `status`: the whole batch is
// refused) and decides, entry by entry, what Write() keeps (doc/design/history.md, "Backfill and
// refusals"): scalar samples always; a waveform block unless an integer series cannot hold one
// of its values or it overlaps data stored for its series (or an earlier block of the batch).
// Under mu_; reads the memtable and the segment index, never a file. Allocates nothing unless
// something is refused (`blocks` is the store's reused scratch).
class BatchDecider final : public BatchVisitor {
 public:
  BatchDecider(const std::deque<SeriesState>& s,
               const std::vector<std::shared_ptr<Segment>>& segments,
               std::vector<WriteScratchBlock>* blocks)
      : series_(s), segments_(segments), blocks_(*blocks) {
    blocks_.clear();
  }
  void Double(SeriesId s, int64_t, double) override { Scalar(s, BatchTag::kDouble); }
  void Int(SeriesId s, int64_t, int64_t) override { Scalar(s, BatchTag::kInt); }
  void String(SeriesId s, int64_t, std::string_view) override { Scalar(s, BatchTag::kString); }
  void Block(SeriesId s, int64_t t0, double rate, const char* values, size_t n) override {
    if (!Check(s, BatchTag::kBlock)) return;
    const SeriesState& st = series_[s - 1];
    const int64_t end = RunTime(SeriesData::Run{t0, rate, 0, n}, n);
    if (st.info.type != ValueType::kDouble) {
      for (size_t i = 0; i < n; ++i) {
        double v;
        std::memcpy(&v, values + i * sizeof(double), sizeof v);
        if (!(std::isfinite(v) && std::fabs(v) < 9e18)) {
          return Refuse(
              s, t0, end, n, 0, 0, ErrorCode::kWrongType,
              fmt::format("waveform block of {} samples at {}: value {} ({}) cannot be "
                          "stored in the integer series '{}' (not finite or beyond int64)",
                          n, FormatRfc3339(t0), i, v, SeriesName(st.info)));
        }
      }
    }
    int64_t high = st.wave_end_ns;  // end of everything stored, and of the batch's blocks
    for (const auto& k : blocks_)
      if (k.series == s) high = std::max(high, k.end);
    if (t0 < high) {  // else after everything: kept (the live case)
      int64_t a = 0, b = 0;
      const char* what = nullptr;
      for (const auto& k : blocks_) {
        if (k.series == s && k.t0 < end && t0 < k.end) {
          what = "a block earlier in this batch for '{}' (from {} to {})";
          a = k.t0, b = k.end;
          break;
        }
      }
      if (!what && FindStoredOverlap(st, t0, end, &a, &b))
        what = "data already stored for '{}' (from {} to {})";
      for (size_t i = 0; !what && i < segments_.size(); ++i) {
        for (const ChunkMeta& m : segments_[i]->ChunksOf(s)) {
          if (m.min_t < end && t0 < m.end_t) {
            what =
                "data stored for '{}' (a chunk holding samples from {} to {}; a gap inside one "
                "chunk cannot be filled)";
            a = m.min_t, b = m.end_t;
            break;
          }
        }
      }
      if (what) {
        return Refuse(s, t0, end, n, a, b, ErrorCode::kOutOfOrder,
                      fmt::format("waveform block of {} samples from {} to {} overlaps ", n,
                                  FormatRfc3339(t0), FormatRfc3339(end)) +
                          fmt::format(fmt::runtime(what), SeriesName(st.info), FormatRfc3339(a),
                                      FormatRfc3339(b)));
      }
    }
    blocks_.push_back({s, t0, end});
    Keep(n);
  }
  void Span(size_t begin, size_t end) override {
    if (!refused.empty()) spans_.push_back({begin, end, keep_});  // from the first refusal on
    ++entry_;
  }
  // The payload with the refused entries left out.
  std::string Kept(std::string_view payload) const {
    std::string out(payload.substr(0, spans_.empty() ? payload.size() : spans_.front().begin));
    for (const auto& sp : spans_)
      if (sp.keep) out.append(payload.substr(sp.begin, sp.end - sp.begin));
    return out;
  }
  Status status;  // not ok: an entry names an unknown series or one of another kind
  std::vector<Refusal> refused;
  uint64_t stored = 0;

 private:
  struct EntrySpan {
    size_t begin, end;
    bool keep;
  };
  bool Check(SeriesId s, BatchTag tag) {
    if (!status.ok()) return false;
    if (s == 0 || s > series_.size()) {
      status = Status(ErrorCode::kInvalidArgument,
                      "write batch: unknown series id " + std::to_string(s));
    } else if (!TypeAccepts(series_[s - 1].info, tag)) {
      status = Status(ErrorCode::kInvalidArgument,
                      "write batch: sample kind does not match series " + std::to_string(s));
    }
    return status.ok();
  }
  void Scalar(SeriesId s, BatchTag tag) {
    if (Check(s, tag)) Keep(1);
  }
  void Keep(size_t n) {
    stored += n;
    keep_ = true;
  }
  void Refuse(SeriesId s, int64_t t0, int64_t end, size_t n, int64_t a, int64_t b, ErrorCode code,
              std::string why) {
    refused.push_back({entry_, s, t0, end, n, code, std::move(why), a, b});
    keep_ = false;
  }
  const std::deque<SeriesState>& series_;
  const std::vector<std::shared_ptr<Segment>>& segments_;
  std::vector<WriteScratchBlock>& blocks_;
  std::vector<EntrySpan> spans_;
  size_t entry_ = 0;
  bool keep_ = true;
};

// Appends entries to the memtable; entries for unknown or mismatched series are skipped (only
// possible when replaying a log written by a buggy build: Write() checks first). A kBatch
// record holds only accepted entries and is applied as it is; a legacy kBatchV1 record gets the
// rule of the builds that wrote it: a block starting before its series' newest stored block
// ends is refused.
class BatchApplier final : public BatchVisitor {
 public:
  BatchApplier(std::deque<SeriesState>& s, ChunkLimits lim, bool legacy)
      : series_(s), lim_(lim), legacy_(legacy) {}
  void Double(SeriesId s, int64_t t, double v) override {
    if (auto* st = Get(s, BatchTag::kDouble)) AppendDouble(st, lim_, t, v);
  }
  void Int(SeriesId s, int64_t t, int64_t v) override {
    if (auto* st = Get(s, BatchTag::kInt)) AppendInt(st, lim_, t, v);
  }
  void String(SeriesId s, int64_t t, std::string_view v) override {
    if (auto* st = Get(s, BatchTag::kString)) AppendString(st, lim_, t, v);
  }
  void Block(SeriesId s, int64_t t0, double rate, const char* v, size_t n) override {
    auto* st = Get(s, BatchTag::kBlock);
    if (!st) return;
    if (legacy_ && t0 < st->wave_end_ns) {
      ++dropped;
      return;
    }
    AppendBlock(st, lim_, t0, rate, v, n);
  }
  uint64_t dropped = 0;

 private:
  SeriesState* Get(SeriesId s, BatchTag tag) {
    if (s == 0 || s > series_.size() || !TypeAccepts(series_[s - 1].info, tag)) return nullptr;
    return &series_[s - 1];
  }
  std::deque<SeriesState>& series_;
  ChunkLimits lim_;
  bool legacy_;
};

}  // namespace

Result<std::unique_ptr<HistoryStore>> HistoryStore::Open(const HistoryOptions& options,
                                                         metrics::Registry* metrics,
                                                         ProgressFn progress) {
  auto store = std::make_unique<Store>(options, metrics);
  LJ_RETURN_IF_ERROR(store->OpenAndRecover(progress));
  return std::unique_ptr<HistoryStore>(std::move(store));
}

Store::Store(HistoryOptions options, metrics::Registry* r)
    : opt_(std::move(options)), cache_(opt_.chunk_cache_bytes) {
  static metrics::Registry unused;  // keeps the hot path branch-free when no registry is given
  if (!r) r = &unused;
  m_.wal_bytes = &r->GetCounter("lj_history_wal_bytes_total", "Bytes appended to the history WAL");
  m_.fsyncs =
      &r->GetCounter("lj_history_fsyncs_total", "fdatasync/fsync calls by the history store");
  m_.group_commits = &r->GetCounter("lj_history_group_commit_writes_total",
                                    "WAL group commits (one write, at most one sync)");
  m_.batches =
      &r->GetCounter("lj_history_group_commit_batches",
                     "Batches written to the WAL (divide by group commits for batches per commit)");
  m_.compactions = &r->GetCounter("lj_history_compactions_total", "Segment compactions");
  m_.write_errors =
      &r->GetCounter("lj_history_write_errors_total", "History writes refused or WAL failures");
  m_.dropped_blocks = &r->GetCounter(
      "lj_history_dropped_blocks_total",
      "Waveform blocks Write refused (reported to the caller): overlap with stored data, or a "
      "value an integer series cannot hold");
  m_.segments = &r->GetGauge("lj_history_segments", "Live history segment files");
  m_.bytes = &r->GetGauge("lj_history_bytes", "Bytes in history segments and WAL files");
  m_.samples = &r->GetGauge("lj_history_samples", "Samples in history segments");
}

Store::~Store() { Close().IgnoreError(); }  // errors were logged; nothing more to do

Status Store::LockDir() {
  std::string path = Path("LOCK");
  lock_fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (lock_fd_ < 0) return IoError("open", path);
  if (::flock(lock_fd_, LOCK_EX | LOCK_NB) != 0) {
    ::close(lock_fd_);
    lock_fd_ = -1;
    return Status(ErrorCode::kUnavailable,
                  "history directory '" + opt_.dir + "' is in use by another store (LOCK held)");
  }
  return Status::Ok();
}

Status Store::OpenAndRecover(const ProgressFn& progress) {
  if (opt_.dir.empty()) return Status(ErrorCode::kInvalidArgument, "history: empty dir");
  if (opt_.chunk_max_values == 0 || opt_.chunk_max_values > kMaxChunkValues) {
    opt_.chunk_max_values = std::clamp<size_t>(opt_.chunk_max_values, 1, kMaxChunkValues);
  }
  std::error_code ec;
  std::filesystem::create_directories(opt_.dir, ec);
  if (ec) return Status(ErrorCode::kIo, "create '" + opt_.dir + "': " + ec.message());
  LJ_RETURN_IF_ERROR(LockDir());
  Status st = Recover(progress);
  if (!st.ok()) {
    closed_ = true;
    ::close(lock_fd_);
    lock_fd_ = -1;
    return st;
  }
  wal_thread_ = std::thread([this] { WalLoop(); });
  maint_thread_ = std::thread([this] { MaintLoop(); });
  return Status::Ok();
}

Status Store::Recover(const ProgressFn& progress) {
  Manifest man;
  std::string bytes;
  if (std::filesystem::exists(Path("MANIFEST"))) {
    LJ_RETURN_IF_ERROR(ReadFile(Path("MANIFEST"), &bytes));
    Status st = DecodeManifest(bytes, &man);
    if (!st.ok()) return Status(ErrorCode::kStorage, Path("MANIFEST") + ": " + st.message());
  }
  ::unlink(Path("MANIFEST.tmp").c_str());  // an unfinished replacement: the old one stands
  for (const auto& e : man.series) {
    LJ_RETURN_IF_ERROR(ApplyRecord(
        WalType::kSeries,
        [&] {
          std::string p;
          EncodeCatalogEntry(e, &p);
          return p;
        }(),
        0));
  }
  std::vector<uint64_t> listed;
  for (const auto& e : man.segments) {
    auto seg = Segment::Open(Path(SegmentFileName(e.number)), e.number);
    if (!seg.ok()) return seg.status();
    for (const auto& m : (*seg)->index()) {
      if (m.series >= 1 && m.series <= series_.size() && series_[m.series - 1].info.waveform) {
        auto& end = series_[m.series - 1].wave_end_ns;
        end = std::max(end, m.end_t);
      }
    }
    segments_.push_back(std::move(*seg));
    seg_entries_.push_back(e);
    listed.push_back(e.number);
    next_seq_ = std::max(next_seq_, e.seq + 1);
  }
  next_file_ = man.next_file;
  for (uint64_t n : ListNumbered(opt_.dir, "seg-", ".seg")) {
    next_file_ = std::max(next_file_, n + 1);
    if (std::find(listed.begin(), listed.end(), n) == listed.end()) {
      LJ_LOG_WARN("history: removing segment not in the manifest (unfinished flush)", "file",
                  SegmentFileName(n));
      ::unlink(Path(SegmentFileName(n)).c_str());
    }
  }
  flushed_lsn_ = man.last_lsn;
  man_wal_min_ = man.wal_min;
  next_lsn_ = man.last_lsn + 1;
  std::vector<uint64_t> wals = ListNumbered(opt_.dir, "wal-", ".log");
  uint64_t total = 0, done = 0;
  for (uint64_t n : wals) {
    if (n < man.wal_min) {  // covered by segments; the flush was interrupted before deleting it
      ::unlink(Path(WalName(n)).c_str());
    } else {
      std::error_code ec;
      total += std::filesystem::file_size(Path(WalName(n)), ec);
    }
  }
  std::erase_if(wals, [&](uint64_t n) { return n < man.wal_min; });
  for (size_t i = 0; i < wals.size(); ++i) {
    LJ_RETURN_IF_ERROR(ReplayWal(wals[i], i + 1 == wals.size(), &done, total, progress));
  }
  wal_no_ = std::max(wals.empty() ? 0 : wals.back(), man.wal_min - 1) + 1;
  wal_bytes_ = done;
  written_lsn_ = durable_lsn_ = next_lsn_ - 1;
  std::lock_guard lk(mu_);
  UpdateGauges();
  LJ_LOG_INFO("history store open", "dir", opt_.dir, "series", series_.size(), "segments",
              segments_.size(), "wal_files", wals.size(), "last_lsn", next_lsn_ - 1);
  return Status::Ok();
}

Status Store::ReplayWal(uint64_t wal_no, bool last, uint64_t* done, uint64_t total,
                        const ProgressFn& progress) {
  std::string path = Path(WalName(wal_no)), data;
  LJ_RETURN_IF_ERROR(ReadFile(path, &data));
  WalScan scan = ScanWal(data);
  if (scan.end == WalScan::End::kCorrupt || (scan.end == WalScan::End::kTornTail && !last)) {
    return Status(ErrorCode::kStorage, path + ": corrupt WAL record (" + scan.reason + ")");
  }
  for (const auto& rec : scan.records) {
    if ((rec.type == WalType::kBatch || rec.type == WalType::kBatchV1) && rec.lsn <= flushed_lsn_) {
      continue;  // already in segments
    }
    Status st = ApplyRecord(rec.type, rec.payload, rec.lsn);
    if (!st.ok()) {
      return Status(ErrorCode::kStorage,
                    path + " offset " + std::to_string(rec.offset) + ": " + st.message());
    }
    next_lsn_ = std::max(next_lsn_, rec.lsn + 1);
  }
  if (scan.end == WalScan::End::kTornTail) {
    LJ_LOG_WARN("history: discarding torn WAL tail", "file", path, "reason", scan.reason, "bytes",
                data.size() - scan.valid_bytes);
    if (::truncate(path.c_str(), static_cast<off_t>(scan.valid_bytes)) != 0) {
      return IoError("truncate", path);
    }
    int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0 || ::fsync(fd) != 0) {
      Status st = IoError("fsync", path);
      if (fd >= 0) ::close(fd);
      return st;
    }
    ::close(fd);
  }
  *done += scan.valid_bytes;
  if (progress) progress(*done, total);
  return Status::Ok();
}

Status Store::ApplyRecord(WalType type, std::string_view payload, uint64_t lsn) {
  switch (type) {
    case WalType::kSeries: {
      CatalogEntry e;
      LJ_RETURN_IF_ERROR(DecodeCatalogEntry(payload, &e));
      if (e.id <= series_.size()) return Status::Ok();  // also in the manifest's catalog
      if (e.id != series_.size() + 1) {
        return Status(ErrorCode::kStorage, "series id " + std::to_string(e.id) + " out of order");
      }
      SeriesState& s = series_.emplace_back();
      s.info = e.info;
      s.retention_s = e.retention_s;
      s.open.type = s.info.type;
      s.open.waveform = s.info.waveform;
      by_name_[NameKey(e.info.twin, e.info.telemetry)] = e.id;
      return Status::Ok();
    }
    case WalType::kRetention: {
      ByteReader r(payload);
      uint32_t id = 0;
      int64_t secs = 0;
      if (!r.Get(&id) || !r.Get(&secs) || !r.done()) {
        return Status(ErrorCode::kStorage, "bad retention record");
      }
      if (id >= 1 && id <= series_.size()) series_[id - 1].retention_s = secs;
      return Status::Ok();
    }
    case WalType::kBatch:
    case WalType::kBatchV1: {
      LJ_RETURN_IF_ERROR(DecodeBatch(payload, nullptr));
      ApplyBatch(payload, type == WalType::kBatchV1);
      return Status::Ok();
    }
  }
  return Status(ErrorCode::kStorage, "unknown record type");
}

SeriesState* Store::StateOf(SeriesId id) {
  return id >= 1 && id <= series_.size() ? &series_[id - 1] : nullptr;
}
const SeriesState* Store::StateOf(SeriesId id) const {
  return id >= 1 && id <= series_.size() ? &series_[id - 1] : nullptr;
}

Result<SeriesId> Store::Intern(const SeriesInfo& info) {
  if (info.twin.size() > kMaxNameBytes || info.telemetry.size() > kMaxNameBytes) {
    return Status(ErrorCode::kInvalidArgument, "series name longer than 4096 bytes");
  }
  if (static_cast<uint8_t>(info.type) < 1 || static_cast<uint8_t>(info.type) > 4 ||
      (info.waveform && info.type != ValueType::kDouble && info.type != ValueType::kInt)) {
    return Status(ErrorCode::kInvalidArgument, "waveform series must be double or int");
  }
  std::lock_guard lk(mu_);
  if (auto it = by_name_.find(NameKey(info.twin, info.telemetry)); it != by_name_.end()) {
    const SeriesInfo& have = series_[it->second - 1].info;
    if (have.type != info.type || have.waveform != info.waveform) {
      return Status(ErrorCode::kConflict, "series '" + info.twin + "/" + info.telemetry +
                                              "' exists with another type or waveform flag");
    }
    return it->second;
  }
  if (closed_) return Status(ErrorCode::kUnavailable, "history store is closed");
  if (!broken_.ok()) return broken_;
  CatalogEntry e{static_cast<SeriesId>(series_.size() + 1), info, -1};
  std::string payload;
  EncodeCatalogEntry(e, &payload);
  LJ_RETURN_IF_ERROR(ApplyRecord(WalType::kSeries, payload, 0));
  QueueRecord(next_lsn_++, WalType::kSeries, payload, WalPayloadCrc(payload));
  return e.id;
}

std::optional<SeriesId> Store::Find(std::string_view twin, std::string_view telemetry) const {
  std::lock_guard lk(mu_);
  auto it = by_name_.find(NameKey(twin, telemetry));
  if (it == by_name_.end()) return std::nullopt;
  return it->second;
}

Result<SeriesInfo> Store::Info(SeriesId id) const {
  std::lock_guard lk(mu_);
  const SeriesState* s = StateOf(id);
  if (!s) return Status(ErrorCode::kNotFound, "no series " + std::to_string(id));
  return s->info;
}

std::vector<std::pair<SeriesId, SeriesInfo>> Store::ListSeries(std::string_view twin) const {
  std::lock_guard lk(mu_);
  std::vector<std::pair<SeriesId, SeriesInfo>> out;
  for (size_t i = 0; i < series_.size(); ++i) {
    if (series_[i].info.twin == twin)
      out.emplace_back(static_cast<SeriesId>(i + 1), series_[i].info);
  }
  return out;
}

void Store::SetRetention(SeriesId id, int64_t seconds) {
  std::lock_guard lk(mu_);
  SeriesState* s = StateOf(id);
  if (!s || closed_ || !broken_.ok() || s->retention_s == seconds) return;
  s->retention_s = seconds;
  std::string payload;
  PutU32(&payload, id);
  PutI64(&payload, seconds);
  QueueRecord(next_lsn_++, WalType::kRetention, payload, WalPayloadCrc(payload));
}

void Store::QueueRecord(uint64_t lsn, WalType type, std::string_view payload, uint32_t crc) {
  if (pending_.empty() || pending_.back().wal_no != wal_no_) pending_.push_back({wal_no_, {}, 0});
  Pending& p = pending_.back();
  size_t before = p.bytes.size();
  AppendWalRecord(&p.bytes, lsn, type, payload, crc);
  p.last_lsn = lsn;
  wal_bytes_ += p.bytes.size() - before;
  wal_since_freeze_ += p.bytes.size() - before;
  queued_bytes_ += p.bytes.size() - before;
  wal_cv_.notify_one();
}

void Store::ApplyBatch(std::string_view payload, bool legacy) {
  BatchApplier apply(series_, limits(), legacy);
  DecodeBatch(payload, &apply).IgnoreError();  // validated before
  if (apply.dropped) {
    m_.dropped_blocks->Inc(apply.dropped);
    LJ_LOG_WARN("history: legacy WAL batch held overlapping waveform blocks; not replayed",
                "blocks", apply.dropped);
  }
}

Result<uint64_t> Store::Write(const WriteBatch& batch, WriteReport* report) {
  if (report) *report = WriteReport{};
  const std::string& payload = batch.payload();
  uint32_t crc = WalPayloadCrc(payload);  // outside the lock
  std::unique_lock lk(mu_);
  if (closed_ || !broken_.ok()) {
    m_.write_errors->Inc();
    return closed_ ? Status(ErrorCode::kUnavailable, "history store is closed") : broken_;
  }
  if (batch.empty()) return next_lsn_ - 1;
  if (payload.size() > kWalMaxBody - kWalMinBody) {
    m_.write_errors->Inc();
    return Status(ErrorCode::kPayloadTooLarge, "write batch larger than 512 MiB");
  }
  // Backpressure: the log may not fall more than kMaxQueuedWalBytes behind the writers.
  done_cv_.wait(lk, [&] { return queued_bytes_ < kMaxQueuedWalBytes || !broken_.ok() || closed_; });
  if (!broken_.ok() || closed_) {
    m_.write_errors->Inc();
    return broken_.ok() ? Status(ErrorCode::kUnavailable, "history store is closed") : broken_;
  }
  BatchDecider decide(series_, segments_, &decide_scratch_);
  if (Status st = DecodeBatch(payload, &decide); !st.ok() || !decide.status.ok()) {
    m_.write_errors->Inc();
    return st.ok() ? decide.status : st;
  }
  std::string kept;
  std::string_view logged = payload;
  if (!decide.refused.empty()) {
    m_.dropped_blocks->Inc(decide.refused.size());
    if (!report) {  // all or nothing
      m_.write_errors->Inc();
      const Refusal& first = decide.refused.front();
      return Status(first.code,
                    fmt::format("write batch refused, nothing written: {} of {} entries cannot "
                                "be kept; entry {}: {}",
                                decide.refused.size(), batch.entries(), first.entry, first.reason));
    }
    kept = decide.Kept(payload);
    logged = kept;
    crc = WalPayloadCrc(kept);
  }
  if (report) {
    report->stored = decide.stored;
    report->refused = std::move(decide.refused);
  }
  if (logged.empty()) return next_lsn_ - 1;  // everything refused: nothing to log
  uint64_t lsn = next_lsn_++;
  QueueRecord(lsn, WalType::kBatch, logged, crc);
  ApplyBatch(logged, /*legacy=*/false);
  samples_written_ += decide.stored;
  m_.batches->Inc();
  if (wal_since_freeze_ > opt_.wal_flush_bytes && !maint_requested_) {
    maint_requested_ = true;
    maint_cv_.notify_one();
  }
  return lsn;
}

bool Store::IsDurable(uint64_t lsn) const {
  std::lock_guard lk(mu_);
  if (opt_.sync != SyncPolicy::kBatch) return lsn < next_lsn_;
  return lsn <= durable_lsn_;
}

void Store::WhenDurable(uint64_t lsn, std::function<void(Status)> done) {
  std::unique_lock lk(mu_);
  if (!broken_.ok()) {
    Status st = broken_;
    lk.unlock();
    done(st);
    return;
  }
  bool ready = opt_.sync == SyncPolicy::kBatch ? lsn <= durable_lsn_ : lsn < next_lsn_;
  if (ready || closed_) {
    lk.unlock();
    done(ready ? Status::Ok()
               : Status(ErrorCode::kUnavailable, "history store closed before lsn was logged"));
    return;
  }
  waiters_.emplace(lsn, std::move(done));
}

Status Store::WaitDurable(uint64_t lsn) {
  std::unique_lock lk(mu_);
  if (opt_.sync != SyncPolicy::kBatch) return Status::Ok();
  done_cv_.wait(lk, [&] { return lsn <= durable_lsn_ || !broken_.ok() || stop_wal_done_; });
  if (lsn <= durable_lsn_) return Status::Ok();
  return broken_.ok() ? Status(ErrorCode::kUnavailable, "history store closed") : broken_;
}

HistoryStats Store::Stats() const {
  std::lock_guard lk(mu_);
  HistoryStats s;
  s.series = series_.size();
  s.samples_written = samples_written_;
  s.durable_lsn = opt_.sync == SyncPolicy::kBatch ? durable_lsn_ : written_lsn_;
  s.wal_bytes = wal_bytes_;
  s.segments = segments_.size();
  for (const auto& seg : segments_) {
    s.segment_bytes += seg->bytes();
    s.segment_samples += seg->samples();
  }
  return s;
}

Status Store::Close() {
  {
    std::lock_guard lk(mu_);
    if (closed_ && !wal_thread_.joinable()) return Status::Ok();
    closed_ = true;
    stop_maint_ = true;
    maint_cv_.notify_all();
    done_cv_.notify_all();  // writers waiting on backpressure
  }
  if (maint_thread_.joinable()) maint_thread_.join();
  Status st;
  {
    std::lock_guard mk(maint_mu_);
    st = FlushLocked();
  }
  std::vector<std::function<void(Status)>> left;
  {
    std::lock_guard lk(mu_);
    stop_wal_ = true;
    wal_cv_.notify_all();
  }
  if (wal_thread_.joinable()) wal_thread_.join();
  {
    std::lock_guard lk(mu_);
    stop_wal_done_ = true;
    done_cv_.notify_all();
    for (auto& [lsn, fn] : waiters_) left.push_back(std::move(fn));
    waiters_.clear();
    if (st.ok() && !broken_.ok()) st = broken_;
  }
  for (auto& fn : left) fn(Status(ErrorCode::kUnavailable, "history store closed"));
  if (wal_fd_ >= 0) ::close(wal_fd_);
  wal_fd_ = -1;
  if (lock_fd_ >= 0) ::close(lock_fd_);  // releases the flock
  lock_fd_ = -1;
  if (!st.ok()) LJ_LOG_ERROR("history close failed", "error", st.ToString());
  return st;
}

}  // namespace lj::history
