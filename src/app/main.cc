// lingjing: the single binary. Subcommands: serve, demo, models, config, version, ecg, import,
// replay, user, token, audit.
#include <fmt/format.h>
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <csignal>
#include <iostream>

#include "app/cmd_auth.h"
#include "app/cmd_history.h"
#include "app/config.h"
#include "app/engine.h"
#include "auth/identity_store.h"
#include "common/log.h"
#include "sim/feed_yield.h"
#include "sim/simulator.h"
#include "sim/ward_builder.h"

namespace lj::app {
void AddEcgCommand(CLI::App& app);  // cmd_ecg.cc
}  // namespace lj::app

namespace {

using lj::app::Config;

struct CommonFlags {
  std::string config_file;
  std::string data_dir;
  std::string address;
  int port = -1;
  std::vector<std::string> model_dirs;
  std::string log_level;
  std::string mqtt;  // host:port
  int hl7_port = -1;
  bool tls = false;
};

void AddCommonFlags(CLI::App* cmd, CommonFlags& f) {
  cmd->add_option("-c,--config", f.config_file, "TOML config file (see `lingjing config defaults`)")
      ->check(CLI::ExistingFile);
  cmd->add_option("--data", f.data_dir, "Data directory (twin graph database)");
  cmd->add_option("--address", f.address, "Listen address (default 127.0.0.1)");
  cmd->add_option("-p,--port", f.port, "HTTP/WebSocket port (default 8080; 0 = any free port)")
      ->check(CLI::Range(0, 65535));
  cmd->add_option("--models", f.model_dirs, "Extra folder(s) of DTDL v3 model files");
  cmd->add_option("--log-level", f.log_level, "trace|debug|info|warn|error");
  cmd->add_option("--mqtt", f.mqtt,
                  "Subscribe to this MQTT broker (host:port) with default mappings");
  cmd->add_option("--hl7", f.hl7_port,
                  "Listen for HL7 v2 over MLLP on this port (0 = any free port; default off)")
      ->check(CLI::Range(0, 65535));
  cmd->add_flag("--tls", f.tls,
                "Serve HTTPS and wss:// (certificate from [server.tls], else a self-signed "
                "development certificate in <data>/tls)");
}

lj::Result<Config> BuildConfig(const CommonFlags& f, const std::string& default_data) {
  Config c;
  if (!f.config_file.empty()) {
    lj::Result<Config> loaded = lj::app::LoadConfig(f.config_file);
    if (!loaded.ok()) return loaded.status();
    c = std::move(loaded).value();
  } else {
    c.data_dir = lj::app::DefaultDataDir(default_data);
  }
  if (!f.data_dir.empty()) c.data_dir = f.data_dir;
  if (!f.address.empty()) c.server.address = f.address;
  if (f.port >= 0) c.server.port = static_cast<uint16_t>(f.port);
  for (const auto& d : f.model_dirs) c.model_dirs.push_back(d);
  if (!f.log_level.empty()) c.log_level = f.log_level;
  if (f.tls) c.tls.enabled = true;
  if (!f.mqtt.empty()) {
    auto colon = f.mqtt.rfind(':');
    c.mqtt.enabled = true;
    c.mqtt.host = f.mqtt.substr(0, colon);
    if (colon != std::string::npos) c.mqtt.port = std::atoi(f.mqtt.c_str() + colon + 1);
  }
  if (f.hl7_port >= 0) {
    c.hl7.enabled = true;
    c.hl7.mllp.port = static_cast<uint16_t>(f.hl7_port);
    if (!f.address.empty()) c.hl7.mllp.address = f.address;
  }
  return c;
}

int WaitForSignal() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  int sig = 0;
  sigwait(&set, &sig);
  return sig;
}

int Fail(const lj::Status& s) {
  std::cerr << "lingjing: " << s.ToString() << "\n";
  return 1;
}

