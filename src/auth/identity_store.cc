// IdentityStore: opening auth.db, its schema, the first-start bootstrap and users.
// Tokens and sessions: tokens.cc; per-request authentication: authenticate.cc.
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "auth/crypto.h"
#include "auth/identity_store_impl.h"
#include "common/time.h"

namespace lj::auth {
namespace {

// Append a migration to change the schema; never edit one that shipped.
constexpr const char* kMigrations[] = {
    // v1
    R"sql(
CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied_ns INTEGER NOT NULL);
CREATE TABLE users (
  name TEXT PRIMARY KEY,
  password TEXT NOT NULL,
  role TEXT NOT NULL,
  wards TEXT NOT NULL,
  patient TEXT NOT NULL,
  disabled INTEGER NOT NULL DEFAULT 0,
  created_ns INTEGER NOT NULL,
  password_changed_ns INTEGER NOT NULL
);
CREATE TABLE tokens (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  kind TEXT NOT NULL,
  name TEXT NOT NULL,
  created_by TEXT NOT NULL,
  hash TEXT NOT NULL UNIQUE,
  twins TEXT NOT NULL,
  descendants INTEGER NOT NULL,
  scopes TEXT NOT NULL,
  wards TEXT NOT NULL,
  created_ns INTEGER NOT NULL,
  expires_ns INTEGER NOT NULL,
  revoked_ns INTEGER NOT NULL DEFAULT 0,
  last_used_ns INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE sessions (
  hash TEXT PRIMARY KEY,
  user TEXT NOT NULL REFERENCES users(name),
  created_ns INTEGER NOT NULL,
  last_seen_ns INTEGER NOT NULL,
  expires_ns INTEGER NOT NULL,
  revoked_ns INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX sessions_by_user ON sessions(user);
)sql",
    // v2: one-time login codes (the demo's ready link, `lingjing user link`)
    R"sql(
CREATE TABLE login_codes (
  hash TEXT PRIMARY KEY,
  user TEXT NOT NULL REFERENCES users(name),
  created_ns INTEGER NOT NULL,
  expires_ns INTEGER NOT NULL
);
)sql",
};
constexpr int64_t kSchemaVersion = std::size(kMigrations);

Status Migrate(SqliteDb& db) {
  Result<int64_t> version = db.QueryInt("PRAGMA user_version");
  if (!version.ok()) return version.status();
  if (*version > kSchemaVersion)
    return Status(ErrorCode::kStorage,
                  fmt::format("{} has schema version {}, newer than the {} this build supports",
                              db.path(), *version, kSchemaVersion));
  for (int64_t v = *version; v < kSchemaVersion; ++v) {
    Txn txn(db);
    LJ_RETURN_IF_ERROR(txn.Begin());
    // Another process may have migrated between our read and BEGIN IMMEDIATE.
    Result<int64_t> now_at = db.QueryInt("PRAGMA user_version");
    if (!now_at.ok()) return now_at.status();
    if (*now_at > v) continue;
    LJ_RETURN_IF_ERROR(db.Exec(kMigrations[v]));
    Result<Query> log = db.Prepare("INSERT INTO schema_version(version, applied_ns) VALUES(?, ?)");
    if (!log.ok()) return log.status();
    LJ_RETURN_IF_ERROR(log->Bind(1, v + 1).Bind(2, NowNs()).Run());
    LJ_RETURN_IF_ERROR(db.Exec(fmt::format("PRAGMA user_version = {}", v + 1)));
    LJ_RETURN_IF_ERROR(txn.Commit());
  }
  return Status::Ok();
}

bool HasControlOrSpace(std::string_view s) {
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f) return true;
  }
  return false;
}

Status ValidatePassword(std::string_view pw) {
  if (pw.size() < 12 || pw.size() > kMaxPasswordBytes)
    return Status(ErrorCode::kInvalidArgument, "a password must have 12..256 bytes");
  for (char c : pw)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
      return Status(ErrorCode::kInvalidArgument, "a password must not contain control characters");
  return Status::Ok();
}

