#include "server/access.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "auth/credentials.h"
#include "common/json.h"
#include "common/log.h"
#include "common/time.h"
#include "server/router.h"

namespace lj::server {

Access Access::Public() { return Access(Kind::kPublic); }
Access Access::AnyPrincipal() { return Access(Kind::kAnyPrincipal); }
Access Access::Global(auth::Action action) {
  Access a(Kind::kGlobal);
  a.action = action;
  a.locator = "global";
  return a;
}
Access Access::PathTwin(auth::Action action, std::string param) {
  Access a(Kind::kTwins);
  a.action = action;
  a.locator = "path:" + param;
  a.locate = [param](ServerContext&, const Request&,
                     const RouteMatch& m) -> Result<std::vector<std::string>> {
    return std::vector<std::string>{m.params.at(param)};
  };
  return a;
}
Access Access::QueryTwin(auth::Action action, std::string param) {
  Access a(Kind::kTwins);
  a.action = action;
  a.locator = "query:" + param;
  a.locate = [param](ServerContext&, const Request&,
                     const RouteMatch& m) -> Result<std::vector<std::string>> {
    auto it = m.query.find(param);
    if (it == m.query.end() || it->second.empty()) return std::vector<std::string>{};
    return std::vector<std::string>{it->second};
  };
  return a;
}
Access Access::Custom(auth::Action action, std::string locator, TwinLocator locate) {
  Access a(Kind::kTwins);
  a.action = action;
  a.locator = std::move(locator);
  a.locate = std::move(locate);
  return a;
}
Access Access::Listing(auth::Action action, ItemTwin item_twin, std::string locator) {
  Access a(Kind::kListing);
  a.action = action;
  a.locator = std::move(locator);
  a.item_twin = std::move(item_twin);
  return a;
}

Status CheckAccessRule(const Access& a) {
  switch (a.kind) {
    case Access::Kind::kPublic:
    case Access::Kind::kAnyPrincipal:
      return Status::Ok();
    case Access::Kind::kGlobal:
      if (auth::IsTwinScoped(a.action))
        return Status(ErrorCode::kInvalidArgument,
                      fmt::format("global rule with twin action {}", auth::ActionName(a.action)));
      return Status::Ok();
    case Access::Kind::kTwins:
      if (!a.locate || a.locator.empty() || !auth::IsTwinScoped(a.action))
        return Status(ErrorCode::kInvalidArgument, "twin rule needs a twin action and a locator");
      return Status::Ok();
    case Access::Kind::kListing:
      if (!a.item_twin || !auth::IsTwinScoped(a.action))
        return Status(ErrorCode::kInvalidArgument, "listing rule needs a twin action and items");
      return Status::Ok();
  }
  return Status(ErrorCode::kInvalidArgument, "unknown access kind");
}

LoginLimiter::Bucket& LoginLimiter::Get(const std::string& key, int64_t now_ns) {
  if (buckets_.size() >= limits_.max_keys && !buckets_.count(key)) buckets_.clear();
  auto [it, fresh] = buckets_.try_emplace(key, Bucket{limits_.burst, now_ns});
  Bucket& b = it->second;
  if (!fresh && limits_.refill_s > 0) {
    b.tokens = std::min(limits_.burst,
                        b.tokens + static_cast<double>(now_ns - b.t_ns) / 1e9 / limits_.refill_s);
    b.t_ns = now_ns;
  }
  return b;
}

bool LoginLimiter::Allowed(const std::string& key, int64_t now_ns) {
  std::lock_guard lock(mu_);
  return Get(key, now_ns).tokens >= 1;
}

bool LoginLimiter::Take(const std::string& key, int64_t now_ns) {
  std::lock_guard lock(mu_);
  Bucket& b = Get(key, now_ns);
  if (b.tokens < 1) return false;
  b.tokens -= 1;
  return true;
}

void LoginLimiter::Fail(const std::string& key, int64_t now_ns) {
  std::lock_guard lock(mu_);
  Bucket& b = Get(key, now_ns);
  b.tokens = std::max(0.0, b.tokens - 1);
}

namespace {

using auth::Principal;
using PrincipalPtr = std::shared_ptr<const Principal>;

Response Unauthorized(const Request& req) {
  Response r = ErrorResponse(req, Status(ErrorCode::kUnauthorized, "authentication required"));
  r.set(http::field::www_authenticate, "Bearer");
  return r;
}

Response Forbidden(const Request& req, auth::Action action, auth::Reason reason) {
  return ErrorResponse(
      req, Status(ErrorCode::kForbidden, fmt::format("{} not allowed: {}", auth::ActionName(action),
                                                     auth::ReasonName(reason))));
}

Response AuditUnavailable(const Request& req) {
  return ErrorResponse(
      req, Status(ErrorCode::kUnavailable, "the audit trail is not accepting records; retry"));
}

std::string Detail(const Request& req, const Route& route) {
  return fmt::format("{} {}", std::string(req.method_string()), route.pattern);
}

audit::Record MakeRecord(const Principal* p, const RouteMatch& m, const Route& route,
                         const Request& req, std::string_view action) {
  audit::Record r;
  r.actor = p ? p->name : "";
  r.actor_kind = p ? std::string(auth::PrincipalKindName(p->kind)) : "anonymous";
  r.actor_role = p ? std::string(auth::RoleName(p->role)) : "";
  r.remote = m.remote;
  r.interface = route.access.interface;
  r.action = std::string(action);
  r.detail = Detail(req, route);
  return r;
}

// 403 for a state-changing request from another site's page, audited.
Response CrossSite(AccessControl& ac, const Request& req, const RouteMatch& m, const Route& route,
                   const Principal* p) {
  audit::Record r = MakeRecord(p, m, route, req, auth::ActionName(route.access.action));
  r.reason = "cross_origin";
  r.detail +=
      fmt::format(" from origin {}", std::string_view(req[http::field::origin]).substr(0, 200));
  if (!ac.audit.Append(std::move(r)).ok()) return AuditUnavailable(req);
  return ErrorResponse(
      req, Status(ErrorCode::kForbidden,
                  "a state-changing request from another site's page is refused: the session "
                  "cookie is only accepted from this server's own pages"));
}

}  // namespace

bool TakeRequestToken(AccessControl& ac, const auth::Principal& p) {
  if (ac.options.requests.burst <= 0) return true;
  if (ac.requests.Take(fmt::format("{}:{}", auth::PrincipalKindName(p.kind), p.name), NowNs()))
    return true;
  if (ac.rate_limited) ac.rate_limited->Inc();
  return false;
}

Response RateLimitedResponse(const Request& req, const auth::Principal& p) {
  Response r = ErrorResponse(
      req, Status(ErrorCode::kRateLimited,
                  fmt::format("too many requests from '{}'; slow down", p.name.substr(0, 64))));
  r.set(http::field::retry_after, "1");
  return r;
}

namespace {
bool EqualNoCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}
}  // namespace

