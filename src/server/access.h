// Access control for HTTP routes (doc/design/security.md, "Enforcement"): every Route carries an
// Access rule (public, any authenticated principal, a global action, or a twin-scoped action
// with a locator saying which twins the request concerns, or a listing filtered per item).
// Access has no default constructor, so a route cannot be registered without one, and
// Router's constructor refuses a malformed rule (CheckAccessRule).
//
// Dispatch (Serve): when ServerContext::access is null ([auth] enabled = false) the handler runs
// as before. Otherwise: credential (Authorization Bearer/Basic, else the session cookie) →
// IdentityStore::Authenticate → per concerned twin GraphScopeResolver + Decide → 401
// (unauthorized, WWW-Authenticate: Bearer) / 403 (forbidden) / the handler; listings are
// filtered per item and record properties stripped for principals without read_record. Every
// denial and every allowed access to a patient's data is appended to the audit trail; when the
// trail refuses (queue full), the answer is 503 and no data is served.
// Thread-safety: AccessControl is shared by all io threads; every member is thread-safe.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "audit/audit.h"
#include "auth/identity_store.h"
#include "auth/policy.h"
#include "auth/scope_resolver.h"
#include "common/bounded_pool.h"
#include "metrics/metrics.h"
#include "server/http_util.h"

namespace lj::server {

struct ServerContext;
struct RouteMatch;

// The twins a request concerns (empty = "all twins": only unscoped principals pass), or an
// error answered as is (e.g. an unparsable body: 400).
using TwinLocator = std::function<Result<std::vector<std::string>>(ServerContext&, const Request&,
                                                                   const RouteMatch&)>;
// For kListing: the twin (or patient) an item of the response's "value" array belongs to; "" =
// keep the item only for unscoped principals.
using ItemTwin = std::function<std::string(const nlohmann::json& item)>;

struct Access {
  enum class Kind : uint8_t {
    kPublic,        // no credential needed (health check, static web client, login)
    kAnyPrincipal,  // any authenticated principal (whoami, route index)
    kGlobal,        // `action` on no particular twin (models, metrics, audit)
    kTwins,         // `action` on every twin `locate` returns; all must be allowed
    kListing,       // `action` per item of the response's "value" array (filtered)
  };
  Kind kind;
  auth::Action action = auth::Action::kReadModels;
  std::string locator;  // how the twin is found, for the route index and docs ("path:id", …)
  TwinLocator locate;   // kTwins
  ItemTwin item_twin;   // kListing
  bool strip_record = false;  // response holds twin JSON: strip record properties if needed
  audit::Interface interface = audit::Interface::kRest;

  static Access Public();
  static Access AnyPrincipal();
  static Access Global(auth::Action action);
  static Access PathTwin(auth::Action action, std::string param = "id");
  static Access QueryTwin(auth::Action action, std::string param);  // absent = all twins
  static Access Custom(auth::Action action, std::string locator, TwinLocator locate);
  static Access Listing(auth::Action action, ItemTwin item_twin, std::string locator);
  Access& Strip() {
    strip_record = true;
    return *this;
  }
  // kTwins: also filter the response's "value" items per twin (e.g. a traversal's results).
  Access& Items(ItemTwin f) {
    item_twin = std::move(f);
    return *this;
  }
  Access& Via(audit::Interface i) {
    interface = i;
    return *this;
  }

 private:
  explicit Access(Kind k) : kind(k) {}
};

// kInvalidArgument when the rule is incomplete (a twin rule without a locator, a global rule with
// a twin-scoped action, …). Router's constructor aborts start-up on one.
Status CheckAccessRule(const Access& access);

// Token bucket per key (remote address, user name) for failed logins: `burst` failures at once,
// then one more every `refill_s` seconds. At most max_keys keys (then the table starts over).
// The same buckets limit requests per identity (AccessControl::requests).
struct LoginLimits {
  double burst = 5;
  double refill_s = 60;
  size_t max_keys = 100000;
};

class LoginLimiter {
 public:
  explicit LoginLimiter(LoginLimits limits) : limits_(limits) {}
  bool Allowed(const std::string& key, int64_t now_ns);  // a token is left
  void Fail(const std::string& key, int64_t now_ns);     // takes a token
  bool Take(const std::string& key, int64_t now_ns);     // takes a token if one is left

