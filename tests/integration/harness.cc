#include "harness.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <random>
#include <sstream>
#include <thread>

extern char** environ;

namespace lj::it {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;

namespace {
bool CanBind(uint16_t port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(port);
  bool ok = bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  close(fd);
  return ok;
}
}  // namespace

// A port the kernel never hands out as the local end of an outgoing connection: below the
// ephemeral range (net.ipv4.ip_local_port_range), so a client socket of a test running in
// parallel cannot take it between this check and the peer's bind. Random, so parallel test
// processes rarely pick the same one; checked free by binding.
uint16_t FreePort() {
  unsigned lo = 32768;
  std::ifstream("/proc/sys/net/ipv4/ip_local_port_range") >> lo;
  lo = std::clamp(lo, 12000u, 65535u);
  static thread_local std::mt19937 rng(std::random_device{}() ^ static_cast<unsigned>(getpid()));
  std::uniform_int_distribution<unsigned> pick(10000, lo - 1);
  for (int i = 0; i < 1000; ++i) {
    const auto port = static_cast<uint16_t>(pick(rng));
    if (CanBind(port)) return port;
  }
  return 0;
}

std::string MakeTempDir(const std::string& prefix) {
  std::string tmpl = "/tmp/" + prefix + "-XXXXXX";
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back(0);
  return mkdtemp(buf.data());
}

std::string LingjingBinary() {
  const char* b = std::getenv("LJ_BINARY");
  return b && *b ? b : LJ_BINARY_PATH;
}

bool WaitFor(const std::function<bool()>& cond, std::chrono::milliseconds timeout) {
  auto end = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < end) {
    if (cond()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return cond();
}

std::unique_ptr<Process> Process::Start(const std::vector<std::string>& argv,
                                        const std::string& log_path) {
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&fa, 1, 2);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  auto p = std::unique_ptr<Process>(new Process);
  p->log_path_ = log_path;
  pid_t pid = -1;
  int rc = posix_spawnp(&pid, args[0], &fa, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0 || pid <= 0) {
    ADD_FAILURE() << "cannot start " << argv[0] << ": " << strerror(rc);
    return nullptr;
  }
  p->pid_ = pid;
  return p;
}

bool Process::Running() {
  // Never waitpid(-1)/kill(-1): a process that failed to start must not signal anything else.
  if (pid_ <= 0) return false;
  if (exit_status_) return false;
  int st = 0;
  pid_t r = waitpid(pid_, &st, WNOHANG);
  if (r == pid_) {
    exit_status_ = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    return false;
  }
  return true;
}

int Process::Stop() {
  if (!Running()) return exit_status_.value_or(-1);
  kill(pid_, SIGTERM);
  if (!WaitFor([this] { return !Running(); }, std::chrono::seconds(20))) {
    kill(pid_, SIGKILL);
    WaitFor([this] { return !Running(); }, std::chrono::seconds(5));
  }
  return exit_status_.value_or(-1);
}

Process::~Process() { Stop(); }

std::string Process::Log() const {
  std::ifstream in(log_path_);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

nlohmann::json HttpResult::json() const { return nlohmann::json::parse(body, nullptr, false); }

namespace {
std::mutex g_credentials_mu;
std::map<uint16_t, std::string> g_cookies;  // port → "lj_session=ljx_…" of the admin session
}  // namespace

void SetSessionCookie(uint16_t port, const std::string& cookie) {
  std::lock_guard lk(g_credentials_mu);
  if (cookie.empty())
    g_cookies.erase(port);
  else
    g_cookies[port] = cookie;
}

std::string SessionCookieFor(uint16_t port) {
  std::lock_guard lk(g_credentials_mu);
  auto it = g_cookies.find(port);
  return it == g_cookies.end() ? "" : it->second;
}

HttpResult HttpRequest(uint16_t port, const std::string& method, const std::string& target,
                       const std::string& body, const std::string& content_type) {
  return HttpRequestWith(port, method, target, body, content_type, SessionCookieFor(port));
}

HttpResult HttpRequestWith(uint16_t port, const std::string& method, const std::string& target,
                           const std::string& body, const std::string& content_type,
                           const std::string& cookie, std::string* set_cookie) {
  HttpResult out;
  try {
    net::io_context ioc;
    beast::tcp_stream stream(ioc);
    stream.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
    http::request<http::string_body> req{http::string_to_verb(method), target, 11};
    req.set(http::field::host, "127.0.0.1");
    if (!body.empty()) req.set(http::field::content_type, content_type);
    if (!cookie.empty()) req.set(http::field::cookie, cookie);
    req.body() = body;
    req.prepare_payload();
    stream.expires_after(std::chrono::seconds(30));
    http::async_write(stream, req, [](beast::error_code, size_t) {});
    beast::flat_buffer buf;
    http::response_parser<http::string_body> parser;
    parser.body_limit(256 << 20);
    beast::error_code ec;
    http::async_read(stream, buf, parser, [&](beast::error_code e, size_t) { ec = e; });
    ioc.run();
    if (ec) return out;
    out.status = parser.get().result_int();
    out.body = parser.get().body();
    if (set_cookie) *set_cookie = std::string(parser.get()[http::field::set_cookie]);
  } catch (const std::exception&) {
  }
  return out;
}

std::unique_ptr<Server> Server::Start(const std::string& mode, std::vector<std::string> extra,
                                      const std::string& data_dir,
                                      const std::vector<std::string>& wrapper) {
  auto s = std::make_unique<Server>();
  s->data_dir = data_dir.empty() ? MakeTempDir("lj-it-data") : data_dir;
  s->log_path =
      s->data_dir + "/../" + std::filesystem::path(s->data_dir).filename().string() + ".log";
  // Port 0: the server binds a port the kernel picks, and its structured log names it
  // ("http listening ... port=N"), so no other process can take it between choice and bind.
  std::vector<std::string> argv = wrapper;
  for (const std::string& a : {LingjingBinary(), mode, std::string("--port"), std::string("0"),
                               std::string("--data"), s->data_dir})
    argv.push_back(a);
  argv.insert(argv.end(), extra.begin(), extra.end());
  std::error_code ec;
  const auto log_from = std::filesystem::file_size(s->log_path, ec);  // the log is appended to
  const size_t start = ec ? 0 : static_cast<size_t>(log_from);
  s->process = Process::Start(argv, s->log_path);
  if (!s->process) return nullptr;
  auto bound_port = [&]() -> uint16_t {
    const std::string log = s->process->Log();
    const size_t at = log.find("msg=\"http listening\"", std::min(start, log.size()));
    if (at == std::string::npos) return 0;
    const size_t p = log.find(" port=", at);
    const size_t eol = log.find('\n', at);
    if (p == std::string::npos || (eol != std::string::npos && p > eol)) return 0;
    return static_cast<uint16_t>(std::strtoul(log.c_str() + p + 6, nullptr, 10));
  };
  bool up = WaitFor(
      [&] {
        if (!s->process->Running()) return true;
        if (s->port == 0) s->port = bound_port();
        return s->port != 0 && HttpRequest(s->port, "GET", "/healthz").status == 200;
      },
      std::chrono::seconds(60));
  if (!up || !s->process->Running() || s->port == 0) {
    ADD_FAILURE() << "lingjing did not start:\n" << s->process->Log();
    return nullptr;
  }
  s->LogInAsAdmin();
  return s;
}

void Server::LogInAsAdmin() {
  SetSessionCookie(port, "");
  if (HttpRequest(port, "GET", "/api/v1/whoami").json().value("auth", "") == "disabled") return;
  // The ready link's route, with a code from the CLI (as an administrator would mint one).
  std::string out;
  int rc = RunCommand({LingjingBinary(), "user", "link", "admin", "--data", data_dir}, &out);
  size_t at = out.find("#login=");
  if (rc != 0 || at == std::string::npos) {
    ADD_FAILURE() << "lingjing user link failed:\n" << out;
    return;
  }
  std::string code = out.substr(at + 7, 43);
  std::string set_cookie;
  HttpResult r =
      HttpRequestWith(port, "POST", "/api/v1/login/link", nlohmann::json{{"code", code}}.dump(),
                      "application/json", "", &set_cookie);
  if (r.status != 200 || set_cookie.empty()) {
    ADD_FAILURE() << "login with the link failed: " << r.status << " " << r.body;
    return;
  }
  SetSessionCookie(port, set_cookie.substr(0, set_cookie.find(';')));
}

double Server::Metric(const std::string& series) const {
  HttpResult r = Get("/metrics");
  std::istringstream in(r.body);
  std::string line;
  while (std::getline(in, line)) {
    if (line.size() > series.size() && line.compare(0, series.size(), series) == 0 &&
        line[series.size()] == ' ')
      return std::stod(line.substr(series.size() + 1));
  }
  return -1;
}

std::unique_ptr<Mosquitto> Mosquitto::Start(
    const std::vector<std::pair<std::string, std::string>>& users, const std::string& acl) {
  const char* bin = "/usr/sbin/mosquitto";
  if (access(bin, X_OK) != 0) return nullptr;
  auto m = std::unique_ptr<Mosquitto>(new Mosquitto);
  m->dir_ = MakeTempDir("lj-it-mosquitto");
  m->port_ = FreePort();
  std::ofstream conf(m->dir_ + "/mosquitto.conf");
  conf << "listener " << m->port_ << " 127.0.0.1\npersistence false\n";
  // As root, mosquitto switches to its own user, which cannot read this private directory.
  if (geteuid() == 0) conf << "user root\n";
  if (users.empty()) {
    conf << "allow_anonymous true\n";
  } else {
    const std::string passwd = m->dir_ + "/passwd";
    for (size_t i = 0; i < users.size(); ++i) {
      std::vector<std::string> argv = {"mosquitto_passwd", "-b"};
      if (i == 0) argv.push_back("-c");
      for (const std::string& a : {passwd, users[i].first, users[i].second}) argv.push_back(a);
      std::string out;
      if (RunCommand(argv, &out) != 0) {
        ADD_FAILURE() << "mosquitto_passwd failed: " << out;
        return nullptr;
      }
    }
    conf << "allow_anonymous false\npassword_file " << passwd << "\n";
    if (!acl.empty()) {
      std::ofstream(m->dir_ + "/acl") << acl;
      conf << "acl_file " << m->dir_ + "/acl\n";
    }
  }
  conf.close();
  m->process_ = Process::Start({bin, "-c", m->dir_ + "/mosquitto.conf"}, m->dir_ + "/log");
  uint16_t port = m->port_;
  bool up = WaitFor(
      [port] {
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        a.sin_port = htons(port);
        bool ok = connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
        close(fd);
        return ok;
      },
      std::chrono::seconds(10));
  if (!up) {
    ADD_FAILURE() << "mosquitto did not start:\n" << m->process_->Log();
    return nullptr;
  }
  return m;
}

int RunCommand(const std::vector<std::string>& argv, std::string* out) {
  std::string log = MakeTempDir("lj-it-cmd") + "/out";
  auto p = Process::Start(argv, log);
  if (!p) return -1;
  WaitFor([&] { return !p->Running(); }, std::chrono::seconds(60));
  int rc = p->Stop();
  if (out) *out += p->Log();
  return rc;
}

struct WsClient::Impl {
  net::io_context ioc;
  websocket::stream<beast::tcp_stream> ws{ioc};
  beast::flat_buffer buf;
  bool closed = false;
  bool invalid_utf8 = false;
  bool reading = false;
  std::optional<nlohmann::json> pending;
};

std::unique_ptr<WsClient> WsClient::Connect(uint16_t port, int rcvbuf,
                                            const std::string& authorization, bool connect_only) {
  auto c = std::unique_ptr<WsClient>(new WsClient);
  c->impl_ = std::make_unique<Impl>();
  try {
    auto& sock = beast::get_lowest_layer(c->impl_->ws).socket();
    sock.open(tcp::v4());
    if (rcvbuf > 0) sock.set_option(net::socket_base::receive_buffer_size(rcvbuf));
    sock.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
    const std::string cookie = authorization.empty() ? SessionCookieFor(port) : "";
    c->impl_->ws.set_option(
        websocket::stream_base::decorator([cookie, authorization](websocket::request_type& r) {
          if (!cookie.empty()) r.set(http::field::cookie, cookie);
          if (!authorization.empty()) r.set(http::field::authorization, authorization);
        }));
    c->impl_->ws.handshake("127.0.0.1:" + std::to_string(port), "/ws");
  } catch (const std::exception& e) {
    if (!connect_only) ADD_FAILURE() << "websocket connect failed: " << e.what();
    return nullptr;
  }
  return c;
}

WsClient::~WsClient() {
  if (!impl_) return;
  beast::error_code ec;
  beast::get_lowest_layer(impl_->ws).socket().close(ec);
}

bool WsClient::SendText(const std::string& text) {
  beast::error_code ec;
  impl_->ws.text(true);
  impl_->ws.write(net::buffer(text), ec);
  return !ec;
}

int WsClient::close_code() const { return impl_->ws.reason().code; }
std::string WsClient::close_reason() const {
  return std::string(impl_->ws.reason().reason.c_str());
}
bool WsClient::saw_invalid_utf8() const { return impl_->invalid_utf8; }

bool WsClient::Send(const nlohmann::json& msg) {
  beast::error_code ec;
  impl_->ws.text(true);
  impl_->ws.write(net::buffer(msg.dump()), ec);
  return !ec;
}

std::optional<nlohmann::json> WsClient::Read(std::chrono::milliseconds timeout) {
  if (impl_->closed) return std::nullopt;
  std::optional<nlohmann::json> result;
  if (!impl_->reading) {
    impl_->reading = true;
    impl_->ws.async_read(impl_->buf, [this](beast::error_code ec, size_t) {
      impl_->reading = false;
      if (ec) {
        if (ec == websocket::error::bad_frame_payload) impl_->invalid_utf8 = true;
        impl_->closed = true;
        return;
      }
      impl_->pending =
          nlohmann::json::parse(beast::buffers_to_string(impl_->buf.data()), nullptr, false);
      impl_->buf.consume(impl_->buf.size());
    });
  }
  impl_->ioc.restart();
  impl_->ioc.run_for(timeout);
  if (impl_->pending) {
    result = std::move(impl_->pending);
    impl_->pending.reset();
  }
  return result;
}

std::optional<nlohmann::json> WsClient::ReadUntil(
    const std::function<bool(const nlohmann::json&)>& pred, std::chrono::milliseconds timeout) {
  auto end = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < end && !impl_->closed) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        end - std::chrono::steady_clock::now());
    auto m = Read(std::max(left, std::chrono::milliseconds(1)));
    if (m && pred(*m)) return m;
  }
  return std::nullopt;
}