bool SameOrigin(const Request& req) {
  std::string_view origin = req[http::field::origin];
  if (!origin.empty()) {
    size_t scheme = origin.find("://");
    if (scheme == std::string_view::npos) return false;  // "null" (sandboxed pages, files)
    return EqualNoCase(origin.substr(scheme + 3), req[http::field::host]);
  }
  std::string_view site = req["Sec-Fetch-Site"];
  return site.empty() || site == "same-origin" || site == "none";
}

bool IsSafeMethod(http::verb method) {
  return method == http::verb::get || method == http::verb::head || method == http::verb::options;
}

std::string HostOf(const std::string& remote) {
  size_t colon = remote.rfind(':');
  return colon == std::string::npos ? remote : remote.substr(0, colon);
}

Authn AuthenticateRequest(AccessControl& ac, const Request& req, const std::string& remote) {
  Authn out;
  std::string_view authz = req[http::field::authorization];
  if (!authz.empty()) {
    out.presented = true;
    Result<auth::Credential> c = auth::ParseAuthorization(authz);
    if (!c.ok()) {
      out.principal = c.status();
      return out;
    }
    if (c->kind == auth::Credential::Kind::kBasic) {
      out.basic_user = c->user;
      // Checked before the password, so a right guess is not told apart from a wrong one.
      const int64_t now = NowNs();
      if (!ac.limiter.Allowed("ip:" + HostOf(remote), now) ||
          !ac.limiter.Allowed("user:" + c->user, now)) {
        out.principal = Status(ErrorCode::kRateLimited, "too many failed logins; wait");
        return out;
      }
    }
    out.principal = ac.identities.Authenticate(*c);
    if (out.principal.ok()) out.held = auth::HeldCredential::Of(*c);
    return out;
  }
  std::string_view cookie = req[http::field::cookie];
  if (cookie.empty()) return out;
  Result<std::optional<auth::Credential>> c =
      auth::ParseSessionCookie(cookie, ac.identities.options().cookie_name);
  if (!c.ok()) {
    out.presented = true;
    out.principal = c.status();
    return out;
  }
  if (!*c) return out;
  out.presented = true;
  out.via_cookie = true;
  out.principal = ac.identities.Authenticate(**c);
  if (out.principal.ok()) out.held = auth::HeldCredential::Of(**c);
  return out;
}