 private:
  struct Bucket {
    double tokens;
    int64_t t_ns;
  };
  Bucket& Get(const std::string& key, int64_t now_ns);
  LoginLimits limits_;
  std::mutex mu_;
  std::unordered_map<std::string, Bucket> buckets_;
};

struct AccessOptions {
  bool cookie_secure = false;  // Secure flag on the session cookie (always when served over TLS)
  LoginLimits login;
  // Authenticated HTTP requests per principal: `burst` at once, then 1/refill_s per second
  // (default 2,000/s); beyond, 429 rate_limited with Retry-After. burst 0 = no limit.
  LoginLimits requests{4000, 1.0 / 2000, 100000};
};

// What the middleware needs; owned by the engine (or a test), outlives the server.
struct AccessControl {
  auth::IdentityStore& identities;
  auth::ScopeResolver& scopes;
  audit::AuditLog& audit;
  AccessOptions options;
  LoginLimiter limiter{options.login};
  LoginLimiter requests{options.requests};
  metrics::Counter* rate_limited = nullptr;  // lj_http_rate_limited_total, when set
  // Where password hashing runs (NeedsPasswordHashing requests); null: on the calling thread.
  BoundedPool* hashing = nullptr;
  metrics::Counter* hashing_busy = nullptr;  // lj_auth_hashing_busy_total: refused, pool full
};

// True when answering `req` may hash a password (argon2id: tens of milliseconds of CPU): a
// Basic credential not verified within [auth] basic_cache_s, or a password login. The HTTP
// server runs such requests on AccessControl::hashing, never on an io thread.
bool NeedsPasswordHashing(AccessControl& ac, const Request& req);

// Takes one request from the principal's bucket (AccessOptions::requests); false: over its rate
// (counted). RateLimitedResponse is the 429 with Retry-After for it.
bool TakeRequestToken(AccessControl& ac, const auth::Principal& p);
Response RateLimitedResponse(const Request& req, const auth::Principal& p);

// The principal behind a request's credential: Authorization (Bearer or Basic; Basic is refused
// with kRateLimited while the address or user is over its failed-login budget), else the session
// cookie. `presented` = some credential was there (even a malformed one).
struct Authn {
  Result<std::shared_ptr<const auth::Principal>> principal =
      Status(ErrorCode::kUnauthorized, "no credential");
  bool presented = false;
  bool via_cookie = false;  // authenticated by the browser session cookie
  std::string basic_user;   // for the failed-login limiter
  // The credential itself, for a connection that re-checks it later (WebSocket sessions).
  std::shared_ptr<const auth::HeldCredential> held;
};
Authn AuthenticateRequest(AccessControl& ac, const Request& req, const std::string& remote);
std::string HostOf(const std::string& remote);  // "10.1.2.3:5123" → "10.1.2.3"

// False when a browser says the request comes from another site's page: its Origin
// ("http://host:port") is not this server's Host, or (without Origin) Sec-Fetch-Site is
// "cross-site" or "same-site" (a sibling origin). Requests without either header come from tools,
// not pages, and have nothing to forge. Cookie-borne credentials are accepted only from this
// server's own pages: WebSocket upgrades always, HTTP for every state-changing method (CSRF).
bool SameOrigin(const Request& req);
// GET, HEAD and OPTIONS change nothing.
bool IsSafeMethod(http::verb method);

struct Route;
// Runs `route`'s handler under its access rule (see the header comment).
Response Serve(ServerContext& ctx, const Route& route, const Request& req, RouteMatch& m);

}  // namespace lj::server
