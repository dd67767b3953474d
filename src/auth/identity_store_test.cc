#include "auth/identity_store.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <thread>

namespace lj::auth {
namespace {

constexpr int64_t kS = 1'000'000'000;
constexpr Argon2Params kFast{256, 1, 1};

class IdentityStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    static std::atomic<int> n{0};
    dir_ = std::filesystem::temp_directory_path() /
           ("lj_auth_test_" + std::to_string(::getpid()) + "_" + std::to_string(n++));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    path_ = (dir_ / "auth.db").string();
    store_ = Open();
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  AuthOptions Options(Argon2Params params = kFast) {
    AuthOptions o;
    o.argon2 = params;
    o.revocation_check_ms = 0;
    o.clock = [this] { return now_.load(); };
    return o;
  }
  std::unique_ptr<IdentityStore> Open(Argon2Params params = kFast) {
    Result<std::unique_ptr<IdentityStore>> s = IdentityStore::Open(path_, Options(params));
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return s.ok() ? std::move(s).value() : nullptr;
  }
  Result<std::shared_ptr<const Principal>> Bearer(const std::string& token) {
    const std::string header = "Bearer " + token;  // the credential views into it
    Result<Credential> c = ParseAuthorization(header);
    if (!c.ok()) return c.status();
    return store_->Authenticate(*c);
  }
  Result<std::shared_ptr<const Principal>> Cookie(const std::string& secret) {
    const std::string header = "x=1; lj_session=" + secret;
    Result<std::optional<Credential>> c = ParseSessionCookie(header, "lj_session");
    if (!c.ok()) return c.status();
    return store_->Authenticate(**c);
  }
  NewUser Clinician(const std::string& name) {
    return NewUser{name, Role::kClinician, {"ward-a"}, "", "long enough password"};
  }

  std::filesystem::path dir_;
  std::string path_;
  std::atomic<int64_t> now_{1'800'000'000 * kS};
  std::unique_ptr<IdentityStore> store_;
};

TEST_F(IdentityStoreTest, UsersPersistAcrossReopenAndFileIsOwnerOnly) {
  ASSERT_TRUE(store_->AddUser(Clinician("nurse.kim")).ok());
  ASSERT_TRUE(
      store_->AddUser({"family-a01", Role::kViewer, {}, "patient-a01", "another long pw"}).ok());
  EXPECT_EQ(store_->AddUser(Clinician("nurse.kim")).code(), ErrorCode::kAlreadyExists);
  store_ = Open();
  Result<std::vector<UserInfo>> users = store_->ListUsers();
  ASSERT_TRUE(users.ok());
  ASSERT_EQ(users->size(), 2u);
  EXPECT_EQ((*users)[0].name, "family-a01");
  EXPECT_EQ((*users)[0].role, Role::kViewer);
  EXPECT_EQ((*users)[0].patient, "patient-a01");
  EXPECT_EQ((*users)[1].wards, std::vector<std::string>{"ward-a"});
  EXPECT_EQ((*users)[1].created_ns, now_.load());
  struct stat st {};
  ASSERT_EQ(::stat(path_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600);
}

TEST_F(IdentityStoreTest, UserValidation) {
  EXPECT_FALSE(store_->AddUser({"bad name", Role::kAdministrator, {}, "", "long enough pw"}).ok());
  EXPECT_FALSE(store_->AddUser({"short", Role::kAdministrator, {}, "", "short"}).ok());
  EXPECT_FALSE(store_->AddUser({"c", Role::kClinician, {}, "", "long enough pw"}).ok());
  EXPECT_FALSE(store_->AddUser({"v", Role::kViewer, {}, "", "long enough pw"}).ok());
  EXPECT_FALSE(store_->AddUser({"v", Role::kViewer, {"w"}, "p", "long enough pw"}).ok());
  EXPECT_FALSE(store_->AddUser({"a", Role::kAdministrator, {"w"}, "", "long enough pw"}).ok());
  EXPECT_FALSE(store_->AddUser({"d", Role::kDevice, {}, "", "long enough pw"}).ok());
  EXPECT_FALSE(store_->AddUser({"c", Role::kClinician, {"ward a"}, "", "long enough pw"}).ok());
  EXPECT_TRUE(store_->ListUsers().value().empty());
}

TEST_F(IdentityStoreTest, BootstrapCreatesExactlyOneAdminOnce) {
  Result<BootstrapResult> first = store_->BootstrapAdmin();
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_TRUE(first->created);
  EXPECT_EQ(first->user, "admin");
  EXPECT_EQ(first->password.size(), 20u);
  Result<BootstrapResult> again = store_->BootstrapAdmin();
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->created);
  EXPECT_TRUE(again->password.empty());
  store_ = Open();
  EXPECT_FALSE(store_->BootstrapAdmin().value().created);
  Result<std::vector<UserInfo>> users = store_->ListUsers();
  ASSERT_EQ(users->size(), 1u);
  EXPECT_EQ((*users)[0].role, Role::kAdministrator);
  Result<IssuedSession> login = store_->Login("admin", first->password);
  ASSERT_TRUE(login.ok()) << login.status().ToString();
  EXPECT_EQ(login->principal->role, Role::kAdministrator);
}

TEST_F(IdentityStoreTest, ConcurrentBootstrapsFromTwoConnectionsCreateOneAdmin) {
  std::unique_ptr<IdentityStore> other = Open();
  std::atomic<int> created{0};
  std::thread a([&] { created += store_->BootstrapAdmin().value().created; });
  std::thread b([&] { created += other->BootstrapAdmin().value().created; });
  a.join();
  b.join();
  EXPECT_EQ(created.load(), 1);
  EXPECT_EQ(store_->ListUsers().value().size(), 1u);
}

TEST_F(IdentityStoreTest, NoBootstrapWhenUsersExist) {
  ASSERT_TRUE(store_->AddUser(Clinician("nurse.kim")).ok());
  EXPECT_FALSE(store_->BootstrapAdmin().value().created);
  EXPECT_EQ(store_->ListUsers().value().size(), 1u);
}

TEST_F(IdentityStoreTest, DeviceTokenCreateAuthenticateRevoke) {
  NewToken t{TokenKind::kDevice, "monitor-a01 gateway", "admin", {"monitor-a01"}, false, 0, {}, 0};
  Result<IssuedToken> issued = store_->CreateToken(t);
  ASSERT_TRUE(issued.ok()) << issued.status().ToString();
  EXPECT_EQ(issued->secret.substr(0, 4), "ljd_");
  EXPECT_GT(issued->info.id, 0);
  Result<std::shared_ptr<const Principal>> p = Bearer(issued->secret);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ((*p)->kind, PrincipalKind::kDevice);
  EXPECT_EQ((*p)->role, Role::kDevice);
  EXPECT_EQ((*p)->name, "monitor-a01 gateway");
  EXPECT_EQ((*p)->twins, std::vector<std::string>{"monitor-a01"});
  EXPECT_EQ((*p)->token_id, issued->info.id);
  // Cached: the same principal object comes back.
  EXPECT_EQ(Bearer(issued->secret).value().get(), p->get());
  // The secret is not stored; only its hash.
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(db, "SELECT count(*) FROM tokens WHERE hash = ?", -1, &st, nullptr);
  sqlite3_bind_text(st, 1, issued->secret.c_str(), -1, SQLITE_TRANSIENT);
  ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int(st, 0), 0);
  sqlite3_finalize(st);
  sqlite3_close(db);

