// Internal to src/auth: the state behind IdentityStore, shared by identity_store.cc (schema,
// users, bootstrap), tokens.cc (tokens, sessions, login) and authenticate.cc (per-request
// lookups, cache, usage). Every member except `options` and `hasher` is guarded by `mu`.
#pragma once

#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "auth/identity_store.h"
#include "auth/sqlite_db.h"

namespace lj::auth {

struct CachedCredential {
  std::shared_ptr<const Principal> principal;
  bool session = false;
  int64_t expires_ns = 0;    // token expiry or session absolute expiry; 0 = never
  int64_t last_used_ns = 0;  // session: for the idle timeout
};

struct IdentityStore::Impl {
  Impl(AuthOptions o)
      : options(std::move(o)), hasher(options.argon2, options.max_concurrent_hashes) {}

  int64_t Now() const;
  // Drops every cached credential (after a change made through this store).
  // (verified_basic stays: its entries are bound to the stored hash, and the user row is read
  // on every use.)
  void ClearCacheLocked() { cache.clear(); }
  // HMAC of a Basic credential under basic_key (the verified_basic key material).
  std::string BasicMac(std::string_view user, std::string_view password) const;
  // Drops the cache when another process changed auth.db (checked every revocation_check_ms).
  Status CheckExternalChangesLocked();
  // The stored hash and principal of an enabled user; kUnauthorized when unknown or disabled.
  struct UserRow {
    std::string hash;
    UserInfo info;
  };
  Result<UserRow> LoadUserLocked(std::string_view name);
  // Verifies a password outside the lock; re-hashes on a parameter change.
  Result<std::shared_ptr<const Principal>> CheckPassword(std::string_view user,
                                                         std::string_view password);

  // Inserts a session for `user` (caller holds `mu`; inside a transaction or not).
  Result<IssuedSession> OpenSessionLocked(std::string_view user,
                                          std::shared_ptr<const Principal> principal);

  const AuthOptions options;
  PasswordHasher hasher;
  std::unique_ptr<SqliteDb> db;
  std::mutex mu;
  std::unordered_map<std::string, CachedCredential> cache;  // by SHA-256 hex of the secret
  std::unordered_map<int64_t, int64_t> token_usage;         // token id → last used (unflushed)
  std::unordered_map<std::string, int64_t> session_usage;   // hash → last seen (unflushed)
  int64_t data_version = -1;
  int64_t last_version_check_mono = 0;
  // Basic credentials verified recently (AuthOptions::basic_cache_s), by user name.
  struct VerifiedBasic {
    std::string mac;          // BasicMac(user, password)
    std::string stored_hash;  // the PHC string it was verified against
    int64_t until_mono = 0;
  };
  std::unordered_map<std::string, VerifiedBasic> verified_basic;
  std::string basic_key;  // 32 random bytes, this process only
};

std::string EncodeList(const std::vector<std::string>& items);  // JSON array text
std::vector<std::string> DecodeList(const std::string& json);   // [] when malformed
std::shared_ptr<const Principal> UserPrincipal(const UserInfo& user);

inline constexpr size_t kMaxCachedCredentials = 100000;

// The principal a token stands for (authenticate.cc).
std::shared_ptr<const Principal> TokenPrincipal(const TokenInfo& t);

}  // namespace lj::auth
