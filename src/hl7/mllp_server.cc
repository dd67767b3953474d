#include "hl7/mllp_server.h"

#include <fmt/format.h>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>

#include <array>
#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

#include "common/log.h"
#include "hl7/handler.h"
#include "hl7/mllp.h"

namespace lj::hl7 {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

using TlsStream = asio::ssl::stream<tcp::socket>;

// Lets durability callbacks (run on the history's thread, maybe after Stop) reach a connection
// only while the io_context exists: Stop() closes it first.
struct DurableGate {
  std::mutex mu;
  bool open = true;
};

}  // namespace

struct MllpServer::Impl {
  Impl(const MllpOptions& o, graph::TwinGraph& graph, ingest::IngestSink& sink,
       metrics::Registry& m)
      : options(o),
        handler(graph, sink, m,
                HandlerOptions{o.application, o.default_offset_minutes, o.authorize}),
        connections_total(m.GetCounter("lj_hl7_connections_total", "MLLP connections accepted")),
        connections_rejected(m.GetCounter("lj_hl7_connections_rejected_total",
                                          "MLLP connections closed at once: max_connections")),
        connections_refused(m.GetCounter("lj_hl7_connections_refused_total",
                                         "MLLP connections closed at once: address not in allow")),
        tls_failures(m.GetCounter("lj_hl7_tls_handshake_failures_total",
                                  "MLLP connections closed: TLS handshake failed or stalled")),
        connections_active(m.GetGauge("lj_hl7_connections_active", "Open MLLP connections")),
        garbage(Framing(m, "garbage")),
        truncated(Framing(m, "truncated")),
        oversize(Framing(m, "oversize")) {}

  static metrics::Counter& Framing(metrics::Registry& m, const char* kind) {
    return m.GetCounter("lj_hl7_framing_errors_total",
                        "MLLP framing errors: garbage runs between frames, frames cut short by a "
                        "new start block, frames over max_message_bytes",
                        {{"kind", kind}});
  }
  void Accept();

  MllpOptions options;
  MessageHandler handler;
  metrics::Counter& connections_total;
  metrics::Counter& connections_rejected;
  metrics::Counter& connections_refused;
  metrics::Counter& tls_failures;
  metrics::Gauge& connections_active;
  metrics::Counter& garbage;
  metrics::Counter& truncated;
  metrics::Counter& oversize;
  std::atomic<size_t> active{0};
  uint16_t port = 0;
  std::atomic<bool> stopped{false};
  std::shared_ptr<DurableGate> gate = std::make_shared<DurableGate>();
  std::unique_ptr<asio::io_context> io;
  std::unique_ptr<tcp::acceptor> acceptor;
  std::vector<std::thread> threads;
  std::vector<asio::ip::network_v4> allow_v4;
  std::vector<asio::ip::network_v6> allow_v6;
  bool Allowed(const asio::ip::address& a) const;
};

namespace {

// Stream: tcp::socket (plain MLLP) or TlsStream (MLLP over TLS, handshake first).
template <typename Stream>
class Connection : public std::enable_shared_from_this<Connection<Stream>> {
  static constexpr bool kTls = std::is_same_v<Stream, TlsStream>;

 public:
  Connection(MllpServer::Impl& impl, Stream stream, std::string remote)
      : impl_(impl),
        remote_(std::move(remote)),
        socket_(std::move(stream)),
        executor_(socket_.get_executor()),
        timer_(executor_),
        hold_(executor_),
        deframer_(impl.options.max_message_bytes) {
    impl_.active.fetch_add(1);
    impl_.connections_active.Add(1);
  }
  ~Connection() {
    impl_.active.fetch_sub(1);
    impl_.connections_active.Add(-1);
  }

  void Start() {
    if constexpr (kTls) {
      // The handshake has the idle timeout (30 s when there is none): a stalled one is dropped.
      ArmTimer(impl_.options.idle_timeout_s > 0 ? impl_.options.idle_timeout_s : 30);
      socket_.async_handshake(asio::ssl::stream_base::server, [self = this->shared_from_this()](
                                                                  boost::system::error_code ec) {
        if (ec) {
          self->impl_.tls_failures.Inc();
          LJ_LOG_DEBUG("hl7 tls handshake failed", "remote", self->remote_, "error", ec.message());
          self->timer_.cancel();
          self->Lowest().close(ec);
          return;
        }
        self->ArmTimer(self->impl_.options.idle_timeout_s);
        self->Read();
      });
    } else {
      ArmTimer(impl_.options.idle_timeout_s);
      Read();
    }
  }

