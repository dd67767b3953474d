#include "ws_subscriber.h"

#include "http_client.h"

#include <sys/socket.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>

namespace lj::bench {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;

bool StartsWith(const std::string& s, std::string_view p) {
  return s.size() >= p.size() && std::string_view(s).substr(0, p.size()) == p;
}

}  // namespace

struct WsSubscriber::Impl {
  net::io_context ioc;
  websocket::stream<tcp::socket> ws{ioc};
  beast::flat_buffer buf;
};

WsSubscriber::WsSubscriber() : impl_(std::make_unique<Impl>()) {}

std::unique_ptr<WsSubscriber> WsSubscriber::Start(uint16_t port, const std::string& model,
                                                  double rate_hz, std::string* error) {
  auto s = std::unique_ptr<WsSubscriber>(new WsSubscriber);
  try {
    auto& sock = s->impl_->ws.next_layer();
    sock.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
    sock.set_option(tcp::no_delay(true));
    // Bound the handshake and snapshot wait: a blocking read gives up after 30 s.
    timeval tv{30, 0};
    setsockopt(sock.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    s->impl_->ws.read_message_max(256 << 20);
    const std::string auth = AuthorizationFor(port);
    s->impl_->ws.set_option(websocket::stream_base::decorator([auth](websocket::request_type& r) {
      if (!auth.empty()) r.set(boost::beast::http::field::authorization, auth);
    }));
    s->impl_->ws.handshake("127.0.0.1:" + std::to_string(port), "/ws");
    nlohmann::json sub = {{"op", "subscribe"},
                          {"id", "bench"},
                          {"target", {{"model", model}}},
                          {"rate_hz", rate_hz},
                          {"waveforms", true}};
    s->impl_->ws.text(true);
    s->impl_->ws.write(net::buffer(sub.dump()));
    for (int i = 0; i < 100; ++i) {
      s->impl_->buf.clear();
      s->impl_->ws.read(s->impl_->buf);
      std::string text = beast::buffers_to_string(s->impl_->buf.data());
      if (StartsWith(text, "{\"op\":\"snapshot\"")) {
        nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
        if (!j.is_discarded())
          s->snapshot_twins_ = j.value("twins", nlohmann::json::array()).size();
        break;
      }
      if (StartsWith(text, "{\"op\":\"error\"")) {
        *error = "subscribe failed: " + text;
        return nullptr;
      }
    }
    timeval none{0, 0};
    setsockopt(sock.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &none, sizeof none);
  } catch (const std::exception& e) {
    *error = std::string("websocket: ") + e.what();
    return nullptr;
  }
  s->thread_ = std::thread([p = s.get()] { p->ReadLoop(); });
  return s;
}

WsSubscriber::~WsSubscriber() { Stop(); }

void WsSubscriber::Stop() {
  stopping_ = true;
  // Unblocks the reader's blocking read; the socket itself is closed by the stream's destructor.
  ::shutdown(impl_->ws.next_layer().native_handle(), SHUT_RDWR);
  if (thread_.joinable()) thread_.join();
}

void WsSubscriber::ReadLoop() {
  std::string text;
  while (!stopping_) {
    beast::error_code ec;
    impl_->buf.clear();
    impl_->ws.read(impl_->buf, ec);
    if (ec) {
      if (!stopping_) {
        std::lock_guard lock(mu_);
        if (first_error_.empty()) first_error_ = "websocket closed: " + ec.message();
      }
      break;
    }
    text = beast::buffers_to_string(impl_->buf.data());
    Handle(text);
  }
  closed_ = true;
}

void WsSubscriber::Handle(const std::string& text) {
  if (StartsWith(text, "{\"op\":\"wave\"")) {
    // ..."values":[v,v,...]} : values = commas + 1 (the array is the last member).
    const size_t open = text.rfind("\"values\":[");
    const size_t close = text.rfind(']');
    if (open != std::string::npos && close != std::string::npos && close > open + 10) {
      const auto b = text.begin() + static_cast<std::ptrdiff_t>(open + 10);
      const auto e = text.begin() + static_cast<std::ptrdiff_t>(close);
      wave_values_.fetch_add(static_cast<uint64_t>(std::count(b, e, ',')) + 1,
                             std::memory_order_relaxed);
    }
    wave_blocks_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  if (StartsWith(text, "{\"op\":\"gap\"")) {
    gaps_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return;
  const std::string op = j.value("op", "");
  if (op == "delta") {
    uint64_t n = 0;
    std::lock_guard lock(mu_);
    for (const auto& [twin, tels] : j["twins"].items()) {
      auto& dst = latest_[twin];
      for (const auto& [tel, tv] : tels.items()) {
        ++n;
        if (!tv.contains("v") || !tv["v"].is_number()) continue;
        const double t = tv.value("t", 0.0), v = tv["v"].get<double>();
        auto it = dst.find(tel);
        if (it == dst.end() || t >= it->second.first) dst[tel] = {t, v};
      }
    }
    delta_values_.fetch_add(n, std::memory_order_relaxed);
  } else if (op == "error") {
    std::lock_guard lock(mu_);
    if (first_error_.empty()) first_error_ = "server error: " + text.substr(0, 300);
  }
}

std::string WsSubscriber::first_error() const {
  std::lock_guard lock(mu_);
  return first_error_;
}

std::map<std::string, std::map<std::string, double>> WsSubscriber::LatestScalars() const {
  std::lock_guard lock(mu_);
  std::map<std::string, std::map<std::string, double>> out;
  for (const auto& [twin, tels] : latest_)
    for (const auto& [tel, tv] : tels) out[twin][tel] = tv.second;
  return out;
}

}  // namespace lj::bench
