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

#include <sys/resource.h>

#include <atomic>
#include <mutex>
#include <unordered_map>

#include "common/log.h"
#include "common/time.h"
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
  // `reserved`: admitted over max_connections, for the health check and administrators only.
  HttpSession(Stream stream, ServerContext& ctx, const Router& router, std::shared_ptr<void> slot,
              bool reserved)
      : stream_(std::move(stream)),
        ctx_(ctx),
        router_(router),
        slot_(std::move(slot)),
        reserved_(reserved) {
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
    // A reserved connection (over max_connections) gets little time: it must not be held idle.
    const int header_s =
        reserved_ ? std::min(ctx_.options.header_timeout_s, 5) : ctx_.options.header_timeout_s;
    beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(header_s));
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
    if (ec) {  // timeout, reset or malformed request: drop the connection
      if (ec == beast::error::timeout)
        ctx_.metrics
            .GetCounter("lj_http_header_timeouts_total",
                        "Connections dropped because a request header (or TLS handshake) did not "
                        "arrive within header_timeout_s.")
            .Inc();
      return;
    }
    Request req = parser_->release();
    bool upgrade = false;
    if (beast::websocket::is_upgrade(req)) {
      Target t = ParseTarget(std::string_view(req.target().data(), req.target().size()));
      upgrade = t.segments.size() == 1 && t.segments[0] == "ws";
    }
    beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(120));
    if (reserved_) {
      req.keep_alive(false);  // one request, then the reserved slot is free again
      if (upgrade || !MayUseReserve(req)) {
        ctx_.metrics
            .GetCounter("lj_http_connections_over_limit_total",
                        "Connections closed at once: max_connections and the reserved connections "
                        "are all open")
            .Inc();
        Response busy = ErrorResponse(
            req, Status(ErrorCode::kUnavailable,
                        "the server is at its connection limit ([server] max_connections); retry"));
        busy.set(http::field::retry_after, "1");
        return Send(std::move(busy));
      }
    }
    AccessControl* ac = ctx_.access;
    if (ac && ac->hashing && NeedsPasswordHashing(*ac, req)) {
      // argon2id costs tens of milliseconds: it runs on the hashing pool, never on this io
      // thread, and a full pool answers at once (503, Retry-After) instead of queueing.
      auto sp = std::make_shared<Request>(std::move(req));
      auto self = this->shared_from_this();
      const bool posted = ac->hashing->TryPost([self, sp, upgrade, ac] {
        if (upgrade) {
          auto a = std::make_shared<WsAdmission>(AdmitWebSocket(*ac, *sp, self->remote_));
          net::post(self->stream_.get_executor(),
                    [self, sp, a] { self->Upgrade(std::move(*sp), std::move(*a)); });
        } else {
          auto res =
              std::make_shared<Response>(self->router_.Handle(self->ctx_, *sp, self->remote_));
          net::post(self->stream_.get_executor(), [self, res] { self->Answer(std::move(*res)); });
        }
      });
      if (posted) return;
      if (ac->hashing_busy) ac->hashing_busy->Inc();
      Response busy = ErrorResponse(
          *sp, Status(ErrorCode::kUnavailable,
                      "too many password checks are waiting; retry, or use a token or session"));
      busy.set(http::field::retry_after, "1");
      return Send(std::move(busy));
    }
    if (upgrade) {
      WsAdmission a;
      if (ac) a = AdmitWebSocket(*ac, req, remote_);
      return Upgrade(std::move(req), std::move(a));
    }
    Answer(router_.Handle(ctx_, req, remote_));
  }

  // On a reserved connection: the health check, and requests of an administrator (by token or
  // session: no password hashing here).
  bool MayUseReserve(const Request& req) {
    std::string_view target(req.target().data(), req.target().size());
    if (target.substr(0, target.find('?')) == "/healthz") return true;
    if (!ctx_.access || NeedsPasswordHashing(*ctx_.access, req)) return false;
    Authn a = AuthenticateRequest(*ctx_.access, req, remote_);
    return a.principal.ok() && (*a.principal)->role == auth::Role::kAdministrator;
  }

  // Hands the connection to a WebSocket session, or answers the refusal of its upgrade.
  void Upgrade(Request req, WsAdmission a) {
    if (a.refusal) return Send(std::move(*a.refusal));
    std::unique_ptr<live::Resolver> scoped;
    if (ctx_.access && a.filtered)
      scoped = MakeScopedResolver(*ctx_.access, ctx_.resolver, a.principal, remote_);
    beast::get_lowest_layer(stream_).expires_never();
    StartWebSocketSession(ctx_, std::move(stream_), std::move(req), std::move(a.principal),
                          std::move(scoped), remote_, std::move(slot_), std::move(a.credential));
  }

  // Sends a route's answer, once its ingested samples are durable when it carries an LSN.
  void Answer(Response res) {
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
    // Every answer by status (refusals: 401, 403, 413, 429, 431, 503, …) on /metrics.
    ctx_.metrics
        .GetCounter("lj_http_responses_total", "HTTP responses sent, by status code.",
                    {{"code", std::to_string(res.result_int())}})
        .Inc();
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
  const bool reserved_;
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

  // Open connections (max_connections) and per client address (max_connections_per_ip): a
  // slot is held for a connection's life, HTTP then WebSocket. Over max_connections, up to
  // reserved_connections more are admitted for the health check and administrators only; beyond
  // that, or over an address's cap, the connection is closed at once. Slots share the table, so a
  // session outliving the server still releases safely.
  struct PerIp {
    std::mutex mu;
    std::unordered_map<std::string, size_t> open;
    size_t total = 0;
  };
  struct Slot {
    std::shared_ptr<PerIp> table;
    std::string ip;
    ~Slot() {
      std::lock_guard lk(table->mu);
      --table->total;
      if (--table->open[ip] == 0) table->open.erase(ip);
    }
  };
  enum class Admit { kYes, kReserved, kPerIp, kFull };
  static constexpr size_t kReserveMaxPerIp = 2;
  std::shared_ptr<PerIp> per_ip = std::make_shared<PerIp>();
  size_t max_connections = 0;  // resolved at Start (auto: the fd limit minus fd_reserve)
  std::shared_ptr<void> AcquireSlot(const std::string& ip, Admit* admit) {
    const size_t cap = ctx.options.max_connections_per_ip;
    std::lock_guard lk(per_ip->mu);
    size_t& n = per_ip->open[ip];
    // The reserve is for addresses holding almost nothing (a health probe, an administrator),
    // never for those whose connections filled the server.
    if (per_ip->total >= max_connections &&
        (per_ip->total >= max_connections + ctx.options.reserved_connections ||
         n >= kReserveMaxPerIp)) {
      if (n == 0) per_ip->open.erase(ip);
      *admit = Admit::kFull;
      return nullptr;
    }
    if (cap > 0 && n >= cap) {
      *admit = Admit::kPerIp;
      if (n == 0) per_ip->open.erase(ip);
      return nullptr;
    }
    *admit = per_ip->total >= max_connections ? Admit::kReserved : Admit::kYes;
    ++n;
    ++per_ip->total;
    return std::shared_ptr<Slot>(new Slot{per_ip, ip});
  }

  // A warning at most once a second per kind, with how many happened meanwhile.
  struct Throttled {
    std::atomic<int64_t> next_ns{0};
    std::atomic<uint64_t> suppressed{0};
    bool Due() {
      const int64_t now = MonoNs();
      int64_t next = next_ns.load();
      if (now < next || !next_ns.compare_exchange_strong(next, now + 1'000'000'000)) {
        suppressed.fetch_add(1);
        return false;
      }
      return true;
    }
  };
  Throttled warn_per_ip, warn_full, warn_emfile;

  void Refuse(tcp::socket& s, const tcp::endpoint& peer, Admit why) {
    beast::error_code ec;
    if (why == Admit::kPerIp) {
      ctx.metrics
          .GetCounter("lj_http_connections_refused_total",
                      "Connections closed at once: the client address has "
                      "max_connections_per_ip open")
          .Inc();
      if (warn_per_ip.Due())
        LJ_LOG_WARN("connection refused: max_connections_per_ip", "remote",
                    peer.address().to_string(), "max", ctx.options.max_connections_per_ip,
                    "suppressed", warn_per_ip.suppressed.exchange(0));
    } else {
      ctx.metrics
          .GetCounter("lj_http_connections_over_limit_total",
                      "Connections closed at once: max_connections and the reserved connections "
                      "are all open")
          .Inc();
      if (warn_full.Due())
        LJ_LOG_WARN("connection refused: max_connections reached", "remote",
                    peer.address().to_string(), "max", max_connections, "reserved",
                    ctx.options.reserved_connections, "suppressed",
                    warn_full.suppressed.exchange(0));
    }
    s.close(ec);
  }

  net::steady_timer accept_backoff{ioc};

  void DoAccept() {
    acceptor.async_accept(net::make_strand(ioc), [this](beast::error_code ec, tcp::socket s) {
      if (ec == net::error::operation_aborted) return;
      if (ec == net::error::no_descriptors ||
          ec == boost::system::errc::too_many_files_open_in_system ||
          ec == net::error::no_buffer_space || ec == net::error::no_memory) {
        // Out of file descriptors (or kernel memory): accepting again at once would spin. Back
        // off; the pending connections wait in the listen backlog meanwhile.
        ctx.metrics
            .GetCounter("lj_http_accept_errors_total",
                        "accept() failures: out of file descriptors or kernel memory (the "
                        "server backs off 100 ms each time).")
            .Inc();
        if (warn_emfile.Due())
          LJ_LOG_ERROR("accept failed; backing off", "error", ec.message(), "open",
                       OpenConnections(), "suppressed", warn_emfile.suppressed.exchange(0));
        accept_backoff.expires_after(std::chrono::milliseconds(100));
        accept_backoff.async_wait([this](beast::error_code e) {
          if (!e) DoAccept();
        });
        return;
      }
      if (!ec) {
        const tcp::endpoint peer = s.remote_endpoint(ec);
        Admit admit = Admit::kFull;
        std::shared_ptr<void> slot = ec ? nullptr : AcquireSlot(peer.address().to_string(), &admit);
        if (!slot) {
          if (!ec)
            Refuse(s, peer, admit);
          else
            s.close(ec);
        } else if (tls) {
          s.set_option(tcp::no_delay(true), ec);
          std::make_shared<HttpSession<SslStream>>(SslStream(std::move(s), *tls), ctx, router,
                                                   std::move(slot), admit == Admit::kReserved)
              ->Run();
        } else {
          s.set_option(tcp::no_delay(true), ec);
          std::make_shared<HttpSession<beast::tcp_stream>>(beast::tcp_stream(std::move(s)), ctx,
                                                           router, std::move(slot),
                                                           admit == Admit::kReserved)
              ->Run();
        }
      }
      DoAccept();
    });
  }

  size_t OpenConnections() {
    std::lock_guard lk(per_ip->mu);
    return per_ip->total;
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
  // The connection cap: as configured, or what the open-file limit leaves after fd_reserve
  // descriptors for files (history, databases, logs) and the reserved connections.
  const ServerOptions& o = impl_->ctx.options;
  rlimit lim{};
  const uint64_t fds = getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur != RLIM_INFINITY
                           ? static_cast<uint64_t>(lim.rlim_cur)
                           : uint64_t{1} << 20;
  const uint64_t room =
      fds > o.fd_reserve + o.reserved_connections ? fds - o.fd_reserve - o.reserved_connections : 1;
  impl_->max_connections =
      o.max_connections > 0 ? std::min<uint64_t>(o.max_connections, room) : room;
  if (o.max_connections > room)
    LJ_LOG_WARN("max_connections lowered to fit the open-file limit", "configured",
                o.max_connections, "open_file_limit", fds, "max_connections",
                impl_->max_connections);
  impl_->ctx.metrics.AddCollector([table = impl_->per_ip, &m = impl_->ctx.metrics] {
    std::lock_guard lk(table->mu);
    m.GetGauge("lj_http_connections_open", "Open HTTP and WebSocket connections.")
        .Set(static_cast<double>(table->total));
  });
  impl_->DoAccept();
  int n = std::max(1, impl_->ctx.options.threads);
  for (int i = 0; i < n; ++i) impl_->threads.emplace_back([this] { impl_->ioc.run(); });
  LJ_LOG_INFO("http listening", "addr", impl_->ctx.options.address, "port", impl_->port, "threads",
              n, "tls", impl_->tls != nullptr, "max_connections", impl_->max_connections,
              "reserved_connections", o.reserved_connections, "open_file_limit", fds);
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
