// IdentityStore: users, API tokens and browser sessions in `auth.db` (SQLite, WAL, busy timeout,
// schema version in PRAGMA user_version), and authentication of request credentials.
//
//   users     name, argon2id PHC hash, role, wards, patient, disabled, created
//   tokens    id, kind (device|service), name, created_by, SHA-256 of the secret, twins (+
//             descendants), scopes, wards, created, expires, revoked, last used
//   sessions  SHA-256 of the secret, user, created, last seen, absolute expiry, revoked
//
// Secrets (token and session strings, passwords) are returned exactly once, when created, and
// never stored: tokens and sessions are looked up by the SHA-256 of the presented secret.
//
// Authenticate() is the per-request call. A device/service token or session seen before is
// answered from memory (SHA-256 of the secret + one hash lookup, no disk I/O): the cache is
// dropped whenever this store changes something, and — for changes made by another process such
// as `lingjing token revoke` — when SQLite's data_version moves, checked at most every
// `revocation_check_ms`. Expiry (token expiry, session idle and absolute lifetimes) is checked
// on every call. Last-used times are kept in memory and written by FlushUsage() (call it
// periodically and before shutdown). Basic credentials cost one argon2id verification per call
// (tens of ms): meant for tools, not for every request of a busy client.
//
// Failure messages name the cause ("token revoked", "wrong password", …) for the audit trail and
// logs; answer clients with one fixed 401 text so the cause does not leak (e.g. user existence).
// Thread-safety: all methods are safe to call concurrently; password hashing runs outside the
// store's lock.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/credentials.h"
#include "auth/password.h"
#include "auth/principal.h"
#include "common/status.h"

namespace lj::auth {

struct AuthOptions {
  Argon2Params argon2;
  int max_concurrent_hashes = 2;
  int64_t session_idle_s = 30 * 60;        // a session unused this long ends
  int64_t session_absolute_s = 12 * 3600;  // a session ends this long after login regardless
  std::string cookie_name = "lj_session";
  int revocation_check_ms = 1000;  // changes by other processes take effect within this
  // A Basic credential verified once (argon2id) is remembered this long, as an HMAC under a
  // per-process random key bound to the stored hash: repeated API use costs no hashing. The
  // user is still looked up on every request (disabled users and changed passwords take effect
  // at once). 0 = verify every request.
  int basic_cache_s = 60;
  std::function<int64_t()> clock;  // wall clock in ns; empty = NowNs (tests inject one)
};
Status ValidateAuthOptions(const AuthOptions& options);

struct UserInfo {
  std::string name;
  Role role = Role::kViewer;
  std::vector<std::string> wards;
  std::string patient;
  bool disabled = false;
  int64_t created_ns = 0;
};

struct NewUser {
  std::string name;  // [A-Za-z0-9._@-], 1..64
  Role role = Role::kViewer;
  std::vector<std::string> wards;  // clinician: at least one; others: none
  std::string patient;             // viewer: required; others: empty
  std::string password;            // 12..256 bytes
};

struct TokenInfo {
  int64_t id = 0;
  TokenKind kind = TokenKind::kDevice;
  std::string name;
  std::string created_by;
  std::vector<std::string> twins;  // device
  bool twin_descendants = false;   // device
  uint32_t scopes = 0;             // service
  std::vector<std::string> wards;  // service: optional restriction
  int64_t created_ns = 0;
  int64_t expires_ns = 0;  // 0 = never
  int64_t revoked_ns = 0;  // 0 = not revoked
  int64_t last_used_ns = 0;
};

struct NewToken {
  TokenKind kind = TokenKind::kDevice;  // device or service
  std::string name;
  std::string created_by;
  std::vector<std::string> twins;  // device: at least one
  bool twin_descendants = false;
  uint32_t scopes = 0;             // service: at least one
  std::vector<std::string> wards;  // service only
  int64_t expires_ns = 0;          // 0 = never
};

struct IssuedToken {
  TokenInfo info;
  std::string secret;  // shown once
};

struct IssuedSession {
  std::string secret;      // the cookie value, shown once
  int64_t expires_ns = 0;  // absolute expiry (idle expiry may come first)
  std::shared_ptr<const Principal> principal;
};

struct IssuedLoginCode {
  std::string code;  // 43 base64url characters (256 random bits), shown once
  int64_t expires_ns = 0;
};

struct BootstrapResult {
  bool created = false;  // false: users existed already; nothing was done
  std::string user;
  std::string password;  // one-time: print it once, never log it
};

class IdentityStore {
 public:
  static Result<std::unique_ptr<IdentityStore>> Open(const std::string& path,
                                                     AuthOptions options = {});
  ~IdentityStore();

