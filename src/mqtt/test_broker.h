// Test helpers: a real mosquitto broker as a child process on a free 127.0.0.1 port, a
// libmosquitto test client, and the mosquitto_pub CLI. Nothing here contacts anything but
// 127.0.0.1.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

struct mosquitto;
struct mosquitto_message;

namespace lj::mqtt::testing {

inline constexpr const char* kMosquittoBinary = "/usr/sbin/mosquitto";
inline constexpr const char* kMosquittoPubBinary = "/usr/bin/mosquitto_pub";

bool Executable(const char* path);
// Binds 127.0.0.1:0, reads the port the kernel chose, closes the socket.
int FreeLoopbackPort();
// Polls `pred` every 10 ms until it is true or `timeout` passes.
bool WaitUntil(const std::function<bool()>& pred,
               std::chrono::milliseconds timeout = std::chrono::seconds(10));

class TestBroker {
 public:
  // Writes the config into a fresh temp dir; `extra` is appended (e.g. a TLS listener).
  explicit TestBroker(int port, const std::string& extra = "");
  ~TestBroker();  // Stop() and remove the temp dir
  TestBroker(const TestBroker&) = delete;
  TestBroker& operator=(const TestBroker&) = delete;

  // Spawns mosquitto and waits (bounded) until the port accepts connections.
  bool Start();
  // SIGTERM, then SIGKILL if it has not exited after 5 s; reaps the child.
  void Stop();
  int port() const { return port_; }
  std::string Log() const;  // the broker's stderr, for failure messages

 private:
  int port_;
  std::string dir_;
  pid_t pid_ = -1;
};

// Runs `mosquitto_pub -h 127.0.0.1 -p PORT -q 1 -t TOPIC -m PAYLOAD`; returns its exit status,
// or -1 when it could not be run.
int RunMosquittoPub(int port, const std::string& topic, const std::string& payload);

class TestClient {
 public:
  explicit TestClient(int port);
  ~TestClient();
  TestClient(const TestClient&) = delete;
  TestClient& operator=(const TestClient&) = delete;

  bool Connect();                             // waits for CONNACK
  bool Subscribe(const std::string& filter);  // QoS 1; waits for SUBACK
  bool Publish(const std::string& topic, const std::string& payload, int qos = 1);  // waits PUBACK
  std::vector<std::pair<std::string, std::string>> Messages();  // (topic, payload) received

  // libmosquitto callbacks.
  void OnConnect(int rc);
  void OnSubscribe(int mid);
  void OnPublish(int mid);
  void OnMessage(const mosquitto_message* msg);

 private:
  bool WaitFor(const std::function<bool()>& pred);

  int port_;
  mosquitto* mosq_ = nullptr;
  bool loop_started_ = false;
  std::mutex mu_;
  std::condition_variable cv_;
  int connack_ = -1;
  std::vector<int> acked_mids_;
  std::vector<std::pair<std::string, std::string>> messages_;
};

}  // namespace lj::mqtt::testing
