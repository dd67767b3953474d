// Internal to src/audit: the state behind AuditLog (audit_log.cc, verify.cc).
#pragma once

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "audit/anchor.h"
#include "audit/audit.h"
#include "audit/audit_db.h"

namespace lj::metrics {
class Counter;
}

namespace lj::audit {

struct AuditLog::Impl {
  void WriterLoop();
  void AdvanceAnchor(const Anchor& head, int64_t batch_first_seq);
  static void RegisterMetrics(const std::shared_ptr<Impl>& self, metrics::Registry& m);

  AuditOptions options;
  std::string key;  // anchor HMAC key (hex); empty: unusable, the anchor is not moved

  std::unique_ptr<AuditDb> reader;  // queries and Verify, under reader_mu
  std::mutex reader_mu;
  std::unique_ptr<AuditDb> writer_db;  // the writer thread's own connection; null when read-only
  std::thread writer;

  std::mutex mu;  // guards everything below
  std::condition_variable work_cv, space_cv, flush_cv;
  std::deque<Record> queue;
  size_t inflight = 0;  // records taken by the writer, not yet committed
  bool closing = false;
  uint64_t appended = 0, written = 0, rejected = 0, write_errors = 0, lost = 0;
  Status last_error;
  bool anchor_problem = false;
  metrics::Counter* m_written = nullptr;
  metrics::Counter* m_rejected = nullptr;
  metrics::Counter* m_errors = nullptr;
};

}  // namespace lj::audit
