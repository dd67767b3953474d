// MqttBridge: libmosquitto client driven by our own network thread.
//
// Why not mosquitto_loop_start(): its loop reconnects with a *blocking* connect and can overwrite
// a concurrent mosquitto_disconnect() with "connect pending", so mosquitto_loop_stop() may hang
// while the broker is unreachable. Here the thread owns every libmosquitto call, connects
// non-blockingly (mosquitto_connect_async), polls with a 100 ms timeout and backs off
// exponentially (1 s .. 30 s) between attempts; Stop() wakes it and joins within ~100 ms.
#include "mqtt/mqtt_bridge.h"

#include <fmt/format.h>
#include <mosquitto.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <exception>
#include <mutex>
#include <thread>
#include <utility>

#include "common/log.h"
#include "common/time.h"
#include "common/tls_policy.h"
#include "mqtt/message_decoder.h"
#include "mqtt/topic_mapping.h"

namespace lj::mqtt {
namespace {

constexpr auto kMinBackoff = std::chrono::seconds(1);
constexpr auto kMaxBackoff = std::chrono::seconds(30);
constexpr int kPollTimeoutMs = 100;

std::string ErrorText(int rc) {
  if (rc == MOSQ_ERR_ERRNO) return std::strerror(errno);
  return mosquitto_strerror(rc);
}

}  // namespace

struct MqttBridge::Impl {
  Impl(const Config& c, ingest::IngestSink& s, metrics::Registry& m)
      : config(c),
        sink(s),
        ok(m.GetCounter("lj_mqtt_messages_total", "MQTT messages received, by outcome",
                        {{"result", "ok"}})),
        rejected(m.GetCounter("lj_mqtt_messages_total", "MQTT messages received, by outcome",
                              {{"result", "rejected"}})),
        unmapped(m.GetCounter("lj_mqtt_messages_total", "MQTT messages received, by outcome",
                              {{"result", "unmapped"}})),
        forbidden(m.GetCounter("lj_mqtt_messages_total", "MQTT messages received, by outcome",
                               {{"result", "forbidden"}})),
        reconnects(m.GetCounter("lj_mqtt_reconnects_total",
                                "Successful MQTT reconnections after the first connection")),
        connected_gauge(m.GetGauge("lj_mqtt_connected",
                                   "1 while connected to the MQTT broker and subscribed")) {
    if (config.mappings.empty()) config.mappings = DefaultMappings();
    filters = internal::SubscriptionFilters(config.mappings);
  }

  void Run();
  void WaitBackoff();
  void NoteConnectFailure(std::string_view error);
  void SetConnected(bool up);
  void OnConnect(int rc);
  void OnSubscribe(int mid, int qos_count, const int* granted);
  void OnDisconnect(int rc);
  void OnMessage(const mosquitto_message* msg);
  void HandleMessage(std::string_view topic, std::string_view payload);
  void PublishReject(const std::string& json);  // on reject_topic, QoS 0, when configured

  Config config;
  std::vector<std::string> filters;
  ingest::IngestSink& sink;
  ingest::Limits limits;
  mosquitto* mosq = nullptr;
  std::thread thread;

  std::atomic<bool> connected{false};
  std::atomic<bool> stopping{false};
  std::mutex mu;  // guards nothing but the backoff wait
  std::condition_variable cv;
  std::mutex stop_mu;
  bool joined = false;

  // Network thread only.
  std::chrono::seconds backoff = kMinBackoff;
  std::vector<int> pending_subacks;
  bool ever_connected = false;
  bool failure_logged = false;
  internal::DecodeScratch scratch;

