// Config: every setting of the `lingjing` binary, with sane defaults, loadable from a TOML file
// (`lingjing config defaults` prints a complete, commented default file). Unknown keys are
// errors, so typos never silently fall back to defaults.
#pragma once

#include <string>
#include <vector>

#include "common/status.h"
#include "live/live_state.h"
#include "live/pipeline.h"
#include "mqtt/mqtt_bridge.h"
#include "server/context.h"

namespace lj::app {

struct Config {
  std::string data_dir = "lingjing-data";
  std::vector<std::string> model_dirs;  // extra DTDL folders, loaded after the built-in models
  bool builtin_models = true;
  std::string log_level = "info";
  std::string log_format = "logfmt";
  server::ServerOptions server;
  live::LiveOptions live;
  live::PipelineOptions pipeline;
  mqtt::Config mqtt;
  int demo_beds = 24;
};

// Reads `path` over the defaults. Errors name the key: "lingjing.toml: server.port: ...".
Result<Config> LoadConfig(const std::string& path);
std::string DefaultConfigToml();

}  // namespace lj::app
