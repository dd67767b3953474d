// The WAL thread: group commit (store_impl.h). Everything queued while the previous write+sync
// ran goes out in one write() and at most one fdatasync(); then durable_lsn_ advances and the
// WhenDurable callbacks up to it run on this thread.
#include <fcntl.h>
#include <unistd.h>

#include <chrono>

#include "common/log.h"
#include "history/file_util.h"
#include "history/store_impl.h"

namespace lj::history {
namespace {

std::string WalFileName(uint64_t n) {
  char name[32];
  std::snprintf(name, sizeof name, "wal-%06llu.log", static_cast<unsigned long long>(n));
  return name;
}

}  // namespace

Status Store::RotateTo(uint64_t wal_no) {
  if (wal_fd_ >= 0) {
    if (opt_.sync != SyncPolicy::kNone) {
      if (::fdatasync(wal_fd_) != 0) return IoError("fdatasync", Path(WalFileName(opened_wal_no_)));
      m_.fsyncs->Inc();
    }
    ::close(wal_fd_);
    wal_fd_ = -1;
  }
  std::string path = Path(WalFileName(wal_no));
  wal_fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (wal_fd_ < 0) return IoError("create", path);
  if (opt_.sync != SyncPolicy::kNone) LJ_RETURN_IF_ERROR(SyncDir(opt_.dir));
  return Status::Ok();
}

Status Store::WalWrite(std::vector<Pending>* batch, bool sync, uint64_t* opened) {
  for (Pending& p : *batch) {
    if (p.wal_no != *opened) {
      LJ_RETURN_IF_ERROR(RotateTo(p.wal_no));
      *opened = p.wal_no;
    }
    if (p.bytes.empty()) continue;
    LJ_RETURN_IF_ERROR(WriteAll(wal_fd_, p.bytes, Path(WalFileName(p.wal_no))));
    m_.wal_bytes->Inc(p.bytes.size());
    m_.group_commits->Inc();
  }
  if (sync && wal_fd_ >= 0) {
    if (::fdatasync(wal_fd_) != 0) return IoError("fdatasync", Path(WalFileName(*opened)));
    m_.fsyncs->Inc();
  }
  return Status::Ok();
}

std::vector<std::function<void(Status)>> Store::TakeDoneWaiters(const Status& st) {
  std::vector<std::function<void(Status)>> out;
  auto end = st.ok() ? waiters_.upper_bound(durable_lsn_) : waiters_.end();
  for (auto it = waiters_.begin(); it != end; ++it) out.push_back(std::move(it->second));
  waiters_.erase(waiters_.begin(), end);
  return out;
}

void Store::WalLoop() {
  using Clock = std::chrono::steady_clock;
  const auto interval = std::chrono::milliseconds(std::max(1, opt_.sync_interval_ms));
  auto last_sync = Clock::now();
  bool unsynced = false;
  uint64_t opened = opened_wal_no_;
  std::unique_lock lk(mu_);
  for (;;) {
    auto has_work = [&] { return !pending_.empty() || stop_wal_; };
    if (opt_.sync == SyncPolicy::kInterval && unsynced) {
      wal_cv_.wait_until(lk, last_sync + interval, has_work);
    } else {
      wal_cv_.wait(lk, has_work);
    }
    if (!broken_.ok()) {  // drop what is queued: the store refuses writes from now on
      pending_.clear();
      queued_bytes_ = 0;
      if (stop_wal_) break;
      continue;
    }
    std::vector<Pending> take;
    take.swap(pending_);
    queued_bytes_ = 0;
    uint64_t last = written_lsn_;
    for (const auto& p : take) {
      last = std::max(last, p.last_lsn);
    }
    bool stopping = stop_wal_ && take.empty();
    bool due = Clock::now() - last_sync >= interval;
    bool sync = opt_.sync == SyncPolicy::kBatch ||
                (opt_.sync == SyncPolicy::kInterval && (unsynced || !take.empty()) && due) ||
                (stopping && (unsynced || opt_.sync != SyncPolicy::kNone));
    if (take.empty() && !sync) {
      if (stopping) break;
      continue;
    }
    lk.unlock();
    Status st = WalWrite(&take, sync, &opened);
    lk.lock();
    if (!st.ok()) {
      LJ_LOG_ERROR("history WAL write failed; store is now read-only", "error", st.ToString());
      m_.write_errors->Inc();
      broken_ = st;
      auto fail = TakeDoneWaiters(st);
      done_cv_.notify_all();
      lk.unlock();
      for (auto& fn : fail) fn(st);
      lk.lock();
      continue;
    }
    if (sync) {
      last_sync = Clock::now();
      unsynced = false;
    } else if (!take.empty()) {
      unsynced = true;
    }
    opened_wal_no_ = opened;
    written_lsn_ = last;
    if (sync || opt_.sync != SyncPolicy::kBatch) durable_lsn_ = last;
    auto done = TakeDoneWaiters(Status::Ok());
    done_cv_.notify_all();
    if (!done.empty()) {
      lk.unlock();
      for (auto& fn : done) fn(Status::Ok());
      lk.lock();
    }
    if (stopping) break;
  }
}

}  // namespace lj::history
