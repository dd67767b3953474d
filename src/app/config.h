// Config: every setting of the `lingjing` binary, with sane defaults, loadable from a TOML file
// (`lingjing config defaults` prints a complete, commented default file). Unknown keys are
// errors, so typos never silently fall back to defaults.
#pragma once

#include <string>
#include <vector>

#include "audit/audit.h"
#include "auth/identity_store.h"
#include "common/status.h"
#include "history/history.h"
#include "hl7/mllp_server.h"
#include "live/live_state.h"
#include "live/pipeline.h"
#include "mqtt/mqtt_bridge.h"
#include "server/context.h"
#include "server/tls.h"

namespace lj::app {

struct HistoryConfig {
  bool enabled = true;
  std::string dir;  // empty: <data_dir>/history
  history::SyncPolicy sync = history::SyncPolicy::kBatch;
  int sync_interval_ms = 100;
  int query_cache_mb = 256;                   // decoded-chunk cache for queries; 0 = off
  int64_t retention_s = 0;                    // default for every series; 0 = forever
  std::vector<history::RetentionRule> rules;  // [[history.retention_rule]], most specific wins
};

struct Hl7Config {
  bool enabled = false;  // HL7 v2 over MLLP listener (doc/protocols/hl7-mllp.md)
  hl7::MllpOptions mllp;
  // With [auth] enabled: the name of the service token whose scopes and wards the feed's
  // messages are checked against (MLLP carries no credentials); required then.
  std::string token;
  // MLLP over TLS; without cert/key the development certificate of [server.tls] (<data>/tls).
  bool tls = false;
  std::string tls_cert, tls_key;
};

struct ClinicalConfig {
  bool enabled = true;  // NEWS2, alarms, ECG analysis (doc/design/clinical.md)
};

struct FhirConfig {
  bool enabled = true;  // FHIR R4 facade under /fhir (doc/protocols/fhir.md)
  std::string base_url = "/fhir";
};

// [auth]: identities and sessions (doc/design/security.md). auth.db lives in the data directory.
// On by default: nothing but the health check and the web client's files answers without a
// login or token (security.md, "Enforcement status").
struct AuthConfig {
  bool enabled = true;
  auth::AuthOptions options;     // argon2id parameters, session lifetimes, cookie name
  bool cookie_secure = false;    // Secure flag on the session cookie (set it behind TLS)
  double login_burst = 5;        // failed logins per remote address and per user name …
  double login_refill_s = 60;    // … then one more every this many seconds
  double requests_per_s = 2000;  // authenticated HTTP requests per identity (0 = no limit) …
  double request_burst = 4000;   // … with this many at once
  int usage_flush_s = 60;        // tokens' and sessions' last-used times are written this often
  // Password checks (argon2id) run on options.max_concurrent_hashes threads, never on io
  // threads; at most this many wait, beyond that the answer is 503 with Retry-After.
  int hash_queue = 64;
};

// [audit]: the hash-chained audit trail, audit.db in the data directory.
struct AuditConfig {
  bool enabled = true;
  size_t queue_size = 65536;  // records waiting for the writer; beyond: fail closed
  int max_block_ms = 100;     // how long a full queue may delay a request before it fails
  std::string anchor_file;    // default <data_dir>/audit.anchor; elsewhere is safer
  std::string key_file;       // default <data_dir>/audit.key (the anchor's HMAC key)
};

// Parses a retention duration: "0" or "forever", or a positive integer with a unit s, m, h, d
// or w ("30d"). Returns seconds.
Result<int64_t> ParseRetention(const std::string& text);

// The data directory when neither --data nor a config file names one: $LINGJING_DATA when set
// (so every command of a session can act on one server's data), else `fallback`.
std::string DefaultDataDir(const std::string& fallback);

struct Config {
  std::string data_dir = DefaultDataDir("lingjing-data");
  std::vector<std::string> model_dirs;  // extra DTDL folders, loaded after the built-in models
  bool builtin_models = true;
  std::string log_level = "info";
  std::string log_format = "logfmt";
  server::ServerOptions server;
  server::TlsOptions tls;  // [server.tls]; dev_dir empty: <data_dir>/tls
  live::LiveOptions live;
  // [ingest]; max_age defaults to 30 days in the server (PipelineOptions' own default is none).
  live::PipelineOptions pipeline{.max_age_ns = 30LL * 86400 * 1'000'000'000};
  mqtt::Config mqtt;
  HistoryConfig history;
  Hl7Config hl7;
  ClinicalConfig clinical;
  FhirConfig fhir;
  AuthConfig auth;
  AuditConfig audit;
  int demo_beds = 24;
};

// <data_dir>/auth.db.
std::string AuthDbPath(const Config& config);
// The audit trail's options: audit.db in the data directory, anchor and key files as configured
// (default next to it), queue settings.
audit::AuditOptions AuditOptionsFor(const Config& config, bool read_only = false);

// Reads `path` over the defaults. Errors name the key: "lingjing.toml: server.port: ...".
Result<Config> LoadConfig(const std::string& path);
std::string DefaultConfigToml();

}  // namespace lj::app
