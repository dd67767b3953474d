// Integration-test harness: starts the real `lingjing` binary and real peers (mosquitto) on
// free loopback ports, and talks to them over real HTTP and WebSocket connections.
// Everything here only ever connects to 127.0.0.1. Waits are bounded; no assertion depends on
// wall-clock speed.
#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace lj::it {

uint16_t FreePort();
std::string MakeTempDir(const std::string& prefix);
// Path of the lingjing binary under test: $LJ_BINARY, else the one this build produced.
std::string LingjingBinary();
// Polls `cond` every 20 ms until it is true or `timeout` passes.
bool WaitFor(const std::function<bool()>& cond, std::chrono::milliseconds timeout);

// A child process; killed (SIGTERM, then SIGKILL) and reaped on destruction.
class Process {
 public:
  // Starts argv[0] with the given args; stdout+stderr go to `log_path`.
  static std::unique_ptr<Process> Start(const std::vector<std::string>& argv,
                                        const std::string& log_path);
  ~Process();
  int pid() const { return pid_; }
  bool Running();
  // Sends SIGTERM and waits (bounded); returns the exit status or -1.
  int Stop();
  std::string Log() const;

 private:
  int pid_ = -1;
  std::string log_path_;
  std::optional<int> exit_status_;
};

struct HttpResult {
  int status = 0;  // 0 = connection failed
  std::string body;
  nlohmann::json json() const;
};
// Sends the administrator's session cookie that Server::Start set up for `port`, if any.
HttpResult HttpRequest(uint16_t port, const std::string& method, const std::string& target,
                       const std::string& body = "",
                       const std::string& content_type = "application/json");
// With an explicit Cookie header ("" = none); `set_cookie` receives the answer's Set-Cookie.
HttpResult HttpRequestWith(uint16_t port, const std::string& method, const std::string& target,
                           const std::string& body, const std::string& content_type,
                           const std::string& cookie, std::string* set_cookie = nullptr);
// The credential HttpRequest and WsClient use for a port ("" = none).
void SetSessionCookie(uint16_t port, const std::string& cookie);
std::string SessionCookieFor(uint16_t port);

// A started lingjing server (serve or demo) with its own data dir and port.
struct Server {
  std::unique_ptr<Process> process;
  uint16_t port = 0;
  std::string data_dir;
  std::string log_path;
  // Starts `lingjing <mode> --port P --data DIR extra...`, waits for /healthz, then (access
  // control being on by default) logs in as the administrator with a one-time link from
  // `lingjing user link admin`: HttpRequest and WsClient then carry that session.
  // `wrapper`: a command the binary runs under (e.g. {"prlimit", "--nofile=400:400"}).
  static std::unique_ptr<Server> Start(const std::string& mode, std::vector<std::string> extra = {},
                                       const std::string& data_dir = "",
                                       const std::vector<std::string>& wrapper = {});
  HttpResult Get(const std::string& t) const { return HttpRequest(port, "GET", t); }
  HttpResult Put(const std::string& t, const nlohmann::json& j) const {
    return HttpRequest(port, "PUT", t, j.dump());
  }
  void LogInAsAdmin();
  // Metric value of one series line (exact match of `series` before the value), or -1.
  double Metric(const std::string& series) const;
};

class Mosquitto {
 public:
  // nullptr when the mosquitto binary is not installed. Without users anyone may connect;
  // with users (name → password, via mosquitto_passwd) only they may, under `acl` (acl_file).
  static std::unique_ptr<Mosquitto> Start(
      const std::vector<std::pair<std::string, std::string>>& users = {},
      const std::string& acl = "");
  uint16_t port() const { return port_; }
  void Stop() { process_.reset(); }

 private:
  std::unique_ptr<Process> process_;
  uint16_t port_ = 0;
  std::string dir_;
};

// Raw TCP for protocol-level tests: a connection to 127.0.0.1:port (from the loopback source
// address `from` when given, e.g. "127.0.0.2"), -1 on failure; all of `s` sent; and whether the
// peer closed `fd` (EOF or reset, pending data drained) within `timeout`.
int ConnectTcp(uint16_t port, const char* from = nullptr);
bool SendAll(int fd, const std::string& s);
bool ClosedWithin(int fd, std::chrono::milliseconds timeout);

// Runs a command to completion (bounded), returning exit status; output appended to `out`.
int RunCommand(const std::vector<std::string>& argv, std::string* out = nullptr);

// A WebSocket client of the live API with bounded waits.
class WsClient {
 public:
  // `rcvbuf` > 0 shrinks the socket receive buffer (used to simulate a slow viewer).
  // `authorization` ("Bearer …"), when not empty, is sent instead of the port's session cookie.
  // `connect_only`: no ADD_FAILURE when the upgrade is refused (nullptr is returned).
  static std::unique_ptr<WsClient> Connect(uint16_t port, int rcvbuf = 0,
                                           const std::string& authorization = "",
                                           bool connect_only = false);
  ~WsClient();
  bool Send(const nlohmann::json& msg);
  bool SendText(const std::string& text);  // any bytes, as one text message
  // Next message, or nullopt after `timeout` / on close.
  std::optional<nlohmann::json> Read(std::chrono::milliseconds timeout);
  // Reads until `pred` accepts a message (returned) or timeout.
  std::optional<nlohmann::json> ReadUntil(const std::function<bool(const nlohmann::json&)>& pred,
                                          std::chrono::milliseconds timeout);
  bool closed() const;
  // After closed(): the close code the server sent (1008 policy, …), 0 when the connection just
  // dropped. `close_reason` is its text.
  int close_code() const;
  std::string close_reason() const;
  // True when the server sent a text frame that was not valid UTF-8 (the read failed on it).
  bool saw_invalid_utf8() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Small ward for tests: bed-1 (+ monitor-1 via hasDevice, patient-1 via occupiedBy) and bed-2
// (+ monitor-2), in room-1 in ward-t. Uses the REST API.
void CreateTestWard(const Server& server);

}  // namespace lj::it
