// Identity and audit commands of the `lingjing` binary, operating on the data directory of the
// config (like `import wfdb`), safe to run while the server runs (SQLite WAL; revocations and
// disabled users take effect in the server within [auth] revocation_check_ms):
//   lingjing user add NAME --role R [--ward W ...] [--patient P] [--password-stdin]
//   lingjing user list | user disable NAME | user enable NAME
//   lingjing token create --kind device|service --name N [--twin ID ...] [--descendants]
//                         [--scope S ...] [--ward W ...] [--expires DAYS]
//   lingjing token list | token revoke ID
//   lingjing audit verify | audit query (--patient P | --user U) [--since T] [--until T]
//                                       [--after SEQ] [--limit N]
// Secrets (generated passwords, token secrets) go to stdout alone, once; everything else goes to
// stderr, so `TOKEN=$(lingjing token create …)` works. Changes made here are written to the
// audit trail (interface "cli", actor "cli:<unix user>"); if the trail cannot be opened the
// command refuses to run.
// Each command runs from its CLI11 callback and ends the parse with its exit status
// (CLI::RuntimeError), so main() needs no further code.
#pragma once

#include <CLI/CLI.hpp>

#include <string>

#include "app/config.h"

namespace lj::app {

void AddAuthCommands(CLI::App& app);   // user …, token … (cmd_auth.cc)
void AddAuditCommands(CLI::App& app);  // audit … (cmd_audit.cc)

// Shared by cmd_auth.cc and cmd_audit.cc.
struct DataFlags {
  std::string config_file;
  std::string data_dir;
};
void AddDataFlags(CLI::App* cmd, DataFlags& flags);
// The config file's settings (or the defaults) with --data applied.
Result<Config> ConfigFor(const DataFlags& flags);
// "cli:<unix user>".
std::string CliActor();
// Ends a failed command: prints "lingjing: <status>" and makes main() return `code`.
[[noreturn]] void Finish(const Status& status, int code = 1);

}  // namespace lj::app
