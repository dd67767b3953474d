// IdentityStore: the per-request path (Authenticate) with its credential cache, and usage
// (last-used) bookkeeping.
#include "auth/crypto.h"
#include "auth/identity_store_impl.h"
#include "common/time.h"

namespace lj::auth {
namespace {

constexpr int64_t kNsPerS = 1'000'000'000;

}  // namespace

std::shared_ptr<const Principal> TokenPrincipal(const TokenInfo& t) {
  auto p = std::make_shared<Principal>();
  p->name = t.name;
  p->token_id = t.id;
  if (t.kind == TokenKind::kDevice) {
    p->kind = PrincipalKind::kDevice;
    p->role = Role::kDevice;
    p->twins = t.twins;
    p->twin_descendants = t.twin_descendants;
  } else {
    p->kind = PrincipalKind::kService;
    p->role = Role::kService;
    p->scopes = t.scopes;
    p->wards = t.wards;
  }
  return p;
}

Status IdentityStore::Impl::CheckExternalChangesLocked() {
  const int64_t mono = MonoNs();
  if (data_version >= 0 &&
      mono - last_version_check_mono < int64_t{options.revocation_check_ms} * 1'000'000)
    return Status::Ok();
  last_version_check_mono = mono;
  Result<int64_t> v = db->QueryInt("PRAGMA data_version");
  if (!v.ok()) return v.status();
  if (*v != data_version) cache.clear();
  data_version = *v;
  return Status::Ok();
}

Result<std::shared_ptr<const Principal>> IdentityStore::Authenticate(const Credential& c) {
  if (c.kind == Credential::Kind::kBasic) return impl_->CheckPassword(c.user, c.password);
  const bool session = c.kind == Credential::Kind::kSession;
  if (!ClassifyToken(c.token) || (session != (c.token_kind == TokenKind::kSession)))
    return Status(ErrorCode::kUnauthorized, "malformed token");
  const std::string hash = Sha256Hex(c.token);
  Impl& m = *impl_;
  std::lock_guard lk(m.mu);
  LJ_RETURN_IF_ERROR(m.CheckExternalChangesLocked());
  const int64_t now = m.Now();
  const int64_t idle_ns = m.options.session_idle_s * kNsPerS;

  auto it = m.cache.find(hash);
  if (it == m.cache.end()) {
    CachedCredential entry;
    entry.session = session;
    if (session) {
      Result<Query> q = m.db->Prepare(
          "SELECT s.last_seen_ns, s.expires_ns, s.revoked_ns, u.name, u.role, u.wards, u.patient,"
          " u.disabled FROM sessions s JOIN users u ON u.name = s.user WHERE s.hash = ?");
      if (!q.ok()) return q.status();
      Result<bool> row = q->Bind(1, hash).Step();
      if (!row.ok()) return row.status();
      if (!*row) return Status(ErrorCode::kUnauthorized, "unknown session");
      if (q->Int(2) != 0) return Status(ErrorCode::kUnauthorized, "session ended");
      if (q->Int(7) != 0) return Status(ErrorCode::kUnauthorized, "user disabled");
      UserInfo u;
      u.name = q->Text(3);
      Result<Role> role = ParseRole(q->Text(4));
      if (!role.ok()) return Status(ErrorCode::kStorage, "auth.db: a user has an unknown role");
      u.role = *role;
      u.wards = DecodeList(q->Text(5));
      u.patient = q->Text(6);
      entry.principal = UserPrincipal(u);
      entry.last_used_ns = q->Int(0);
      entry.expires_ns = q->Int(1);
      auto pending = m.session_usage.find(hash);
      if (pending != m.session_usage.end())
        entry.last_used_ns = std::max(entry.last_used_ns, pending->second);
    } else {
      Result<Query> q = m.db->Prepare(
          "SELECT id, kind, name, created_by, twins, descendants, scopes, wards, created_ns,"
          " expires_ns, revoked_ns FROM tokens WHERE hash = ?");
      if (!q.ok()) return q.status();
      Result<bool> row = q->Bind(1, hash).Step();
      if (!row.ok()) return row.status();
      if (!*row) return Status(ErrorCode::kUnauthorized, "unknown token");
      TokenInfo t;
      t.id = q->Int(0);
      std::optional<TokenKind> kind = ParseTokenKind(q->Text(1));
      // The prefix is part of the hashed secret, so a stored kind always matches it.
      if (!kind || *kind != c.token_kind)
        return Status(ErrorCode::kUnauthorized, "token kind mismatch");
      t.kind = *kind;
      t.name = q->Text(2);
      t.twins = DecodeList(q->Text(4));
      t.twin_descendants = q->Int(5) != 0;
      Result<uint32_t> scopes = ParseScopes(DecodeList(q->Text(6)));
      t.scopes = scopes.ok() ? *scopes : 0;  // unknown scopes grant nothing
      t.wards = DecodeList(q->Text(7));
      if (q->Int(10) != 0) return Status(ErrorCode::kUnauthorized, "token revoked");
      entry.expires_ns = q->Int(9);
      entry.principal = TokenPrincipal(t);
    }
    if (m.cache.size() >= kMaxCachedCredentials) m.cache.clear();
    it = m.cache.emplace(hash, std::move(entry)).first;
  }

  CachedCredential& e = it->second;
  if (e.expires_ns != 0 && now >= e.expires_ns) {
    m.cache.erase(it);
    return Status(ErrorCode::kUnauthorized, session ? "session expired" : "token expired");
  }
  if (e.session) {
    if (now - e.last_used_ns >= idle_ns) {
      m.cache.erase(it);
      return Status(ErrorCode::kUnauthorized, "session idle too long");
    }
    e.last_used_ns = now;
    m.session_usage[hash] = now;
  } else {
    m.token_usage[e.principal->token_id] = now;
  }
  return e.principal;
}

Status IdentityStore::FlushUsage() {
  Impl& m = *impl_;
  std::lock_guard lk(m.mu);
  if (m.token_usage.empty() && m.session_usage.empty()) return Status::Ok();
  Txn txn(*m.db);
  LJ_RETURN_IF_ERROR(txn.Begin());
  for (const auto& [id, ns] : m.token_usage) {
    Result<Query> q =
        m.db->Prepare("UPDATE tokens SET last_used_ns = max(last_used_ns, ?) WHERE id = ?");
    if (!q.ok()) return q.status();
    LJ_RETURN_IF_ERROR(q->Bind(1, ns).Bind(2, id).Run());
  }
  for (const auto& [hash, ns] : m.session_usage) {
    Result<Query> q =
        m.db->Prepare("UPDATE sessions SET last_seen_ns = max(last_seen_ns, ?) WHERE hash = ?");
    if (!q.ok()) return q.status();
    LJ_RETURN_IF_ERROR(q->Bind(1, ns).Bind(2, hash).Run());
  }
  LJ_RETURN_IF_ERROR(txn.Commit());
  m.token_usage.clear();
  m.session_usage.clear();
  return Status::Ok();
}

}  // namespace lj::auth
