// AuditLog: the bounded queue, the writer thread (group commit, then the anchor) and queries.
// Verification: verify.cc.
#include <fmt/format.h>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <mutex>
#include <thread>

#include "audit/anchor.h"
#include "audit/audit_db.h"
#include "audit/audit_log_impl.h"
#include "audit/record_codec.h"
#include "common/log.h"
#include "common/time.h"
#include "metrics/metrics.h"

namespace lj::audit {
namespace {

constexpr std::string_view kInterfaceNames[] = {"rest", "ws",  "mqtt",      "hl7",
                                                "fhir", "cli", "lineproto", "internal"};

void Truncate(std::string& s, size_t max) {
  if (s.size() <= max) return;
  size_t n = max;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;  // whole UTF-8 chars
  s.resize(n);
}

std::string DefaultBeside(const std::string& db_path, const char* ext) {
  std::filesystem::path p(db_path);
  p.replace_extension(ext);
  return p.string();
}

}  // namespace

std::string_view InterfaceName(Interface i) {
  const auto n = static_cast<size_t>(i);
  return n < std::size(kInterfaceNames) ? kInterfaceNames[n] : "internal";
}

Result<Interface> ParseInterface(std::string_view name) {
  for (size_t i = 0; i < std::size(kInterfaceNames); ++i)
    if (name == kInterfaceNames[i]) return static_cast<Interface>(i);
  return Status(ErrorCode::kInvalidArgument, fmt::format("unknown interface '{}'", name));
}

std::string_view ProblemName(Problem p) {
  switch (p) {
    case Problem::kNone:
      return "none";
    case Problem::kEdited:
      return "edited";
    case Problem::kGap:
      return "gap";
    case Problem::kBadLink:
      return "bad_link";
    case Problem::kTruncated:
      return "truncated";
    case Problem::kAnchorMismatch:
      return "anchor_mismatch";
    case Problem::kAnchorMissing:
      return "anchor_missing";
    case Problem::kAnchorInvalid:
      return "anchor_invalid";
    case Problem::kIntegrity:
      return "integrity";
    case Problem::kSchema:
      return "schema";
    case Problem::kQueryMismatch:
      return "query_mismatch";
  }
  return "";
}

AuditLog::AuditLog(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}
AuditLog::~AuditLog() { Close(); }

Result<std::unique_ptr<AuditLog>> AuditLog::Open(AuditOptions options) {
  if (options.path.empty()) return Status(ErrorCode::kInvalidArgument, "audit: no path");
  if (options.queue_capacity < 1 || options.max_batch < 1 || options.max_block_ms < 0)
    return Status(ErrorCode::kInvalidArgument, "audit: queue_capacity, max_batch must be >= 1");
  if (options.anchor_path.empty()) options.anchor_path = DefaultBeside(options.path, ".anchor");
  if (options.key_path.empty()) options.key_path = DefaultBeside(options.path, ".key");
  auto impl = std::make_shared<Impl>();
  impl->options = std::move(options);
  const AuditOptions& o = impl->options;
  Result<std::unique_ptr<AuditDb>> reader = AuditDb::Open(o.path, !o.read_only, /*reader=*/true);
  if (!reader.ok()) return reader.status();
  impl->reader = std::move(reader).value();
  if (!o.read_only) {
    Result<std::unique_ptr<AuditDb>> writer = AuditDb::Open(o.path, true, /*reader=*/false);
    if (!writer.ok()) return writer.status();
    impl->writer_db = std::move(writer).value();
    // A key is created only together with a first anchor: if an anchor exists without its key,
    // the key was removed and a new one would silently re-sign history.
    const bool anchor_exists = std::filesystem::exists(o.anchor_path);
    Result<std::string> key = LoadKey(o.key_path, /*create=*/!anchor_exists);
    if (key.ok()) {
      impl->key = *key;
    } else {
      impl->anchor_problem = true;
      LJ_LOG_ERROR("audit: anchor key unusable; the anchor stays frozen until investigated", "key",
                   o.key_path, "error", key.status().message());
    }
    if (o.metrics != nullptr) Impl::RegisterMetrics(impl, *o.metrics);
    impl->writer = std::thread([p = impl.get()] { p->WriterLoop(); });
  }
  return std::unique_ptr<AuditLog>(new AuditLog(std::move(impl)));
}

// The collector holds the log weakly: the registry may outlive it.
void AuditLog::Impl::RegisterMetrics(const std::shared_ptr<Impl>& self, metrics::Registry& m) {
  self->m_written = &m.GetCounter("lj_audit_records_total", "Audit records committed");
  self->m_rejected = &m.GetCounter(
      "lj_audit_rejected_total", "Audit records refused because the queue was full (fail closed)");
  self->m_errors =
      &m.GetCounter("lj_audit_write_errors_total", "Failed audit batch commits (retried)");
  metrics::Gauge& depth = m.GetGauge("lj_audit_queue_depth", "Audit records waiting to be written");
  metrics::Gauge& problem =
      m.GetGauge("lj_audit_anchor_problem", "1 when the audit anchor did not match the chain");
  m.AddCollector([weak = std::weak_ptr<Impl>(self), &depth, &problem] {
    std::shared_ptr<Impl> p = weak.lock();
    if (!p) return;
    std::lock_guard lk(p->mu);
    depth.Set(static_cast<double>(p->queue.size() + p->inflight));
    problem.Set(p->anchor_problem ? 1 : 0);
  });
}

Status AuditLog::Append(Record r) {
  Impl& m = *impl_;
  if (r.time_ns == 0) r.time_ns = NowNs();
  for (std::string* f : {&r.actor, &r.actor_kind, &r.actor_role, &r.remote, &r.action, &r.patient,
                         &r.twin, &r.reason})
    Truncate(*f, kMaxFieldBytes);
  Truncate(r.detail, kMaxDetailBytes);
  std::unique_lock lk(m.mu);
  auto has_room = [&] {
    return m.closing || m.queue.size() + m.inflight < m.options.queue_capacity;
  };
  if (!has_room())
    m.space_cv.wait_for(lk, std::chrono::milliseconds(m.options.max_block_ms), has_room);
  if (m.closing || m.writer_db == nullptr || !has_room()) {
    ++m.rejected;
    if (m.m_rejected) m.m_rejected->Inc();
    return Status(ErrorCode::kUnavailable,
                  m.closing || !m.writer_db ? "audit trail closed" : "audit queue full");
  }
  m.queue.push_back(std::move(r));
  ++m.appended;
  m.work_cv.notify_one();
  return Status::Ok();
}

Status AuditLog::Flush(int timeout_ms) {
  Impl& m = *impl_;
  std::unique_lock lk(m.mu);
  const uint64_t target = m.appended;
  if (!m.flush_cv.wait_for(lk, std::chrono::milliseconds(timeout_ms),
                           [&] { return m.written + m.lost >= target; }))
    return Status(ErrorCode::kUnavailable,
                  "audit records not yet written: " +
                      (m.last_error.ok() ? std::string("timeout") : m.last_error.message()));
  if (m.written < target) return Status(ErrorCode::kStorage, "audit records were lost");
  return Status::Ok();
}

void AuditLog::Close() {
  Impl& m = *impl_;
  {
    std::lock_guard lk(m.mu);
    if (m.closing) return;
    m.closing = true;
  }
  m.work_cv.notify_all();
  m.space_cv.notify_all();
  if (m.writer.joinable()) m.writer.join();
}

AuditStats AuditLog::stats() const {
  std::lock_guard lk(impl_->mu);
  AuditStats s;
  s.appended = impl_->appended;
  s.written = impl_->written;
  s.rejected = impl_->rejected;
  s.write_errors = impl_->write_errors;
  s.lost = impl_->lost;
  s.queued = impl_->queue.size() + impl_->inflight;
  s.anchor_problem = impl_->anchor_problem;
  return s;
}

Result<AuditPage> AuditLog::Query(const AuditQuery& query) {
  std::lock_guard lk(impl_->reader_mu);
  return impl_->reader->Query(query);
}

void AuditLog::Impl::WriterLoop() {
  int failures_while_closing = 0;
  int64_t backoff_ms = 50;
  for (;;) {
    std::vector<Record> batch;
    {
      std::unique_lock lk(mu);
      work_cv.wait(lk, [&] { return closing || !queue.empty(); });
      if (queue.empty()) return;  // closing and drained
      const size_t n = std::min(queue.size(), options.max_batch);
      batch.reserve(n);
      for (size_t i = 0; i < n; ++i) {
        batch.push_back(std::move(queue.front()));
        queue.pop_front();
      }
      inflight = n;
    }
    Result<Anchor> head = writer_db->AppendBatch(batch);
    // Anchored before the records count as written, so Flush() returns with the anchor moved.
    if (head.ok()) AdvanceAnchor(*head, batch.front().seq);
    std::unique_lock lk(mu);
    inflight = 0;
    if (head.ok()) {
      written += batch.size();
      if (m_written) m_written->Inc(batch.size());
      last_error = Status::Ok();
      backoff_ms = 50;
      lk.unlock();
      space_cv.notify_all();
      flush_cv.notify_all();
      continue;
    }
    // Keep the batch, in order, at the front; retry after a pause.
    ++write_errors;
    if (m_errors) m_errors->Inc();
    last_error = head.status();
    for (auto it = batch.rbegin(); it != batch.rend(); ++it) queue.push_front(std::move(*it));
    LJ_LOG_ERROR("audit: write failed; records kept queued", "queued", queue.size(), "error",
                 head.status().message());
    if (closing && ++failures_while_closing >= 3) {
      lost += queue.size();
      LJ_LOG_ERROR("audit: giving up at shutdown; records lost", "lost", queue.size());
      queue.clear();
      lk.unlock();
      flush_cv.notify_all();
      return;
    }
    work_cv.wait_for(lk, std::chrono::milliseconds(backoff_ms), [&] { return closing; });
    backoff_ms = std::min<int64_t>(backoff_ms * 2, 5000);
  }
}

// Moves the anchor to `head` — only forward, and only while the record anchored so far is still
// intact, so evidence of a truncation or rewrite is never overwritten. A missing anchor is
// created only by the batch that starts the chain (seq 1): an anchor deleted later stays missing.
void AuditLog::Impl::AdvanceAnchor(const Anchor& head, int64_t batch_first_seq) {
  if (key.empty()) return;
  Result<AnchorLock> lock = AnchorLock::Acquire(options.anchor_path);
  if (!lock.ok()) {
    LJ_LOG_ERROR("audit: cannot lock the anchor", "error", lock.status().message());
    return;
  }
  Result<std::optional<Anchor>> current = ReadAnchor(options.anchor_path, key);
  std::string problem;
  if (!current.ok()) {
    problem = current.status().message();
  } else if (current->has_value()) {
    const Anchor& a = **current;
    if (a.seq >= head.seq) return;  // another writer is ahead
    Result<std::optional<std::string>> at = writer_db->HashAt(a.seq);
    if (!at.ok()) {
      LJ_LOG_ERROR("audit: cannot check the anchor", "error", at.status().message());
      return;
    }
    if (!at->has_value() || **at != a.hash)
      problem =
          fmt::format("record {} no longer matches the anchor (truncated or rewritten)", a.seq);
  } else if (batch_first_seq != 1) {
    problem = "the anchor file is missing although earlier records exist";
  }
  if (!problem.empty()) {
    std::lock_guard lk(mu);
    if (!anchor_problem)
      LJ_LOG_ERROR("audit: anchor does not match the chain; it stays frozen as evidence", "problem",
                   problem);
    anchor_problem = true;
    return;
  }
  if (Status s = WriteAnchor(options.anchor_path, key, head); !s.ok())
    LJ_LOG_ERROR("audit: cannot write the anchor", "error", s.message());
}

}  // namespace lj::audit
