// Internal to src/audit: Verify's check that the query paths see exactly the chain. While Verify
// scans the chain it adds every record (in seq order); Run then asks AuditDb::Query — the path
// `lingjing audit query` and GET /api/v1/audit take — once unfiltered, for every patient and for
// every actor seen, all pages, over the whole time range, and compares what comes back with what
// the scan saw (the count and a SHA-256 over the sequence numbers in order). A tampered index, a
// changed schema or a value stored with another type (a BLOB never equals the text a query binds)
// shows up as a path that misses or adds records.
// Cost: each record is read once more per path kind (unfiltered, patient, actor) plus one index
// probe per distinct key; memory: one digest per distinct patient and actor.
// Contract: one check per Verify, on the reader connection, inside Verify's read transaction.
#pragma once

#include <openssl/evp.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "audit/audit.h"
#include "audit/audit_db.h"

namespace lj::audit {

struct PathMismatch {
  std::string path;      // "the unfiltered query", "the query by patient 'patient-a01'", …
  int64_t in_chain = 0;  // records of the chain this path must return
  int64_t returned = 0;  // records the query path returned
};

struct QueryCheckResult {
  std::vector<PathMismatch> mismatches;  // every path that disagrees, in check order
  // Where the first mismatching path first differs from the chain: the lowest seq that is
  // missing from the query (`missing`) or that the query returns although it must not.
  int64_t first_bad_seq = 0;
  bool missing = true;
};

class QueryPathCheck {
 public:
  void Add(const Record& r);
  // Checks every path against the records added (those up to head_seq).
  Result<QueryCheckResult> Run(AuditDb& db, int64_t head_seq);

 private:
  enum class Kind : uint8_t { kAll, kPatient, kActor };
  struct Digest {
    Digest();
    void Add(int64_t seq);
    std::string Final();                        // once
    bool ok() const { return ctx != nullptr; }  // false after an OpenSSL failure
    int64_t count = 0;
    std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> ctx;
  };
  static std::string Describe(Kind kind, const std::string& key);
  static AuditQuery QueryFor(Kind kind, const std::string& key);
  // Pages through the path, calling `visit` with each seq up to head_seq.
  static Status Walk(AuditDb& db, Kind kind, const std::string& key, int64_t head_seq,
                     const std::function<void(int64_t)>& visit);
  Status CheckPath(AuditDb& db, Kind kind, const std::string& key, Digest& want, int64_t head_seq,
                   QueryCheckResult& out);
  // The first seq where path (kind, key) and the chain differ; a second scan, on failure only.
  Status LocateFirstDifference(AuditDb& db, Kind kind, const std::string& key, int64_t head_seq,
                               QueryCheckResult& out);

  Digest all_;
  std::unordered_map<std::string, Digest> patients_, actors_;
  std::vector<std::pair<Kind, std::string>> failed_;  // paths that disagree, in check order
};

}  // namespace lj::audit
