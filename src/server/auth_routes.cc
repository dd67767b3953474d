// Login, logout, whoami and the audit trail over REST (doc/design/security.md). Served only with
// access control on (ServerContext::access); otherwise login/logout/audit answer 503.
//
// Login: POST /api/v1/login {"name", "password"} → a browser session in the cookie
// (HttpOnly; SameSite=Strict; Path=/; Max-Age = the absolute session lifetime; Secure when
// configured). POST /api/v1/login/link {"code"} does the same for a one-time ready-link code.
// Failed logins are audited and limited per remote address and per user name (LoginLimiter: `burst`
// failures, then one per `refill_s`; 429 rate_limited meanwhile).
#include <fmt/format.h>

#include <charconv>

#include "common/time.h"
#include "server/access.h"
#include "server/router.h"

namespace lj::server {
namespace {

Status Disabled() {
  return Status(ErrorCode::kUnavailable, "access control is off ([auth] enabled = false)");
}

std::string HostOf(const std::string& remote) {
  size_t colon = remote.rfind(':');
  return colon == std::string::npos ? remote : remote.substr(0, colon);
}

audit::Record LoginRecord(const RouteMatch& m, const std::string& user, bool ok,
                          std::string reason) {
  audit::Record r;
  r.actor = user;
  r.actor_kind = "user";
  r.remote = m.remote;
  r.interface = audit::Interface::kRest;
  r.action = "login";
  r.allowed = ok;
  r.reason = std::move(reason);
  return r;
}

std::string SessionCookie(const AccessControl& ac, const std::string& value, int64_t max_age_s) {
  std::string c = fmt::format("{}={}; HttpOnly; SameSite=Strict; Path=/; Max-Age={}",
                              ac.identities.options().cookie_name, value, max_age_s);
  if (ac.options.cookie_secure) c += "; Secure";
  return c;
}

Response SessionOpened(AccessControl& ac, const Request& req, const RouteMatch& m,
                       const auth::IssuedSession& s, const char* how) {
  const auth::Principal& p = *s.principal;
  audit::Record ok = LoginRecord(m, p.name, true, how);
  ok.actor_role = std::string(auth::RoleName(p.role));
  if (!ac.audit.Append(std::move(ok)).ok()) {
    (void)ac.identities.Logout(s.secret);
    return ErrorResponse(req, Status(ErrorCode::kUnavailable, "audit trail unavailable"));
  }
  Response r = JsonResponse(req, 200,
                            {{"name", p.name},
                             {"role", std::string(auth::RoleName(p.role))},
                             {"expires", FormatRfc3339(s.expires_ns)}});
  r.set(http::field::set_cookie,
        SessionCookie(ac, s.secret, ac.identities.options().session_absolute_s));
  r.set(http::field::cache_control, "no-store");
  return r;
}

Response Login(ServerContext& ctx, const Request& req, const RouteMatch& m) {
  if (!ctx.access) return ErrorResponse(req, Disabled());
  AccessControl& ac = *ctx.access;
  Result<nlohmann::json> parsed = ParseJsonBody(req);
  if (!parsed.ok()) return ErrorResponse(req, parsed.status());
  const nlohmann::json& j = *parsed;
  if (!j.is_object() || !j.contains("name") || !j["name"].is_string() || !j.contains("password") ||
      !j["password"].is_string())
    return ErrorResponse(req, Status(ErrorCode::kInvalidArgument,
                                     "body must be {\"name\": \"...\", \"password\": \"...\"}"));
  const std::string name = j["name"].get<std::string>().substr(0, auth::kMaxUserNameBytes + 1);
  const std::string host_key = "ip:" + HostOf(m.remote), user_key = "user:" + name;
  const int64_t now = NowNs();
  if (!ac.limiter.Allowed(host_key, now) || !ac.limiter.Allowed(user_key, now)) {
    if (!ac.audit.Append(LoginRecord(m, name, false, "rate_limited")).ok())
      return ErrorResponse(req, Status(ErrorCode::kUnavailable, "audit trail unavailable"));
    return ErrorResponse(
        req, Status(ErrorCode::kRateLimited, "too many failed logins; wait and try again"));
  }
  Result<auth::IssuedSession> s = ac.identities.Login(name, j["password"].get<std::string>());
  if (!s.ok()) {
    if (s.status().code() != ErrorCode::kUnauthorized) return ErrorResponse(req, s.status());
    ac.limiter.Fail(host_key, now);
    ac.limiter.Fail(user_key, now);
    if (!ac.audit.Append(LoginRecord(m, name, false, s.status().message())).ok())
      return ErrorResponse(req, Status(ErrorCode::kUnavailable, "audit trail unavailable"));
    return ErrorResponse(req, Status(ErrorCode::kUnauthorized, "wrong user name or password"));
  }
  return SessionOpened(ac, req, m, *s, "password");
}

// POST /api/v1/login/link {"code"}: the one-time code of a ready link (`#login=<code>`).
Response LoginWithCode(ServerContext& ctx, const Request& req, const RouteMatch& m) {
  if (!ctx.access) return ErrorResponse(req, Disabled());
  AccessControl& ac = *ctx.access;
  Result<nlohmann::json> parsed = ParseJsonBody(req);
  if (!parsed.ok()) return ErrorResponse(req, parsed.status());
  const nlohmann::json& j = *parsed;
  if (!j.is_object() || !j.contains("code") || !j["code"].is_string())
    return ErrorResponse(req,
                         Status(ErrorCode::kInvalidArgument, "body must be {\"code\": \"...\"}"));
  const std::string host_key = "ip:" + HostOf(m.remote);
  const int64_t now = NowNs();
  if (!ac.limiter.Allowed(host_key, now)) {
    if (!ac.audit.Append(LoginRecord(m, "", false, "rate_limited")).ok())
      return ErrorResponse(req, Status(ErrorCode::kUnavailable, "audit trail unavailable"));
    return ErrorResponse(
        req, Status(ErrorCode::kRateLimited, "too many failed logins; wait and try again"));
  }
  Result<auth::IssuedSession> s = ac.identities.LoginWithCode(j["code"].get<std::string>());
  if (!s.ok()) {
    if (s.status().code() != ErrorCode::kUnauthorized) return ErrorResponse(req, s.status());
    ac.limiter.Fail(host_key, now);
    if (!ac.audit.Append(LoginRecord(m, "", false, s.status().message())).ok())
      return ErrorResponse(req, Status(ErrorCode::kUnavailable, "audit trail unavailable"));
    return ErrorResponse(req, Status(ErrorCode::kUnauthorized,
                                     "this login link is not valid (used, expired or unknown)"));
  }
  return SessionOpened(ac, req, m, *s, "link");
}

Response Logout(ServerContext& ctx, const Request& req, const RouteMatch& m) {
  if (!ctx.access) return ErrorResponse(req, Disabled());
  AccessControl& ac = *ctx.access;
  std::string_view cookie = req[http::field::cookie];
  Result<std::optional<auth::Credential>> c =
      auth::ParseSessionCookie(cookie, ac.identities.options().cookie_name);
  if (c.ok() && *c) {
    Result<std::shared_ptr<const auth::Principal>> p = ac.identities.Authenticate(**c);
    Status s = ac.identities.Logout((*c)->token);
    if (!s.ok()) return ErrorResponse(req, s);
    if (p.ok()) {
      audit::Record r = LoginRecord(m, (*p)->name, true, "session ended");
      r.action = "logout";
      (void)ac.audit.Append(std::move(r));  // the session is gone either way
    }
  }
  Response r = MakeResponse(req, http::status::no_content, "");
  r.set(http::field::set_cookie, SessionCookie(ac, "", 0));
  return r;
}

Response WhoAmI(ServerContext&, const Request& req, const RouteMatch& m) {
  if (!m.principal) return JsonResponse(req, 200, {{"auth", "disabled"}});
  const auth::Principal& p = *m.principal;
  nlohmann::json j = {{"name", p.name},
                      {"kind", std::string(auth::PrincipalKindName(p.kind))},
                      {"role", std::string(auth::RoleName(p.role))}};
  if (!p.wards.empty()) j["wards"] = p.wards;
  if (!p.patient.empty()) j["patient"] = p.patient;
  if (!p.twins.empty()) j["twins"] = p.twins;
  if (p.scopes) j["scopes"] = auth::ScopeNames(p.scopes);
  return JsonResponse(req, 200, j);
}

nlohmann::json RecordJson(const audit::Record& r) {
  return {{"seq", r.seq},
          {"time", FormatRfc3339(r.time_ns)},
          {"actor", r.actor},
          {"actorKind", r.actor_kind},
          {"actorRole", r.actor_role},
          {"remote", r.remote},
          {"interface", std::string(audit::InterfaceName(r.interface))},
          {"action", r.action},
          {"patient", r.patient},
          {"twin", r.twin},
          {"outcome", r.allowed ? "allow" : "deny"},
          {"reason", r.reason},
          {"detail", r.detail}};
}

// GET /api/v1/audit?patient=..|user=..&after=SEQ&limit=N
Response QueryAudit(ServerContext& ctx, const Request& req, const RouteMatch& m) {
  if (!ctx.access) return ErrorResponse(req, Disabled());
  audit::AuditQuery q;
  if (auto it = m.query.find("patient"); it != m.query.end()) q.patient = it->second;
  if (auto it = m.query.find("user"); it != m.query.end()) q.actor = it->second;
  if (q.patient.empty() && q.actor.empty())
    return ErrorResponse(req, Status(ErrorCode::kMissingField, "'patient' or 'user' is required"));
  if (auto it = m.query.find("after"); it != m.query.end()) {
    auto [p, ec] =
        std::from_chars(it->second.data(), it->second.data() + it->second.size(), q.after_seq);
    if (ec != std::errc() || q.after_seq < 0)
      return ErrorResponse(req, Status(ErrorCode::kInvalidArgument, "'after' must be a seq"));
  }
  if (auto it = m.query.find("limit"); it != m.query.end()) {
    auto [p, ec] =
        std::from_chars(it->second.data(), it->second.data() + it->second.size(), q.limit);
    if (ec != std::errc() || q.limit < 1 || q.limit > 1000)
      return ErrorResponse(req, Status(ErrorCode::kInvalidArgument, "'limit' must be 1..1000"));
  }
  // Records are written in the background: wait (briefly) for those appended so far, so the
  // answer includes this very request's record and everything before it.
  if (Status f = ctx.access->audit.Flush(2000); !f.ok()) return ErrorResponse(req, f);
  Result<audit::AuditPage> page = ctx.access->audit.Query(q);
  if (!page.ok()) return ErrorResponse(req, page.status());
  nlohmann::json list = nlohmann::json::array();
  for (const audit::Record& r : page->records) list.push_back(RecordJson(r));
  nlohmann::json j = {{"value", list}};
  if (page->next_after_seq) j["next"] = page->next_after_seq;
  return JsonResponse(req, 200, j);
}

}  // namespace

void AddAuthRoutes(std::vector<Route>& routes) {
  using V = http::verb;
  routes.push_back({V::post, "/api/v1/login",
                    "Log in ({\"name\", \"password\"}) → session cookie (rate-limited).", Login,
                    Access::Public()});
  routes.push_back({V::post, "/api/v1/login/link",
                    "Log in with a one-time ready-link code ({\"code\"}) → session cookie.",
                    LoginWithCode, Access::Public()});
  routes.push_back(
      {V::post, "/api/v1/logout", "End the session of the cookie.", Logout, Access::Public()});
  routes.push_back(
      {V::get, "/api/v1/whoami", "The authenticated principal.", WhoAmI, Access::AnyPrincipal()});
  routes.push_back({V::get, "/api/v1/audit",
                    "Audit trail by patient or user (?patient=|user=&after=&limit=).", QueryAudit,
                    Access::Global(auth::Action::kReadAudit)});
}

}  // namespace lj::server
