#include "app/config.h"

#include <fmt/format.h>
#include <toml++/toml.h>

#include <cstdlib>
#include <set>

namespace lj::app {
namespace {

class Reader {
 public:
  Reader(const toml::table& root, std::string file) : root_(root), file_(std::move(file)) {}

  template <typename T>
  void Get(const char* section, const char* key, T* out) {
    used_.insert(fmt::format("{}.{}", section, key));
    const toml::node* n = root_.at_path(fmt::format("{}.{}", section, key)).node();
    if (!n) return;
    if constexpr (std::is_same_v<T, bool>) {
      if (auto v = n->value<bool>())
        *out = *v;
      else
        Fail(section, key, "expected true or false");
    } else if constexpr (std::is_integral_v<T>) {
      if (auto v = n->value<int64_t>())
        *out = static_cast<T>(*v);
      else
        Fail(section, key, "expected an integer");
    } else if constexpr (std::is_floating_point_v<T>) {
      if (auto v = n->value<double>())
        *out = *v;
      else
        Fail(section, key, "expected a number");
    } else if constexpr (std::is_same_v<T, std::string>) {
      if (auto v = n->value<std::string>())
        *out = *v;
      else
        Fail(section, key, "expected a string");
    } else {
      if (const toml::array* a = n->as_array()) {
        out->clear();
        for (const auto& e : *a) {
          if (auto v = e.value<std::string>())
            out->push_back(*v);
          else
            Fail(section, key, "expected an array of strings");
        }
      } else {
        Fail(section, key, "expected an array of strings");
      }
    }
  }

  void Fail(const std::string& section, const std::string& key, const std::string& why) {
    if (error_.ok())
      error_ = Status(ErrorCode::kInvalidArgument,
                      fmt::format("{}: {}.{}: {}", file_, section, key, why));
  }
  void Use(const std::string& path) { used_.insert(path); }

  // Every key present in the file must have been read.
  void CheckUnknown() {
    for (const auto& [section, node] : root_) {
      const toml::table* t = node.as_table();
      if (!t) {
        Fail(std::string(section.str()), "", "expected a [section]");
        continue;
      }
      for (const auto& [key, v] : *t) {
        std::string path = fmt::format("{}.{}", section.str(), key.str());
        if (!used_.count(path))
          Fail(std::string(section.str()), std::string(key.str()), "unknown setting");
      }
    }
  }
  const Status& error() const { return error_; }