// With access control on, the demo (every start) and a first start print a one-time login link
// for the administrator: the web client exchanges `#login=<code>` for a session. Stdout only,
// never the log.
void PrintReadyLink(lj::app::Engine& engine, const Config& c, bool demo, const std::string& host) {
  lj::auth::IdentityStore* ids = engine.identities();
  if (!ids) {
    std::cout << "Access control is off ([auth] enabled = false): anyone who reaches this port "
                 "sees everything.\n"
              << std::flush;
    return;
  }
  std::string user = engine.bootstrapped_admin();
  if (user.empty() && !demo) return;
  if (user.empty()) user = "admin";
  lj::Result<lj::auth::IssuedLoginCode> code = ids->CreateLoginCode(user, 3600);
  if (!code.ok()) {
    std::cout << fmt::format("No ready link ({}); log in, or run `lingjing user link <name>`.\n",
                             code.status().message())
              << std::flush;
    return;
  }
  std::cout << fmt::format(
                   "Ready: {}://{}:{}/#login={}\n  (logs in once as '{}' within 60 min; later: "
                   "`lingjing user link {} --data {}`)\n",
                   c.tls.enabled ? "https" : "http", host, engine.port(), code->code, user, user,
                   c.data_dir)
            << std::flush;
}

// The demo's HL7 feed (`lingjing demo --hl7 PORT` with access control on): MLLP carries no
// credentials, so the feed acts as a service token with the adt and ingest scopes, made on first
// use. Its secret is never needed (nothing presents it); the name is printed.
constexpr const char* kDemoHl7Token = "hl7-demo-feed";

lj::Status EnsureDemoHl7Token(lj::auth::IdentityStore& ids) {
  if (ids.TokenPrincipalByName(kDemoHl7Token).ok()) return lj::Status::Ok();
  lj::auth::NewToken t;
  t.kind = lj::auth::TokenKind::kService;
  t.name = kDemoHl7Token;
  t.created_by = "demo";
  t.scopes = lj::auth::kScopeAdt | lj::auth::kScopeIngest;
  lj::Result<lj::auth::IssuedToken> issued = ids.CreateToken(t);
  return issued.ok() ? lj::Status::Ok() : issued.status();
}