bool NeedsPasswordHashing(AccessControl& ac, const Request& req) {
  if (req.method() == http::verb::post) {
    std::string_view target(req.target().data(), req.target().size());
    target = target.substr(0, target.find('?'));
    if (target == "/api/v1/login") return true;
  }
  std::string_view authz = req[http::field::authorization];
  if (authz.empty()) return false;
  Result<auth::Credential> c = auth::ParseAuthorization(authz);
  return c.ok() && !ac.identities.AuthenticatesWithoutHashing(*c);
}

namespace {

// Strips record properties from one twin JSON object when the principal may not read its record.
Status StripIfNeeded(AccessControl& ac, const Principal& p, nlohmann::json& twin) {
  auto id = twin.find("$dtId");
  if (!twin.is_object() || id == twin.end() || !id->is_string()) return Status::Ok();
  Result<std::shared_ptr<const auth::TwinScope>> scope = ac.scopes.Resolve(id->get<std::string>());
  if (!scope.ok()) return scope.status();
  if (auth::Decide(p, auth::Action::kReadRecord, **scope)) return Status::Ok();
  for (auto it = twin.begin(); it != twin.end();) {
    if (auth::IsRecordProperty(it.key()))
      it = twin.erase(it);
    else
      ++it;
  }
  return Status::Ok();
}

// Filters the "value" array of a JSON response per item and strips record properties.
Response PostProcess(AccessControl& ac, const Principal& p, const Access& a, const Request& req,
                     Response res, bool filter, size_t* kept, size_t* total) {
  const bool strip =
      a.strip_record && !auth::Decide(p, auth::Action::kReadRecord, auth::TwinScope::Global());
  if ((!filter && !strip) || res.result_int() / 100 != 2) return res;
  // Fail closed: an answer that cannot be filtered is not sent.
  Result<nlohmann::json> parsed = ParseJson(res.body());
  if (!parsed.ok()) {
    LJ_LOG_ERROR("access: cannot filter a response", "error", parsed.status().ToString());
    return ErrorResponse(req, Status(ErrorCode::kInternal, "the response could not be filtered"));
  }
  nlohmann::json& body = *parsed;
  if (body.is_object() && body.contains("value") && body["value"].is_array()) {
    nlohmann::json out = nlohmann::json::array();
    for (nlohmann::json& item : body["value"]) {
      ++*total;
      if (filter) {
        std::string twin = a.item_twin ? a.item_twin(item) : std::string();
        if (twin.empty()) continue;
        Result<std::shared_ptr<const auth::TwinScope>> s = ac.scopes.Resolve(twin);
        if (!s.ok() || !auth::Decide(p, a.action, **s)) continue;
      }
      if (strip) {
        Status st = StripIfNeeded(ac, p, item);
        if (!st.ok()) return ErrorResponse(req, st);
      }
      ++*kept;
      out.push_back(std::move(item));
    }
    body["value"] = std::move(out);
  } else if (strip) {
    Status st = StripIfNeeded(ac, p, body);
    if (!st.ok()) return ErrorResponse(req, st);
  }
  res.body() = body.dump();
  res.prepare_payload();
  return res;
}

}  // namespace

