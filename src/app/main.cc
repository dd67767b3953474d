// lingjing: the single binary. Subcommands: serve, demo, models, config, version, ecg, import,
// replay, user, token, audit.
#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <csignal>
#include <iostream>

#include "app/cmd_auth.h"
#include "app/cmd_history.h"
#include "app/config.h"
#include "app/engine.h"
#include "auth/identity_store.h"
#include "common/log.h"
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
    c.data_dir = default_data;
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

int RunServer(const Config& c, bool demo) {
  lj::log::Init(c.log_level, c.log_format);
  lj::Result<std::unique_ptr<lj::app::Engine>> engine = lj::app::Engine::Open(c);
  if (!engine.ok()) return Fail(engine.status());
  std::unique_ptr<lj::sim::Simulator> sim;
  if (demo) {
    lj::sim::WardLayout layout;
    layout.beds = c.demo_beds;
    lj::Status s = lj::sim::BuildWard((*engine)->graph(), layout);
    if (!s.ok()) return Fail(s);
    lj::sim::Simulator::Options opts = lj::sim::SimulatorOptionsFor(layout);
    sim = std::make_unique<lj::sim::Simulator>((*engine)->ingest(), opts);
  }
  lj::Status s = (*engine)->Start();
  if (!s.ok()) return Fail(s);
  if (sim) sim->Start();
  std::string host = c.server.address == "0.0.0.0" ? "127.0.0.1" : c.server.address;
  std::cout << fmt::format("Lingjing {} at {}://{}:{}/  (Ctrl-C to stop)\n",
                           demo ? "ward demo" : "engine", c.tls.enabled ? "https" : "http", host,
                           (*engine)->port())
            << std::flush;
  if ((*engine)->hl7_port() != 0)
    std::cout << fmt::format("HL7 v2 (MLLP) on {}:{}\n", host, (*engine)->hl7_port()) << std::flush;
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
      "Load the built-in models plus the given files/folders and report the first error");
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
