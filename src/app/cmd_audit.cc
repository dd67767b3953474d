// `lingjing audit verify` and `lingjing audit query` (cmd_auth.h). Both open the trail read-only:
// they change nothing and also work on a copy of the data directory (e.g. for forensics).
#include <fmt/format.h>

#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "app/cmd_auth.h"
#include "audit/audit.h"
#include "common/log.h"
#include "common/time.h"

namespace lj::app {
namespace {

constexpr int kVerifyFailed = 2;  // exit status when the chain or the anchor does not verify

std::unique_ptr<audit::AuditLog> OpenReadOnly(const Config& config) {
  Result<std::unique_ptr<audit::AuditLog>> log =
      audit::AuditLog::Open(AuditOptionsFor(config, /*read_only=*/true));
  if (!log.ok()) Finish(log.status());
  return std::move(log).value();
}

// "2026-11-23T10:00:00Z" or a duration back from now ("24h", "7d").
Result<int64_t> ParseTime(const std::string& text, const char* flag) {
  if (std::optional<int64_t> t = ParseRfc3339Ns(text)) return *t;
  Result<int64_t> ago = ParseRetention(text);
  if (ago.ok() && *ago > 0) return NowNs() - *ago * 1'000'000'000;
  return Status(
      ErrorCode::kInvalidArgument,
      fmt::format("{} '{}': expected an RFC 3339 time or a duration like 24h, 7d", flag, text));
}

void RunVerify(const DataFlags& flags) {
  log::Init("warn", "logfmt");
  Result<Config> config = ConfigFor(flags);
  if (!config.ok()) Finish(config.status());
  std::unique_ptr<audit::AuditLog> log = OpenReadOnly(*config);
  Result<audit::VerifyReport> r = log->Verify();
  if (!r.ok()) Finish(r.status());
  const std::string where = AuditOptionsFor(*config).path;
  if (r->ok) {
    std::cout << fmt::format("{}: OK: {}\n", where, r->message);
    if (r->head_seq > 0)
      std::cout << fmt::format("head: seq {} hash {}\n", r->head_seq, r->head_hash);
    return;
  }
  std::cout << fmt::format(
      "{}: FAILED ({}){}: {}\n", where, audit::ProblemName(r->problem),
      r->first_bad_seq > 0 ? fmt::format(" at record {}", r->first_bad_seq) : "", r->message);
  for (const std::string& finding : r->findings) std::cout << "  " << finding << "\n";
  if (r->problem != audit::Problem::kIntegrity)  // else the damaged file stopped before the chain
    std::cout << fmt::format("checked {} records; intact up to seq {}; anchor at seq {}\n",
                             r->records, r->head_seq, r->anchor_seq);
  throw CLI::RuntimeError(kVerifyFailed);
}

struct QueryFlags {
  DataFlags data;
  std::string patient, user, since, until;
  int64_t after = 0;
  int limit = 100;
  bool json = false;
};

void RunQuery(const QueryFlags& f) {
  log::Init("warn", "logfmt");
  Result<Config> config = ConfigFor(f.data);
  if (!config.ok()) Finish(config.status());
  audit::AuditQuery q;
  q.patient = f.patient;
  q.actor = f.user;
  q.after_seq = f.after;
  q.limit = f.limit;
  if (!f.since.empty()) {
    Result<int64_t> t = ParseTime(f.since, "--since");
    if (!t.ok()) Finish(t.status());
    q.since_ns = *t;
  }
  if (!f.until.empty()) {
    Result<int64_t> t = ParseTime(f.until, "--until");
    if (!t.ok()) Finish(t.status());
    q.until_ns = *t;
  }
  std::unique_ptr<audit::AuditLog> log = OpenReadOnly(*config);
  Result<audit::AuditPage> page = log->Query(q);
  if (!page.ok()) Finish(page.status());
  for (const audit::Record& r : page->records) {
    if (f.json) {
      nlohmann::json j = {{"seq", r.seq},
                          {"time", FormatRfc3339(r.time_ns)},
                          {"actor", r.actor},
                          {"actor_kind", r.actor_kind},
                          {"actor_role", r.actor_role},
                          {"remote", r.remote},
                          {"interface", audit::InterfaceName(r.interface)},
                          {"action", r.action},
                          {"patient", r.patient},
                          {"twin", r.twin},
                          {"outcome", r.allowed ? "allow" : "deny"},
                          {"reason", r.reason},
                          {"detail", r.detail},
                          {"hash", r.hash}};
      std::cout << j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
      continue;
    }
    std::cout << fmt::format(
        "{:>6} {} {} ({}/{}) {} {} patient={} twin={} {} {}{}{}\n", r.seq, FormatRfc3339(r.time_ns),
        r.actor, r.actor_kind, r.actor_role, audit::InterfaceName(r.interface), r.action,
        r.patient.empty() ? "-" : r.patient, r.twin.empty() ? "-" : r.twin,
        r.allowed ? "ALLOW" : "DENY", r.reason, r.remote.empty() ? "" : " from " + r.remote,
        r.detail.empty() ? "" : " | " + r.detail);
  }
  if (page->next_after_seq != 0)
    std::cerr << fmt::format("more records: add --after {}\n", page->next_after_seq);
}

}  // namespace

void AddAuditCommands(CLI::App& app) {
  CLI::App* audit_cmd = app.add_subcommand("audit", "Check and search the audit trail (read-only)");
  audit_cmd->require_subcommand(1);

  auto verify_flags = std::make_shared<DataFlags>();
  CLI::App* verify = audit_cmd->add_subcommand(
      "verify",
      "Check the database's integrity, walk the hash chain, check the signed anchor, the schema "
      "and that queries by patient and user see every record; exit 0 when intact, 2 with the "
      "first problem and why (integrity, edited, gap, bad_link, truncated, anchor_*, schema, "
      "query_mismatch), 1 on other errors");
  AddDataFlags(verify, *verify_flags);
  verify->callback([verify_flags] { RunVerify(*verify_flags); });

  auto q = std::make_shared<QueryFlags>();
  CLI::App* query = audit_cmd->add_subcommand(
      "query", "Records about one patient or by one user, oldest first, one per line");
  CLI::Option* patient = query->add_option("--patient", q->patient, "Patient twin id");
  CLI::Option* user = query->add_option("--user", q->user, "User or token name (the actor)");
  patient->excludes(user);
  user->excludes(patient);
  query->add_option("--since", q->since, "From this time: RFC 3339, or a duration back (24h, 7d)");
  query->add_option("--until", q->until, "Up to this time: RFC 3339, or a duration back");
  query->add_option("--after", q->after, "Only records after this seq (the next page)");
  query->add_option("--limit", q->limit, "Records per page (1..1000)")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  query->add_flag("--json", q->json, "One JSON object per line");
  AddDataFlags(query, q->data);
  query->callback([q, patient, user] {
    if (patient->count() + user->count() != 1)
      Finish(Status(ErrorCode::kInvalidArgument, "give --patient P or --user U"));
    RunQuery(*q);
  });
}

}  // namespace lj::app