  ASSERT_TRUE(store_->RevokeToken(issued->info.id).ok());
  Result<std::shared_ptr<const Principal>> revoked = Bearer(issued->secret);
  ASSERT_FALSE(revoked.ok());
  EXPECT_EQ(revoked.status().code(), ErrorCode::kUnauthorized);
  EXPECT_EQ(revoked.status().message(), "token revoked");
  EXPECT_TRUE(store_->RevokeToken(issued->info.id).ok());  // idempotent
  EXPECT_EQ(store_->RevokeToken(999).code(), ErrorCode::kNotFound);
}

TEST_F(IdentityStoreTest, ServiceTokenScopesAndUnknownTokens) {
  NewToken t{TokenKind::kService,     "ehr",      "admin", {}, false,
             kScopeRead | kScopeFhir, {"ward-a"}, 0};
  Result<IssuedToken> issued = store_->CreateToken(t);
  ASSERT_TRUE(issued.ok()) << issued.status().ToString();
  Result<std::shared_ptr<const Principal>> p = Bearer(issued->secret);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ((*p)->kind, PrincipalKind::kService);
  EXPECT_EQ((*p)->scopes, kScopeRead | kScopeFhir);
  EXPECT_EQ((*p)->wards, std::vector<std::string>{"ward-a"});
  std::string other = issued->secret;
  other[10] = other[10] == 'A' ? 'B' : 'A';
  EXPECT_EQ(Bearer(other).status().message(), "unknown token");
  // Device tokens need twins; service tokens need scopes and take no twins.
  EXPECT_FALSE(store_->CreateToken({TokenKind::kDevice, "d", "a", {}, false, 0, {}, 0}).ok());
  EXPECT_FALSE(store_->CreateToken({TokenKind::kService, "s", "a", {}, false, 0, {}, 0}).ok());
  EXPECT_FALSE(
      store_->CreateToken({TokenKind::kService, "s", "a", {"t"}, false, kScopeRead, {}, 0}).ok());
  EXPECT_FALSE(store_->CreateToken({TokenKind::kSession, "s", "a", {}, false, 0, {}, 0}).ok());
}

TEST_F(IdentityStoreTest, TokenExpiryAndLastUsedFlush) {
  NewToken t{TokenKind::kDevice, "d", "admin", {"m"}, false, 0, {}, now_ + 60 * kS};
  Result<IssuedToken> issued = store_->CreateToken(t);
  ASSERT_TRUE(issued.ok());
  now_ += 10 * kS;
  ASSERT_TRUE(Bearer(issued->secret).ok());
  const int64_t used_at = now_;
  ASSERT_TRUE(store_->FlushUsage().ok());
  store_ = Open();
  Result<std::vector<TokenInfo>> list = store_->ListTokens();
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].last_used_ns, used_at);
  EXPECT_EQ((*list)[0].expires_ns, t.expires_ns);
  now_ += 50 * kS;
  Result<std::shared_ptr<const Principal>> expired = Bearer(issued->secret);
  ASSERT_FALSE(expired.ok());
  EXPECT_EQ(expired.status().message(), "token expired");
}