int RunServer(Config c, bool demo) {
  lj::log::Init(c.log_level, c.log_format);
  const bool demo_hl7_token = demo && c.hl7.enabled && c.auth.enabled && c.hl7.token.empty();
  if (demo_hl7_token) c.hl7.token = kDemoHl7Token;
  lj::Result<std::unique_ptr<lj::app::Engine>> engine = lj::app::Engine::Open(c);
  if (!engine.ok()) return Fail(engine.status());
  if (demo_hl7_token && (*engine)->identities()) {
    if (lj::Status s = EnsureDemoHl7Token(*(*engine)->identities()); !s.ok()) return Fail(s);
  }
  std::unique_ptr<lj::sim::Simulator> sim;
  std::unique_ptr<lj::sim::FeedYield> feed_yield;
  if (demo) {
    lj::sim::WardLayout layout;
    layout.beds = c.demo_beds;
    lj::Status s = lj::sim::BuildWard((*engine)->graph(), layout);
    if (!s.ok()) return Fail(s);
    lj::sim::Simulator::Options opts = lj::sim::SimulatorOptionsFor(layout);
    sim = std::make_unique<lj::sim::Simulator>((*engine)->ingest(), opts);
    // A replay, an HL7 feed or a curl writing a simulated monitor owns it meanwhile.
    feed_yield = std::make_unique<lj::sim::FeedYield>(*sim);
    (*engine)->pipeline().AddObserver(feed_yield.get());
  }
  lj::Status s = (*engine)->Start();
  if (!s.ok()) return Fail(s);
  if (sim) sim->Start();
  std::string host = c.server.address == "0.0.0.0" ? "127.0.0.1" : c.server.address;
  std::cout << fmt::format("Lingjing {} at {}://{}:{}/  (Ctrl-C to stop)\n",
                           demo ? "ward demo" : "engine", c.tls.enabled ? "https" : "http", host,
                           (*engine)->port())
            << std::flush;
  if ((*engine)->hl7_port() != 0) {
    std::cout << fmt::format("HL7 v2 (MLLP) on {}:{}", host, (*engine)->hl7_port());
    if (c.auth.enabled)
      std::cout << fmt::format(
          ", as service token '{}' (scopes adt, ingest; `lingjing token list`)", c.hl7.token);
    std::cout << "\n" << std::flush;
  }
  PrintReadyLink(**engine, c, demo, host);
  int sig = WaitForSignal();
  LJ_LOG_INFO("stopping", "signal", sig);
  if (sim) sim->Stop();
  (*engine)->Stop();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // Signals are taken synchronously by WaitForSignal; block them in every thread.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  CLI::App app{
      "Lingjing (灵境): a real-time digital-twin engine. Live telemetry, twin graph and "
      "3D scenes over one WebSocket API."};
  app.require_subcommand(1);
  app.set_version_flag("--version", "lingjing 0.1.0");

  CommonFlags serve_flags;
  CLI::App* serve = app.add_subcommand("serve", "Run the engine with the given config");
  AddCommonFlags(serve, serve_flags);

  CommonFlags demo_flags;
  int beds = 24;
  CLI::App* demo = app.add_subcommand(
      "demo", "Run the ward demo: built-in ward models, a ward of beds and a vitals/ECG simulator");
  AddCommonFlags(demo, demo_flags);
  demo->add_option("--beds", beds, "Number of beds (1-500)")->check(CLI::Range(1, 500));

  CLI::App* models = app.add_subcommand("models", "Inspect and validate DTDL models");
  models->require_subcommand(1);
  std::vector<std::string> validate_paths;
  CLI::App* validate = models->add_subcommand(
      "validate",
      "Load the given files/folders with the built-in models they do not redefine, and report "
      "the first error");
  validate->add_option("paths", validate_paths, "DTDL files or folders")->check(CLI::ExistingPath);
  CLI::App* list = models->add_subcommand("list", "List the built-in models");

  CLI::App* config = app.add_subcommand("config", "Configuration helpers");
  config->require_subcommand(1);
  CLI::App* defaults = config->add_subcommand("defaults", "Print the default config file");
  std::string check_file;
  CLI::App* check = config->add_subcommand("check", "Check a config file");
  check->add_option("file", check_file, "TOML config file")->required()->check(CLI::ExistingFile);

  lj::app::AddEcgCommand(app);       // defined in cmd_ecg.cc
  lj::app::AddHistoryCommands(app);  // import wfdb, replay
  lj::app::AddAuthCommands(app);     // user, token (cmd_auth.cc)
  lj::app::AddAuditCommands(app);    // audit verify, audit query (cmd_audit.cc)
  CLI11_PARSE(app, argc, argv);

  if (*serve) {
    lj::Result<Config> c = BuildConfig(serve_flags, "lingjing-data");
    if (!c.ok()) return Fail(c.status());
    return RunServer(*c, false);
  }
  if (*demo) {
    lj::Result<Config> c = BuildConfig(demo_flags, "lingjing-demo-data");
    if (!c.ok()) return Fail(c.status());
    if (demo->count("--beds")) c->demo_beds = beds;
    return RunServer(*c, true);
  }
  if (*validate || *list) {
    lj::model::ModelRegistry registry;
    Config c;
    for (const auto& p : validate_paths) {
      lj::Status s =
          std::filesystem::is_directory(p) ? registry.LoadDirectory(p) : registry.LoadFile(p);
      if (!s.ok()) return Fail(s);
    }
    // The built-in models the given files do not define themselves (a new version of a ward
    // model is checked in place of the built-in one), then resolution over all of them.
    for (const auto& [name, text] : lj::model::BuiltinWardModels()) {
      const nlohmann::json doc = nlohmann::json::parse(text, nullptr, false);
      if (doc.is_object() && registry.Defines(doc.value("@id", ""))) continue;
      if (lj::Status s = registry.LoadJson(text, "builtin:" + name); !s.ok()) return Fail(s);
    }
    c.builtin_models = false;
    lj::Status s = lj::app::LoadModels(c, registry);
    if (!s.ok()) return Fail(s);
    for (const auto* m : registry.All())
      std::cout << fmt::format("{}  telemetry={} properties={} relationships={}\n", m->id,
                               m->telemetry.size(), m->properties.size(), m->relationships.size());
    return 0;
  }
  if (*defaults) {
    std::cout << lj::app::DefaultConfigToml();
    return 0;
  }
  if (*check) {
    lj::Result<Config> c = lj::app::LoadConfig(check_file);
    if (!c.ok()) return Fail(c.status());
    std::cout << check_file << ": ok\n";
    return 0;
  }
  return 0;
}
