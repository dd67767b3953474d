#include "http_client.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <cstdio>
#include <mutex>
#include <sstream>
#include <thread>

#include "bench_util.h"

namespace lj::bench {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

}  // namespace

struct HttpConnection::Impl {
  uint16_t port;
  net::io_context ioc;
  tcp::socket sock{ioc};
  beast::flat_buffer buf;
  bool open = false;
  bool auth_checked = false;
  std::string authorization;
};

HttpConnection::HttpConnection(uint16_t port) : impl_(std::make_unique<Impl>()) {
  impl_->port = port;
}

HttpConnection::~HttpConnection() {
  beast::error_code ec;
  impl_->sock.close(ec);
}

bool HttpConnection::Connect() {
  if (impl_->open) return true;
  beast::error_code ec;
  impl_->sock.close(ec);
  impl_->sock.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), impl_->port), ec);
  if (ec) return false;
  impl_->sock.set_option(tcp::no_delay(true), ec);
  impl_->buf.clear();
  // Beast reads at most the buffer's free capacity per call (at least 512 bytes): without room,
  // a 500 KB trend answer took ~1,000 recv calls, and the client, not the server, set the latency.
  impl_->buf.reserve(1 << 20);
  impl_->open = true;
  return true;
}

namespace {
std::mutex g_auth_mu;
std::map<uint16_t, std::string> g_auth;
}  // namespace

void SetAuthorization(uint16_t port, std::string header) {
  std::lock_guard lk(g_auth_mu);
  g_auth[port] = std::move(header);
}

std::string AuthorizationFor(uint16_t port) {
  std::lock_guard lk(g_auth_mu);
  auto it = g_auth.find(port);
  return it == g_auth.end() ? "" : it->second;
}

HttpResponse HttpConnection::Request(const std::string& method, const std::string& target,
                                     std::string_view body, const std::string& content_type) {
  HttpResponse out;
  if (!Connect()) return out;
  if (!impl_->auth_checked) {
    impl_->authorization = AuthorizationFor(impl_->port);
    impl_->auth_checked = true;
  }
  http::request<http::buffer_body> req{http::string_to_verb(method), target, 11};
  req.set(http::field::host, "127.0.0.1");
  if (!impl_->authorization.empty()) req.set(http::field::authorization, impl_->authorization);
  if (!body.empty()) req.set(http::field::content_type, content_type);
  req.body().data = const_cast<char*>(body.data());
  req.body().size = body.size();
  req.body().more = false;
  req.content_length(body.size());
  beast::error_code ec;
  http::write(impl_->sock, req, ec);
  http::response_parser<http::string_body> parser;
  parser.body_limit(512 << 20);
  if (!ec) http::read(impl_->sock, impl_->buf, parser, ec);
  if (ec) {
    impl_->open = false;
    return out;
  }
  const auto& res = parser.get();
  out.status = res.result_int();
  out.body = res.body();
  if (auto it = res.find("X-Lingjing-Accepted"); it != res.end())
    out.accepted = std::atoll(std::string(it->value()).c_str());
  if (!res.keep_alive()) impl_->open = false;
  return out;
}

HttpResponse HttpOnce(uint16_t port, const std::string& method, const std::string& target,
                      std::string_view body) {
  HttpConnection c(port);
  return c.Request(method, target, body);
}

double MetricValue(const std::string& text, const std::string& series) {
  size_t pos = 0;
  while ((pos = text.find(series, pos)) != std::string::npos) {
    const bool line_start = pos == 0 || text[pos - 1] == '\n';
    const size_t after = pos + series.size();
    if (line_start && after < text.size() && text[after] == ' ')
      return std::strtod(text.c_str() + after + 1, nullptr);
    pos = after;
  }
  return -1;
}

double MetricSum(const std::string& text, const std::string& name,
                 const std::string& label_substr) {
  double sum = 0;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.compare(0, name.size(), name) != 0 || line.size() <= name.size() ||
        line[name.size()] != '{')
      continue;
    const size_t close = line.find('}');
    if (close == std::string::npos || line.substr(0, close).find(label_substr) == std::string::npos)
      continue;
    sum += std::strtod(line.c_str() + close + 1, nullptr);
  }
  return sum;
}

PostResult PostBatches(uint16_t port, const std::string& target,
                       const std::vector<std::string_view>& batches, int concurrency,
                       const std::string& label) {
  PostResult r;
  concurrency = std::max(1, concurrency);
  std::vector<std::unique_ptr<HttpConnection>> conns;
  for (int i = 0; i < concurrency; ++i) {
    conns.push_back(std::make_unique<HttpConnection>(port));
    conns.back()->Connect();
  }
  std::atomic<size_t> next{0}, done{0};
  std::atomic<bool> go{false};
  std::mutex mu;
  std::vector<Clock::time_point> ends(concurrency, Clock::time_point{});
  std::vector<std::thread> workers;
  for (int w = 0; w < concurrency; ++w) {
    workers.emplace_back([&, w] {
      while (!go.load(std::memory_order_acquire)) std::this_thread::yield();
      PostResult local;
      for (size_t i; (i = next.fetch_add(1)) < batches.size();) {
        HttpResponse res = conns[w]->Request("POST", target, batches[i], "text/plain");
        ++local.requests;
        ++local.statuses[res.status];
        if (res.status >= 200 && res.status < 300) {
          ++local.ok;
        } else if (local.first_error.empty()) {
          local.first_error = "HTTP " + std::to_string(res.status) + ": " + res.body.substr(0, 400);
        }
        if (res.accepted > 0) local.accepted_header_sum += res.accepted;
        done.fetch_add(1, std::memory_order_relaxed);
      }
      ends[w] = Clock::now();
      std::lock_guard lock(mu);
      r.requests += local.requests;
      r.ok += local.ok;
      for (auto [s, n] : local.statuses) r.statuses[s] += n;
      if (r.first_error.empty()) r.first_error = local.first_error;
      r.accepted_header_sum += local.accepted_header_sum;
    });
  }
  const Clock::time_point t0 = Clock::now();
  go.store(true, std::memory_order_release);
  auto last_print = t0;
  while (done.load() < batches.size()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    if (Clock::now() - last_print >= std::chrono::seconds(1)) {
      last_print = Clock::now();
      std::printf("  %s: %zu/%zu batches (%.0f%%)\n", label.c_str(), done.load(), batches.size(),
                  100.0 * static_cast<double>(done.load()) / static_cast<double>(batches.size()));
      std::fflush(stdout);
    }
  }
  for (auto& t : workers) t.join();
  Clock::time_point end = t0;
  for (auto e : ends) end = std::max(end, e);
  r.seconds = std::chrono::duration<double>(end - t0).count();
  return r;
}

size_t ParallelRequests(uint16_t port, size_t n, int concurrency,
                        const std::function<bool(HttpConnection&, size_t)>& fn) {
  std::atomic<size_t> next{0}, ok{0};
  std::vector<std::thread> workers;
  for (int w = 0; w < std::max(1, concurrency); ++w) {
    workers.emplace_back([&] {
      HttpConnection c(port);
      for (size_t i; (i = next.fetch_add(1)) < n;)
        if (fn(c, i)) ok.fetch_add(1);
    });
  }
  for (auto& t : workers) t.join();
  return ok.load();
}

}  // namespace lj::bench
