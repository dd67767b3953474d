// The audit trail: who read or changed which patient's data, when, from where, through which
// interface, and whether it was allowed — append-only and hash-chained (doc/design/security.md).
//
// Records live in `audit.db` (SQLite, WAL, synchronous=FULL, indexes by patient, actor and
// time; UPDATE and DELETE are refused by triggers). Each record has a sequence number (1, 2, …
// without gaps) and hash = SHA-256(prev_hash ‖ canonical encoding of the record), prev_hash of
// record 1 being 32 zero bytes (record_codec.h). After every committed batch the writer moves an
// anchor file (seq + hash of the head, HMAC-SHA-256 with a key file; both paths configurable so
// they can live apart from the database) forward, never backward, and only while the record it
// anchored before is still intact. Verify() walks the chain and checks the anchor: it reports the
// first bad sequence number and why — an edited record, a deleted one (gap), a broken link, a
// truncated tail, an anchor that does not match. It also checks what the chain cannot see: the
// database's integrity (PRAGMA integrity_check), that its schema is exactly the one the
// migrations create, and that every query path (by patient, by actor, unfiltered) returns exactly
// the records of the chain — so an index or schema tampered with to hide records fails it too.
//
// Writing: Append() only enqueues (no disk I/O on the caller's thread); one writer thread commits
// batches (group commit). Queue-full policy — fail closed, never drop silently: when the queue
// (queue_capacity records) is full, Append waits up to max_block_ms for room, then returns
// kUnavailable and counts the record as rejected; the caller must then refuse the request it was
// auditing (answer 503). On a write error the batch stays queued and is retried with backoff, so
// a failing disk fills the queue and Append fails closed. Records still queued when Close() gives
// up on a failing disk are counted as lost and logged.
// Multi-process: the writer reads the chain head inside its write transaction, so another
// process (the CLI) may append to the same database concurrently without breaking the chain.
// Thread-safety: every method may be called from any thread.
#pragma once

#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace lj::metrics {
class Registry;
}

namespace lj::audit {

enum class Interface : uint8_t { kRest, kWs, kMqtt, kHl7, kFhir, kCli, kLineProto, kInternal };
std::string_view InterfaceName(Interface i);  // "rest", "ws", "mqtt", "hl7", "fhir", "cli", ...
Result<Interface> ParseInterface(std::string_view name);

struct Record {
  int64_t seq = 0;         // assigned by the writer
  int64_t time_ns = 0;     // 0: Append() stamps the current time
  std::string actor;       // user or token name (e.g. auth::Principal::name)
  std::string actor_kind;  // "user", "device", "service", "system", "anonymous"
  std::string actor_role;  // "administrator", "clinician", …
  std::string remote;      // peer address "10.1.2.3:51234", or "" (CLI)
  Interface interface = Interface::kRest;
  std::string action;   // e.g. auth::ActionName: "read_history", or "login", "token_create"
  std::string patient;  // patient twin id, when the access concerns a patient
  std::string twin;     // the twin acted on, if any
  bool allowed = false;
  std::string reason;           // e.g. auth::ReasonName, "wrong password"
  std::string detail;           // bounded free text (route, query); never secrets or patient values
  std::string prev_hash, hash;  // hex; assigned by the writer
};

// Longest stored value of each text field (longer values are truncated at Append).
inline constexpr size_t kMaxFieldBytes = 256;
inline constexpr size_t kMaxDetailBytes = 1024;

struct AuditOptions {
  std::string path;         // audit.db
  std::string anchor_path;  // default: <path without .db>.anchor
  std::string key_path;     // default: <path without .db>.key (created 0600 when missing)
  size_t queue_capacity = 65536;
  int max_block_ms = 100;
  size_t max_batch = 1024;
  bool read_only = false;                // query/verify only: no writer, nothing created
  metrics::Registry* metrics = nullptr;  // optional: lj_audit_* counters and gauges
};

struct AuditQuery {
  std::string patient;  // exact match; empty = any
  std::string actor;    // exact match; empty = any
  int64_t since_ns = 0;
  int64_t until_ns = std::numeric_limits<int64_t>::max();
  int64_t after_seq = 0;  // paging cursor: records with seq > after_seq
  int limit = 100;        // 1..1000
};

struct AuditPage {
  std::vector<Record> records;  // ascending seq
  int64_t next_after_seq = 0;   // 0: no further page
};

enum class Problem : uint8_t {
  kNone,
  kEdited,          // a record's hash does not match its content
  kGap,             // records are missing (deleted) before this sequence number
  kBadLink,         // prev_hash differs from the previous record's hash
  kTruncated,       // the anchor covers records that are no longer there
  kAnchorMismatch,  // the record at the anchored seq has another hash
  kAnchorMissing,   // records exist but the anchor file does not
  kAnchorInvalid,   // the anchor file is malformed, its MAC is wrong, or the key is missing
  kIntegrity,      // PRAGMA integrity_check reports problems (e.g. an index not matching the table)
  kSchema,         // tables, indexes or triggers differ from the ones the migrations create
  kQueryMismatch,  // a query path (by patient, by actor, unfiltered) misses or adds records
};
std::string_view ProblemName(Problem p);

struct VerifyReport {
  bool ok = false;
  Problem problem = Problem::kNone;
  int64_t first_bad_seq = 0;  // 0 when ok or not about one record
  std::string message;
  // Every finding behind `problem`, one per entry, when there can be several: the lines of
  // PRAGMA integrity_check, each schema difference, each query path that disagrees.
  std::vector<std::string> findings;
  int64_t records = 0;  // records checked
  int64_t head_seq = 0;
  std::string head_hash;
  int64_t anchor_seq = 0;  // 0: no anchor
};

struct AuditStats {
  uint64_t appended = 0;      // accepted by Append
  uint64_t written = 0;       // committed
  uint64_t rejected = 0;      // Append failed closed (queue full or closed)
  uint64_t write_errors = 0;  // failed batch commits (retried)
  uint64_t lost = 0;          // still queued when Close gave up
  uint64_t queued = 0;
  bool anchor_problem = false;  // the writer found the anchor not matching; see Verify
};

class AuditLog {
 public:
  static Result<std::unique_ptr<AuditLog>> Open(AuditOptions options);
  ~AuditLog();  // Close()

  Status Append(Record record);
  // Waits until every record appended before the call is committed (or timeout: kUnavailable
  // with the last write error).
  Status Flush(int timeout_ms = 30000);
  // Stops accepting, writes what is queued (a few retries on errors), stops the writer.
  void Close();

  Result<AuditPage> Query(const AuditQuery& query);
  Result<VerifyReport> Verify();
  AuditStats stats() const;

 private:
  struct Impl;
  explicit AuditLog(std::shared_ptr<Impl> impl);
  std::shared_ptr<Impl> impl_;  // shared with the metrics collector (weakly)
};

}  // namespace lj::audit
