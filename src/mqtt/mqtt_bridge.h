// MQTT ingest bridge: subscribes to an MQTT broker (v3.1.1, via libmosquitto) and turns every
// message on a mapped topic into telemetry for the IngestSink (doc/protocols/mqtt.md).
//
// Contract:
//   - Each message is handled by the FIRST mapping whose topic filter matches its topic; the
//     payload is parsed according to the mapping's PayloadFormat and handed to
//     IngestSink::Ingest(batch, Protocol::kMqtt). Messages on unmapped topics (and on
//     `reject_topic` itself) are counted and dropped.
//   - With `authorize` set, each decoded message is checked first; a refused message is counted
//     (result "forbidden") and reported on `reject_topic`, and nothing of it is ingested.
//   - MQTT cannot answer a publisher, so when anything in a message is rejected a JSON reject
//     report is published (QoS 0) on `reject_topic` and lj_mqtt_messages_total{result} counts it.
//   - Malformed payloads never crash the process and never stop the bridge.
//   - An unreachable broker is not an error: the client retries with exponential backoff
//     (1 s .. 30 s) forever and re-subscribes on every (re)connect.
// Thread-safety: the free functions are pure. MqttBridge runs its own network thread, from which
// the sink is called; connected() and Stop() may be called from any thread (not from the sink).
// Invariant: after Stop() (or destruction) returns, the sink is never called again.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "ingest/ingest_sink.h"
#include "metrics/metrics.h"

namespace lj::mqtt {

enum class PayloadFormat { kJsonObject, kValue, kLineProtocol, kJsonBatch };

struct Mapping {
  std::string topic;      // MQTT filter with + and # wildcards, e.g. "ward/+/bed/+/vitals"
  std::string twin;       // template: literal text with {N} = N-th topic level, 1-based ("{4}")
  std::string telemetry;  // template; used by kValue (required there), ignored otherwise
  PayloadFormat payload = PayloadFormat::kJsonObject;
  // Template naming the publisher (e.g. "{3}" in "lingjing/devices/+/..."), for `authorize`; the
  // broker must make that level the client's own user name (mosquitto: `pattern write
  // lingjing/devices/%u/#`). Empty: the topic names no publisher.
  std::string identity;
};

// Decides whether the publisher `identity` ("" when the mapping names none) may write what a
// message on `topic` decoded to. Non-Ok refuses the whole message (nothing is ingested).
using Authorizer = std::function<Status(std::string_view identity, std::string_view topic,
                                        const ingest::ParsedBatch& batch)>;

struct Config {
  bool enabled = false;  // for the caller; Start() does not look at it
  std::string host = "127.0.0.1";
  int port = 1883;
  std::string client_id = "lingjing";
  std::string username, password;
  int qos = 1;
  int keepalive_s = 30;
  bool clean_session = true;
  std::string reject_topic = "lingjing/rejects";  // empty = don't publish rejects
  // TLS to the broker: tls_ca_file (PEM) verifies the broker's certificate and host name;
  // tls_cert_file + tls_key_file optionally present a client certificate.
  bool tls = false;
  std::string tls_ca_file, tls_cert_file, tls_key_file;
  std::vector<Mapping> mappings;  // empty → DefaultMappings()
  Authorizer authorize;           // unset: every mapped message is ingested (access control off)
};

// "lingjing/twins/+/telemetry"    twin "{3}"                  kJsonObject
// "lingjing/twins/+/telemetry/+"  twin "{3}" telemetry "{5}"  kValue
// "lingjing/line"                 kLineProtocol (twin from the `twin` tag)
// "lingjing/batch"                kJsonBatch
// and the same under "lingjing/devices/<publisher>/..." with identity "{3}" (twins one level
// further: "lingjing/devices/+/twins/+/telemetry" twin "{5}"), for access control.
std::vector<Mapping> DefaultMappings();

// Parses "json", "value", "line", "batch".
bool ParsePayloadFormat(std::string_view s, PayloadFormat* out);
std::string_view PayloadFormatName(PayloadFormat f);

// MQTT 3.1.1 matching: "+" is exactly one level, a trailing "#" any number of levels including
// none ("a/#" matches "a"); filters starting with a wildcard never match "$..." topics.
// An invalid filter matches nothing.
bool TopicMatches(std::string_view filter, std::string_view topic);

// Expands {N} to the N-th level of `topic`; returns false when N is out of range. A "{" not
// followed by digits and "}" is literal text.
bool ExpandTemplate(std::string_view tmpl, std::string_view topic, std::string* out);

// Checks ports, QoS, topic filters and templates; what Start() rejects.
Status ValidateConfig(const Config& config);

class MqttBridge {
 public:
  // Fails only on an invalid config (or when the client cannot be created at all).
  static Result<std::unique_ptr<MqttBridge>> Start(const Config& config, ingest::IngestSink& sink,
                                                   metrics::Registry& metrics);
  ~MqttBridge();  // Stop()
  MqttBridge(const MqttBridge&) = delete;
  MqttBridge& operator=(const MqttBridge&) = delete;

  // Disconnects and joins the network thread. Idempotent.
  void Stop();
  // True while connected to the broker and every subscription has been acknowledged.
  bool connected() const;

  struct Impl;

 private:
  explicit MqttBridge(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace lj::mqtt
