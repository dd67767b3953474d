#include "server/publisher_access.h"

#include <fmt/format.h>

#include <algorithm>
#include <vector>

#include "auth/policy.h"
#include "common/time.h"

namespace lj::server {
namespace {

constexpr size_t kMaxCached = 10'000;    // distinct publisher names kept
constexpr size_t kMaxAudited = 100'000;  // (publisher, patient) pairs remembered

}  // namespace

PublisherAuthorizer::PublisherAuthorizer(AccessControl& ac, audit::Interface interface,
                                         int64_t refresh_ms)
    : ac_(ac), interface_(interface), refresh_ns_(refresh_ms * 1'000'000) {}

Result<std::shared_ptr<const auth::Principal>> PublisherAuthorizer::Lookup(std::string_view name) {
  const int64_t now = MonoNs();
  auto it = cache_.find(name);
  if (it != cache_.end() && now - it->second.fetched_mono_ns < refresh_ns_)
    return it->second.principal;
  Result<std::shared_ptr<const auth::Principal>> p = ac_.identities.TokenPrincipalByName(name);
  if (!p.ok() && p.status().code() != ErrorCode::kUnauthorized) return p;  // storage: not cached
  if (cache_.size() >= kMaxCached) cache_.clear();
  cache_.insert_or_assign(std::string(name), Cached{p, now});
  return p;
}

Status PublisherAuthorizer::Refuse(const auth::Principal* p, std::string_view publisher,
                                   std::string_view where, auth::Action action, std::string twin,
                                   std::string patient, std::string reason, std::string message) {
  audit::Record r;
  r.actor = p ? p->name : std::string(publisher.substr(0, 200));
  r.actor_kind = p ? std::string(auth::PrincipalKindName(p->kind)) : "anonymous";
  r.actor_role = p ? std::string(auth::RoleName(p->role)) : "";
  r.interface = interface_;
  r.action = std::string(auth::ActionName(action));
  r.twin = std::move(twin);
  r.patient = std::move(patient);
  r.reason = std::move(reason);
  r.detail = std::string(where.substr(0, 300));
  if (!ac_.audit.Append(std::move(r)).ok())
    return Status(ErrorCode::kUnavailable, "the audit trail is not accepting records");
  return Status(ErrorCode::kForbidden, std::move(message));
}

Result<std::shared_ptr<const auth::Principal>> PublisherAuthorizer::Identify(
    std::string_view publisher, std::string_view where, auth::Action action) {
  if (publisher.empty()) {
    return Refuse(nullptr, publisher, where, action, "", "", "no_publisher",
                  "this message names no publisher; with access control on, MQTT publishers "
                  "publish under a topic whose mapping has an identity (e.g. "
                  "lingjing/devices/<token name>/...) and HL7 feeds need [hl7] token");
  }
  Result<std::shared_ptr<const auth::Principal>> p = Lookup(publisher);
  if (!p.ok() && p.status().code() == ErrorCode::kUnauthorized)
    return Refuse(nullptr, publisher, where, action, "", "", "unknown_publisher",
                  p.status().message());
  return p;
}

Status PublisherAuthorizer::Authorize(std::string_view publisher, std::string_view where,
                                      const ingest::ParsedBatch& batch) {
  return AuthorizeWrites(publisher, where, ingest::DistinctTwins(batch));
}

Status PublisherAuthorizer::AuthorizeWrites(std::string_view publisher, std::string_view where,
                                            const std::vector<std::string>& twins) {
  std::lock_guard lk(mu_);
  Result<std::shared_ptr<const auth::Principal>> p =
      Identify(publisher, where, auth::Action::kWriteTelemetry);
  if (!p.ok()) return p.status();
  const auth::Principal& principal = **p;
  audit::Record base;
  base.actor = principal.name;
  base.actor_kind = std::string(auth::PrincipalKindName(principal.kind));
  base.actor_role = std::string(auth::RoleName(principal.role));
  base.interface = interface_;
  base.detail = std::string(where.substr(0, 300));
  if (audited_count_ >= kMaxAudited) {
    audited_.clear();
    audited_count_ = 0;
  }
  auto it = audited_.find(principal.name);
  if (it == audited_.end()) it = audited_.emplace(principal.name, std::set<std::string>{}).first;
  const size_t before = it->second.size();
  Status s = AuthorizeTwinWrites(ac_, principal, twins, base, &it->second);
  audited_count_ += it->second.size() - before;
  return s;
}

Status PublisherAuthorizer::AuthorizeGraphChange(std::string_view publisher, std::string_view where,
                                                 std::string_view patient) {
  std::lock_guard lk(mu_);
  const auth::Action action = auth::Action::kManageGraph;
  Result<std::shared_ptr<const auth::Principal>> p = Identify(publisher, where, action);
  if (!p.ok()) return p.status();
  const auth::Principal& principal = **p;
  const auth::Decision d = auth::Decide(principal, action, auth::TwinScope::Global());
  if (!d)
    return Refuse(&principal, publisher, where, action, std::string(patient), std::string(patient),
                  std::string(auth::ReasonName(d.reason)),
                  fmt::format("{} not allowed for '{}': {}", auth::ActionName(action),
                              principal.name, auth::ReasonName(d.reason)));
  audit::Record r;
  r.actor = principal.name;
  r.actor_kind = std::string(auth::PrincipalKindName(principal.kind));
  r.actor_role = std::string(auth::RoleName(principal.role));
  r.interface = interface_;
  r.action = std::string(auth::ActionName(action));
  r.twin = std::string(patient);
  r.patient = std::string(patient);
  r.allowed = true;
  r.reason = std::string(auth::ReasonName(d.reason));
  r.detail = std::string(where.substr(0, 300));
  if (!ac_.audit.Append(std::move(r)).ok())
    return Status(ErrorCode::kUnavailable, "the audit trail is not accepting records");
  return Status::Ok();
}

Status AuthorizeTwinWrites(AccessControl& ac, const auth::Principal& p,
                           const std::vector<std::string>& twins, const audit::Record& base,
                           std::set<std::string>* audited) {
  std::vector<audit::Record> allowed;
  for (const std::string& twin : twins) {
    Result<std::shared_ptr<const auth::TwinScope>> scope = ac.scopes.Resolve(twin);
    if (!scope.ok()) return scope.status();
    const auth::Decision d = auth::Decide(p, auth::Action::kWriteTelemetry, **scope);
    audit::Record r = base;
    r.action = std::string(auth::ActionName(auth::Action::kWriteTelemetry));
    r.twin = twin;
    r.patient = (*scope)->patient;
    r.reason = std::string(auth::ReasonName(d.reason));
    if (!d) {  // the whole message is refused, as an HTTP batch is
      if (!ac.audit.Append(std::move(r)).ok())
        return Status(ErrorCode::kUnavailable, "the audit trail is not accepting records");
      return Status(ErrorCode::kForbidden,
                    fmt::format("write_telemetry not allowed on twin '{}': {}; nothing in this "
                                "message was written",
                                twin.substr(0, 200), auth::ReasonName(d.reason)));
    }
    if (r.patient.empty() || audited->count(r.patient)) continue;
    if (std::any_of(allowed.begin(), allowed.end(),
                    [&](const audit::Record& a) { return a.patient == r.patient; }))
      continue;
    r.allowed = true;
    allowed.push_back(std::move(r));
  }
  for (audit::Record& r : allowed) {  // each patient once per `audited` set
    std::string patient = r.patient;
    if (!ac.audit.Append(std::move(r)).ok())
      return Status(ErrorCode::kUnavailable, "the audit trail is not accepting records");
    audited->insert(std::move(patient));
  }
  return Status::Ok();
}

}  // namespace lj::server
