#include "mqtt/test_broker.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <mosquitto.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

extern char** environ;

namespace lj::mqtt::testing {
namespace {

sockaddr_in Loopback(int port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return addr;
}

bool PortAccepts(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return false;
  sockaddr_in addr = Loopback(port);
  bool ok = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  close(fd);
  return ok;
}

// posix_spawn with stdout/stderr appended to `log` (or /dev/null); returns the pid or -1.
pid_t Spawn(const std::vector<std::string>& args, const std::string& log) {
  std::vector<char*> argv;
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  const char* out = log.empty() ? "/dev/null" : log.c_str();
  posix_spawn_file_actions_addopen(&actions, 1, out, O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  pid_t pid = -1;
  int rc = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  return rc == 0 ? pid : -1;
}

std::atomic<int> g_client_seq{0};

}  // namespace

bool Executable(const char* path) { return access(path, X_OK) == 0; }

int FreeLoopbackPort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  sockaddr_in addr = Loopback(0);
  socklen_t len = sizeof(addr);
  int port = -1;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  close(fd);
  return port;
}

bool WaitUntil(const std::function<bool()>& pred, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!pred()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

TestBroker::TestBroker(int port, const std::string& extra) : port_(port) {
  char tmpl[] = "/tmp/lj_mqtt_test_XXXXXX";
  const char* dir = mkdtemp(tmpl);
  dir_ = dir != nullptr ? dir : "/tmp";
  std::ofstream conf(dir_ + "/mosquitto.conf");
  conf << "listener " << port_ << " 127.0.0.1\n"
       << "allow_anonymous true\n"
       << "persistence false\n"
       << extra;
}

TestBroker::~TestBroker() {
  Stop();
  if (dir_ != "/tmp") {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
}

bool TestBroker::Start() {
  if (pid_ > 0) return true;
  pid_ = Spawn({kMosquittoBinary, "-c", dir_ + "/mosquitto.conf"}, dir_ + "/mosquitto.log");
  if (pid_ < 0) return false;
  return WaitUntil([this] {
           int status = 0;
           if (waitpid(pid_, &status, WNOHANG) == pid_) {  // exited early (port taken, bad config)
             pid_ = -1;
             return true;
           }
           return PortAccepts(port_);
         }) &&
         pid_ > 0;
}

void TestBroker::Stop() {
  if (pid_ <= 0) return;
  kill(pid_, SIGTERM);
  int status = 0;
  bool exited =
      WaitUntil([&] { return waitpid(pid_, &status, WNOHANG) == pid_; }, std::chrono::seconds(5));
  if (!exited) {
    kill(pid_, SIGKILL);
    waitpid(pid_, &status, 0);
  }
  pid_ = -1;
}

std::string TestBroker::Log() const {
  std::ifstream in(dir_ + "/mosquitto.log");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

int RunMosquittoPub(int port, const std::string& topic, const std::string& payload) {
  if (!Executable(kMosquittoPubBinary)) return -1;
  pid_t pid = Spawn({kMosquittoPubBinary, "-h", "127.0.0.1", "-p", std::to_string(port), "-q", "1",
                     "-i", "lj-test-cli-" + std::to_string(getpid()), "-t", topic, "-m", payload},
                    "");
  if (pid < 0) return -1;
  int status = 0;
  // Bounded: mosquitto_pub exits by itself; kill it if it hangs.
  if (!WaitUntil([&] { return waitpid(pid, &status, WNOHANG) == pid; })) {
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    return -1;
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

namespace {
TestClient* Self(void* obj) { return static_cast<TestClient*>(obj); }
}  // namespace

TestClient::TestClient(int port) : port_(port) {
  mosquitto_lib_init();  // reference counted by libmosquitto; harmless when repeated
  std::string id =
      "lj-test-" + std::to_string(getpid()) + "-" + std::to_string(g_client_seq.fetch_add(1));
  mosq_ = mosquitto_new(id.c_str(), true, this);
  mosquitto_connect_callback_set(mosq_,
                                 [](mosquitto*, void* o, int rc) { Self(o)->OnConnect(rc); });
  mosquitto_subscribe_callback_set(
      mosq_, [](mosquitto*, void* o, int mid, int, const int*) { Self(o)->OnSubscribe(mid); });
  mosquitto_publish_callback_set(mosq_,
                                 [](mosquitto*, void* o, int mid) { Self(o)->OnPublish(mid); });
  mosquitto_message_callback_set(
      mosq_, [](mosquitto*, void* o, const mosquitto_message* m) { Self(o)->OnMessage(m); });
}

TestClient::~TestClient() {
  if (loop_started_) {
    mosquitto_disconnect(mosq_);
    mosquitto_loop_stop(mosq_, false);
  }
  mosquitto_destroy(mosq_);
}

bool TestClient::Connect() {
  if (mosquitto_connect(mosq_, "127.0.0.1", port_, 30) != MOSQ_ERR_SUCCESS) return false;
  if (mosquitto_loop_start(mosq_) != MOSQ_ERR_SUCCESS) return false;
  loop_started_ = true;
  return WaitFor([this] { return connack_ == 0; });
}

bool TestClient::Subscribe(const std::string& filter) {
  int mid = 0;
  if (mosquitto_subscribe(mosq_, &mid, filter.c_str(), 1) != MOSQ_ERR_SUCCESS) return false;
  return WaitFor([&] { return std::count(acked_mids_.begin(), acked_mids_.end(), mid) > 0; });
}

bool TestClient::Publish(const std::string& topic, const std::string& payload, int qos) {
  int mid = 0;
  if (mosquitto_publish(mosq_, &mid, topic.c_str(), static_cast<int>(payload.size()),
                        payload.data(), qos, false) != MOSQ_ERR_SUCCESS) {
    return false;
  }
  return WaitFor([&] { return std::count(acked_mids_.begin(), acked_mids_.end(), mid) > 0; });
}

std::vector<std::pair<std::string, std::string>> TestClient::Messages() {
  std::lock_guard lock(mu_);
  return messages_;
}

void TestClient::OnConnect(int rc) {
  std::lock_guard lock(mu_);
  connack_ = rc;
  cv_.notify_all();
}

void TestClient::OnSubscribe(int mid) {
  std::lock_guard lock(mu_);
  acked_mids_.push_back(mid);
  cv_.notify_all();
}

void TestClient::OnPublish(int mid) { OnSubscribe(mid); }

void TestClient::OnMessage(const mosquitto_message* msg) {
  std::lock_guard lock(mu_);
  messages_.emplace_back(msg->topic,
                         std::string(static_cast<const char*>(msg->payload), msg->payloadlen));
  cv_.notify_all();
}

bool TestClient::WaitFor(const std::function<bool()>& pred) {
  std::unique_lock lock(mu_);
  return cv_.wait_for(lock, std::chrono::seconds(10), pred);
}

}  // namespace lj::mqtt::testing