Status ValidateNewUser(const NewUser& u) {
  LJ_RETURN_IF_ERROR(ValidateUserName(u.name));
  LJ_RETURN_IF_ERROR(ValidatePassword(u.password));
  for (const std::string& w : u.wards) LJ_RETURN_IF_ERROR(ValidateTwinId(w, "ward"));
  if (!u.patient.empty()) LJ_RETURN_IF_ERROR(ValidateTwinId(u.patient, "patient"));
  switch (u.role) {
    case Role::kAdministrator:
      if (!u.wards.empty() || !u.patient.empty())
        return Status(ErrorCode::kInvalidArgument, "an administrator has no wards or patient");
      return Status::Ok();
    case Role::kClinician:
      if (u.wards.empty() || !u.patient.empty())
        return Status(ErrorCode::kInvalidArgument,
                      "a clinician needs at least one ward (--ward) and no patient");
      return Status::Ok();
    case Role::kViewer:
      if (u.patient.empty() || !u.wards.empty())
        return Status(ErrorCode::kInvalidArgument,
                      "a viewer needs exactly one patient (--patient) and no wards");
      return Status::Ok();
    case Role::kDevice:
    case Role::kService:
      break;
  }
  return Status(ErrorCode::kInvalidArgument,
                "users are administrators, clinicians or viewers; devices and services get tokens "
                "(lingjing token create)");
}

UserInfo ReadUser(const Query& q, int first) {
  UserInfo u;
  u.name = q.Text(first);
  Result<Role> role = ParseRole(q.Text(first + 1));
  u.role = role.ok() ? *role : Role::kViewer;
  u.wards = DecodeList(q.Text(first + 2));
  u.patient = q.Text(first + 3);
  u.disabled = q.Int(first + 4) != 0;
  u.created_ns = q.Int(first + 5);
  return u;
}

}  // namespace

std::string EncodeList(const std::vector<std::string>& items) {
  return nlohmann::json(items).dump();
}

std::vector<std::string> DecodeList(const std::string& json) {
  nlohmann::json j = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  std::vector<std::string> out;
  if (!j.is_array()) return out;
  for (const auto& e : j)
    if (e.is_string()) out.push_back(e.get<std::string>());
  return out;
}

std::shared_ptr<const Principal> UserPrincipal(const UserInfo& user) {
  auto p = std::make_shared<Principal>();
  p->kind = PrincipalKind::kUser;
  p->name = user.name;
  p->role = user.role;
  p->wards = user.wards;
  p->patient = user.patient;
  return p;
}

Status ValidateUserName(std::string_view name) {
  bool ok = !name.empty() && name.size() <= kMaxUserNameBytes;
  for (char c : name)
    ok = ok && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                c == '.' || c == '_' || c == '@' || c == '-');
  if (!ok)
    return Status(ErrorCode::kInvalidArgument,
                  "a user name has 1..64 characters of [A-Za-z0-9._@-]");
  return Status::Ok();
}

Status ValidateTwinId(std::string_view id, std::string_view what) {
  if (id.empty() || id.size() > 256 || HasControlOrSpace(id))
    return Status(
        ErrorCode::kInvalidArgument,
        fmt::format("{} id: 1..256 characters without spaces or control characters", what));
  return Status::Ok();
}

Status ValidateAuthOptions(const AuthOptions& o) {
  LJ_RETURN_IF_ERROR(ValidateArgon2Params(o.argon2));
  if (o.max_concurrent_hashes < 1 || o.max_concurrent_hashes > 64)
    return Status(ErrorCode::kInvalidArgument, "max_concurrent_hashes must be 1..64");
  if (o.session_idle_s < 60 || o.session_absolute_s < o.session_idle_s)
    return Status(ErrorCode::kInvalidArgument,
                  "session_idle_s must be >= 60 and session_absolute_s >= session_idle_s");
  if (o.basic_cache_s < 0 || o.basic_cache_s > 3600)
    return Status(ErrorCode::kInvalidArgument, "basic_cache_s must be 0..3600");
  if (o.revocation_check_ms < 0 || o.revocation_check_ms > 60000)
    return Status(ErrorCode::kInvalidArgument, "revocation_check_ms must be 0..60000");
  bool cookie_ok = !o.cookie_name.empty() && o.cookie_name.size() <= 64;
  for (char c : o.cookie_name)
    cookie_ok = cookie_ok && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                              (c >= '0' && c <= '9') || c == '_' || c == '-');
  if (!cookie_ok)
    return Status(ErrorCode::kInvalidArgument, "cookie_name: 1..64 characters of [A-Za-z0-9_-]");
  return Status::Ok();
}