  metrics::Counter& ok;
  metrics::Counter& rejected;
  metrics::Counter& unmapped;
  metrics::Counter& forbidden;
  metrics::Counter& reconnects;
  metrics::Gauge& connected_gauge;
};

void MqttBridge::Impl::Run() {
  bool need_connect = true;
  while (!stopping.load()) {
    if (need_connect) {
      // Re-resolves the host and starts a non-blocking TCP connect; CONNECT follows in the loop.
      int rc = mosquitto_connect_async(mosq, config.host.c_str(), config.port, config.keepalive_s);
      if (rc != MOSQ_ERR_SUCCESS) {
        NoteConnectFailure(ErrorText(rc));
        WaitBackoff();
        continue;
      }
      need_connect = false;
    }
    int rc = mosquitto_loop(mosq, kPollTimeoutMs, 1);
    if (rc != MOSQ_ERR_SUCCESS && !stopping.load()) {
      SetConnected(false);
      NoteConnectFailure(ErrorText(rc));
      need_connect = true;
      WaitBackoff();
    }
  }
  if (!need_connect) {
    mosquitto_disconnect(mosq);
    // Flush the DISCONNECT packet; bounded in case the socket is stuck.
    for (int i = 0; i < 10 && mosquitto_loop(mosq, 50, 1) == MOSQ_ERR_SUCCESS; ++i) {
    }
  }
  SetConnected(false);
}

void MqttBridge::Impl::WaitBackoff() {
  std::unique_lock lock(mu);
  cv.wait_for(lock, backoff, [this] { return stopping.load(); });
  backoff = std::min(backoff * 2, std::chrono::seconds(kMaxBackoff));
}

void MqttBridge::Impl::NoteConnectFailure(std::string_view error) {
  // One warning per outage; the retries after it go to debug.
  if (!failure_logged) {
    LJ_LOG_WARN("mqtt broker not reachable, retrying", "host", config.host, "port", config.port,
                "error", error, "retry_in_s", backoff.count());
    failure_logged = true;
  } else {
    LJ_LOG_DEBUG("mqtt connect attempt failed", "host", config.host, "port", config.port, "error",
                 error, "retry_in_s", backoff.count());
  }
}

void MqttBridge::Impl::SetConnected(bool up) {
  connected.store(up);
  connected_gauge.Set(up ? 1 : 0);
}

void MqttBridge::Impl::OnConnect(int rc) {
  if (rc != 0) {
    // The loop reports the refusal as an error next and backs off.
    LJ_LOG_WARN("mqtt broker refused connection", "host", config.host, "port", config.port,
                "reason", mosquitto_connack_string(rc));
    failure_logged = true;
    return;
  }
  if (ever_connected) reconnects.Inc();
  ever_connected = true;
  failure_logged = false;
  backoff = kMinBackoff;
  LJ_LOG_INFO("mqtt connected", "host", config.host, "port", config.port, "client_id",
              config.client_id);
  pending_subacks.clear();
  for (const std::string& filter : filters) {
    int mid = 0;
    int src = mosquitto_subscribe(mosq, &mid, filter.c_str(), config.qos);
    if (src != MOSQ_ERR_SUCCESS) {
      LJ_LOG_ERROR("mqtt subscribe failed", "topic", filter, "error", ErrorText(src));
      continue;
    }
    pending_subacks.push_back(mid);
  }
  if (pending_subacks.empty()) SetConnected(true);
}

void MqttBridge::Impl::OnSubscribe(int mid, int qos_count, const int* granted) {
  auto it = std::find(pending_subacks.begin(), pending_subacks.end(), mid);
  if (it == pending_subacks.end()) return;
  pending_subacks.erase(it);
  for (int i = 0; i < qos_count; ++i) {
    if (granted[i] > 2) LJ_LOG_ERROR("mqtt broker refused a subscription", "mid", mid);
  }
  if (pending_subacks.empty()) {
    SetConnected(true);
    LJ_LOG_INFO("mqtt subscribed", "filters", filters.size(), "qos", config.qos);
  }
}

void MqttBridge::Impl::OnDisconnect(int rc) {
  const bool was = connected.load();
  SetConnected(false);
  if (stopping.load()) return;
  if (was) {
    LJ_LOG_WARN("mqtt connection lost, reconnecting", "host", config.host, "port", config.port,
                "error", ErrorText(rc));
    failure_logged = true;
  }
}

void MqttBridge::Impl::OnMessage(const mosquitto_message* msg) {
  if (msg == nullptr || msg->topic == nullptr) return;
  std::string_view topic(msg->topic);
  std::string_view payload;
  if (msg->payload != nullptr && msg->payloadlen > 0) {
    payload = std::string_view(static_cast<const char*>(msg->payload),
                               static_cast<size_t>(msg->payloadlen));
  }
  // Exceptions must not unwind into libmosquitto's C frames.
  try {
    HandleMessage(topic, payload);
  } catch (const std::exception& e) {
    rejected.Inc();
    LJ_LOG_ERROR("mqtt message handling failed", "topic", topic, "error", e.what());
  } catch (...) {
    rejected.Inc();
    LJ_LOG_ERROR("mqtt message handling failed", "topic", topic);
  }
}

void MqttBridge::Impl::HandleMessage(std::string_view topic, std::string_view payload) {
  const Mapping* mapping = nullptr;
  if (topic != config.reject_topic) {  // never ingest our own reject reports
    for (const Mapping& m : config.mappings) {
      if (TopicMatches(m.topic, topic)) {
        mapping = &m;
        break;
      }
    }
  }
  if (mapping == nullptr) {
    unmapped.Inc();
    LJ_LOG_DEBUG("mqtt message on unmapped topic", "topic", topic, "bytes", payload.size());
    return;
  }
  internal::DecodeMessage(*mapping, topic, payload, NowNs(), limits, scratch);
  if (config.authorize) {
    std::string identity;
    if (!mapping->identity.empty() && !ExpandTemplate(mapping->identity, topic, &identity))
      identity.clear();
    Status allowed = config.authorize(identity, topic, scratch.batch);
    if (!allowed.ok()) {
      forbidden.Inc();
      LJ_LOG_DEBUG("mqtt message refused", "topic", topic, "identity", identity, "reason",
                   allowed.message());
      PublishReject(internal::RefusalReportJson(topic, allowed));
      return;
    }
  }
  const ingest::IngestReport report = sink.Ingest(scratch.batch, ingest::Protocol::kMqtt);
  if (report.rejected == 0) {
    ok.Inc();
    return;
  }
  rejected.Inc();
  LJ_LOG_DEBUG("mqtt message rejected", "topic", topic, "accepted", report.accepted, "rejected",
               report.rejected);
  PublishReject(internal::RejectReportJson(topic, mapping->payload, report));
}

void MqttBridge::Impl::PublishReject(const std::string& json) {
  if (config.reject_topic.empty()) return;
  int rc = mosquitto_publish(mosq, nullptr, config.reject_topic.c_str(),
                             static_cast<int>(json.size()), json.data(), /*qos=*/0,
                             /*retain=*/false);
  if (rc != MOSQ_ERR_SUCCESS) {
    LJ_LOG_DEBUG("mqtt reject report not published", "error", ErrorText(rc));
  }
}

namespace {

MqttBridge::Impl* ImplOf(void* obj) { return static_cast<MqttBridge::Impl*>(obj); }

void ConnectCb(mosquitto*, void* obj, int rc) { ImplOf(obj)->OnConnect(rc); }
void SubscribeCb(mosquitto*, void* obj, int mid, int n, const int* granted) {
  ImplOf(obj)->OnSubscribe(mid, n, granted);
}
void DisconnectCb(mosquitto*, void* obj, int rc) { ImplOf(obj)->OnDisconnect(rc); }
void MessageCb(mosquitto*, void* obj, const mosquitto_message* msg) { ImplOf(obj)->OnMessage(msg); }

}  // namespace

Result<std::unique_ptr<MqttBridge>> MqttBridge::Start(const Config& config,
                                                      ingest::IngestSink& sink,
                                                      metrics::Registry& metrics) {
  LJ_RETURN_IF_ERROR(ValidateConfig(config));
  static std::once_flag lib_init;
  std::call_once(lib_init, [] { mosquitto_lib_init(); });  // never cleaned up: process-wide

  auto impl = std::make_unique<Impl>(config, sink, metrics);
  const Config& c = impl->config;
  impl->mosq = mosquitto_new(c.client_id.empty() ? nullptr : c.client_id.c_str(), c.clean_session,
                             impl.get());
  if (impl->mosq == nullptr) {
    return Status(ErrorCode::kInternal,
                  std::string("mqtt: cannot create client: ") + std::strerror(errno));
  }
  // From here on ~MqttBridge (via the Impl owner) destroys the client.
  std::unique_ptr<MqttBridge> bridge(new MqttBridge(std::move(impl)));
  Impl& im = *bridge->impl_;
  mosquitto_int_option(im.mosq, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V311);
  mosquitto_connect_callback_set(im.mosq, ConnectCb);
  mosquitto_subscribe_callback_set(im.mosq, SubscribeCb);
  mosquitto_disconnect_callback_set(im.mosq, DisconnectCb);
  mosquitto_message_callback_set(im.mosq, MessageCb);
  if (!c.username.empty()) {
    int rc = mosquitto_username_pw_set(im.mosq, c.username.c_str(),
                                       c.password.empty() ? nullptr : c.password.c_str());
    if (rc != MOSQ_ERR_SUCCESS) {
      return Status(ErrorCode::kInvalidArgument, "mqtt: bad username/password: " + ErrorText(rc));
    }
  }
  if (c.tls) {
    int rc = mosquitto_tls_set(im.mosq, c.tls_ca_file.c_str(), nullptr,
                               c.tls_cert_file.empty() ? nullptr : c.tls_cert_file.c_str(),
                               c.tls_key_file.empty() ? nullptr : c.tls_key_file.c_str(), nullptr);
    // The engine's TLS 1.2 suites (common/tls_policy.h: forward-secret AEAD only, no CBC or SHA-1);
    // OpenSSL's TLS 1.3 defaults are the AEAD suites of the same policy.
    if (rc == MOSQ_ERR_SUCCESS) rc = mosquitto_tls_opts_set(im.mosq, 1, nullptr, kTls12Ciphers);
    if (rc != MOSQ_ERR_SUCCESS)
      return Status(ErrorCode::kInvalidArgument,
                    fmt::format("mqtt: tls (ca '{}', cert '{}', key '{}'): {}", c.tls_ca_file,
                                c.tls_cert_file, c.tls_key_file, ErrorText(rc)));
  }
  im.SetConnected(false);
  im.thread = std::thread([&im] { im.Run(); });
  LJ_LOG_INFO("mqtt bridge started", "host", c.host, "port", c.port, "tls", c.tls, "mappings",
              c.mappings.size(), "subscriptions", im.filters.size(), "reject_topic",
              c.reject_topic);
  return bridge;
}

MqttBridge::MqttBridge(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

MqttBridge::~MqttBridge() {
  Stop();
  if (impl_->mosq != nullptr) mosquitto_destroy(impl_->mosq);
}

void MqttBridge::Stop() {
  std::lock_guard stop_lock(impl_->stop_mu);
  if (impl_->joined) return;
  {
    std::lock_guard lock(impl_->mu);
    impl_->stopping.store(true);
  }
  impl_->cv.notify_all();
  if (impl_->thread.get_id() == std::this_thread::get_id()) {
    return;  // called from the sink (misuse): the loop exits after the callback; not joined
  }
  if (impl_->thread.joinable()) impl_->thread.join();
  impl_->joined = true;
  impl_->SetConnected(false);
  LJ_LOG_INFO("mqtt bridge stopped", "host", impl_->config.host, "port", impl_->config.port);
}

bool MqttBridge::connected() const { return impl_->connected.load(); }

}  // namespace lj::mqtt