TEST_F(IdentityStoreTest, RevocationByAnotherConnectionTakesEffect) {
  Result<IssuedToken> issued =
      store_->CreateToken({TokenKind::kDevice, "d", "admin", {"m"}, false, 0, {}, 0});
  ASSERT_TRUE(issued.ok());
  ASSERT_TRUE(Bearer(issued->secret).ok());     // now cached
  std::unique_ptr<IdentityStore> cli = Open();  // e.g. `lingjing token revoke` meanwhile
  ASSERT_TRUE(cli->RevokeToken(issued->info.id).ok());
  EXPECT_EQ(Bearer(issued->secret).status().message(), "token revoked");
}

TEST_F(IdentityStoreTest, SessionsLoginCookieIdleAbsoluteAndLogout) {
  ASSERT_TRUE(store_->AddUser(Clinician("nurse.kim")).ok());
  EXPECT_EQ(store_->Login("nurse.kim", "wrong password!!").status().message(), "wrong password");
  EXPECT_EQ(store_->Login("nobody", "long enough password").status().code(),
            ErrorCode::kUnauthorized);
  Result<IssuedSession> s = store_->Login("nurse.kim", "long enough password");
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->secret.substr(0, 4), "ljx_");
  EXPECT_EQ(s->expires_ns, now_ + 12 * 3600 * kS);
  Result<std::shared_ptr<const Principal>> p = Cookie(s->secret);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ((*p)->name, "nurse.kim");
  EXPECT_EQ((*p)->wards, std::vector<std::string>{"ward-a"});
  // Activity keeps it alive past the idle limit; silence ends it.
  for (int i = 0; i < 4; ++i) {
    now_ += 20 * 60 * kS;
    ASSERT_TRUE(Cookie(s->secret).ok()) << i;
  }
  now_ += 31 * 60 * kS;
  EXPECT_EQ(Cookie(s->secret).status().message(), "session idle too long");
  // Absolute lifetime.
  Result<IssuedSession> s2 = store_->Login("nurse.kim", "long enough password");
  ASSERT_TRUE(s2.ok());
  for (int i = 0; i < 35; ++i) {  // 700 of the 720 minutes
    now_ += 20 * 60 * kS;
    ASSERT_TRUE(Cookie(s2->secret).ok()) << i;
  }
  now_ += 20 * 60 * kS;
  EXPECT_EQ(Cookie(s2->secret).status().message(), "session expired");
  // Logout.
  Result<IssuedSession> s3 = store_->Login("nurse.kim", "long enough password");
  ASSERT_TRUE(Cookie(s3->secret).ok());
  ASSERT_TRUE(store_->Logout(s3->secret).ok());
  EXPECT_EQ(Cookie(s3->secret).status().message(), "session ended");
}

TEST_F(IdentityStoreTest, LoginCodesWorkOnceBeforeExpiryAndAcrossConnections) {
  ASSERT_TRUE(store_->AddUser(Clinician("nurse.kim")).ok());
  EXPECT_EQ(store_->CreateLoginCode("nobody", 600).status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(store_->CreateLoginCode("nurse.kim", 10).status().code(), ErrorCode::kInvalidArgument);
  // Made by another connection (the CLI), used by the server's.
  std::unique_ptr<IdentityStore> cli = Open();
  Result<IssuedLoginCode> code = cli->CreateLoginCode("nurse.kim", 600);
  ASSERT_TRUE(code.ok()) << code.status().ToString();
  EXPECT_EQ(code->code.size(), 43u);
  EXPECT_EQ(code->expires_ns, now_ + 600 * kS);
  Result<IssuedSession> s = store_->LoginWithCode(code->code);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->principal->name, "nurse.kim");
  Result<std::shared_ptr<const Principal>> p = Cookie(s->secret);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ((*p)->role, Role::kClinician);
  // Once only, also from the other connection.
  EXPECT_EQ(store_->LoginWithCode(code->code).status().message(), "unknown or used login code");
  EXPECT_EQ(cli->LoginWithCode(code->code).status().code(), ErrorCode::kUnauthorized);
  // Expiry, and a code whose user was disabled meanwhile.
  Result<IssuedLoginCode> late = store_->CreateLoginCode("nurse.kim", 60);
  now_ += 61 * kS;
  EXPECT_EQ(store_->LoginWithCode(late->code).status().message(), "login code expired");
  Result<IssuedLoginCode> dis = store_->CreateLoginCode("nurse.kim", 600);
  ASSERT_TRUE(store_->SetUserDisabled("nurse.kim", true).ok());
  EXPECT_EQ(store_->LoginWithCode(dis->code).status().message(), "user disabled");
  EXPECT_EQ(store_->LoginWithCode("short").status().message(), "malformed login code");
}

