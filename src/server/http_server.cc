#include "server/http_server.h"

#include <fmt/format.h>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>

#include <mutex>
#include <unordered_map>

#include "common/log.h"
#include "server/router.h"
#include "server/tls.h"
#include "server/ws_access.h"
#include "server/ws_session.h"

namespace lj::server {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
using tcp = net::ip::tcp;

// One HTTP/1.1 connection; Stream is beast::tcp_stream (plain) or SslStream (TLS).
template <typename Stream>
class HttpSession : public std::enable_shared_from_this<HttpSession<Stream>> {
 public:
  HttpSession(Stream stream, ServerContext& ctx, const Router& router, std::shared_ptr<void> slot)
      : stream_(std::move(stream)), ctx_(ctx), router_(router), slot_(std::move(slot)) {
    // Beast reads max(512, free capacity) bytes at a time and the body parser drains the buffer,
    // so without room up front a 100 MB ingest body costs ~200k recvmsg calls.
    buffer_.reserve(64 * 1024);
    ctx_.stats.http_sessions.fetch_add(1);
    beast::error_code ec;
    tcp::endpoint peer = beast::get_lowest_layer(stream_).socket().remote_endpoint(ec);
    if (!ec) remote_ = fmt::format("{}:{}", peer.address().to_string(), peer.port());
  }
  ~HttpSession() { ctx_.stats.http_sessions.fetch_sub(1); }

  void Run() {
    net::dispatch(stream_.get_executor(), [self = this->shared_from_this()] {
      if constexpr (kTls) {
        // The handshake shares the header deadline: a client that stalls it is dropped.
        beast::get_lowest_layer(self->stream_)
            .expires_after(std::chrono::seconds(self->ctx_.options.header_timeout_s));
        self->stream_.async_handshake(net::ssl::stream_base::server, [self](beast::error_code ec) {
          if (ec) return self->CountHandshakeFailure();
          self->DoRead();
        });
      } else {
        self->DoRead();
      }
    });
  }

 private:
  void DoRead() {
    parser_.emplace();
    parser_->header_limit(16 * 1024);
    parser_->body_limit(ctx_.options.max_body_bytes);
    beast::get_lowest_layer(stream_).expires_after(
        std::chrono::seconds(ctx_.options.header_timeout_s));
    http::async_read(
        stream_, buffer_, *parser_,
        [self = this->shared_from_this()](beast::error_code ec, size_t) { self->OnRead(ec); });
  }

  void OnRead(beast::error_code ec) {
    if (ec == http::error::end_of_stream) return Close();
    if (ec == http::error::body_limit) {
      Request req;
      req.version(11);
      req.keep_alive(false);
      return Send(ErrorResponse(
          req, Status(ErrorCode::kPayloadTooLarge,
                      fmt::format("request body exceeds {} bytes", ctx_.options.max_body_bytes))));
    }
    if (ec == http::error::header_limit) {
      Request req;
      req.version(11);
      req.keep_alive(false);
      Response r = ErrorResponse(
          req, Status(ErrorCode::kPayloadTooLarge, "request header exceeds 16384 bytes"));
      r.result(http::status::request_header_fields_too_large);
      return Send(std::move(r));
    }
    if (ec) return;  // timeout, reset or malformed request: drop the connection
    Request req = parser_->release();
    if (beast::websocket::is_upgrade(req)) {
      Target t = ParseTarget(std::string_view(req.target().data(), req.target().size()));
      if (t.segments.size() == 1 && t.segments[0] == "ws") {
        std::shared_ptr<const auth::Principal> principal;
        std::unique_ptr<live::Resolver> scoped;
        if (ctx_.access) {
          WsAdmission a = AdmitWebSocket(*ctx_.access, req, remote_);
          if (a.refusal) return Send(std::move(*a.refusal));
          principal = std::move(a.principal);
          if (a.filtered)
            scoped = MakeScopedResolver(*ctx_.access, ctx_.resolver, principal, remote_);
        }
        beast::get_lowest_layer(stream_).expires_never();
        StartWebSocketSession(ctx_, std::move(stream_), std::move(req), std::move(principal),
                              std::move(scoped), remote_, std::move(slot_));
        return;
      }
    }
    beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(120));
    Response res = router_.Handle(ctx_, req, remote_);
    const uint64_t lsn = TakeDurableLsn(res);
    if (lsn == 0 || !ctx_.history || ctx_.history->IsDurable(lsn)) return Send(std::move(res));
    // Acknowledge only once the batch is durable; the WAL thread calls back, we post home.
    auto sp = std::make_shared<Response>(std::move(res));
    ctx_.history->WhenDurable(lsn, [self = this->shared_from_this(), sp](Status s) {
      net::post(self->stream_.get_executor(), [self, sp, s = std::move(s)] {
        if (!s.ok()) {
          Request r;
          r.version(sp->version());
          r.keep_alive(sp->keep_alive());
          *sp = JsonResponse(
              r, 503,
              {{"code", static_cast<int>(ErrorCode::kStorage)},
               {"error", std::string(ErrorCodeName(ErrorCode::kStorage))},
               {"message", "history sync failed; the batch may not be durable: " + s.message()}});
        }
        self->Send(std::move(*sp));
      });
    });
  }

  void Send(Response res) {
    if constexpr (kTls) {  // browsers then refuse plain HTTP to this host for a year
      res.set(http::field::strict_transport_security, "max-age=31536000");
    }
    auto sp = std::make_shared<Response>(std::move(res));
    bool close = sp->need_eof();
    http::async_write(stream_, *sp,
                      [self = this->shared_from_this(), sp, close](beast::error_code ec, size_t) {
                        if (ec) return;
                        if (close) return self->Close();
                        self->DoRead();
                      });
  }

