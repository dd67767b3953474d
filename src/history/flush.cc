// Flush (memtable -> segment), manifest installation, compaction and retention (store_impl.h).
// Crash safety: a new segment is fsynced (file and directory) before the manifest that lists it
// is installed; covered WAL files and replaced segments are deleted only after that. Recovery
// deletes segments the manifest does not list and WAL files below manifest.wal_min.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>

#include "common/log.h"
#include "history/file_util.h"
#include "history/merge.h"
#include "history/store_impl.h"

namespace lj::history {
namespace {

std::string WalFileName(uint64_t n) {
  char name[32];
  std::snprintf(name, sizeof name, "wal-%06llu.log", static_cast<unsigned long long>(n));
  return name;
}

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

Manifest Store::ManifestLocked() const {
  Manifest m;
  m.wal_min = man_wal_min_;
  m.last_lsn = flushed_lsn_;
  m.next_file = next_file_;
  for (size_t i = 0; i < series_.size(); ++i) {
    m.series.push_back({static_cast<SeriesId>(i + 1), series_[i].info, series_[i].retention_s});
  }
  m.segments = seg_entries_;
  return m;
}

Status Store::InstallManifest(const Manifest& m) {
  std::string bytes = EncodeManifest(m);
  std::string tmp = Path("MANIFEST.tmp");
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return IoError("create", tmp);
  Status st = WriteAll(fd, bytes, tmp);
  if (st.ok() && ::fsync(fd) != 0) st = IoError("fsync", tmp);
  ::close(fd);
  LJ_RETURN_IF_ERROR(st);
  m_.fsyncs->Inc();
  Hook("manifest_written");
  if (::rename(tmp.c_str(), Path("MANIFEST").c_str()) != 0) return IoError("rename", tmp);
  LJ_RETURN_IF_ERROR(SyncDir(opt_.dir));
  Hook("manifest_installed");
  return Status::Ok();
}

void Store::UpdateGauges() {
  uint64_t bytes = wal_bytes_, samples = 0;
  for (const auto& s : segments_) {
    bytes += s->bytes();
    samples += s->samples();
  }
  m_.segments->Set(static_cast<double>(segments_.size()));
  m_.bytes->Set(static_cast<double>(bytes));
  m_.samples->Set(static_cast<double>(samples));
}

int64_t Store::RetentionOf(const SeriesState& s) const {
  return s.retention_s >= 0 ? s.retention_s : opt_.default_retention_s;
}

Status Store::FlushLocked() {
  std::vector<std::pair<SeriesId, std::vector<ChunkPtr>>> frozen;
  uint64_t freeze_lsn = 0, new_wal = 0, number = 0;
  {
    std::lock_guard lk(mu_);
    if (!broken_.ok()) return broken_;
    if (next_lsn_ - 1 == flushed_lsn_ && pending_.empty() && wal_bytes_ == 0) return Status::Ok();
    for (size_t i = 0; i < series_.size(); ++i) {
      SealOpen(&series_[i]);
      if (!series_[i].sealed.empty()) {
        frozen.emplace_back(static_cast<SeriesId>(i + 1), series_[i].sealed);
      }
    }
    freeze_lsn = next_lsn_ - 1;
    new_wal = ++wal_no_;
    pending_.push_back({new_wal, {}, 0});  // makes the WAL thread finish the old file
    wal_since_freeze_ = 0;
    maint_requested_ = false;
    wal_cv_.notify_one();
    if (!frozen.empty()) number = next_file_++;
  }
  {
    std::unique_lock lk(mu_);
    done_cv_.wait(lk, [&] { return opened_wal_no_ >= new_wal || !broken_.ok(); });
    if (!broken_.ok()) return broken_;
  }
  std::shared_ptr<Segment> seg;
  if (number) {
    std::string path = Path(SegmentFileName(number));
    SegmentWriter w;
    LJ_RETURN_IF_ERROR(w.Open(path));
    for (const auto& [id, chunks] : frozen) {
      for (const auto& c : chunks) LJ_RETURN_IF_ERROR(w.Add(id, *c));
    }
    LJ_RETURN_IF_ERROR(w.Finish());
    LJ_RETURN_IF_ERROR(SyncDir(opt_.dir));
    m_.fsyncs->Inc(2);
    Hook("segment_synced");
    auto opened = Segment::Open(path, number);
    if (!opened.ok()) return opened.status();
    seg = std::move(*opened);
  }
  Manifest m;
  SegmentEntry entry;
  {
    std::lock_guard lk(mu_);
    m = ManifestLocked();
    if (seg) {
      entry = {number, next_seq_++};
      m.segments.push_back(entry);
    }
    m.wal_min = new_wal;
    m.last_lsn = freeze_lsn;
  }
  LJ_RETURN_IF_ERROR(InstallManifest(m));
  {
    std::lock_guard lk(mu_);
    man_wal_min_ = new_wal;
    flushed_lsn_ = freeze_lsn;
    if (seg) {
      segments_.push_back(seg);
      seg_entries_.push_back(entry);
    }
    for (const auto& [id, chunks] : frozen) {
      auto& sealed = series_[id - 1].sealed;
      sealed.erase(sealed.begin(), sealed.begin() + static_cast<ptrdiff_t>(chunks.size()));
    }
  }
  uint64_t removed = 0;
  for (uint64_t n : ListNumbered(opt_.dir, "wal-", ".log")) {
    if (n >= new_wal) continue;
    std::string path = Path(WalFileName(n));
    std::error_code ec;
    removed += std::filesystem::file_size(path, ec);
    ::unlink(path.c_str());
    Hook("wal_deleted");
  }
  std::lock_guard lk(mu_);
  wal_bytes_ -= std::min(wal_bytes_, removed);
  UpdateGauges();
  return Status::Ok();
}

Status Store::CompactLocked(bool all) {
  std::vector<std::shared_ptr<Segment>> inputs;
  std::vector<SegmentEntry> in_entries;
  size_t first = 0;
  {
    std::lock_guard lk(mu_);
    if (!broken_.ok()) return broken_;
    // the longest contiguous run (in age order) of small segments, or all of them
    size_t best_len = 0, best_at = 0;
    for (size_t i = 0; i < segments_.size();) {
      if (!all && segments_[i]->bytes() >= opt_.compaction_small_bytes) {
        ++i;
        continue;
      }
      size_t j = i;
      while (j < segments_.size() && (all || segments_[j]->bytes() < opt_.compaction_small_bytes))
        ++j;
      if (j - i > best_len) best_len = j - i, best_at = i;
      i = j;
    }
    size_t need = all ? 1 : static_cast<size_t>(std::max(2, opt_.compaction_trigger_segments));
    if (best_len < need) return Status::Ok();
    first = best_at;
    inputs.assign(segments_.begin() + best_at, segments_.begin() + best_at + best_len);
    in_entries.assign(seg_entries_.begin() + best_at, seg_entries_.begin() + best_at + best_len);
  }
  std::vector<SeriesId> ids;
  for (const auto& s : inputs) {
    for (const auto& m : s->index()) ids.push_back(m.series);
  }
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  uint64_t number;
  {
    std::lock_guard lk(mu_);
    number = next_file_++;
  }
  std::string path = Path(SegmentFileName(number));
  SegmentWriter w;
  LJ_RETURN_IF_ERROR(w.Open(path));
  const int64_t now = NowNs();
  const size_t big = std::min(kMaxChunkValues, std::max<size_t>(opt_.chunk_max_values * 8, 65536));
  for (SeriesId id : ids) {
    ValueType type;
    bool wave;
    int64_t retention;
    {
      std::lock_guard lk(mu_);
      const SeriesState* st = StateOf(id);
      if (!st) continue;  // not in the catalog: cannot happen for segments we wrote
      type = st->info.type;
      wave = st->info.waveform;
      retention = RetentionOf(*st);
    }
    int64_t cutoff = retention > 0 ? now - std::min<int64_t>(retention, INT64_MAX / 2'000'000'000) *
                                               1'000'000'000
                                   : INT64_MIN;
    std::vector<SeriesData> parts;
    for (const auto& s : inputs) {
      for (const auto& m : s->ChunksOf(id)) {
        if (m.end_t <= cutoff) continue;  // wholly past retention
        SeriesData d;
        LJ_RETURN_IF_ERROR(s->ReadChunk(m, &d));
        if (!wave && cutoff != INT64_MIN) Slice(&d, cutoff, INT64_MAX);
        parts.push_back(std::move(d));
      }
    }
    if (wave) {  // whole runs only: drop runs that end before the cutoff
      for (auto& p : parts) {
        SeriesData kept;
        kept.type = type;
        kept.waveform = true;
        std::vector<SeriesData> one;
        for (const auto& r : p.runs) {
          if (RunTime(r, r.count) <= cutoff) continue;
          SeriesData x;
          x.type = type;
          x.waveform = true;
          x.runs.push_back({r.t0_ns, r.rate_hz, 0, r.count});
          if (type == ValueType::kDouble) {
            x.f64.assign(p.f64.begin() + r.offset, p.f64.begin() + r.offset + r.count);
          } else {
            x.i64.assign(p.i64.begin() + r.offset, p.i64.begin() + r.offset + r.count);
          }
          one.push_back(std::move(x));
        }
        p = MergeSorted(std::move(one), type, true);
      }
    }
    SeriesData merged = MergeSorted(std::move(parts), type, wave);
    for (auto& c : SplitChunks(std::move(merged), big)) LJ_RETURN_IF_ERROR(w.Add(id, c));
  }
  std::shared_ptr<Segment> out;
  bool empty = w.chunks() == 0;
  LJ_RETURN_IF_ERROR(w.Finish());
  if (empty) {
    ::unlink(path.c_str());
  } else {
    LJ_RETURN_IF_ERROR(SyncDir(opt_.dir));
    Hook("compaction_synced");
    auto opened = Segment::Open(path, number);
    if (!opened.ok()) return opened.status();
    out = std::move(*opened);
  }
  Manifest m;
  {
    std::lock_guard lk(mu_);
    m = ManifestLocked();  // segments_[first, first + n) are still the inputs (maint_mu_ held)
    m.segments.erase(m.segments.begin() + first, m.segments.begin() + first + inputs.size());
    if (out) m.segments.insert(m.segments.begin() + first, {number, in_entries.back().seq});
  }
  LJ_RETURN_IF_ERROR(InstallManifest(m));
  {
    std::lock_guard lk(mu_);
    segments_.erase(segments_.begin() + first, segments_.begin() + first + inputs.size());
    seg_entries_.erase(seg_entries_.begin() + first, seg_entries_.begin() + first + inputs.size());
    if (out) {
      segments_.insert(segments_.begin() + first, out);
      seg_entries_.insert(seg_entries_.begin() + first, {number, in_entries.back().seq});
    }
    UpdateGauges();
  }
  for (const auto& e : in_entries) ::unlink(Path(SegmentFileName(e.number)).c_str());
  m_.compactions->Inc();
  LJ_LOG_INFO("history compaction", "inputs", inputs.size(), "series", ids.size(), "output",
              out ? SegmentFileName(number) : std::string("none"));
  return Status::Ok();
}

Status Store::Flush() {
  std::lock_guard mk(maint_mu_);
  {
    std::lock_guard lk(mu_);
    if (closed_) return Status(ErrorCode::kUnavailable, "history store is closed");
  }
  return FlushLocked();
}

Status Store::Compact() {
  std::lock_guard mk(maint_mu_);
  {
    std::lock_guard lk(mu_);
    if (closed_) return Status(ErrorCode::kUnavailable, "history store is closed");
  }
  return CompactLocked(true);
}

void Store::MaintLoop() {
  std::unique_lock lk(mu_);
  for (;;) {
    maint_cv_.wait(lk, [&] { return maint_requested_ || stop_maint_; });
    if (stop_maint_) return;
    maint_requested_ = false;
    lk.unlock();
    {
      std::lock_guard mk(maint_mu_);
      Status st = FlushLocked();
      if (st.ok() && opt_.background_compaction) st = CompactLocked(false);
      if (!st.ok()) LJ_LOG_ERROR("history background flush failed", "error", st.ToString());
    }
    lk.lock();
  }
}

}  // namespace lj::history