 private:
  const toml::table& root_;
  std::string file_;
  std::set<std::string> used_;
  Status error_;
};

}  // namespace

Result<int64_t> ParseRetention(const std::string& text) {
  if (text == "0" || text == "forever") return int64_t{0};
  if (text.size() < 2)
    return Status(ErrorCode::kInvalidArgument,
                  fmt::format("'{}' is not a duration like 30d, 12h, 90m or 3600s", text));
  int64_t unit = 0;
  switch (text.back()) {
    case 's':
      unit = 1;
      break;
    case 'm':
      unit = 60;
      break;
    case 'h':
      unit = 3600;
      break;
    case 'd':
      unit = 86400;
      break;
    case 'w':
      unit = 7 * 86400;
      break;
    default:
      break;
  }
  int64_t n = 0;
  const std::string digits = text.substr(0, text.size() - 1);
  bool ok = unit > 0 && !digits.empty() && digits.size() <= 9;
  for (char c : digits) ok = ok && c >= '0' && c <= '9';
  if (ok) n = std::stoll(digits);
  if (!ok || n <= 0)
    return Status(ErrorCode::kInvalidArgument,
                  fmt::format("'{}' is not a duration like 30d, 12h, 90m or 3600s", text));
  return n * unit;
}

namespace {

void ReadHistory(const toml::table& root, Reader& r, HistoryConfig* h) {
  r.Get("history", "enabled", &h->enabled);
  r.Get("history", "dir", &h->dir);
  std::string sync = "batch";
  r.Get("history", "sync", &sync);
  if (sync == "batch")
    h->sync = history::SyncPolicy::kBatch;
  else if (sync == "interval")
    h->sync = history::SyncPolicy::kInterval;
  else if (sync == "none")
    h->sync = history::SyncPolicy::kNone;
  else
    r.Fail("history", "sync", "expected \"batch\", \"interval\" or \"none\"");
  r.Get("history", "sync_interval_ms", &h->sync_interval_ms);
  if (h->sync_interval_ms < 1 || h->sync_interval_ms > 60000)
    r.Fail("history", "sync_interval_ms", "must be 1..60000");
  r.Get("history", "query_cache_mb", &h->query_cache_mb);
  if (h->query_cache_mb < 0 || h->query_cache_mb > 1 << 20)
    r.Fail("history", "query_cache_mb", "must be 0..1048576");
  std::string retention = "0";
  r.Get("history", "retention", &retention);
  if (Result<int64_t> s = ParseRetention(retention); s.ok())
    h->retention_s = *s;
  else
    r.Fail("history", "retention", s.status().message());
  r.Use("history.retention_rule");
  const toml::array* rules = root.at_path("history.retention_rule").as_array();
  if (!rules) return;
  for (size_t i = 0; i < rules->size(); ++i) {
    const std::string where = fmt::format("retention_rule[{}]", i);
    const toml::table* t = rules->get(i)->as_table();
    if (!t) {
      r.Fail("history", where, "expected a table");
      continue;
    }
    history::RetentionRule rule;
    std::string dur;
    for (const auto& [k, v] : *t) {
      std::string* dst = k == "model"       ? &rule.model
                         : k == "telemetry" ? &rule.telemetry
                         : k == "retention" ? &dur
                                            : nullptr;
      if (!dst) {
        r.Fail("history", fmt::format("{}.{}", where, k.str()), "unknown setting");
        continue;
      }
      if (auto sv = v.value<std::string>())
        *dst = *sv;
      else
        r.Fail("history", fmt::format("{}.{}", where, k.str()), "expected a string");
    }
    if (rule.model.empty() && rule.telemetry.empty())
      r.Fail("history", where, "needs 'model' and/or 'telemetry'");
    if (Result<int64_t> s = ParseRetention(dur); s.ok())
      rule.seconds = *s;
    else
      r.Fail("history", where + ".retention", s.status().message());
    h->rules.push_back(std::move(rule));
  }
}

}  // namespace

std::string DefaultDataDir(const std::string& fallback) {
  const char* env = std::getenv("LINGJING_DATA");
  return env != nullptr && *env != '\0' ? std::string(env) : fallback;
}

Result<Config> LoadConfig(const std::string& path) {
  // Debian's toml++ is built with exceptions: parse errors arrive as toml::parse_error.
  toml::table root;
  try {
    root = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    return Status(ErrorCode::kInvalidArgument,
                  fmt::format("{}:{}:{}: {}", path, e.source().begin.line, e.source().begin.column,
                              e.description()));
  }
  Config c;
  Reader r(root, path);
  r.Get("data", "dir", &c.data_dir);
  r.Get("models", "dirs", &c.model_dirs);
  r.Get("models", "builtin", &c.builtin_models);
  r.Get("log", "level", &c.log_level);
  r.Get("log", "format", &c.log_format);
  r.Get("server", "address", &c.server.address);
  r.Get("server", "port", &c.server.port);
  r.Get("server", "threads", &c.server.threads);
  r.Get("server", "max_body_bytes", &c.server.max_body_bytes);
  r.Get("server", "max_ws_message_bytes", &c.server.max_ws_message_bytes);
  r.Get("server", "header_timeout_s", &c.server.header_timeout_s);
  r.Get("server", "max_connections_per_ip", &c.server.max_connections_per_ip);
  r.Get("server", "max_connections", &c.server.max_connections);
  r.Get("server", "reserved_connections", &c.server.reserved_connections);
  r.Get("server", "fd_reserve", &c.server.fd_reserve);
  r.Use("server.tls");
  if (const toml::table* t = root.at_path("server.tls").as_table()) {
    for (const auto& [k, v] : *t) {
      if (k.str() != "enabled" && k.str() != "cert" && k.str() != "key" && k.str() != "dev_names")
        r.Fail("server.tls", std::string(k.str()), "unknown setting");
    }
  }
  r.Get("server.tls", "enabled", &c.tls.enabled);
  r.Get("server.tls", "cert", &c.tls.cert_file);
  r.Get("server.tls", "key", &c.tls.key_file);
  r.Get("server.tls", "dev_names", &c.tls.dev_names);
  if (c.tls.cert_file.empty() != c.tls.key_file.empty())
    r.Fail("server.tls", c.tls.cert_file.empty() ? "cert" : "key",
           "set both 'cert' and 'key', or neither");
  r.Get("live", "shards", &c.live.shards);
  r.Get("live", "wave_buffer_seconds", &c.live.wave_buffer_seconds);
  r.Get("live", "client_queue_bytes", &c.server.client_queue_bytes);
  r.Get("live", "slow_client_timeout_s", &c.server.slow_client_timeout_s);
  r.Get("live", "socket_send_buffer_bytes", &c.server.socket_send_buffer_bytes);
  r.Get("live", "default_rate_hz", &c.server.client.default_rate_hz);
  r.Get("live", "max_rate_hz", &c.server.client.max_rate_hz);
  double tol_s = c.pipeline.out_of_order_tolerance_ns / 1e9, fut_s = c.pipeline.max_future_ns / 1e9;
  r.Get("ingest", "out_of_order_tolerance_s", &tol_s);
  r.Get("ingest", "max_future_s", &fut_s);
  c.pipeline.out_of_order_tolerance_ns = static_cast<int64_t>(tol_s * 1e9);
  c.pipeline.max_future_ns = static_cast<int64_t>(fut_s * 1e9);
  r.Get("ingest", "max_block_values", &c.pipeline.max_block_values);
  c.server.limits.max_block_values = c.pipeline.max_block_values;
  r.Get("ingest", "line_protocol_twin_tag", &c.server.line_protocol.twin_tag);
  std::string naming = "field";
  r.Get("ingest", "line_protocol_naming", &naming);
  if (naming == "field")
    c.server.line_protocol.naming = ingest::TelemetryNaming::kField;
  else if (naming == "measurement_field")
    c.server.line_protocol.naming = ingest::TelemetryNaming::kMeasurementField;
  else
    r.Fail("ingest", "line_protocol_naming", "expected \"field\" or \"measurement_field\"");
  r.Get("mqtt", "enabled", &c.mqtt.enabled);
  r.Get("mqtt", "host", &c.mqtt.host);
  r.Get("mqtt", "port", &c.mqtt.port);
  r.Get("mqtt", "client_id", &c.mqtt.client_id);
  r.Get("mqtt", "username", &c.mqtt.username);
  r.Get("mqtt", "password", &c.mqtt.password);
  r.Get("mqtt", "qos", &c.mqtt.qos);
  r.Get("mqtt", "keepalive_s", &c.mqtt.keepalive_s);
  r.Get("mqtt", "reject_topic", &c.mqtt.reject_topic);
  r.Get("mqtt", "tls", &c.mqtt.tls);
  r.Get("mqtt", "tls_ca_file", &c.mqtt.tls_ca_file);
  r.Get("mqtt", "tls_cert_file", &c.mqtt.tls_cert_file);
  r.Get("mqtt", "tls_key_file", &c.mqtt.tls_key_file);
  r.Use("mqtt.mapping");
  if (const toml::array* maps = root.at_path("mqtt.mapping").as_array()) {
    for (size_t i = 0; i < maps->size(); ++i) {
      const toml::table* t = maps->get(i)->as_table();
      if (!t) {
        r.Fail("mqtt", fmt::format("mapping[{}]", i), "expected a table");
        continue;
      }
      mqtt::Mapping m;
      m.topic = t->get("topic") ? t->get("topic")->value_or<std::string>("") : "";
      m.twin = t->get("twin") ? t->get("twin")->value_or<std::string>("") : "";
      m.identity = t->get("identity") ? t->get("identity")->value_or<std::string>("") : "";
      m.telemetry = t->get("telemetry") ? t->get("telemetry")->value_or<std::string>("") : "";
      std::string payload =
          t->get("payload") ? t->get("payload")->value_or<std::string>("json") : "json";
      if (!mqtt::ParsePayloadFormat(payload, &m.payload))
        r.Fail("mqtt", fmt::format("mapping[{}].payload", i),
               "expected json, value, line or batch");
      for (const auto& [k, v] : *t)
        if (k != "topic" && k != "twin" && k != "telemetry" && k != "payload" && k != "identity")
          r.Fail("mqtt", fmt::format("mapping[{}].{}", i, k.str()), "unknown setting");
      if (m.topic.empty()) r.Fail("mqtt", fmt::format("mapping[{}].topic", i), "required");
      c.mqtt.mappings.push_back(std::move(m));
    }
  }
  ReadHistory(root, r, &c.history);
  {
    // [ingest] max_age: the oldest sample accepted, behind the server clock; never older than
    // history's default retention (a sample past it would be deleted at the next compaction).
    std::string max_age = c.pipeline.max_age_ns > 0
                              ? fmt::format("{}s", c.pipeline.max_age_ns / 1'000'000'000)
                              : std::string("0");
    r.Get("ingest", "max_age", &max_age);
    if (Result<int64_t> s = ParseRetention(max_age); s.ok()) {
      int64_t age_s = *s;
      if (c.history.enabled && c.history.retention_s > 0 &&
          (age_s == 0 || c.history.retention_s < age_s))
        age_s = c.history.retention_s;
      c.pipeline.max_age_ns = age_s * 1'000'000'000;
    } else {
      r.Fail("ingest", "max_age", s.status().message());
    }
  }
  r.Get("hl7", "enabled", &c.hl7.enabled);
  r.Get("hl7", "address", &c.hl7.mllp.address);
  r.Get("hl7", "port", &c.hl7.mllp.port);
  r.Get("hl7", "max_message_bytes", &c.hl7.mllp.max_message_bytes);
  r.Get("hl7", "idle_timeout_s", &c.hl7.mllp.idle_timeout_s);
  r.Get("hl7", "max_connections", &c.hl7.mllp.max_connections);
  r.Get("hl7", "threads", &c.hl7.mllp.threads);
  r.Get("hl7", "application", &c.hl7.mllp.application);
  r.Get("hl7", "default_offset_minutes", &c.hl7.mllp.default_offset_minutes);
  r.Get("hl7", "allow", &c.hl7.mllp.allow);
  r.Get("hl7", "token", &c.hl7.token);
  r.Get("hl7", "tls", &c.hl7.tls);
  r.Get("hl7", "tls_cert", &c.hl7.tls_cert);
  r.Get("hl7", "tls_key", &c.hl7.tls_key);
  r.Get("clinical", "enabled", &c.clinical.enabled);
  r.Get("fhir", "enabled", &c.fhir.enabled);
  r.Get("fhir", "base_url", &c.fhir.base_url);
  r.Get("demo", "beds", &c.demo_beds);
  auth::AuthOptions& a = c.auth.options;
  r.Get("auth", "enabled", &c.auth.enabled);
  r.Get("auth", "argon2_memory_kib", &a.argon2.memory_kib);
  r.Get("auth", "argon2_iterations", &a.argon2.iterations);
  r.Get("auth", "argon2_parallelism", &a.argon2.parallelism);
  r.Get("auth", "max_concurrent_hashes", &a.max_concurrent_hashes);
  r.Get("auth", "session_idle_s", &a.session_idle_s);
  r.Get("auth", "session_absolute_s", &a.session_absolute_s);
  r.Get("auth", "cookie_name", &a.cookie_name);
  r.Get("auth", "revocation_check_ms", &a.revocation_check_ms);
  r.Get("auth", "cookie_secure", &c.auth.cookie_secure);
  r.Get("auth", "login_burst", &c.auth.login_burst);
  r.Get("auth", "login_refill_s", &c.auth.login_refill_s);
  r.Get("auth", "requests_per_s", &c.auth.requests_per_s);
  r.Get("auth", "request_burst", &c.auth.request_burst);
  r.Get("auth", "usage_flush_s", &c.auth.usage_flush_s);
  r.Get("auth", "basic_cache_s", &a.basic_cache_s);
  r.Get("auth", "hash_queue", &c.auth.hash_queue);
  if (c.auth.hash_queue < 1 || c.auth.hash_queue > 100000)
    r.Fail("auth", "hash_queue", "must be 1..100000");
  r.Get("audit", "enabled", &c.audit.enabled);
  r.Get("audit", "queue_size", &c.audit.queue_size);
  r.Get("audit", "max_block_ms", &c.audit.max_block_ms);
  r.Get("audit", "anchor_file", &c.audit.anchor_file);
  r.Get("audit", "key_file", &c.audit.key_file);
  r.CheckUnknown();
  if (!r.error().ok()) return r.error();
  if (c.server.threads < 1 || c.server.threads > 256)
    return Status(ErrorCode::kInvalidArgument,
                  fmt::format("{}: server.threads: must be 1..256", path));
  if (c.live.shards < 1 || c.live.shards > 4096)
    return Status(ErrorCode::kInvalidArgument,
                  fmt::format("{}: live.shards: must be 1..4096", path));
  if (Status s = hl7::ValidateOptions(c.hl7.mllp); !s.ok())
    return Status(ErrorCode::kInvalidArgument, fmt::format("{}: hl7: {}", path, s.message()));
  if (Status s = auth::ValidateAuthOptions(c.auth.options); !s.ok())
    return Status(ErrorCode::kInvalidArgument, fmt::format("{}: auth: {}", path, s.message()));
  if (c.auth.usage_flush_s < 1 || c.auth.usage_flush_s > 86400)
    return Status(ErrorCode::kInvalidArgument,
                  fmt::format("{}: auth: usage_flush_s must be 1..86400", path));
  if (!(c.auth.requests_per_s >= 0 && c.auth.requests_per_s <= 1e7) ||
      !(c.auth.request_burst >= 1 && c.auth.request_burst <= 1e8))
    return Status(
        ErrorCode::kInvalidArgument,
        fmt::format("{}: auth: requests_per_s must be 0..1e7, request_burst 1..1e8", path));
  if (!(c.auth.login_burst >= 1 && c.auth.login_burst <= 1000) ||
      !(c.auth.login_refill_s >= 0 && c.auth.login_refill_s <= 86400))
    return Status(
        ErrorCode::kInvalidArgument,
        fmt::format("{}: auth: login_burst must be 1..1000, login_refill_s 0..86400", path));
  if (c.audit.queue_size < 1 || c.audit.queue_size > 10'000'000 || c.audit.max_block_ms < 0 ||
      c.audit.max_block_ms > 10'000)
    return Status(
        ErrorCode::kInvalidArgument,
        fmt::format("{}: audit: queue_size must be 1..10000000, max_block_ms 0..10000", path));
  return c;
}

std::string AuthDbPath(const Config& config) { return config.data_dir + "/auth.db"; }

audit::AuditOptions AuditOptionsFor(const Config& config, bool read_only) {
  audit::AuditOptions o;
  o.path = config.data_dir + "/audit.db";
  o.anchor_path = config.audit.anchor_file;  // empty: audit.anchor beside audit.db
  o.key_path = config.audit.key_file;
  o.queue_capacity = config.audit.queue_size;
  o.max_block_ms = config.audit.max_block_ms;
  o.read_only = read_only;
  return o;
}

std::string DefaultConfigToml() {
  return R"(# Lingjing configuration. Every key is optional; shown values are the defaults.

[data]
dir = "lingjing-data"            # twin graph, history, identities, audit trail; without this
                                 #   key: --data, else $LINGJING_DATA, else lingjing-data

[models]
builtin = true                   # load the built-in ward models (dtmi:lingjing:ward:*)
dirs = []                        # extra folders of DTDL v3 *.json interface files

[log]
level = "info"                   # trace | debug | info | warn | error
format = "logfmt"                # logfmt | json

[server]
address = "127.0.0.1"            # use "0.0.0.0" to accept connections from other machines
port = 8080
threads = 2                      # io threads (HTTP, WebSocket, ingest parsing)
max_body_bytes = 33554432        # largest HTTP request body (413 beyond)
max_ws_message_bytes = 16777216  # largest WebSocket message
header_timeout_s = 30            # a request header must arrive within this (slow-loris guard)
max_connections_per_ip = 256     # open connections (HTTP + WebSocket) per client address; 0 = any
max_connections = 0              # open connections in all; 0 = the open-file limit (raised to
                                 #   its hard limit at start) minus fd_reserve and the reserve
reserved_connections = 16        # beyond max_connections: /healthz and administrators only
fd_reserve = 128                 # descriptors kept for files (history, databases, logs, peers)

[server.tls]
enabled = false                  # HTTPS and wss:// on the server port (doc/design/security.md)
cert = ""                        # PEM certificate chain; with key = "" for both, a self-signed
key = ""                         #   development certificate is made in <data.dir>/tls
dev_names = ["localhost", "127.0.0.1", "::1"]  # names of that development certificate

[ingest]
out_of_order_tolerance_s = 5.0   # older samples than latest - tolerance are rejected (out_of_order)
max_future_s = 300.0             # samples further ahead of the server clock are rejected
max_age = "30d"                  # older samples are rejected (bad_timestamp); "0" = no limit;
                                 #   at most [history] retention; `lingjing import` is not bound
max_block_values = 65536         # values in one waveform block
line_protocol_twin_tag = "twin"  # line protocol tag that names the twin
line_protocol_naming = "field"   # "field" or "measurement_field" (telemetry = <measurement>_<field>)

[live]
shards = 16                      # live-state partitions (by twin id)
wave_buffer_seconds = 10.0       # waveform kept per series for viewers that fall behind
client_queue_bytes = 8388608     # per-viewer send queue; see doc/protocols/websocket.md
slow_client_timeout_s = 15.0     # a viewer backed up this long is disconnected
socket_send_buffer_bytes = 0     # cap each viewer's kernel send buffer (0 = kernel default)
default_rate_hz = 10.0           # delta rate when a subscription does not ask
max_rate_hz = 60.0

[mqtt]
enabled = false
host = "127.0.0.1"
port = 1883
client_id = "lingjing"
username = ""
password = ""
qos = 1
keepalive_s = 30
reject_topic = "lingjing/rejects"  # reports of rejected samples are published here
tls = false                      # TLS to the broker (e.g. port 8883), verified against:
tls_ca_file = ""                 #   the CA (PEM) that signed the broker's certificate
tls_cert_file = ""               # optional client certificate and key (PEM) for brokers that
tls_key_file = ""                #   authenticate clients by certificate
# Without [[mqtt.mapping]] tables the defaults of doc/protocols/mqtt.md apply, e.g.
# [[mqtt.mapping]]
# topic = "ward/+/bed/+/hr"      # + and # wildcards
# twin = "monitor-{4}"           # {N} = N-th topic level, 1-based
# telemetry = "hr"
# payload = "value"              # json | value | line | batch
# identity = "{2}"               # the level naming the publisher (its token name), needed with
#                                #   [auth] enabled; the broker's ACL must pin it to the user name

[history]
enabled = true                   # durable telemetry history (doc/design/history.md)
dir = ""                         # default: <data.dir>/history
sync = "batch"                   # batch: acknowledge after fsync | interval | none (no fsync)
sync_interval_ms = 100           # "interval": the log is synced this often (the loss window)
query_cache_mb = 256             # decoded chunks kept for trend queries (0 = off)
retention = "0"                  # default retention: "0" = forever, or 30d, 12h, 90m, 3600s, 2w
# Per model and/or telemetry; the most specific rule wins (model+telemetry > telemetry > model):
# [[history.retention_rule]]
# model = "dtmi:lingjing:ward:EcgMonitor;1"
# telemetry = "ecg"
# retention = "7d"

[hl7]
enabled = false                  # HL7 v2 over MLLP: ADT -> patient/bed, ORU^R01 -> telemetry
address = "127.0.0.1"
port = 2575
max_message_bytes = 1048576      # larger frames are answered AR
idle_timeout_s = 300             # close connections silent this long (0 = never)
max_connections = 64
threads = 1
application = "LINGJING"         # MSH-3 of our ACKs
default_offset_minutes = 0       # time zone of HL7 times that carry no offset (UTC+this)
allow = ["127.0.0.0/8", "::1/128"]  # sender networks (CIDR) that may connect; [] = any
token = ""                       # with [auth] enabled: the service token the feed acts as
#                                #   (scope adt for ADT, ingest for ORU^R01; by its name)
tls = false                      # MLLP over TLS (TLS 1.2+); senders must speak TLS
tls_cert = ""                    # PEM chain and key; both "" = the development certificate
tls_key = ""                     #   in <data.dir>/tls (as [server.tls])

[clinical]
enabled = true                   # live NEWS2, alarms and ECG analysis on patient twins

[fhir]
enabled = true                   # FHIR R4 under /fhir (Patient, Encounter, Observation, Bundle)
base_url = "/fhir"               # links in Bundles: absolute from the request's Host; set the public URL behind a proxy

[auth]
# Every interface but the health check needs a login or token, checked per twin and audited
# (doc/design/security.md). The first start prints the admin password and a one-time login
# link; `lingjing user link <name>` prints another. false serves everything to anyone.
enabled = true                   # logins, API tokens, sessions (doc/design/security.md)
argon2_memory_kib = 19456        # argon2id password hashing (OWASP: 19 MiB, 2 passes, 1 lane);
argon2_iterations = 2            #   stored hashes made with other values are upgraded at login
argon2_parallelism = 1
max_concurrent_hashes = 2        # threads checking passwords (never the io threads)
hash_queue = 64                  # password checks waiting for them; beyond: 503, Retry-After
basic_cache_s = 60               # a verified Basic credential is not re-hashed for this long
session_idle_s = 1800            # a browser session unused this long ends
session_absolute_s = 43200       # and every session ends this long after login
cookie_name = "lj_session"
revocation_check_ms = 1000       # `lingjing token revoke`, logout etc. take effect within this,
                                 #   open WebSocket connections included (closed with 1008)
cookie_secure = false            # Secure session cookie: set true when served behind TLS
login_burst = 5                  # failed logins allowed per remote address and per user name,
login_refill_s = 60              #   then one more per this many seconds (429 meanwhile)
requests_per_s = 2000            # authenticated HTTP requests per user or token (0 = no limit),
request_burst = 4000             #   this many at once; beyond: 429 rate_limited, Retry-After
usage_flush_s = 60               # last-used times of tokens and sessions are saved this often

[audit]
enabled = true                   # hash-chained audit trail in <data.dir>/audit.db
queue_size = 65536               # records waiting to be written; when full, requests fail (503)
max_block_ms = 100               #   after waiting this long for room: never dropped silently
anchor_file = ""                 # signed chain head; default <data.dir>/audit.anchor
key_file = ""                    # its HMAC key; default <data.dir>/audit.key (keep apart)

[demo]
beds = 24
)";
}

}  // namespace lj::app
