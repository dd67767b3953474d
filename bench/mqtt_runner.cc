// Phase 3: the workload published through a Mosquitto broker to a Lingjing subscribed with its
// MQTT bridge (default mapping: topic `lingjing/devices/bench/line`, payload = line protocol,
// timestamps in ns). One message per device block (one patient-second: 1 vitals line + 250 ECG
// lines), QoS 1 end to end; the broker queues without limit, so nothing is dropped. The broker is
// in the measured path.
#include <mosquitto.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <thread>

#include "http_client.h"
#include "lingjing_server.h"
#include "runners.h"

namespace lj::bench {
namespace {

// The default mapping for line protocol from a named publisher: "bench" is the service token
// LingjingServer creates, so the bridge checks (and audits) it as it would a real gateway.
constexpr const char* kTopic = "lingjing/devices/bench/line";
constexpr size_t kWindow = 500;  // QoS 1 messages in flight from the publisher

struct PubState {
  std::atomic<bool> connected{false};
  std::atomic<uint64_t> acked{0};
};

std::unique_ptr<Process> StartBroker(const std::string& bin, const TempDir& dir, uint16_t port) {
  const std::string conf = dir.path() + "/mosquitto.conf";
  std::ofstream(conf) << "listener " << port << " 127.0.0.1\n"
                      << "allow_anonymous true\npersistence false\n"
                      << "max_inflight_messages 0\nmax_queued_messages 0\n";
  auto p = Process::Start({bin, "-c", conf}, dir.path() + "/mosquitto.log");
  if (p && !WaitFor([&] { return PortOpen(port) || !p->Running(); }, std::chrono::seconds(10)))
    return nullptr;
  return p;
}

double MqttIngested(const LingjingServer& s, double* rejected) {
  const std::string m = s.Metrics();
  *rejected = MetricSum(m, "lj_ingest_rejected_total", "protocol=\"mqtt\"");
  return MetricValue(m, "lj_ingest_samples_total{protocol=\"mqtt\"}");
}

}  // namespace

PhaseResult RunLingjingMqtt(const Workload& w, const BenchOptions& o) {
  PhaseResult r;
  r.name = "lingjing_mqtt";
  r.ran = true;
  r.samples = w.samples;
  TempDir dir("lj-bench-mosquitto");
  const uint16_t broker_port = FreePort();
  auto broker = StartBroker(o.mosquitto, dir, broker_port);
  if (!broker || !broker->Running()) {
    r.error = "mosquitto did not start" + (broker ? ":\n" + broker->LogTail() : std::string());
    return r;
  }
  std::string error;
  auto server = LingjingServer::Start(
      o.lingjing, {"--mqtt", "127.0.0.1:" + std::to_string(broker_port)}, &error, o.server_prefix);
  if (!server) {
    r.error = error;
    return r;
  }
  std::printf(
      "[lingjing-mqtt] broker on 127.0.0.1:%u, lingjing on 127.0.0.1:%u; creating %zu "
      "twins\n",
      broker_port, server->port, w.twins.size());
  std::fflush(stdout);
  if (server->CreateTwins(w.twins, o.concurrency) != w.twins.size()) {
    r.error = "could not create the twins";
    return r;
  }
  if (!WaitFor([&] { return MetricValue(server->Metrics(), "lj_mqtt_connected") == 1; },
               std::chrono::seconds(30), std::chrono::milliseconds(100))) {
    r.error = "lingjing never reported lj_mqtt_connected 1";
    return r;
  }
  // Payloads are prepared before the clock starts (MQTT line payloads carry ns timestamps).
  std::vector<std::string> payloads;
  payloads.reserve(w.blocks.size());
  for (std::string_view b : w.blocks) payloads.push_back(ToNanoseconds(b, o.precision));

  mosquitto_lib_init();
  PubState st;
  mosquitto* pub = mosquitto_new("lj-bench-publisher", true, &st);
  mosquitto_int_option(pub, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V311);
  mosquitto_max_inflight_messages_set(pub, 0);  // unlimited
  mosquitto_connect_callback_set(pub, [](mosquitto*, void* obj, int rc) {
    if (rc == 0) static_cast<PubState*>(obj)->connected = true;
  });
  mosquitto_publish_callback_set(
      pub, [](mosquitto*, void* obj, int) { static_cast<PubState*>(obj)->acked.fetch_add(1); });
  bool up = mosquitto_connect(pub, "127.0.0.1", broker_port, 60) == MOSQ_ERR_SUCCESS &&
            mosquitto_loop_start(pub) == MOSQ_ERR_SUCCESS &&
            WaitFor([&] { return st.connected.load(); }, std::chrono::seconds(10));
  if (!up) {
    r.error = "publisher could not connect to the broker";
    mosquitto_destroy(pub);
    return r;
  }
  std::printf("[lingjing-mqtt] publishing %zu messages (QoS 1) to %s\n", payloads.size(), kTopic);
  std::fflush(stdout);
  const int pid = server->process->pid(), broker_pid = broker->pid();
  const double cpu0 = ProcessCpuSeconds(pid), bcpu0 = ProcessCpuSeconds(broker_pid),
               self0 = SelfCpuSeconds();
  const Clock::time_point t0 = Clock::now();
  size_t publish_failures = 0;
  // At most kWindow unacknowledged messages: with an unbounded window libmosquitto's bookkeeping
  // of in-flight QoS 1 messages made the publisher use 3x the CPU on the shared cores. The wait
  // is bounded; a stall ends publishing and shows as missing samples.
  size_t sent = 0;
  for (const std::string& p : payloads) {
    const Clock::time_point deadline = Clock::now() + std::chrono::seconds(30);
    while (sent - st.acked.load() >= kWindow && Clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    if (sent - st.acked.load() >= kWindow) break;
    ++sent;
    if (mosquitto_publish(pub, nullptr, kTopic, static_cast<int>(p.size()), p.data(), 1, false) !=
        MOSQ_ERR_SUCCESS)
      ++publish_failures;
  }
  const double publish_call_s = SecondsSince(t0);
  double acked_s = -1, rejected = 0, ingested = 0, last_ingested = -1;
  Clock::time_point last_change = Clock::now(), last_print = Clock::now();
  const double target = static_cast<double>(w.samples);
  while (SecondsSince(t0) < 120 + o.drain_timeout_s) {
    if (acked_s < 0 && st.acked.load() >= payloads.size()) acked_s = SecondsSince(t0);
    ingested = MqttIngested(*server, &rejected);
    if (ingested + rejected >= target) break;
    if (ingested != last_ingested) {
      last_ingested = ingested;
      last_change = Clock::now();
    } else if (SecondsSince(last_change) > 10) {
      break;  // stalled
    }
    if (SecondsSince(last_print) >= 1) {
      last_print = Clock::now();
      std::printf("  lingjing-mqtt: %s of %s samples ingested (%.0f%%), %llu/%zu PUBACKs\n",
                  Thousands(ingested).c_str(), Thousands(target).c_str(), 100 * ingested / target,
                  static_cast<unsigned long long>(st.acked.load()), payloads.size());
      std::fflush(stdout);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  r.seconds = SecondsSince(t0);
  WaitFor([&] { return st.acked.load() >= payloads.size(); }, std::chrono::seconds(10));
  if (acked_s < 0 && st.acked.load() >= payloads.size()) acked_s = SecondsSince(t0);
  r.server_cpu_s = ProcessCpuSeconds(pid) - cpu0;
  r.client_cpu_s = SelfCpuSeconds() - self0;
  r.extra["broker_cpu_s"] = ProcessCpuSeconds(broker_pid) - bcpu0;
  mosquitto_disconnect(pub);
  mosquitto_loop_stop(pub, false);
  mosquitto_destroy(pub);

  r.accepted = static_cast<uint64_t>(std::max(0.0, ingested));
  r.rejected = static_cast<uint64_t>(rejected);
  r.samples_per_s = r.seconds > 0 ? static_cast<double>(r.accepted) / r.seconds : 0;
  r.extra["messages"] = payloads.size();
  r.extra["qos"] = 1;
  r.extra["publish_calls_s"] = publish_call_s;
  r.extra["all_pubacks_s"] = acked_s;
  r.extra["publish_failures"] = publish_failures;
  r.extra["messages_sent"] = sent;
  r.extra["publisher_window"] = kWindow;
  const std::string m = server->Metrics();
  r.extra["lj_mqtt_messages_ok"] = MetricValue(m, "lj_mqtt_messages_total{result=\"ok\"}");
  r.extra["lj_mqtt_messages_rejected"] =
      MetricValue(m, "lj_mqtt_messages_total{result=\"rejected\"}");
  r.ok = r.accepted == w.samples && r.rejected == 0 && publish_failures == 0 &&
         sent == payloads.size();
  if (!r.ok)
    r.error = "ingested " + std::to_string(r.accepted) + " of " + std::to_string(w.samples) +
              " samples, rejected " + std::to_string(r.rejected);
  std::printf(
      "[lingjing-mqtt] %s of %s samples ingested in %.2f s (all PUBACKs by %.2f s); "
      "stopping lingjing and mosquitto\n",
      Thousands(static_cast<double>(r.accepted)).c_str(), Thousands(target).c_str(), r.seconds,
      acked_s);
  std::fflush(stdout);
  server.reset();
  broker->Stop();
  return r;
}

}  // namespace lj::bench
