#include "hl7/mllp_server.h"

#include <fmt/format.h>
#include <boost/asio.hpp>

#include <array>
#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "common/log.h"
#include "hl7/handler.h"
#include "hl7/mllp.h"

namespace lj::hl7 {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

class Connection;

}  // namespace

struct MllpServer::Impl {
  Impl(const MllpOptions& o, graph::TwinGraph& graph, ingest::IngestSink& sink,
       metrics::Registry& m)
      : options(o),
        handler(graph, sink, m, HandlerOptions{o.application, o.default_offset_minutes}),
        connections_total(m.GetCounter("lj_hl7_connections_total", "MLLP connections accepted")),
        connections_rejected(m.GetCounter("lj_hl7_connections_rejected_total",
                                          "MLLP connections closed at once: max_connections")),
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
  metrics::Gauge& connections_active;
  metrics::Counter& garbage;
  metrics::Counter& truncated;
  metrics::Counter& oversize;
  std::atomic<size_t> active{0};
  uint16_t port = 0;
  std::atomic<bool> stopped{false};
  std::unique_ptr<asio::io_context> io;
  std::unique_ptr<tcp::acceptor> acceptor;
  std::vector<std::thread> threads;
};

namespace {

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(MllpServer::Impl& impl, tcp::socket socket)
      : impl_(impl),
        socket_(std::move(socket)),
        timer_(socket_.get_executor()),
        deframer_(impl.options.max_message_bytes) {
    impl_.active.fetch_add(1);
    impl_.connections_active.Add(1);
  }
  ~Connection() {
    impl_.active.fetch_sub(1);
    impl_.connections_active.Add(-1);
  }

  void Start() {
    ArmTimer();
    Read();
  }

 private:
  void ArmTimer() {
    if (impl_.options.idle_timeout_s <= 0) return;
    timer_.expires_after(std::chrono::seconds(impl_.options.idle_timeout_s));
    timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      if (ec) return;  // re-armed or cancelled
      LJ_LOG_DEBUG("hl7 connection idle, closing");
      boost::system::error_code ignored;
      self->socket_.close(ignored);
    });
  }

  void Read() {
    socket_.async_read_some(asio::buffer(buf_),
                            [self = shared_from_this()](boost::system::error_code ec, size_t n) {
                              self->OnRead(ec, n);
                            });
  }

  void OnRead(boost::system::error_code ec, size_t n) {
    if (ec) {
      timer_.cancel();
      return;  // closed by the peer, the idle timer or Stop()
    }
    ArmTimer();
    deframer_.Feed(std::string_view(buf_.data(), n),
                   [this](const MllpFrameEvent& ev) { out_ += MllpFrame(HandleFrame(ev)); });
    CountFraming();
    if (out_.empty()) {
      Read();
      return;
    }
    asio::async_write(socket_, asio::buffer(out_),
                      [self = shared_from_this()](boost::system::error_code wec, size_t) {
                        self->out_.clear();
                        if (wec) {
                          self->timer_.cancel();
                          return;
                        }
                        self->Read();
                      });
  }

  std::string HandleFrame(const MllpFrameEvent& ev) {
    try {
      return impl_.handler.Handle(ev.payload, ev.oversize, ev.total_bytes).ack;
    } catch (const std::exception& e) {
      LJ_LOG_ERROR("hl7 handler failed", "error", e.what());
      return BuildAck(SalvageAckContext(ev.payload), AckCode::kReject, "LJERROR", 0,
                      {AckIssue{"", kHl7InternalError, ErrorCode::kInternal,
                                "internal error; see the server log"}});
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
  tcp::socket socket_;
  asio::steady_timer timer_;
  MllpDeframer deframer_;
  std::array<char, 16384> buf_{};
  std::string out_;
  uint64_t seen_garbage_ = 0, seen_truncated_ = 0, seen_oversize_ = 0;
};

}  // namespace

void MllpServer::Impl::Accept() {
  acceptor->async_accept(asio::make_strand(*io),
                         [this](boost::system::error_code ec, tcp::socket socket) {
                           if (ec) {
                             if (ec == asio::error::operation_aborted || stopped.load()) return;
                             LJ_LOG_WARN("hl7 accept failed", "error", ec.message());
                           } else if (active.load() >= options.max_connections) {
                             connections_rejected.Inc();
                             LJ_LOG_WARN("hl7 connection refused: max_connections reached", "max",
                                         options.max_connections);
                             boost::system::error_code ignored;
                             socket.close(ignored);
                           } else {
                             connections_total.Inc();
                             std::make_shared<Connection>(*this, std::move(socket))->Start();
                           }
                           Accept();
                         });
}

Status ValidateOptions(const MllpOptions& o) {
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
  impl_->io->stop();
  for (std::thread& t : impl_->threads) t.join();
  impl_->threads.clear();
  impl_->acceptor.reset();
  impl_->io.reset();  // destroys pending handlers, closing every connection
  LJ_LOG_INFO("hl7 mllp stopped");
}

}  // namespace lj::hl7