  void Close() {
    if constexpr (kTls) {  // close_notify, bounded by a deadline
      beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(5));
      stream_.async_shutdown([self = this->shared_from_this()](beast::error_code) {});
    } else {
      beast::error_code ec;
      stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    }
  }

  void CountHandshakeFailure() {
    ctx_.metrics
        .GetCounter(
            "lj_tls_handshake_failures_total",
            "TLS handshakes that failed or timed out (plain HTTP on the TLS port included).")
        .Inc();
  }

  static constexpr bool kTls = !std::is_same_v<Stream, beast::tcp_stream>;

  Stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  ServerContext& ctx_;
  const Router& router_;
  std::string remote_;          // "address:port" of the peer, for the audit trail
  std::shared_ptr<void> slot_;  // this address's connection slot (handed on to a WebSocket)
};

}  // namespace

struct HttpServer::Impl {
  Impl(ServerContext& c, std::shared_ptr<net::ssl::context> t)
      : ctx(c), tls(std::move(t)), ioc(c.options.threads), acceptor(ioc) {}
  ServerContext& ctx;
  std::shared_ptr<net::ssl::context> tls;  // null: plain HTTP
  Router router;
  net::io_context ioc;
  tcp::acceptor acceptor;
  std::vector<std::thread> threads;
  uint16_t port = 0;

  // Open connections per client address (max_connections_per_ip): a slot is held for a
  // connection's life, HTTP then WebSocket; over the cap the connection is closed at once.
  // Slots share the table, so a session outliving the server still releases safely.
  struct PerIp {
    std::mutex mu;
    std::unordered_map<std::string, size_t> open;
  };
  struct Slot {
    std::shared_ptr<PerIp> table;
    std::string ip;
    ~Slot() {
      std::lock_guard lk(table->mu);
      if (--table->open[ip] == 0) table->open.erase(ip);
    }
  };
  std::shared_ptr<PerIp> per_ip = std::make_shared<PerIp>();
  std::shared_ptr<void> AcquireSlot(const std::string& ip) {
    const size_t cap = ctx.options.max_connections_per_ip;
    std::lock_guard lk(per_ip->mu);
    size_t& n = per_ip->open[ip];
    if (cap > 0 && n >= cap) return nullptr;
    ++n;
    return std::shared_ptr<Slot>(new Slot{per_ip, ip});
  }

  void DoAccept() {
    acceptor.async_accept(net::make_strand(ioc), [this](beast::error_code ec, tcp::socket s) {
      if (ec == net::error::operation_aborted) return;
      if (!ec) {
        const tcp::endpoint peer = s.remote_endpoint(ec);
        std::shared_ptr<void> slot = ec ? nullptr : AcquireSlot(peer.address().to_string());
        if (!slot) {
          if (!ec) {
            ctx.metrics
                .GetCounter("lj_http_connections_refused_total",
                            "Connections closed at once: the client address has "
                            "max_connections_per_ip open")
                .Inc();
            LJ_LOG_WARN("connection refused: max_connections_per_ip", "remote",
                        peer.address().to_string(), "max", ctx.options.max_connections_per_ip);
          }
          s.close(ec);
        } else if (tls) {
          s.set_option(tcp::no_delay(true), ec);
          std::make_shared<HttpSession<SslStream>>(SslStream(std::move(s), *tls), ctx, router,
                                                   std::move(slot))
              ->Run();
        } else {
          s.set_option(tcp::no_delay(true), ec);
          std::make_shared<HttpSession<beast::tcp_stream>>(beast::tcp_stream(std::move(s)), ctx,
                                                           router, std::move(slot))
              ->Run();
        }
      }
      DoAccept();
    });
  }
};

HttpServer::HttpServer(ServerContext& ctx, std::shared_ptr<boost::asio::ssl::context> tls)
    : impl_(std::make_unique<Impl>(ctx, std::move(tls))) {}
HttpServer::~HttpServer() { Stop(); }

Status HttpServer::Start() {
  beast::error_code ec;
  auto addr = net::ip::make_address(impl_->ctx.options.address, ec);
  if (ec)
    return Status(
        ErrorCode::kInvalidArgument,
        fmt::format("bad listen address '{}': {}", impl_->ctx.options.address, ec.message()));
  tcp::endpoint ep(addr, impl_->ctx.options.port);
  auto& a = impl_->acceptor;
  a.open(ep.protocol(), ec);
  if (!ec) a.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) a.bind(ep, ec);
  if (!ec) a.listen(net::socket_base::max_listen_connections, ec);
  if (ec)
    return Status(ErrorCode::kIo,
                  fmt::format("cannot listen on {}:{}: {}", impl_->ctx.options.address,
                              impl_->ctx.options.port, ec.message()));
  impl_->port = a.local_endpoint().port();
  impl_->DoAccept();
  int n = std::max(1, impl_->ctx.options.threads);
  for (int i = 0; i < n; ++i) impl_->threads.emplace_back([this] { impl_->ioc.run(); });
  LJ_LOG_INFO("http listening", "addr", impl_->ctx.options.address, "port", impl_->port, "threads",
              n, "tls", impl_->tls != nullptr);
  return Status::Ok();
}

uint16_t HttpServer::port() const { return impl_->port; }

void HttpServer::Stop() {
  if (!impl_ || impl_->threads.empty()) return;
  beast::error_code ec;
  impl_->acceptor.close(ec);
  impl_->ioc.stop();
  for (auto& t : impl_->threads) t.join();
  impl_->threads.clear();
}

}  // namespace lj::server