Response Serve(ServerContext& ctx, const Route& route, const Request& req, RouteMatch& m) {
  AccessControl* ac = ctx.access;
  const Access& a = route.access;
  if (!ac) return route.handler(ctx, req, m);
  // Login and other public state changes from another site's page (login CSRF) are refused too.
  const bool cross_site_change = !IsSafeMethod(req.method()) && !SameOrigin(req);
  if (a.kind == Access::Kind::kPublic) {
    if (cross_site_change) return CrossSite(*ac, req, m, route, nullptr);
    return route.handler(ctx, req, m);
  }

  Authn authn = AuthenticateRequest(*ac, req, m.remote);
  if (!authn.principal.ok()) {
    const Status& s = authn.principal.status();
    if (s.code() == ErrorCode::kRateLimited || s.code() == ErrorCode::kStorage)
      return ErrorResponse(req, s);
    if (!authn.presented) return Unauthorized(req);
    const int64_t now = NowNs();
    const std::string host_key = "ip:" + HostOf(m.remote);
    if (!authn.basic_user.empty()) {
      ac->limiter.Fail(host_key, now);
      ac->limiter.Fail("user:" + authn.basic_user, now);
    }
    audit::Record r = MakeRecord(nullptr, m, route, req, "authenticate");
    r.actor = authn.basic_user;
    r.reason = s.message();  // the specific cause, for the trail only
    if (!ac->audit.Append(std::move(r)).ok()) return AuditUnavailable(req);
    return Unauthorized(req);
  }
  m.principal = *authn.principal;
  const Principal& p = *m.principal;
  // CSRF: the browser attaches the session cookie to requests from any page; a state change
  // carried by it must come from this server's own pages.
  if (authn.via_cookie && cross_site_change) return CrossSite(*ac, req, m, route, &p);
  if (!TakeRequestToken(*ac, p)) return RateLimitedResponse(req, p);

  auto deny = [&](const std::string& twin, const std::string& patient, auth::Reason reason) {
    audit::Record r = MakeRecord(&p, m, route, req, auth::ActionName(a.action));
    r.twin = twin;
    r.patient = patient;
    r.reason = std::string(auth::ReasonName(reason));
    if (!ac->audit.Append(std::move(r)).ok()) return AuditUnavailable(req);
    return Forbidden(req, a.action, reason);
  };

  if (a.kind == Access::Kind::kAnyPrincipal) return route.handler(ctx, req, m);
  const auth::Decision global = auth::Decide(p, a.action, auth::TwinScope::Global());
  if (a.kind == Access::Kind::kGlobal) {
    if (!global) return deny("", "", global.reason);
    if (a.action == auth::Action::kReadAudit) {  // reading the trail is itself audited
      audit::Record r = MakeRecord(&p, m, route, req, auth::ActionName(a.action));
      r.allowed = true;
      r.reason = std::string(auth::ReasonName(global.reason));
      if (!ac->audit.Append(std::move(r)).ok()) return AuditUnavailable(req);
    }
    return route.handler(ctx, req, m);
  }

  if (a.kind == Access::Kind::kListing) {
    // Unscoped principals see everything; scoped ones only the items they may see.
    Response res = route.handler(ctx, req, m);
    size_t kept = 0, total = 0;
    res = PostProcess(*ac, p, a, req, std::move(res), !global, &kept, &total);
    audit::Record r = MakeRecord(&p, m, route, req, auth::ActionName(a.action));
    r.allowed = true;
    r.reason = global ? std::string(auth::ReasonName(global.reason)) : "filtered";
    r.detail += fmt::format(" (listing: {} of {} items)", global ? total : kept, total);
    if (!ac->audit.Append(std::move(r)).ok()) return AuditUnavailable(req);
    return res;
  }

  // kTwins: every twin the request concerns must be allowed.
  Result<std::vector<std::string>> twins = a.locate(ctx, req, m);
  if (!twins.ok()) return ErrorResponse(req, twins.status());
  if (twins->empty()) {
    if (!global) return deny("", "", global.reason);
  }
  std::vector<audit::Record> allowed;
  for (const std::string& twin : *twins) {
    Result<std::shared_ptr<const auth::TwinScope>> scope = ac->scopes.Resolve(twin);
    if (!scope.ok()) {
      LJ_LOG_WARN("access: scope resolution failed", "error", scope.status().ToString());
      return ErrorResponse(req, Status(ErrorCode::kUnavailable, "cannot resolve access scope"));
    }
    const auth::Decision d = auth::Decide(p, a.action, **scope);
    if (!d) return deny(twin, (*scope)->patient, d.reason);
    if ((*scope)->patient.empty()) continue;  // audited: accesses to a patient's data
    audit::Record r = MakeRecord(&p, m, route, req, auth::ActionName(a.action));
    r.twin = twin;
    r.patient = (*scope)->patient;
    r.allowed = true;
    r.reason = std::string(auth::ReasonName(d.reason));
    allowed.push_back(std::move(r));
  }
  for (audit::Record& r : allowed)
    if (!ac->audit.Append(std::move(r)).ok()) return AuditUnavailable(req);
  Response res = route.handler(ctx, req, m);
  size_t kept = 0, total = 0;
  const bool filter = a.item_twin && !global;
  return PostProcess(*ac, p, a, req, std::move(res), filter, &kept, &total);
}

}  // namespace lj::server