bool WsClient::closed() const { return impl_->closed; }

void CreateTestWard(const Server& s) {
  auto put = [&](const std::string& id, const std::string& model, nlohmann::json props) {
    props["$metadata"] = {{"$model", "dtmi:lingjing:ward:" + model + ";1"}};
    HttpResult r = s.Put("/api/v1/twins/" + id, props);
    ASSERT_EQ(r.status, 200) << id << ": " << r.body;
  };
  auto rel = [&](const std::string& src, const std::string& id, const std::string& name,
                 const std::string& target) {
    HttpResult r = s.Put("/api/v1/twins/" + src + "/relationships/" + id,
                         {{"$relationshipName", name}, {"$targetId", target}});
    ASSERT_EQ(r.status, 200) << src << "/" << id << ": " << r.body;
  };
  put("ward-t", "Ward", {{"name", "Test ward"}});
  put("room-1", "Room", {{"name", "Room 1"}});
  put("bed-1", "Bed", {{"label", "T01"}});
  put("bed-2", "Bed", {{"label", "T02"}});
  put("patient-1", "Patient", {{"name", "Test Patient"}, {"mrn", "T-0001"}});
  put("monitor-1", "BedsideMonitor", nlohmann::json::object());
  put("monitor-2", "BedsideMonitor", nlohmann::json::object());
  rel("ward-t", "contains-room-1", "contains", "room-1");
  rel("room-1", "contains-bed-1", "contains", "bed-1");
  rel("room-1", "contains-bed-2", "contains", "bed-2");
  rel("bed-1", "occupiedBy", "occupiedBy", "patient-1");
  rel("bed-1", "hasDevice-monitor-1", "hasDevice", "monitor-1");
  rel("bed-2", "hasDevice-monitor-2", "hasDevice", "monitor-2");
}

int ConnectTcp(uint16_t port, const char* from) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  if (from) {
    sockaddr_in src{};
    src.sin_family = AF_INET;
    if (inet_pton(AF_INET, from, &src.sin_addr) != 1 ||
        bind(fd, reinterpret_cast<sockaddr*>(&src), sizeof src) != 0) {
      close(fd);
      return -1;
    }
  }
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(port);
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

bool SendAll(int fd, const std::string& s) {
  return send(fd, s.data(), s.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(s.size());
}

bool ClosedWithin(int fd, std::chrono::milliseconds timeout) {
  pollfd p{fd, POLLIN, 0};
  if (poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return false;
  char buf[4096];
  for (;;) {
    ssize_t n = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
    if (n == 0) return true;
    if (n < 0) return errno != EAGAIN && errno != EWOULDBLOCK;
  }
}

}  // namespace lj::it
