// `lingjing user …` and `lingjing token …` (cmd_auth.h).
#include "app/cmd_auth.h"

#include <fmt/format.h>
#include <pwd.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <memory>

#include "audit/audit.h"
#include "auth/crypto.h"
#include "auth/identity_store.h"
#include "common/log.h"
#include "common/time.h"

namespace lj::app {
namespace {

std::string Join(const std::vector<std::string>& v) {
  std::string out;
  for (const std::string& s : v) out += (out.empty() ? "" : ",") + s;
  return out;
}

std::string Date(int64_t ns) { return ns == 0 ? "-" : FormatRfc3339(ns).substr(0, 16) + "Z"; }

// The identity store and the audit trail of the configured data directory.
struct Stores {
  Config config;
  std::unique_ptr<auth::IdentityStore> identities;
  std::unique_ptr<audit::AuditLog> audit;  // null when [audit] enabled = false

  // Records an administrative change; a change that cannot be audited fails the command.
  void Record(const std::string& action, bool allowed, const std::string& reason,
              const std::string& detail, const std::string& patient = "") {
    if (!audit) return;
    audit::Record r;
    r.actor = CliActor();
    r.actor_kind = "system";
    r.actor_role = "administrator";
    r.interface = audit::Interface::kCli;
    r.action = action;
    r.patient = patient;
    r.allowed = allowed;
    r.reason = reason;
    r.detail = detail;
    Status s = audit->Append(std::move(r));
    if (s.ok()) s = audit->Flush();
    if (!s.ok())
      Finish(Status(s.code(), "the change was made but could not be audited: " + s.message()));
  }
};

Stores OpenStores(const DataFlags& flags) {
  log::Init("warn", "logfmt");
  Result<Config> config = ConfigFor(flags);
  if (!config.ok()) Finish(config.status());
  Stores s;
  s.config = std::move(config).value();
  // A mistyped --data must not quietly start a second, empty set of users and tokens.
  std::error_code ec;
  if (!std::filesystem::is_directory(s.config.data_dir, ec))
    Finish(Status(ErrorCode::kNotFound,
                  fmt::format("no data directory '{}': pass --data DIR (or set $LINGJING_DATA) to "
                              "the server's data directory, or create it first (`mkdir -p {}`)",
                              s.config.data_dir, s.config.data_dir)));
  if (s.config.audit.enabled) {
    Result<std::unique_ptr<audit::AuditLog>> a = audit::AuditLog::Open(AuditOptionsFor(s.config));
    if (!a.ok()) Finish(Status(a.status().code(), "audit trail: " + a.status().message()));
    s.audit = std::move(a).value();
  }
  Result<std::unique_ptr<auth::IdentityStore>> ids =
      auth::IdentityStore::Open(AuthDbPath(s.config), s.config.auth.options);
  if (!ids.ok()) Finish(ids.status());
  s.identities = std::move(ids).value();
  return s;
}

// The first line of stdin without its line ending.
Result<std::string> ReadPasswordLine() {
  std::string line;
  if (!std::getline(std::cin, line))
    return Status(ErrorCode::kInvalidArgument, "--password-stdin: no password on stdin");
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

struct UserAddFlags {
  DataFlags data;
  std::string name, role, patient;
  std::vector<std::string> wards;
  bool password_stdin = false;
};

void RunUserAdd(const UserAddFlags& f) {
  Result<auth::Role> role = auth::ParseRole(f.role);
  if (!role.ok()) Finish(role.status());
  auth::NewUser u{f.name, *role, f.wards, f.patient, ""};
  bool generated = false;
  if (f.password_stdin) {
    Result<std::string> pw = ReadPasswordLine();
    if (!pw.ok()) Finish(pw.status());
    u.password = *pw;
  } else {
    Result<std::string> pw = auth::GeneratePassword(20);
    if (!pw.ok()) Finish(pw.status());
    u.password = *pw;
    generated = true;
  }
  Stores s = OpenStores(f.data);
  const std::string detail =
      fmt::format("user={} role={} wards={} patient={}", f.name, f.role, Join(f.wards), f.patient);
  Status added = s.identities->AddUser(u);
  s.Record("user_add", added.ok(), added.ok() ? "cli" : std::string(ErrorCodeName(added.code())),
           detail, f.patient);
  if (!added.ok()) Finish(added);
  std::cerr << fmt::format("created user '{}' ({})\n", f.name, f.role);
  if (generated) {
    std::cerr << "its password follows on stdout; it is shown only this once\n";
    std::cout << u.password << "\n";
  }
}

void RunUserList(const DataFlags& flags) {
  Stores s = OpenStores(flags);
  Result<std::vector<auth::UserInfo>> users = s.identities->ListUsers();
  if (!users.ok()) Finish(users.status());
  std::cout << fmt::format("{:<24} {:<14} {:<28} {:<9} {}\n", "NAME", "ROLE", "SCOPE", "STATUS",
                           "CREATED");
  for (const auth::UserInfo& u : *users) {
    const std::string scope = !u.wards.empty()     ? "wards " + Join(u.wards)
                              : !u.patient.empty() ? "patient " + u.patient
                                                   : "all";
    std::cout << fmt::format("{:<24} {:<14} {:<28} {:<9} {}\n", u.name, auth::RoleName(u.role),
                             scope, u.disabled ? "disabled" : "active", Date(u.created_ns));
  }
}

struct UserLinkFlags {
  DataFlags data;
  std::string name, url;
  int ttl_min = 60;
};

// The web client's base URL for a config: --url, else the configured address and port.
std::string BaseUrl(const Config& c) {
  const std::string host = c.server.address == "0.0.0.0" ? "127.0.0.1" : c.server.address;
  return fmt::format("{}://{}:{}", c.tls.enabled ? "https" : "http", host, c.server.port);
}

void RunUserLink(const UserLinkFlags& f) {
  Stores s = OpenStores(f.data);
  Result<auth::IssuedLoginCode> code = s.identities->CreateLoginCode(f.name, f.ttl_min * 60LL);
  s.Record("login_link", code.ok(),
           code.ok() ? "cli" : std::string(ErrorCodeName(code.status().code())),
           fmt::format("user={} ttl_min={}", f.name, f.ttl_min));
  if (!code.ok()) Finish(code.status());
  std::string base = f.url.empty() ? BaseUrl(s.config) : f.url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  std::cerr << fmt::format("one-time login link for '{}', valid once for {} min:\n", f.name,
                           f.ttl_min);
  std::cout << base << "/#login=" << code->code << "\n" << std::flush;
}

void RunUserSetDisabled(const DataFlags& flags, const std::string& name, bool disabled) {
  Stores s = OpenStores(flags);
  Status st = s.identities->SetUserDisabled(name, disabled);
  s.Record(disabled ? "user_disable" : "user_enable", st.ok(),
           st.ok() ? "cli" : std::string(ErrorCodeName(st.code())), "user=" + name);
  if (!st.ok()) Finish(st);
  std::cerr << fmt::format("user '{}' {}\n", name,
                           disabled ? "disabled (sessions ended)" : "enabled");
}

struct TokenCreateFlags {
  DataFlags data;
  std::string kind, name;
  std::vector<std::string> twins, scopes, wards;
  bool descendants = false;
  int expires_days = 0;
};

void RunTokenCreate(const TokenCreateFlags& f) {
  std::optional<auth::TokenKind> kind = auth::ParseTokenKind(f.kind);
  if (!kind || *kind == auth::TokenKind::kSession)
    Finish(Status(ErrorCode::kInvalidArgument, "--kind: device or service"));
  Result<uint32_t> scopes = auth::ParseScopes(f.scopes);
  if (!scopes.ok()) Finish(scopes.status());
  auth::NewToken t;
  t.kind = *kind;
  t.name = f.name;
  t.created_by = CliActor();
  t.twins = f.twins;
  t.twin_descendants = f.descendants;
  t.scopes = *scopes;
  t.wards = f.wards;
  if (f.expires_days > 0) t.expires_ns = NowNs() + int64_t{f.expires_days} * 86400 * 1'000'000'000;
  Stores s = OpenStores(f.data);
  Result<auth::IssuedToken> issued = s.identities->CreateToken(t);
  const std::string detail =
      fmt::format("kind={} name={} twins={}{} scopes={} wards={} expires_days={}", f.kind, f.name,
                  Join(f.twins), f.descendants ? " +descendants" : "", Join(f.scopes),
                  Join(f.wards), f.expires_days);
  s.Record("token_create", issued.ok(),
           issued.ok() ? fmt::format("token {}", issued->info.id)
                       : std::string(ErrorCodeName(issued.status().code())),
           detail);
  if (!issued.ok()) Finish(issued.status());
  std::cerr << fmt::format(
      "created {} token {} '{}'; the secret follows on stdout, shown only "
      "this once\n",
      f.kind, issued->info.id, f.name);
  std::cout << issued->secret << "\n";
}

void RunTokenList(const DataFlags& flags) {
  Stores s = OpenStores(flags);
  Result<std::vector<auth::TokenInfo>> tokens = s.identities->ListTokens();
  if (!tokens.ok()) Finish(tokens.status());
  const int64_t now = NowNs();
  std::cout << fmt::format("{:<5} {:<8} {:<24} {:<32} {:<8} {:<17} {:<17} {}\n", "ID", "KIND",
                           "NAME", "SCOPE", "STATUS", "EXPIRES", "LAST USED", "CREATED BY");
  for (const auth::TokenInfo& t : *tokens) {
    std::string scope =
        t.kind == auth::TokenKind::kDevice
            ? "twins " + Join(t.twins) + (t.twin_descendants ? " (+below)" : "")
            : Join(auth::ScopeNames(t.scopes)) + (t.wards.empty() ? "" : " wards " + Join(t.wards));
    const char* status = t.revoked_ns != 0                          ? "revoked"
                         : t.expires_ns != 0 && now >= t.expires_ns ? "expired"
                                                                    : "active";
    std::cout << fmt::format("{:<5} {:<8} {:<24} {:<32} {:<8} {:<17} {:<17} {}\n", t.id,
                             auth::TokenKindName(t.kind), t.name, scope, status,
                             t.expires_ns ? Date(t.expires_ns) : "never", Date(t.last_used_ns),
                             t.created_by);
  }
}

void RunTokenRevoke(const DataFlags& flags, int64_t id) {
  Stores s = OpenStores(flags);
  Status st = s.identities->RevokeToken(id);
  s.Record("token_revoke", st.ok(), st.ok() ? "cli" : std::string(ErrorCodeName(st.code())),
           fmt::format("token {}", id));
  if (!st.ok()) Finish(st);
  std::cerr << fmt::format("token {} revoked\n", id);
}

}  // namespace

void AddDataFlags(CLI::App* cmd, DataFlags& f) {
  cmd->add_option("-c,--config", f.config_file, "TOML config file")->check(CLI::ExistingFile);
  cmd->add_option("--data", f.data_dir, "Data directory (default: the config's, lingjing-data)");
}

Result<Config> ConfigFor(const DataFlags& f) {
  Config c;
  if (!f.config_file.empty()) {
    Result<Config> loaded = LoadConfig(f.config_file);
    if (!loaded.ok()) return loaded.status();
    c = std::move(loaded).value();
  }
  if (!f.data_dir.empty()) c.data_dir = f.data_dir;
  return c;
}

std::string CliActor() {
  if (const char* sudo = std::getenv("SUDO_USER"); sudo && *sudo) return std::string("cli:") + sudo;
  if (const passwd* pw = getpwuid(geteuid()); pw && pw->pw_name)
    return std::string("cli:") + pw->pw_name;
  return "cli:uid-" + std::to_string(geteuid());
}

void Finish(const Status& status, int code) {
  std::cerr << "lingjing: " << status.ToString() << "\n";
  throw CLI::RuntimeError(code);  // CLI11_PARSE in main() returns `code`
}

void AddAuthCommands(CLI::App& app) {
  CLI::App* user = app.add_subcommand("user", "Manage users (logins for people)");
  user->require_subcommand(1);

  auto add = std::make_shared<UserAddFlags>();
  CLI::App* add_cmd = user->add_subcommand(
      "add", "Create a user; prints a generated password once unless --password-stdin");
  add_cmd->add_option("name", add->name, "User name ([A-Za-z0-9._@-], 1..64)")->required();
  add_cmd->add_option("--role", add->role, "administrator | clinician | viewer")->required();
  add_cmd->add_option("--ward", add->wards, "Ward twin id a clinician may see (repeatable)");
  add_cmd->add_option("--patient", add->patient, "The one patient twin a viewer may see");
  add_cmd->add_flag("--password-stdin", add->password_stdin,
                    "Read the password (12..256 bytes) from the first line of stdin");
  AddDataFlags(add_cmd, add->data);
  add_cmd->callback([add] { RunUserAdd(*add); });

  auto list_flags = std::make_shared<DataFlags>();
  CLI::App* list = user->add_subcommand("list", "List users, their roles and scopes");
  AddDataFlags(list, *list_flags);
  list->callback([list_flags] { RunUserList(*list_flags); });

  for (const bool disable : {true, false}) {
    auto flags = std::make_shared<DataFlags>();
    auto name = std::make_shared<std::string>();
    CLI::App* cmd = user->add_subcommand(
        disable ? "disable" : "enable",
        disable ? "Disable a user: no logins, every session ends" : "Enable a disabled user");
    cmd->add_option("name", *name, "User name")->required();
    AddDataFlags(cmd, *flags);
    cmd->callback([flags, name, disable] { RunUserSetDisabled(*flags, *name, disable); });
  }

  auto link = std::make_shared<UserLinkFlags>();
  CLI::App* link_cmd = user->add_subcommand(
      "link", "Print a one-time login link for a user (opens a browser session once)");
  link_cmd->add_option("name", link->name, "User name")->required();
  link_cmd->add_option("--ttl", link->ttl_min, "Minutes the link stays valid (1..1440)")
      ->check(CLI::Range(1, 1440));
  link_cmd->add_option("--url", link->url,
                       "Base URL of the web client (default: from the config's address and port)");
  AddDataFlags(link_cmd, link->data);
  link_cmd->callback([link] { RunUserLink(*link); });

  CLI::App* token = app.add_subcommand("token", "Manage API tokens (devices and services)");
  token->require_subcommand(1);
  auto create = std::make_shared<TokenCreateFlags>();
  CLI::App* create_cmd =
      token->add_subcommand("create", "Create a token; prints its secret once (on stdout, alone)");
  create_cmd->add_option("--kind", create->kind, "device | service")->required();
  create_cmd->add_option("--name", create->name, "What the token is for, e.g. 'bed A01 gateway'")
      ->required();
  create_cmd->add_option("--twin", create->twins, "device: a twin it may write (repeatable)");
  create_cmd->add_flag("--descendants", create->descendants,
                       "device: also every twin below its twins (e.g. a bed's devices)");
  create_cmd->add_option("--scope", create->scopes,
                         "service: ingest | read | fhir | adt | alarms | metrics | audit "
                         "(repeatable)");
  create_cmd->add_option("--ward", create->wards, "service: limit twin access to these wards");
  create_cmd->add_option("--expires", create->expires_days, "Days until it expires (0 = never)")
      ->check(CLI::Range(0, 3650));
  AddDataFlags(create_cmd, create->data);
  create_cmd->callback([create] { RunTokenCreate(*create); });

  auto tlist_flags = std::make_shared<DataFlags>();
  CLI::App* tlist = token->add_subcommand("list", "List tokens (never their secrets)");
  AddDataFlags(tlist, *tlist_flags);
  tlist->callback([tlist_flags] { RunTokenList(*tlist_flags); });

  auto revoke_flags = std::make_shared<DataFlags>();
  auto revoke_id = std::make_shared<int64_t>(0);
  CLI::App* revoke = token->add_subcommand("revoke", "Revoke a token by its id (token list)");
  revoke->add_option("id", *revoke_id, "Token id")->required()->check(CLI::PositiveNumber);
  AddDataFlags(revoke, *revoke_flags);
  revoke->callback([revoke_flags, revoke_id] { RunTokenRevoke(*revoke_flags, *revoke_id); });
}

}  // namespace lj::app
