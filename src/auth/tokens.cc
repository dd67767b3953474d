// IdentityStore: API tokens (device, service) and browser sessions (login, logout).
#include <fmt/format.h>

#include "auth/crypto.h"
#include "auth/identity_store_impl.h"

namespace lj::auth {
namespace {

Status ValidateNewToken(const NewToken& t) {
  if (t.name.empty() || t.name.size() > 128)
    return Status(ErrorCode::kInvalidArgument, "a token name has 1..128 characters");
  for (char c : t.name)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
      return Status(ErrorCode::kInvalidArgument, "a token name has no control characters");
  for (const std::string& id : t.twins) LJ_RETURN_IF_ERROR(ValidateTwinId(id, "twin"));
  for (const std::string& w : t.wards) LJ_RETURN_IF_ERROR(ValidateTwinId(w, "ward"));
  if (t.expires_ns < 0) return Status(ErrorCode::kInvalidArgument, "expiry must not be negative");
  if (t.scopes & ~kAllScopes) return Status(ErrorCode::kInvalidArgument, "unknown scope bits");
  switch (t.kind) {
    case TokenKind::kDevice:
      if (t.twins.empty() || t.scopes != 0 || !t.wards.empty())
        return Status(ErrorCode::kInvalidArgument,
                      "a device token needs its twins (--twin) and takes no scopes or wards");
      return Status::Ok();
    case TokenKind::kService:
      if (t.scopes == 0 || !t.twins.empty() || t.twin_descendants)
        return Status(ErrorCode::kInvalidArgument,
                      "a service token needs at least one scope (--scope) and takes no twins");
      return Status::Ok();
    case TokenKind::kSession:
      break;
  }
  return Status(ErrorCode::kInvalidArgument, "tokens are of kind device or service");
}

TokenInfo ReadToken(const Query& q) {
  TokenInfo t;
  t.id = q.Int(0);
  t.kind = ParseTokenKind(q.Text(1)).value_or(TokenKind::kDevice);
  t.name = q.Text(2);
  t.created_by = q.Text(3);
  t.twins = DecodeList(q.Text(4));
  t.twin_descendants = q.Int(5) != 0;
  Result<uint32_t> scopes = ParseScopes(DecodeList(q.Text(6)));
  t.scopes = scopes.ok() ? *scopes : 0;
  t.wards = DecodeList(q.Text(7));
  t.created_ns = q.Int(8);
  t.expires_ns = q.Int(9);
  t.revoked_ns = q.Int(10);
  t.last_used_ns = q.Int(11);
  return t;
}

}  // namespace

Result<IssuedToken> IdentityStore::CreateToken(const NewToken& token) {
  LJ_RETURN_IF_ERROR(ValidateNewToken(token));
  Result<std::string> secret = GenerateToken(token.kind);
  if (!secret.ok()) return secret.status();
  std::lock_guard lk(impl_->mu);
  Result<Query> q = impl_->db->Prepare(
      "INSERT INTO tokens(kind, name, created_by, hash, twins, descendants, scopes, wards,"
      " created_ns, expires_ns) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id");
  if (!q.ok()) return q.status();
  const int64_t now = impl_->Now();
  q->Bind(1, TokenKindName(token.kind))
      .Bind(2, token.name)
      .Bind(3, token.created_by)
      .Bind(4, Sha256Hex(*secret))
      .Bind(5, EncodeList(token.twins))
      .Bind(6, int64_t{token.twin_descendants ? 1 : 0})
      .Bind(7, EncodeList(ScopeNames(token.scopes)))
      .Bind(8, EncodeList(token.wards))
      .Bind(9, now)
      .Bind(10, token.expires_ns);
  Result<bool> row = q->Step();
  if (!row.ok()) return row.status();
  if (!*row) return Status(ErrorCode::kStorage, "token insert returned no id");
  IssuedToken out;
  out.info.id = q->Int(0);
  out.info.kind = token.kind;
  out.info.name = token.name;
  out.info.created_by = token.created_by;
  out.info.twins = token.twins;
  out.info.twin_descendants = token.twin_descendants;
  out.info.scopes = token.scopes;
  out.info.wards = token.wards;
  out.info.created_ns = now;
  out.info.expires_ns = token.expires_ns;
  out.secret = std::move(secret).value();
  return out;
}

Result<std::vector<TokenInfo>> IdentityStore::ListTokens() {
  std::lock_guard lk(impl_->mu);
  Result<Query> q = impl_->db->Prepare(
      "SELECT id, kind, name, created_by, twins, descendants, scopes, wards, created_ns,"
      " expires_ns, revoked_ns, last_used_ns FROM tokens ORDER BY id");
  if (!q.ok()) return q.status();
  std::vector<TokenInfo> out;
  for (;;) {
    Result<bool> row = q->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    out.push_back(ReadToken(*q));
    // Usage not yet flushed is newer than the stored time.
    auto it = impl_->token_usage.find(out.back().id);
    if (it != impl_->token_usage.end())
      out.back().last_used_ns = std::max(out.back().last_used_ns, it->second);
  }
  return out;
}

Status IdentityStore::RevokeToken(int64_t id) {
  std::lock_guard lk(impl_->mu);
  Result<Query> q =
      impl_->db->Prepare("UPDATE tokens SET revoked_ns = ? WHERE id = ? AND revoked_ns = 0");
  if (!q.ok()) return q.status();
  LJ_RETURN_IF_ERROR(q->Bind(1, impl_->Now()).Bind(2, id).Run());
  impl_->ClearCacheLocked();
  if (impl_->db->Changes() > 0) return Status::Ok();
  Result<Query> exists = impl_->db->Prepare("SELECT 1 FROM tokens WHERE id = ?");
  if (!exists.ok()) return exists.status();
  Result<bool> row = exists->Bind(1, id).Step();
  if (!row.ok()) return row.status();
  if (!*row) return Status(ErrorCode::kNotFound, fmt::format("no token {}", id));
  return Status::Ok();  // already revoked
}

Result<IssuedSession> IdentityStore::Impl::OpenSessionLocked(
    std::string_view user, std::shared_ptr<const Principal> principal) {
  Result<std::string> secret = GenerateToken(TokenKind::kSession);
  if (!secret.ok()) return secret.status();
  const int64_t now = Now();
  const int64_t expires = now + options.session_absolute_s * 1'000'000'000;
  // Housekeeping: sessions past their absolute lifetime, or revoked, are of no further use.
  if (Result<Query> gc = db->Prepare("DELETE FROM sessions WHERE expires_ns < ? OR revoked_ns > 0");
      gc.ok())
    gc->Bind(1, now).Run().IgnoreError();  // best effort; retried at the next login
  Result<Query> q = db->Prepare(
      "INSERT INTO sessions(hash, user, created_ns, last_seen_ns, expires_ns)"
      " VALUES(?, ?, ?, ?, ?)");
  if (!q.ok()) return q.status();
  LJ_RETURN_IF_ERROR(q->Bind(1, Sha256Hex(*secret))
                         .Bind(2, user)
                         .Bind(3, now)
                         .Bind(4, now)
                         .Bind(5, expires)
                         .Run());
  return IssuedSession{std::move(secret).value(), expires, std::move(principal)};
}

Result<IssuedSession> IdentityStore::Login(std::string_view user, std::string_view password) {
  Result<std::shared_ptr<const Principal>> principal = impl_->CheckPassword(user, password);
  if (!principal.ok()) return principal.status();
  std::lock_guard lk(impl_->mu);
  return impl_->OpenSessionLocked(user, std::move(principal).value());
}

Result<IssuedLoginCode> IdentityStore::CreateLoginCode(std::string_view user, int64_t ttl_s) {
  if (ttl_s < 60 || ttl_s > 86400)
    return Status(ErrorCode::kInvalidArgument, "a login code lives 60..86400 seconds");
  Result<std::string> bytes = RandomBytes(32);
  if (!bytes.ok()) return bytes.status();
  std::string code = Base64UrlEncode(*bytes);
  std::lock_guard lk(impl_->mu);
  Result<Impl::UserRow> row = impl_->LoadUserLocked(user);
  if (!row.ok())
    return Status(row.status().code() == ErrorCode::kUnauthorized ? ErrorCode::kNotFound
                                                                  : row.status().code(),
                  fmt::format("user '{}': {}", user, row.status().message()));
  const int64_t now = impl_->Now();
  const int64_t expires = now + ttl_s * 1'000'000'000;
  SqliteDb& db = *impl_->db;
  if (Result<Query> gc = db.Prepare("DELETE FROM login_codes WHERE expires_ns < ?"); gc.ok())
    gc->Bind(1, now).Run().IgnoreError();  // best effort
  Result<Query> q =
      db.Prepare("INSERT INTO login_codes(hash, user, created_ns, expires_ns) VALUES(?, ?, ?, ?)");
  if (!q.ok()) return q.status();
  LJ_RETURN_IF_ERROR(q->Bind(1, Sha256Hex(code)).Bind(2, user).Bind(3, now).Bind(4, expires).Run());
  return IssuedLoginCode{std::move(code), expires};
}

Result<IssuedSession> IdentityStore::LoginWithCode(std::string_view code) {
  if (code.size() != 43) return Status(ErrorCode::kUnauthorized, "malformed login code");
  std::lock_guard lk(impl_->mu);
  SqliteDb& db = *impl_->db;
  Txn txn(db);
  LJ_RETURN_IF_ERROR(txn.Begin());
  Result<Query> q = db.Prepare("SELECT user, expires_ns FROM login_codes WHERE hash = ?");
  if (!q.ok()) return q.status();
  const std::string hash = Sha256Hex(code);
  Result<bool> found = q->Bind(1, hash).Step();
  if (!found.ok()) return found.status();
  if (!*found) return Status(ErrorCode::kUnauthorized, "unknown or used login code");
  const std::string user = q->Text(0);
  const int64_t expires = q->Int(1);
  Result<Query> del = db.Prepare("DELETE FROM login_codes WHERE hash = ?");
  if (!del.ok()) return del.status();
  LJ_RETURN_IF_ERROR(del->Bind(1, hash).Run());
  if (expires <= impl_->Now()) {
    LJ_RETURN_IF_ERROR(txn.Commit());
    return Status(ErrorCode::kUnauthorized, "login code expired");
  }
  Result<Impl::UserRow> row = impl_->LoadUserLocked(user);
  if (!row.ok()) {
    LJ_RETURN_IF_ERROR(txn.Commit());
    return row.status();
  }
  Result<IssuedSession> s = impl_->OpenSessionLocked(user, UserPrincipal(row->info));
  if (!s.ok()) return s.status();
  LJ_RETURN_IF_ERROR(txn.Commit());
  return s;
}

Status IdentityStore::Logout(std::string_view session_secret) {
  const std::string hash = Sha256Hex(session_secret);
  std::lock_guard lk(impl_->mu);
  Result<Query> q =
      impl_->db->Prepare("UPDATE sessions SET revoked_ns = ? WHERE hash = ? AND revoked_ns = 0");
  if (!q.ok()) return q.status();
  LJ_RETURN_IF_ERROR(q->Bind(1, impl_->Now()).Bind(2, hash).Run());
  impl_->cache.erase(hash);
  impl_->session_usage.erase(hash);
  return Status::Ok();
}

Result<std::shared_ptr<const Principal>> IdentityStore::TokenPrincipalByName(
    std::string_view name) {
  Result<std::vector<TokenInfo>> all = ListTokens();
  if (!all.ok()) return all.status();
  const int64_t now = impl_->Now();
  const TokenInfo* found = nullptr;
  for (const TokenInfo& t : *all) {
    if (t.name != name || t.revoked_ns != 0 || (t.expires_ns != 0 && t.expires_ns <= now)) continue;
    if (found)
      return Status(ErrorCode::kUnauthorized,
                    "more than one active token is named '" + std::string(name) + "'");
    found = &t;
  }
  if (!found)
    return Status(ErrorCode::kUnauthorized, "no active token is named '" + std::string(name) + "'");
  return TokenPrincipal(*found);
}

}  // namespace lj::auth