int64_t IdentityStore::Impl::Now() const { return options.clock ? options.clock() : NowNs(); }

Result<IdentityStore::Impl::UserRow> IdentityStore::Impl::LoadUserLocked(std::string_view name) {
  Result<Query> q = db->Prepare(
      "SELECT password, name, role, wards, patient, disabled, created_ns FROM users "
      "WHERE name = ?");
  if (!q.ok()) return q.status();
  q->Bind(1, name);
  Result<bool> row = q->Step();
  if (!row.ok()) return row.status();
  if (!*row) return Status(ErrorCode::kUnauthorized, "unknown user");
  UserRow r{q->Text(0), ReadUser(*q, 1)};
  if (r.info.disabled) return Status(ErrorCode::kUnauthorized, "user disabled");
  return r;
}

std::string IdentityStore::Impl::BasicMac(std::string_view user, std::string_view password) const {
  std::string data(user);
  data.push_back('\0');
  data.append(password);
  return HmacSha256Hex(basic_key, data);
}

Result<std::shared_ptr<const Principal>> IdentityStore::Impl::CheckPassword(
    std::string_view user, std::string_view password) {
  const bool remember = options.basic_cache_s > 0 && !basic_key.empty();
  const std::string mac = remember ? BasicMac(user, password) : std::string();
  Result<UserRow> row = [&]() -> Result<UserRow> {
    std::lock_guard lk(mu);
    return LoadUserLocked(user);
  }();
  if (!row.ok()) {
    if (row.status().code() == ErrorCode::kUnauthorized) hasher.VerifyDummy(password);
    return row.status();
  }
  if (remember) {
    std::lock_guard lk(mu);
    auto it = verified_basic.find(std::string(user));
    if (it != verified_basic.end() && MonoNs() < it->second.until_mono &&
        it->second.stored_hash == row->hash && ConstantTimeEquals(it->second.mac, mac))
      return UserPrincipal(row->info);
  }
  Result<PasswordHasher::Verification> v = hasher.Verify(row->hash, password);
  if (!v.ok()) return v.status();
  if (!v->match) return Status(ErrorCode::kUnauthorized, "wrong password");
  std::string stored = row->hash;
  if (v->needs_rehash) {
    // Parameter upgrade: store a hash made with the current parameters. Best effort: a failure
    // here must not fail a correct login; the next login tries again.
    if (Result<std::string> h = hasher.Hash(password); h.ok()) {
      std::lock_guard lk(mu);
      if (Result<Query> q = db->Prepare("UPDATE users SET password = ? WHERE name = ?"); q.ok())
        if (q->Bind(1, *h).Bind(2, user).Run().ok()) stored = *h;
    }
  }
  if (remember) {
    std::lock_guard lk(mu);
    if (verified_basic.size() >= kMaxCachedCredentials) verified_basic.clear();
    verified_basic[std::string(user)] = {mac, stored,
                                         MonoNs() + int64_t{options.basic_cache_s} * 1'000'000'000};
  }
  return UserPrincipal(row->info);
}

Result<std::shared_ptr<const Principal>> IdentityStore::Recheck(const Credential& c) {
  if (c.kind != Credential::Kind::kBasic) return Authenticate(c);
  Impl& m = *impl_;
  std::lock_guard lk(m.mu);
  Result<Impl::UserRow> row = m.LoadUserLocked(c.user);
  if (!row.ok()) return row.status();
  // The password the connection was verified with is still the user's: the last verification
  // of this user was against the stored hash, with this password. (An entry evicted by the
  // size cap proves nothing either way; the user is then only required to be enabled.)
  if (auto it = m.verified_basic.find(c.user); it != m.verified_basic.end()) {
    if (it->second.stored_hash != row->hash ||
        !ConstantTimeEquals(it->second.mac, m.BasicMac(c.user, c.password)))
      return Status(ErrorCode::kUnauthorized, "password changed");
  }
  return UserPrincipal(row->info);
}

bool IdentityStore::AuthenticatesWithoutHashing(const Credential& c) {
  if (c.kind != Credential::Kind::kBasic) return true;
  Impl& m = *impl_;
  if (m.options.basic_cache_s <= 0 || m.basic_key.empty()) return false;
  const std::string mac = m.BasicMac(c.user, c.password);
  std::lock_guard lk(m.mu);
  auto it = m.verified_basic.find(c.user);
  return it != m.verified_basic.end() && MonoNs() < it->second.until_mono &&
         ConstantTimeEquals(it->second.mac, mac);
}

IdentityStore::IdentityStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

IdentityStore::~IdentityStore() {
  if (impl_ && impl_->db) FlushUsage().IgnoreError();  // last-used times are advisory
}

const AuthOptions& IdentityStore::options() const { return impl_->options; }

Result<std::unique_ptr<IdentityStore>> IdentityStore::Open(const std::string& path,
                                                           AuthOptions options) {
  LJ_RETURN_IF_ERROR(ValidateAuthOptions(options));
  auto impl = std::make_unique<Impl>(std::move(options));
  if (Result<std::string> key = RandomBytes(32); key.ok()) impl->basic_key = std::move(*key);
  Result<std::unique_ptr<SqliteDb>> db = SqliteDb::Open(path, /*create=*/true);
  if (!db.ok()) return db.status();
  impl->db = std::move(db).value();
  LJ_RETURN_IF_ERROR(Migrate(*impl->db));
  return std::unique_ptr<IdentityStore>(new IdentityStore(std::move(impl)));
}

Result<BootstrapResult> IdentityStore::BootstrapAdmin() {
  Result<std::string> password = GeneratePassword(20);
  if (!password.ok()) return password.status();
  Result<std::string> hash = impl_->hasher.Hash(*password);
  if (!hash.ok()) return hash.status();
  std::lock_guard lk(impl_->mu);
  SqliteDb& db = *impl_->db;
  Txn txn(db);
  LJ_RETURN_IF_ERROR(txn.Begin());
  Result<int64_t> users = db.QueryInt("SELECT COUNT(*) FROM users");
  if (!users.ok()) return users.status();
  if (*users > 0) return BootstrapResult{};
  Result<Query> q = db.Prepare(
      "INSERT INTO users(name, password, role, wards, patient, created_ns, password_changed_ns)"
      " VALUES('admin', ?, 'administrator', '[]', '', ?, ?)");
  if (!q.ok()) return q.status();
  const int64_t now = impl_->Now();
  LJ_RETURN_IF_ERROR(q->Bind(1, *hash).Bind(2, now).Bind(3, now).Run());
  LJ_RETURN_IF_ERROR(txn.Commit());
  return BootstrapResult{true, "admin", std::move(password).value()};
}

Status IdentityStore::AddUser(const NewUser& user) {
  LJ_RETURN_IF_ERROR(ValidateNewUser(user));
  Result<std::string> hash = impl_->hasher.Hash(user.password);
  if (!hash.ok()) return hash.status();
  std::lock_guard lk(impl_->mu);
  Result<Query> exists = impl_->db->Prepare("SELECT 1 FROM users WHERE name = ?");
  if (!exists.ok()) return exists.status();
  Result<bool> row = exists->Bind(1, user.name).Step();
  if (!row.ok()) return row.status();
  if (*row)
    return Status(ErrorCode::kAlreadyExists, fmt::format("user '{}' exists already", user.name));
  Result<Query> q = impl_->db->Prepare(
      "INSERT INTO users(name, password, role, wards, patient, created_ns, password_changed_ns)"
      " VALUES(?, ?, ?, ?, ?, ?, ?)");
  if (!q.ok()) return q.status();
  const int64_t now = impl_->Now();
  return q->Bind(1, user.name)
      .Bind(2, *hash)
      .Bind(3, RoleName(user.role))
      .Bind(4, EncodeList(user.wards))
      .Bind(5, user.patient)
      .Bind(6, now)
      .Bind(7, now)
      .Run();
}

Result<std::vector<UserInfo>> IdentityStore::ListUsers() {
  std::lock_guard lk(impl_->mu);
  Result<Query> q = impl_->db->Prepare(
      "SELECT name, role, wards, patient, disabled, created_ns FROM users ORDER BY name");
  if (!q.ok()) return q.status();
  std::vector<UserInfo> out;
  for (;;) {
    Result<bool> row = q->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    out.push_back(ReadUser(*q, 0));
  }
  return out;
}

Result<UserInfo> IdentityStore::GetUser(std::string_view name) {
  Result<std::vector<UserInfo>> all = ListUsers();
  if (!all.ok()) return all.status();
  for (UserInfo& u : *all)
    if (u.name == name) return std::move(u);
  return Status(ErrorCode::kNotFound, fmt::format("no user '{}'", name));
}

Status IdentityStore::SetUserDisabled(std::string_view name, bool disabled) {
  std::lock_guard lk(impl_->mu);
  SqliteDb& db = *impl_->db;
  Txn txn(db);
  LJ_RETURN_IF_ERROR(txn.Begin());
  Result<Query> q = db.Prepare("UPDATE users SET disabled = ? WHERE name = ?");
  if (!q.ok()) return q.status();
  LJ_RETURN_IF_ERROR(q->Bind(1, int64_t{disabled ? 1 : 0}).Bind(2, name).Run());
  if (db.Changes() == 0) return Status(ErrorCode::kNotFound, fmt::format("no user '{}'", name));
  if (disabled) {
    // Sessions end for good: re-enabling must not bring them back.
    Result<Query> s =
        db.Prepare("UPDATE sessions SET revoked_ns = ? WHERE user = ? AND revoked_ns = 0");
    if (!s.ok()) return s.status();
    LJ_RETURN_IF_ERROR(s->Bind(1, impl_->Now()).Bind(2, name).Run());
  }
  LJ_RETURN_IF_ERROR(txn.Commit());
  impl_->ClearCacheLocked();
  return Status::Ok();
}

Status IdentityStore::SetPassword(std::string_view name, std::string_view password) {
  LJ_RETURN_IF_ERROR(ValidatePassword(password));
  Result<std::string> hash = impl_->hasher.Hash(password);
  if (!hash.ok()) return hash.status();
  std::lock_guard lk(impl_->mu);
  SqliteDb& db = *impl_->db;
  Txn txn(db);
  LJ_RETURN_IF_ERROR(txn.Begin());
  Result<Query> q =
      db.Prepare("UPDATE users SET password = ?, password_changed_ns = ? WHERE name = ?");
  if (!q.ok()) return q.status();
  LJ_RETURN_IF_ERROR(q->Bind(1, *hash).Bind(2, impl_->Now()).Bind(3, name).Run());
  if (db.Changes() == 0) return Status(ErrorCode::kNotFound, fmt::format("no user '{}'", name));
  // A new password ends every session opened with the old one.
  Result<Query> s =
      db.Prepare("UPDATE sessions SET revoked_ns = ? WHERE user = ? AND revoked_ns = 0");
  if (!s.ok()) return s.status();
  LJ_RETURN_IF_ERROR(s->Bind(1, impl_->Now()).Bind(2, name).Run());
  LJ_RETURN_IF_ERROR(txn.Commit());
  impl_->ClearCacheLocked();
  return Status::Ok();
}

}  // namespace lj::auth
