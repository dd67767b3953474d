// The identity and audit commands through the real binary: `lingjing user …`, `token …` and
// `audit …` on a data directory, checked through their output, exit codes, the identity store
// (a token made by the CLI authenticates; revoked, it does not) and the audit trail (changes are
// recorded; tampering makes `audit verify` fail at the record).
#include <gtest/gtest.h>
#include <pwd.h>
#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "auth/identity_store.h"
#include "harness.h"

namespace lj::it {
namespace {

class AuthCli : public ::testing::Test {
 protected:
  void SetUp() override {
    data_ = MakeTempDir("lj-it-auth") + "/data";
    std::filesystem::create_directories(data_);
  }
  void TearDown() override {
    std::filesystem::remove_all(std::filesystem::path(data_).parent_path());
  }

  // Runs `lingjing args… --data D`; stdout and stderr together in `out`.
  int Run(std::vector<std::string> args, std::string* out = nullptr) {
    args.insert(args.begin(), LingjingBinary());
    args.push_back("--data");
    args.push_back(data_);
    std::string o;
    const int rc = RunCommand(args, &o);
    if (out) *out = o;
    return rc;
  }
  // Runs through sh so stdin/stdout can be redirected: only stdout is returned.
  int Shell(const std::string& stdin_text, const std::string& args, std::string* stdout_text) {
    const std::string cmd = (stdin_text.empty() ? "" : "printf '%s\\n' '" + stdin_text + "' | ") +
                            "'" + LingjingBinary() + "' " + args + " --data '" + data_ +
                            "' 2>/dev/null";
    std::string o;
    const int rc = RunCommand({"/bin/sh", "-c", cmd}, &o);
    if (stdout_text) *stdout_text = o;
    return rc;
  }
  std::string FileBytes(const std::string& name) {
    std::ifstream in(data_ + "/" + name, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }

  std::string data_;
};

std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

TEST_F(AuthCli, EveryCommandHasHelp) {
  for (const std::vector<std::string>& cmd : {std::vector<std::string>{"user", "add"},
                                              {"user", "list"},
                                              {"user", "disable"},
                                              {"token", "create"},
                                              {"token", "list"},
                                              {"token", "revoke"},
                                              {"audit", "verify"},
                                              {"audit", "query"}}) {
    std::vector<std::string> argv = {LingjingBinary()};
    argv.insert(argv.end(), cmd.begin(), cmd.end());
    argv.push_back("--help");
    std::string out;
    EXPECT_EQ(RunCommand(argv, &out), 0) << cmd[0] << " " << cmd[1];
    EXPECT_NE(out.find("--data"), std::string::npos) << out;
  }
}

TEST_F(AuthCli, AMissingDataDirectoryIsNamedAndNeverCreated) {
  const std::string missing = data_ + "-typo";
  for (const std::vector<std::string>& cmd : {std::vector<std::string>{"user", "list"},
                                              {"token", "list"},
                                              {"user", "link", "admin"},
                                              {"user", "add", "x", "--role", "administrator"},
                                              {"token", "revoke", "1"}}) {
    std::vector<std::string> argv = {LingjingBinary()};
    argv.insert(argv.end(), cmd.begin(), cmd.end());
    argv.push_back("--data");
    argv.push_back(missing);
    std::string out;
    EXPECT_NE(RunCommand(argv, &out), 0) << cmd[0] << " " << cmd[1];
    EXPECT_NE(out.find("no data directory '" + missing + "'"), std::string::npos) << out;
    EXPECT_FALSE(std::filesystem::exists(missing)) << cmd[0] << " " << cmd[1] << " created it";
  }
}

TEST_F(AuthCli, UsersTokensAndTheirAuditTrail) {
  // A generated password: alone on stdout, 20 characters.
  std::string password;
  ASSERT_EQ(Shell("", "user add nurse.kim --role clinician --ward ward-a", &password), 0);
  password = Trim(password);
  EXPECT_EQ(password.size(), 20u) << password;
  // A password from stdin is not echoed.
  std::string echoed;
  ASSERT_EQ(Shell("family password 1",
                  "user add family --role viewer --patient patient-a01 --password-stdin", &echoed),
            0);
  EXPECT_EQ(Trim(echoed), "");
  std::string out;
  EXPECT_EQ(Run({"user", "add", "nurse.kim", "--role", "clinician", "--ward", "ward-a"}, &out), 1);
  EXPECT_NE(out.find("already_exists"), std::string::npos) << out;
  EXPECT_EQ(Run({"user", "add", "x", "--role", "clinician"}, &out), 1);
  EXPECT_NE(out.find("needs at least one ward"), std::string::npos) << out;
  EXPECT_EQ(Run({"user", "add", "x", "--role", "superuser"}, &out), 1);
  ASSERT_EQ(Run({"user", "disable", "family"}, &out), 0) << out;
  ASSERT_EQ(Run({"user", "list"}, &out), 0);
  EXPECT_NE(out.find("nurse.kim"), std::string::npos);
  EXPECT_NE(out.find("wards ward-a"), std::string::npos) << out;
  EXPECT_NE(out.find("patient patient-a01"), std::string::npos) << out;
  EXPECT_NE(out.find("disabled"), std::string::npos) << out;

  std::string device, service;
  ASSERT_EQ(
      Shell("", "token create --kind device --name 'bed A01 gateway' --twin monitor-a01", &device),
      0);
  device = Trim(device);
  ASSERT_EQ(device.size(), 47u) << device;
  EXPECT_EQ(device.substr(0, 4), "ljd_");
  ASSERT_EQ(Shell("",
                  "token create --kind service --name ehr --scope read --scope fhir "
                  "--expires 30",
                  &service),
            0);
  service = Trim(service);
  EXPECT_EQ(service.substr(0, 4), "ljs_");
  EXPECT_EQ(Run({"token", "create", "--kind", "service", "--name", "x", "--scope", "root"}, &out),
            1);
  EXPECT_NE(out.find("unknown scope 'root'"), std::string::npos) << out;
  EXPECT_EQ(Run({"token", "create", "--kind", "device", "--name", "x"}, &out), 1);

  // The secrets are nowhere on disk; the store authenticates them.
  for (const std::string& file : {"auth.db", "auth.db-wal", "audit.db", "audit.db-wal"}) {
    const std::string bytes = FileBytes(file);
    EXPECT_EQ(bytes.find(device), std::string::npos) << file;
    EXPECT_EQ(bytes.find(service), std::string::npos) << file;
    EXPECT_EQ(bytes.find(password), std::string::npos) << file;
  }
  {
    auth::AuthOptions o;
    o.revocation_check_ms = 0;
    auto store = std::move(auth::IdentityStore::Open(data_ + "/auth.db", o)).value();
    const std::string header = "Bearer " + device;
    auto p = store->Authenticate(auth::ParseAuthorization(header).value());
    ASSERT_TRUE(p.ok()) << p.status().ToString();
    EXPECT_EQ((*p)->twins, std::vector<std::string>{"monitor-a01"});
    EXPECT_TRUE(store->Login("nurse.kim", password).ok());
    EXPECT_FALSE(store->Login("family", "family password 1").ok()) << "disabled";

    ASSERT_EQ(Run({"token", "list"}, &out), 0);
    EXPECT_NE(out.find("bed A01 gateway"), std::string::npos) << out;
    EXPECT_NE(out.find("read,fhir"), std::string::npos) << out;
    EXPECT_EQ(out.find(device), std::string::npos);
    ASSERT_EQ(Run({"token", "revoke", "1"}, &out), 0) << out;
    EXPECT_EQ(Run({"token", "revoke", "99"}, &out), 1);
    // Revoked by another process: the running store sees it.
    EXPECT_EQ(store->Authenticate(auth::ParseAuthorization(header).value()).status().message(),
              "token revoked");
  }
  ASSERT_EQ(Run({"token", "list"}, &out), 0);
  EXPECT_NE(out.find("revoked"), std::string::npos) << out;

  // Every change is in the audit trail, which verifies.
  ASSERT_EQ(Run({"audit", "verify"}, &out), 0) << out;
  EXPECT_NE(out.find("OK"), std::string::npos) << out;
  ASSERT_EQ(Run({"audit", "query", "--patient", "patient-a01"}, &out), 0) << out;
  EXPECT_NE(out.find("user_add"), std::string::npos) << out;
  EXPECT_NE(out.find("user=family"), std::string::npos) << out;
  const passwd* pw = getpwuid(geteuid());
  const char* sudo = std::getenv("SUDO_USER");
  const std::string actor = std::string("cli:") + (sudo && *sudo ? sudo : pw ? pw->pw_name : "");
  ASSERT_EQ(Run({"audit", "query", "--user", actor, "--since", "1h", "--json"}, &out), 0) << out;
  for (const char* action : {"user_add", "user_disable", "token_create", "token_revoke"})
    EXPECT_NE(out.find(std::string("\"action\":\"") + action + "\""), std::string::npos)
        << action << "\n"
        << out;
  EXPECT_NE(out.find("\"outcome\":\"deny\""), std::string::npos) << "failed changes recorded too";
  EXPECT_NE(Run({"audit", "query"}, &out), 0);
  EXPECT_NE(Run({"audit", "query", "--patient", "p", "--user", "u"}, &out), 0);

  // Tampering with one record makes verify fail there (exit 2).
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((data_ + "/audit.db").c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db,
                         "DROP TRIGGER records_no_update;"
                         " UPDATE records SET detail = 'nothing to see' WHERE seq = 2",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  EXPECT_EQ(Run({"audit", "verify"}, &out), 2) << out;
  EXPECT_NE(out.find("FAILED (edited) at record 2"), std::string::npos) << out;
}

TEST_F(AuthCli, AuditCommandsOnAMissingTrailFailCleanly) {
  std::string out;
  EXPECT_EQ(Run({"audit", "verify"}, &out), 1);
  EXPECT_NE(out.find("no audit database"), std::string::npos) << out;
  EXPECT_FALSE(std::filesystem::exists(data_ + "/audit.db"));
}

}  // namespace
}  // namespace lj::it
