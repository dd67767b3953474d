// AuditLog::Verify: walks the chain in sequence order and checks the anchor.
#include <fmt/format.h>

#include <filesystem>

#include "audit/audit_log_impl.h"
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

  std::optional<VerifyReport> problem;
  int64_t expected = 1;
  std::string prev = kGenesisHash;
  std::string hash_at_anchor;
  {
    std::lock_guard lk(m.reader_mu);
    Status s = m.reader->Scan([&](const Record& r, bool exact) {
      ++report.records;
      if (r.seq != expected) {
        problem = Fail(report, Problem::kGap, expected,
                       r.seq > expected ? fmt::format("records {}..{} are missing (deleted)",
                                                      expected, r.seq - 1)
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
      ++expected;
      return true;
    });
    if (!s.ok()) return s;
  }
  if (problem) return *problem;
  if (!anchor_error.empty())
    return Fail(report, Problem::kAnchorInvalid, 0,
                "the anchor cannot be trusted: " + anchor_error);
  if (!anchor) {
    if (report.records > 0)
      return Fail(report, Problem::kAnchorMissing, 0,
                  "the anchor file '" + m.options.anchor_path +
                      "' is missing: a truncated tail cannot be ruled out");
    report.ok = true;
    report.message = "empty audit trail";
    return report;
  }
  if (report.head_seq < anchor->seq)
    return Fail(report, Problem::kTruncated, report.head_seq + 1,
                fmt::format("records {}..{} were removed from the end (the anchor covers {})",
                            report.head_seq + 1, anchor->seq, anchor->seq));
  if (anchor->seq > 0 && hash_at_anchor != anchor->hash)
    return Fail(
        report, Problem::kAnchorMismatch, anchor->seq,
        fmt::format("record {} does not match the anchor (the chain was rewritten)", anchor->seq));
  report.ok = true;
  report.message =
      report.head_seq == anchor->seq
          ? fmt::format("{} records, chain intact, anchored at the head", report.records)
          : fmt::format(
                "{} records, chain intact, anchor at {} ({} newer records not yet anchored)",
                report.records, anchor->seq, report.head_seq - anchor->seq);
  return report;
}

}  // namespace lj::audit
