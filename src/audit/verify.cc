// AuditLog::Verify: in one read snapshot, checks the database's integrity, walks the chain in
// sequence order, checks the anchor, the schema and that every query path sees the chain.
#include <fmt/format.h>

#include <filesystem>

#include "audit/audit_log_impl.h"
#include "audit/query_check.h"
#include "audit/record_codec.h"

namespace lj::audit {
namespace {

VerifyReport Fail(VerifyReport r, Problem p, int64_t seq, std::string message) {
  r.ok = false;
  r.problem = p;
  r.first_bad_seq = seq;
  r.message = std::move(message);
  return r;
}

// "a; b; c; … (n more)" of the first few findings, for the one-line message.
std::string Summary(const std::vector<std::string>& findings, size_t shown = 3) {
  std::string out;
  for (size_t i = 0; i < findings.size() && i < shown; ++i) out += (i ? "; " : "") + findings[i];
  if (findings.size() > shown) out += fmt::format("; … ({} more)", findings.size() - shown);
  return out;
}

std::string Plural(size_t n, const char* word) {
  return fmt::format("{} {}{}", n, word, n == 1 ? "" : "s");
}

// Everything after the anchor was read, inside one read transaction of `db`.
Result<VerifyReport> VerifySnapshot(AuditDb& db, VerifyReport report,
                                    const std::optional<Anchor>& anchor,
                                    const std::string& anchor_error,
                                    const std::string& anchor_path) {
  // 1. The file itself: damaged pages, or an index that does not hold exactly its table's rows
  // (a query through it would miss or invent records the chain walk below cannot see).
  Result<std::vector<std::string>> damage = db.IntegrityCheck();
  if (!damage.ok()) return damage.status();
  if (!damage->empty()) {
    VerifyReport r = Fail(report, Problem::kIntegrity, 0,
                          fmt::format("the database fails PRAGMA integrity_check ({}): {}",
                                      Plural(damage->size(), "finding"), Summary(*damage)));
    r.findings = std::move(damage).value();
    return r;
  }

  // 2. The chain.
  std::optional<VerifyReport> problem;
  int64_t expected = 1;
  std::string prev = kGenesisHash;
  std::string hash_at_anchor;
  QueryPathCheck paths;
  Status s = db.Scan([&](const Record& r, bool exact) {
    ++report.records;
    if (r.seq != expected) {
      problem = Fail(report, Problem::kGap, expected,
                     r.seq > expected
                         ? fmt::format("records {}..{} are missing (deleted)", expected, r.seq - 1)
                         : fmt::format("record {} is out of sequence", r.seq));
      return false;
    }
    if (r.prev_hash != prev) {
      problem = Fail(report, Problem::kBadLink, r.seq,
                     fmt::format("record {} does not link to record {} (prev_hash differs: one "
                                 "of them was rewritten)",
                                 r.seq, r.seq - 1));
      return false;
    }
    if (!exact || ChainHash(r.prev_hash, r) != r.hash) {
      problem =
          Fail(report, Problem::kEdited, r.seq,
               fmt::format("record {} was edited (its content does not match its hash)", r.seq));
      return false;
    }
    if (anchor && r.seq == anchor->seq) hash_at_anchor = r.hash;
    prev = r.hash;
    report.head_seq = r.seq;
    report.head_hash = r.hash;
    paths.Add(r);
    ++expected;
    return true;
  });
  if (!s.ok()) return s;
  if (problem) return *problem;

  // 3. The anchor.
  if (!anchor_error.empty())
    return Fail(report, Problem::kAnchorInvalid, 0,
                "the anchor cannot be trusted: " + anchor_error);
  if (!anchor) {
    if (report.records > 0)
      return Fail(
          report, Problem::kAnchorMissing, 0,
          "the anchor file '" + anchor_path + "' is missing: a truncated tail cannot be ruled out");
  } else if (report.head_seq < anchor->seq) {
    return Fail(report, Problem::kTruncated, report.head_seq + 1,
                fmt::format("records {}..{} were removed from the end (the anchor covers {})",
                            report.head_seq + 1, anchor->seq, anchor->seq));
  } else if (anchor->seq > 0 && hash_at_anchor != anchor->hash) {
    return Fail(
        report, Problem::kAnchorMismatch, anchor->seq,
        fmt::format("record {} does not match the anchor (the chain was rewritten)", anchor->seq));
  }

  // 4. The schema: the SQL text of every table, index and trigger decides what a query means
  // (a collation, a partial index, a missing append-only trigger), so it must be the one the
  // migrations create.
  Result<std::vector<std::string>> schema = db.SchemaDifferences();
  if (!schema.ok()) return schema.status();
  if (!schema->empty()) {
    VerifyReport r = Fail(report, Problem::kSchema, 0,
                          fmt::format("the schema is not the one Lingjing creates ({}): {}",
                                      Plural(schema->size(), "difference"), Summary(*schema)));
    r.findings = std::move(schema).value();
    return r;
  }

  // 5. The query paths return exactly the records of the chain.
  Result<QueryCheckResult> q = paths.Run(db, report.head_seq);
  if (!q.ok()) return q.status();
  if (!q->mismatches.empty()) {
    const PathMismatch& first = q->mismatches.front();
    std::string what =
        q->missing ? fmt::format("record {} is missing from {} ({} of {} records returned)",
                                 q->first_bad_seq, first.path, first.returned, first.in_chain)
                   : fmt::format(
                         "{} returns record {}, which is not one of its {} records ({} "
                         "returned)",
                         first.path, q->first_bad_seq, first.in_chain, first.returned);
    if (q->mismatches.size() > 1)
      what += fmt::format("; {} disagree in all", Plural(q->mismatches.size(), "query path"));
    VerifyReport r = Fail(report, Problem::kQueryMismatch, q->first_bad_seq,
                          what + ": an index or the stored type of a value was tampered with");
    for (const PathMismatch& m : q->mismatches)
      r.findings.push_back(
          fmt::format("{}: {} records in the chain, {} returned", m.path, m.in_chain, m.returned));
    return r;
  }

  report.ok = true;
  if (!anchor)
    report.message = "empty audit trail";
  else
    report.message =
        report.head_seq == anchor->seq
            ? fmt::format("{} records, chain intact, anchored at the head", report.records)
            : fmt::format(
                  "{} records, chain intact, anchor at {} ({} newer records not yet anchored)",
                  report.records, anchor->seq, report.head_seq - anchor->seq);
  report.message += "; database, schema and query paths consistent";
  return report;
}

}  // namespace

Result<VerifyReport> AuditLog::Verify() {
  Impl& m = *impl_;
  VerifyReport report;
  // The anchor is read before the records: a writer commits records before it moves the anchor,
  // so the records read afterwards always reach at least as far as the anchor read here.
  std::optional<Anchor> anchor;
  std::string anchor_error;
  const bool anchor_exists = std::filesystem::exists(m.options.anchor_path);
  if (anchor_exists) {
    Result<std::string> key = LoadKey(m.options.key_path, /*create=*/false);
    if (!key.ok()) {
      anchor_error = "anchor key: " + key.status().message();
    } else {
      Result<std::optional<Anchor>> a = ReadAnchor(m.options.anchor_path, *key);
      if (a.ok())
        anchor = *a;
      else
        anchor_error = a.status().message();
    }
  }
  if (anchor) report.anchor_seq = anchor->seq;

  std::lock_guard lk(m.reader_mu);
  LJ_RETURN_IF_ERROR(m.reader->BeginRead());
  Result<VerifyReport> r =
      VerifySnapshot(*m.reader, std::move(report), anchor, anchor_error, m.options.anchor_path);
  // Ending a read transaction fails only when reading failed too (a damaged file fails its
  // COMMIT as well): a problem found stands; a clean report needs a clean end.
  Status end = m.reader->EndRead();
  if (r.ok() && r->ok && !end.ok()) return end;
  return r;
}

}  // namespace lj::audit