 private:
  tcp::socket& Lowest() {
    if constexpr (kTls)
      return socket_.next_layer();
    else
      return socket_;
  }

  void ArmTimer(int seconds) {
    if (seconds <= 0) return;
    timer_.expires_after(std::chrono::seconds(seconds));
    timer_.async_wait([self = this->shared_from_this()](boost::system::error_code ec) {
      if (ec) return;  // re-armed or cancelled
      LJ_LOG_DEBUG("hl7 connection idle, closing");
      boost::system::error_code ignored;
      self->Lowest().close(ignored);
    });
  }

  void Read() {
    socket_.async_read_some(asio::buffer(buf_),
                            [self = this->shared_from_this()](boost::system::error_code ec,
                                                              size_t n) { self->OnRead(ec, n); });
  }

  void OnRead(boost::system::error_code ec, size_t n) {
    if (ec) {
      timer_.cancel();
      return;  // closed by the peer, the idle timer or Stop()
    }
    ArmTimer(impl_.options.idle_timeout_s);
    deframer_.Feed(std::string_view(buf_.data(), n),
                   [this](const MllpFrameEvent& ev) { acks_.push_back(HandleFrame(ev)); });
    CountFraming();
    AwaitDurable();
  }

  // An ACK whose message stored samples waits until they are durable (when_durable; never
  // blocking this thread); then this read's ACKs are written, in message order.
  void AwaitDurable() {
    for (MessageHandler::Outcome& o : acks_) {
      if (o.lsn == 0) continue;
      if (impl_.options.when_durable)
        ++waiting_;
      else
        o = impl_.handler.Settle(std::move(o), Status::Ok());
    }
    if (waiting_ == 0) return WriteAcks();
    // Keeps this connection alive meanwhile (the callbacks hold it weakly); Stop() ends it.
    hold_.expires_at(asio::steady_timer::time_point::max());
    hold_.async_wait([self = this->shared_from_this()](boost::system::error_code) {});
    for (size_t i = 0; i < acks_.size(); ++i) {
      if (acks_[i].lsn == 0) continue;
      impl_.options.when_durable(
          acks_[i].lsn, [gate = impl_.gate, weak = this->weak_from_this(), i](Status st) {
            std::lock_guard lk(gate->mu);
            if (!gate->open) return;  // stopped: the connection closes without this ACK
            if (auto self = weak.lock())
              asio::post(self->executor_, [self, i, st = std::move(st)] { self->Durable(i, st); });
          });
    }
  }

  void Durable(size_t i, const Status& synced) {
    acks_[i] = impl_.handler.Settle(std::move(acks_[i]), synced);
    if (--waiting_ > 0) return;
    hold_.cancel();
    WriteAcks();
  }

  void WriteAcks() {
    for (const MessageHandler::Outcome& o : acks_) out_ += MllpFrame(o.ack);
    acks_.clear();
    if (out_.empty()) {
      Read();
      return;
    }
    asio::async_write(socket_, asio::buffer(out_),
                      [self = this->shared_from_this()](boost::system::error_code wec, size_t) {
                        self->out_.clear();
                        if (wec) {
                          self->timer_.cancel();
                          return;
                        }
                        self->Read();
                      });
  }

  MessageHandler::Outcome HandleFrame(const MllpFrameEvent& ev) {
    try {
      return impl_.handler.Handle(ev.payload, ev.oversize, ev.total_bytes, remote_);
    } catch (const std::exception& e) {
      LJ_LOG_ERROR("hl7 handler failed", "error", e.what());
      return {.ack = BuildAck(SalvageAckContext(ev.payload), AckCode::kReject, "LJERROR", 0,
                              {AckIssue{"", kHl7InternalError, ErrorCode::kInternal,
                                        "internal error; see the server log"}}),
              .code = AckCode::kReject};
    }
  }