TEST_F(IdentityStoreTest, SessionIdleTimeSurvivesReopenThroughFlush) {
  ASSERT_TRUE(store_->AddUser(Clinician("nurse.kim")).ok());
  Result<IssuedSession> s = store_->Login("nurse.kim", "long enough password");
  ASSERT_TRUE(s.ok());
  now_ += 25 * 60 * kS;
  ASSERT_TRUE(Cookie(s->secret).ok());
  store_ = Open();  // the destructor flushes usage
  now_ += 25 * 60 * kS;
  EXPECT_TRUE(Cookie(s->secret).ok());
}

TEST_F(IdentityStoreTest, DisablingAUserEndsSessionsAndLogins) {
  ASSERT_TRUE(store_->AddUser(Clinician("nurse.kim")).ok());
  Result<IssuedSession> s = store_->Login("nurse.kim", "long enough password");
  ASSERT_TRUE(Cookie(s->secret).ok());
  ASSERT_TRUE(store_->SetUserDisabled("nurse.kim", true).ok());
  EXPECT_FALSE(Cookie(s->secret).ok());
  EXPECT_EQ(store_->Login("nurse.kim", "long enough password").status().message(), "user disabled");
  ASSERT_TRUE(store_->SetUserDisabled("nurse.kim", false).ok());
  EXPECT_FALSE(Cookie(s->secret).ok()) << "re-enabling must not revive old sessions";
  EXPECT_TRUE(store_->Login("nurse.kim", "long enough password").ok());
  EXPECT_EQ(store_->SetUserDisabled("nobody", true).code(), ErrorCode::kNotFound);
}

TEST_F(IdentityStoreTest, BasicCredentialsAndPasswordChange) {
  ASSERT_TRUE(store_->AddUser(Clinician("nurse.kim")).ok());
  // "nurse.kim:long enough password"
  Result<Credential> c = ParseAuthorization("Basic bnVyc2Uua2ltOmxvbmcgZW5vdWdoIHBhc3N3b3Jk");
  ASSERT_TRUE(c.ok());
  Result<std::shared_ptr<const Principal>> p = store_->Authenticate(*c);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ((*p)->role, Role::kClinician);
  Result<IssuedSession> s = store_->Login("nurse.kim", "long enough password");
  ASSERT_TRUE(store_->SetPassword("nurse.kim", "a new long password").ok());
  EXPECT_FALSE(store_->Authenticate(*c).ok());
  EXPECT_FALSE(Cookie(s->secret).ok()) << "a password change ends existing sessions";
  EXPECT_TRUE(store_->Login("nurse.kim", "a new long password").ok());
}

TEST_F(IdentityStoreTest, ParameterUpgradeRehashesOnLogin) {
  ASSERT_TRUE(store_->AddUser(Clinician("nurse.kim")).ok());
  const Argon2Params stronger{512, 2, 1};
  store_ = Open(stronger);
  ASSERT_TRUE(store_->Login("nurse.kim", "long enough password").ok());
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(db, "SELECT password FROM users WHERE name = 'nurse.kim'", -1, &st, nullptr);
  ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
  const std::string stored = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
  sqlite3_finalize(st);
  sqlite3_close(db);
  EXPECT_EQ(ParsePhcParams(stored).value(), stronger) << stored;
  EXPECT_TRUE(store_->Login("nurse.kim", "long enough password").ok());
}

TEST_F(IdentityStoreTest, OptionsAreValidated) {
  AuthOptions o = Options();
  o.cookie_name = "bad name";
  EXPECT_FALSE(IdentityStore::Open(path_, o).ok());
  o = Options();
  o.session_idle_s = 10;
  EXPECT_FALSE(IdentityStore::Open(path_, o).ok());
  o = Options({4, 1, 1});
  EXPECT_FALSE(IdentityStore::Open(path_, o).ok());
}

}  // namespace
}  // namespace lj::auth
