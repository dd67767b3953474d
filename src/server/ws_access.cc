#include "server/ws_access.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "auth/policy.h"
#include "common/time.h"
#include "server/publisher_access.h"

namespace lj::server {
namespace {

audit::Record WsRecord(const auth::Principal* p, const std::string& remote,
                       std::string_view action) {
  audit::Record r;
  r.actor = p ? p->name : "";
  r.actor_kind = p ? std::string(auth::PrincipalKindName(p->kind)) : "anonymous";
  r.actor_role = p ? std::string(auth::RoleName(p->role)) : "";
  r.remote = remote;
  r.interface = audit::Interface::kWs;
  r.action = std::string(action);
  r.detail = "GET /ws";
  return r;
}

WsAdmission Refuse(AccessControl& ac, const Request& req, audit::Record r, Status why) {
  WsAdmission out;
  if (!ac.audit.Append(std::move(r)).ok()) {
    why = Status(ErrorCode::kUnavailable, "the audit trail is not accepting records; retry");
  }
  Response res = ErrorResponse(req, why);
  if (why.code() == ErrorCode::kUnauthorized) res.set(http::field::www_authenticate, "Bearer");
  res.keep_alive(false);
  out.refusal = std::move(res);
  return out;
}

// Device tokens, and services with the ingest scope, write telemetry; users may too (clinicians
// in their wards), but never without a twin-level check at each message.
bool MayWriteSomewhere(const auth::Principal& p) {
  return p.role == auth::Role::kDevice ||
         (p.role == auth::Role::kService && (p.scopes & auth::kScopeIngest));
}

}  // namespace

LiveAccess LiveAccessOf(const auth::Principal& p) {
  if (auth::Decide(p, auth::Action::kReadLive, auth::TwinScope::Global())) return LiveAccess::kAll;
  const bool filterable =
      p.role == auth::Role::kClinician || p.role == auth::Role::kViewer ||
      (p.role == auth::Role::kService && (p.scopes & auth::kScopeRead) && !p.wards.empty());
  return filterable ? LiveAccess::kFiltered : LiveAccess::kNone;
}

bool WithholdsRecord(const auth::Principal& p) {
  if (p.role == auth::Role::kAdministrator || p.role == auth::Role::kClinician) return false;
  return !(p.role == auth::Role::kService && (p.scopes & auth::kScopeFhir));
}

WsAdmission AdmitWebSocket(AccessControl& ac, const Request& req, const std::string& remote) {
  Authn authn = AuthenticateRequest(ac, req, remote);
  if (!authn.principal.ok()) {
    const Status& s = authn.principal.status();
    if (s.code() == ErrorCode::kRateLimited || s.code() == ErrorCode::kStorage) {
      WsAdmission out;
      out.refusal = ErrorResponse(req, s);
      return out;
    }
    if (authn.presented && !authn.basic_user.empty()) {
      const int64_t now = NowNs();
      ac.limiter.Fail("ip:" + HostOf(remote), now);
      ac.limiter.Fail("user:" + authn.basic_user, now);
    }
    audit::Record r = WsRecord(nullptr, remote, "authenticate");
    r.actor = authn.basic_user;
    r.reason = authn.presented ? s.message() : "no credential";
    return Refuse(ac, req, std::move(r),
                  Status(ErrorCode::kUnauthorized, "authentication required"));
  }
  const auth::Principal& p = **authn.principal;
  if (!TakeRequestToken(ac, p)) {  // upgrades count against the identity's request rate
    WsAdmission out;
    out.refusal = RateLimitedResponse(req, p);
    return out;
  }
  if (authn.via_cookie && !SameOrigin(req)) {
    audit::Record r = WsRecord(&p, remote, "read_live");
    r.reason = "cross_origin";
    r.detail = fmt::format("GET /ws from origin {}",
                           std::string_view(req[http::field::origin]).substr(0, 200));
    return Refuse(ac, req, std::move(r),
                  Status(ErrorCode::kForbidden,
                         "the session cookie is only accepted from this server's own pages"));
  }
  const LiveAccess live = LiveAccessOf(p);
  const bool writes = MayWriteSomewhere(p);
  auth::Decision d = auth::Decide(p, auth::Action::kReadLive, auth::TwinScope::Global());
  audit::Record r =
      WsRecord(&p, remote, live == LiveAccess::kNone ? "write_telemetry" : "read_live");
  r.reason = live == LiveAccess::kFiltered ? "filtered"
             : live == LiveAccess::kAll    ? std::string(auth::ReasonName(d.reason))
             : writes                      ? "ingest_only"
                                           : std::string(auth::ReasonName(d.reason));
  if (live == LiveAccess::kNone && !writes) {
    return Refuse(ac, req, std::move(r),
                  Status(ErrorCode::kForbidden,
                         fmt::format("read_live not allowed: {}; the WebSocket API admits "
                                     "principals that may read live data or write telemetry",
                                     auth::ReasonName(d.reason))));
  }
  r.allowed = true;
  if (!ac.audit.Append(std::move(r)).ok()) {
    WsAdmission out;
    out.refusal = ErrorResponse(
        req, Status(ErrorCode::kUnavailable, "the audit trail is not accepting records; retry"));
    return out;
  }
  WsAdmission out;
  out.principal = *authn.principal;
  out.filtered = live == LiveAccess::kFiltered;
  out.credential = std::move(authn.held);
  return out;
}

Status RecheckWsCredential(AccessControl& ac, const auth::HeldCredential& credential,
                           const auth::Principal& admitted, const std::string& remote) {
  Result<std::shared_ptr<const auth::Principal>> p = ac.identities.Recheck(credential.get());
  Status why;
  if (!p.ok()) {
    why = p.status();
  } else if ((*p)->name != admitted.name || (*p)->role != admitted.role ||
             (*p)->kind != admitted.kind) {
    why = Status(ErrorCode::kUnauthorized, "the credential now names another principal");
  } else {
    return Status::Ok();
  }
  // Fail closed: a credential that cannot be checked (auth.db unreadable) ends the connection.
  if (why.code() != ErrorCode::kUnauthorized) return why;
  audit::Record r = WsRecord(&admitted, remote, "authenticate");
  r.reason = why.message();
  r.detail = "WebSocket closed: credential no longer valid";
  ac.audit.Append(std::move(r)).IgnoreError();  // the connection closes either way
  return Status(ErrorCode::kUnauthorized, "credential no longer valid: " + why.message());
}

namespace {

class ScopedResolver : public live::Resolver {
 public:
  ScopedResolver(AccessControl& ac, live::Resolver& inner, std::shared_ptr<const auth::Principal> p,
                 std::string remote)
      : ac_(ac), inner_(inner), p_(std::move(p)), remote_(std::move(remote)) {}