  // First start: when there is no user at all, creates "admin" (administrator) with a random
  // password, in one transaction (two processes starting at once create exactly one).
  Result<BootstrapResult> BootstrapAdmin();

  Status AddUser(const NewUser& user);
  Result<std::vector<UserInfo>> ListUsers();
  Result<UserInfo> GetUser(std::string_view name);
  Status SetUserDisabled(std::string_view name, bool disabled);  // disabling ends its sessions
  Status SetPassword(std::string_view name, std::string_view password);

  Result<IssuedToken> CreateToken(const NewToken& token);
  Result<std::vector<TokenInfo>> ListTokens();
  Status RevokeToken(int64_t id);  // kNotFound; revoking twice is fine

  // Verifies the password (argon2id; re-hashes with the current parameters when they changed)
  // and opens a session. kUnauthorized on a wrong password, unknown or disabled user.
  Result<IssuedSession> Login(std::string_view user, std::string_view password);
  Status Logout(std::string_view session_secret);

  // A one-time login code for an enabled user (the demo's ready link, `lingjing user link`):
  // LoginWithCode exchanges it for a session once, within `ttl_s` (60..86400). Stored as its
  // SHA-256 in auth.db, so a code made by the CLI works on a running server.
  Result<IssuedLoginCode> CreateLoginCode(std::string_view user, int64_t ttl_s);
  // kUnauthorized when the code is unknown, used, expired, or its user is disabled. The code is
  // consumed (deleted) in the same transaction that checks it: two uses, one session.
  Result<IssuedSession> LoginWithCode(std::string_view code);

  // The principal behind a credential (ParseAuthorization / ParseSessionCookie), or
  // kUnauthorized; kRateLimited when too many password checks run at once; kStorage.
  Result<std::shared_ptr<const Principal>> Authenticate(const Credential& credential);
  // True when Authenticate(credential) will not hash a password: a token or session, or a Basic
  // credential verified within basic_cache_s. Cheap (memory only): callers use it to keep
  // password hashing off threads that must stay responsive.
  bool AuthenticatesWithoutHashing(const Credential& credential);
  // For a connection authenticated earlier with `credential`: the same as Authenticate for tokens
  // and sessions (revoked, ended, expired, disabled → kUnauthorized); for Basic, the user is
  // still enabled and its password unchanged since it was verified — without hashing again.
  Result<std::shared_ptr<const Principal>> Recheck(const Credential& credential);

  // The principal of the one active (not revoked, not expired) token named `name`, for
  // publishers authenticated elsewhere (an MQTT broker checks the token secret as the password).
  // kUnauthorized when there is none, or more than one (token names are then ambiguous).
  Result<std::shared_ptr<const Principal>> TokenPrincipalByName(std::string_view name);

  // Writes the in-memory last-used times of tokens and sessions.
  Status FlushUsage();

  const AuthOptions& options() const;

 private:
  struct Impl;
  explicit IdentityStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Checks of names and ids given to AddUser/CreateToken (exposed for the CLI's messages).
Status ValidateUserName(std::string_view name);
Status ValidateTwinId(std::string_view id, std::string_view what);

}  // namespace lj::auth