  void CountFraming() {
    impl_.garbage.Inc(deframer_.garbage_runs() - seen_garbage_);
    impl_.truncated.Inc(deframer_.truncated_frames() - seen_truncated_);
    impl_.oversize.Inc(deframer_.oversize_frames() - seen_oversize_);
    seen_garbage_ = deframer_.garbage_runs();
    seen_truncated_ = deframer_.truncated_frames();
    seen_oversize_ = deframer_.oversize_frames();
  }

  MllpServer::Impl& impl_;
  const std::string remote_;
  Stream socket_;
  const asio::any_io_executor executor_;  // the connection's strand
  asio::steady_timer timer_;
  asio::steady_timer hold_;  // pending while ACKs wait for durability
  MllpDeframer deframer_;
  std::array<char, 16384> buf_{};
  std::vector<MessageHandler::Outcome> acks_;  // of one read, in message order
  size_t waiting_ = 0;                         // of acks_, for durability
  std::string out_;
  uint64_t seen_garbage_ = 0, seen_truncated_ = 0, seen_oversize_ = 0;
};

}  // namespace

void MllpServer::Impl::Accept() {
  acceptor->async_accept(
      asio::make_strand(*io), [this](boost::system::error_code ec, tcp::socket socket) {
        if (ec) {
          if (ec == asio::error::operation_aborted || stopped.load()) return;
          LJ_LOG_WARN("hl7 accept failed", "error", ec.message());
          Accept();
          return;
        }
        boost::system::error_code rec;
        const tcp::endpoint peer = socket.remote_endpoint(rec);
        if (rec || !Allowed(peer.address())) {
          connections_refused.Inc();
          LJ_LOG_WARN("hl7 connection refused: address not in [hl7] allow", "remote",
                      rec ? std::string("?") : peer.address().to_string());
          boost::system::error_code ignored;
          socket.close(ignored);
        } else if (active.load() >= options.max_connections) {
          connections_rejected.Inc();
          LJ_LOG_WARN("hl7 connection refused: max_connections reached", "max",
                      options.max_connections);
          boost::system::error_code ignored;
          socket.close(ignored);
        } else {
          connections_total.Inc();
          std::string remote = fmt::format("{}:{}", peer.address().to_string(), peer.port());
          if (options.tls)
            std::make_shared<Connection<TlsStream>>(
                *this, TlsStream(std::move(socket), *options.tls), std::move(remote))
                ->Start();
          else
            std::make_shared<Connection<tcp::socket>>(*this, std::move(socket), std::move(remote))
                ->Start();
        }
        Accept();
      });
}

bool MllpServer::Impl::Allowed(const asio::ip::address& address) const {
  if (options.allow.empty()) return true;
  asio::ip::address a = address;
  if (a.is_v6() && a.to_v6().is_v4_mapped())
    a = asio::ip::make_address_v4(asio::ip::v4_mapped, a.to_v6());
  if (a.is_v4()) {
    for (const asio::ip::network_v4& n : allow_v4)
      if (asio::ip::network_v4(a.to_v4(), n.prefix_length()).canonical() == n) return true;
    return false;
  }
  for (const asio::ip::network_v6& n : allow_v6)
    if (asio::ip::network_v6(a.to_v6(), n.prefix_length()).canonical() == n) return true;
  return false;
}

// "10.1.0.0/16" / "::1/128" (a bare address means the one host), canonical (host bits zero).
Status ParseAllow(const std::vector<std::string>& allow, std::vector<asio::ip::network_v4>* v4,
                  std::vector<asio::ip::network_v6>* v6) {
  for (const std::string& cidr : allow) {
    boost::system::error_code ec;
    const size_t slash = cidr.find('/');
    const asio::ip::address a = asio::ip::make_address(cidr.substr(0, slash), ec);
    int prefix = a.is_v4() ? 32 : 128;
    if (!ec && slash != std::string::npos) {
      const std::string p = cidr.substr(slash + 1);
      prefix = -1;
      if (!p.empty() && p.size() <= 3 && p.find_first_not_of("0123456789") == std::string::npos)
        prefix = std::stoi(p);
    }
    if (ec || prefix < 0 || prefix > (a.is_v4() ? 32 : 128))
      return Status(
          ErrorCode::kInvalidArgument,
          fmt::format("hl7.allow: '{}' is not an address or CIDR network", cidr.substr(0, 64)));
    if (a.is_v4())
      v4->push_back(asio::ip::network_v4(a.to_v4(), prefix).canonical());
    else
      v6->push_back(asio::ip::network_v6(a.to_v6(), prefix).canonical());
  }
  return Status::Ok();
}

