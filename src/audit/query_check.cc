// QueryPathCheck: the query paths of audit.db against the chain (query_check.h).
#include "audit/query_check.h"

#include <fmt/format.h>

#include <algorithm>
#include <limits>

namespace lj::audit {

QueryPathCheck::Digest::Digest() : ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free) {
  if (ctx && EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1) ctx.reset();
}

void QueryPathCheck::Digest::Add(int64_t seq) {
  ++count;
  unsigned char be[8];
  for (int i = 0; i < 8; ++i)
    be[i] = static_cast<unsigned char>(static_cast<uint64_t>(seq) >> (56 - 8 * i));
  if (ctx && EVP_DigestUpdate(ctx.get(), be, sizeof be) != 1) ctx.reset();
}

std::string QueryPathCheck::Digest::Final() {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  if (!ctx || EVP_DigestFinal_ex(ctx.get(), md, &n) != 1) {
    ctx.reset();  // ok() is false: the caller fails rather than compare nothing
    return "";
  }
  return std::string(reinterpret_cast<const char*>(md), n);
}

void QueryPathCheck::Add(const Record& r) {
  all_.Add(r.seq);
  // An empty patient or actor means "any" to a query: those records are on the unfiltered path.
  if (!r.patient.empty()) patients_[r.patient].Add(r.seq);
  if (!r.actor.empty()) actors_[r.actor].Add(r.seq);
}

std::string QueryPathCheck::Describe(Kind kind, const std::string& key) {
  switch (kind) {
    case Kind::kAll:
      return "the unfiltered query";
    case Kind::kPatient:
      return fmt::format("the query by patient '{}'", key);
    case Kind::kActor:
      return fmt::format("the query by actor '{}'", key);
  }
  return "";
}

AuditQuery QueryPathCheck::QueryFor(Kind kind, const std::string& key) {
  AuditQuery q;
  if (kind == Kind::kPatient) q.patient = key;
  if (kind == Kind::kActor) q.actor = key;
  q.since_ns = std::numeric_limits<int64_t>::min();
  q.until_ns = std::numeric_limits<int64_t>::max();
  q.limit = 1000;
  return q;
}

Status QueryPathCheck::Walk(AuditDb& db, Kind kind, const std::string& key, int64_t head_seq,
                            const std::function<void(int64_t)>& visit) {
  AuditQuery q = QueryFor(kind, key);
  for (;;) {
    Result<AuditPage> page = db.Query(q);
    if (!page.ok()) return page.status();
    for (const Record& r : page->records) {
      if (r.seq > head_seq) return Status::Ok();  // appended after the scan: not verified
      visit(r.seq);
    }
    if (page->next_after_seq == 0) return Status::Ok();
    q.after_seq = page->next_after_seq;
  }
}

Status QueryPathCheck::CheckPath(AuditDb& db, Kind kind, const std::string& key, Digest& want,
                                 int64_t head_seq, QueryCheckResult& out) {
  Digest got;
  LJ_RETURN_IF_ERROR(Walk(db, kind, key, head_seq, [&](int64_t seq) { got.Add(seq); }));
  const std::string got_digest = got.Final(), want_digest = want.Final();
  if (!got.ok() || !want.ok())
    return Status(ErrorCode::kInternal, "audit verify: SHA-256 unavailable (out of memory?)");
  if (got.count == want.count && got_digest == want_digest) return Status::Ok();
  out.mismatches.push_back(PathMismatch{Describe(kind, key), want.count, got.count});
  failed_.emplace_back(kind, key);
  return Status::Ok();
}

Status QueryPathCheck::LocateFirstDifference(AuditDb& db, Kind kind, const std::string& key,
                                             int64_t head_seq, QueryCheckResult& out) {
  std::vector<int64_t> chain, query;
  LJ_RETURN_IF_ERROR(db.Scan([&](const Record& r, bool) {
    if (r.seq > head_seq) return false;
    if (kind == Kind::kAll || (kind == Kind::kPatient && r.patient == key) ||
        (kind == Kind::kActor && r.actor == key))
      chain.push_back(r.seq);
    return true;
  }));
  LJ_RETURN_IF_ERROR(Walk(db, kind, key, head_seq, [&](int64_t seq) { query.push_back(seq); }));
  // Both ascend (the query is ordered by seq); the first position where they part.
  auto [c, q] = std::mismatch(chain.begin(), chain.end(), query.begin(), query.end());
  if (c == chain.end() && q == query.end()) return Status::Ok();  // equal after all
  if (q == query.end() || (c != chain.end() && *c < *q)) {
    out.first_bad_seq = *c;
    out.missing = true;
  } else {
    out.first_bad_seq = *q;
    out.missing = false;
  }
  return Status::Ok();
}

Result<QueryCheckResult> QueryPathCheck::Run(AuditDb& db, int64_t head_seq) {
  QueryCheckResult out;
  failed_.clear();
  LJ_RETURN_IF_ERROR(CheckPath(db, Kind::kAll, "", all_, head_seq, out));
  for (Kind kind : {Kind::kPatient, Kind::kActor}) {
    std::unordered_map<std::string, Digest>& digests = kind == Kind::kPatient ? patients_ : actors_;
    std::vector<std::pair<const std::string*, Digest*>> keys;  // in key order: stable reports
    keys.reserve(digests.size());
    for (auto& [key, digest] : digests) keys.emplace_back(&key, &digest);
    std::sort(keys.begin(), keys.end(),
              [](const auto& a, const auto& b) { return *a.first < *b.first; });
    for (auto [key, digest] : keys)
      LJ_RETURN_IF_ERROR(CheckPath(db, kind, *key, *digest, head_seq, out));
  }
  if (!failed_.empty())
    LJ_RETURN_IF_ERROR(
        LocateFirstDifference(db, failed_.front().first, failed_.front().second, head_seq, out));
  return out;
}

}  // namespace lj::audit