  Result<std::vector<std::string>> Resolve(const live::Target& target) override {
    Result<std::vector<std::string>> ids = inner_.Resolve(target);
    if (!ids.ok()) return ids;
    std::vector<std::string> kept;
    kept.reserve(ids->size());
    for (std::string& id : *ids) {
      Result<std::shared_ptr<const auth::TwinScope>> scope = ac_.scopes.Resolve(id);
      if (!scope.ok()) return scope.status();  // deny on error: the subscription fails
      const auth::Decision d = auth::Decide(*p_, auth::Action::kReadLive, **scope);
      if (!d) continue;
      const std::string& patient = (*scope)->patient;
      if (!patient.empty() && seen_patients_.insert(patient).second) {
        audit::Record r = WsRecord(p_.get(), remote_, "read_live");
        r.allowed = true;
        r.patient = patient;
        r.twin = id;
        r.reason = std::string(auth::ReasonName(d.reason));
        r.detail = "ws subscription";
        if (!ac_.audit.Append(std::move(r)).ok()) {
          seen_patients_.erase(patient);
          return Status(ErrorCode::kUnavailable, "the audit trail is not accepting records; retry");
        }
      }
      kept.push_back(std::move(id));
    }
    return kept;
  }

 private:
  AccessControl& ac_;
  live::Resolver& inner_;
  std::shared_ptr<const auth::Principal> p_;
  std::string remote_;
  std::unordered_set<std::string> seen_patients_;  // audited once per connection
};

}  // namespace

std::unique_ptr<live::Resolver> MakeScopedResolver(AccessControl& ac, live::Resolver& inner,
                                                   std::shared_ptr<const auth::Principal> principal,
                                                   std::string remote) {
  return std::make_unique<ScopedResolver>(ac, inner, std::move(principal), std::move(remote));
}

Status AuthorizeWsOp(AccessControl& ac, const auth::Principal& p, const std::string& remote,
                     const std::string& op) {
  if (std::find(kWsOps.begin(), kWsOps.end(), op) == kWsOps.end())
    return Status(ErrorCode::kUnsupported, fmt::format("unknown op '{}'", op.substr(0, 64)));
  auth::Decision d;
  std::string_view action;
  if (op == "subscribe") {
    action = auth::ActionName(auth::Action::kReadLive);
    d.allowed = LiveAccessOf(p) != LiveAccess::kNone;
    d.reason = auth::Reason::kRoleForbids;
  } else if (op == "presence" || op == "pose") {
    action = "presence";
    d.allowed = p.kind == auth::PrincipalKind::kUser;
    d.reason = auth::Reason::kRoleForbids;
  } else {
    return Status::Ok();
  }
  if (d) return Status::Ok();
  audit::Record r = WsRecord(&p, remote, action);
  r.reason = op == "subscribe" ? std::string(auth::ReasonName(d.reason)) : "not_a_user";
  r.detail = fmt::format("ws op {}", op);
  if (!ac.audit.Append(std::move(r)).ok())
    return Status(ErrorCode::kUnavailable, "the audit trail is not accepting records; retry");
  return Status(ErrorCode::kForbidden,
                op == "subscribe"
                    ? fmt::format("{} not allowed: {}; this credential may only write telemetry",
                                  action, auth::ReasonName(d.reason))
                    : std::string("presence is for logged-in users"));
}

Status AuthorizeWsIngest(AccessControl& ac, const auth::Principal& p, const std::string& remote,
                         const std::vector<std::string>& twins, std::set<std::string>* audited) {
  audit::Record base = WsRecord(&p, remote, auth::ActionName(auth::Action::kWriteTelemetry));
  base.detail = "ws op ingest";
  return AuthorizeTwinWrites(ac, p, twins, base, audited);
}

}  // namespace lj::server