Status ValidateOptions(const MllpOptions& o) {
  std::vector<asio::ip::network_v4> v4;
  std::vector<asio::ip::network_v6> v6;
  LJ_RETURN_IF_ERROR(ParseAllow(o.allow, &v4, &v6));
  if (o.max_message_bytes < 64 || o.max_message_bytes > (64u << 20)) {
    return Status(ErrorCode::kInvalidArgument, "hl7.max_message_bytes must be 64 B .. 64 MiB");
  }
  if (o.threads < 1 || o.threads > 16) {
    return Status(ErrorCode::kInvalidArgument, "hl7.threads must be 1 .. 16");
  }
  if (o.max_connections < 1) {
    return Status(ErrorCode::kInvalidArgument, "hl7.max_connections must be at least 1");
  }
  if (o.idle_timeout_s < 0) {
    return Status(ErrorCode::kInvalidArgument, "hl7.idle_timeout_s must be >= 0");
  }
  if (o.default_offset_minutes < -14 * 60 || o.default_offset_minutes > 14 * 60) {
    return Status(ErrorCode::kInvalidArgument, "hl7.default_offset_minutes must be -840 .. 840");
  }
  return Status::Ok();
}

Result<std::unique_ptr<MllpServer>> MllpServer::Start(const MllpOptions& options,
                                                      graph::TwinGraph& graph,
                                                      ingest::IngestSink& sink,
                                                      metrics::Registry& metrics) {
  LJ_RETURN_IF_ERROR(ValidateOptions(options));
  auto impl = std::make_unique<Impl>(options, graph, sink, metrics);
  LJ_RETURN_IF_ERROR(ParseAllow(options.allow, &impl->allow_v4, &impl->allow_v6));
  impl->io = std::make_unique<asio::io_context>(options.threads);
  boost::system::error_code ec;
  const asio::ip::address addr = asio::ip::make_address(options.address, ec);
  if (ec) {
    return Status(ErrorCode::kInvalidArgument,
                  fmt::format("hl7.address '{}': {}", options.address, ec.message()));
  }
  impl->acceptor = std::make_unique<tcp::acceptor>(*impl->io);
  const tcp::endpoint ep(addr, options.port);
  if (impl->acceptor->open(ep.protocol(), ec) ||
      impl->acceptor->set_option(asio::socket_base::reuse_address(true), ec) ||
      impl->acceptor->bind(ep, ec) ||
      impl->acceptor->listen(asio::socket_base::max_listen_connections, ec)) {
    return Status(ErrorCode::kIo, fmt::format("hl7: cannot listen on {}:{}: {}", options.address,
                                              options.port, ec.message()));
  }
  impl->port = impl->acceptor->local_endpoint(ec).port();
  impl->Accept();
  for (int i = 0; i < options.threads; ++i) {
    impl->threads.emplace_back([io = impl->io.get()] {
      for (;;) {
        try {
          io->run();
          return;
        } catch (const std::exception& e) {
          LJ_LOG_ERROR("hl7 io thread caught exception", "error", e.what());
        }
      }
    });
  }
  LJ_LOG_INFO("hl7 mllp listening", "addr", options.address, "port", impl->port);
  return std::unique_ptr<MllpServer>(new MllpServer(std::move(impl)));
}

MllpServer::MllpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
MllpServer::~MllpServer() { Stop(); }

uint16_t MllpServer::port() const { return impl_->port; }

void MllpServer::Stop() {
  if (impl_->stopped.exchange(true)) return;
  {
    std::lock_guard lk(impl_->gate->mu);  // late durability callbacks no longer post
    impl_->gate->open = false;
  }
  impl_->io->stop();
  for (std::thread& t : impl_->threads) t.join();
  impl_->threads.clear();
  impl_->acceptor.reset();
  impl_->io.reset();  // destroys pending handlers, closing every connection
  LJ_LOG_INFO("hl7 mllp stopped");
}

}  // namespace lj::hl7
