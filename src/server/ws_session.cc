#include "server/ws_session.h"

#include <fmt/format.h>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <deque>
#include <set>

#include "auth/policy.h"
#include "common/json.h"
#include "common/log.h"
#include "common/time.h"
#include "ingest/json_batch.h"
#include "live/client_state.h"
#include "server/http_util.h"
#include "server/ws_access.h"
#include "server/ws_request.h"

namespace lj::server {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;

// The server's client options, withholding the clinical record from principals who may not
// read it (server/ws_access.h).
live::ClientOptions ClientOptionsFor(const live::ClientOptions& base, const auth::Principal* p) {
  live::ClientOptions o = base;
  if (p && WithholdsRecord(*p)) o.withhold_property = auth::IsRecordProperty;
  return o;
}

// Stream: beast::tcp_stream or SslStream (the connection's layer below WebSocket).
template <typename Stream>
class WsSession : public std::enable_shared_from_this<WsSession<Stream>> {
 public:
  WsSession(ServerContext& ctx, Stream stream, std::shared_ptr<const auth::Principal> principal,
            std::unique_ptr<live::Resolver> scoped, std::string remote, std::shared_ptr<void> slot,
            std::shared_ptr<const auth::HeldCredential> credential)
      : ctx_(ctx),
        principal_(std::move(principal)),
        credential_(std::move(credential)),
        scoped_resolver_(std::move(scoped)),
        remote_(std::move(remote)),
        slot_(std::move(slot)),
        ws_(std::move(stream)),
        timer_(ws_.get_executor()),
        client_(ctx.live, scoped_resolver_ ? *scoped_resolver_ : ctx.resolver, ctx.fanout,
                ClientOptionsFor(ctx.options.client, principal_.get()), ctx.history),
        disconnects_slow_(ctx.metrics.GetCounter("lj_live_disconnects_total",
                                                 "Viewers disconnected by the server.",
                                                 {{"reason", "slow_consumer"}})),
        invalid_utf8_(ctx.metrics.GetCounter(
            "lj_ws_invalid_utf8_frames_total",
            "Live API frames that were not valid UTF-8 and were repaired before sending "
            "(a bug: ingest and the graph refuse such text).")) {
    ctx_.stats.ws_clients.fetch_add(1);
    if (ctx_.options.socket_send_buffer_bytes > 0) {
      beast::error_code ec;
      beast::get_lowest_layer(ws_).socket().set_option(
          net::socket_base::send_buffer_size(ctx_.options.socket_send_buffer_bytes), ec);
    }
  }
  ~WsSession() {
    if (held_streams_ > 0) ctx_.history_streams.Release(IdentityKey(), held_streams_);
    ctx_.stats.ws_clients.fetch_sub(1);
    ctx_.stats.ws_queue_bytes.fetch_sub(static_cast<int64_t>(queued_bytes_));
  }

  void Run(http::request<http::string_body> req) {
    ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
    ws_.read_message_max(ctx_.options.max_ws_message_bytes);
    ws_.set_option(websocket::stream_base::decorator(
        [](websocket::response_type& res) { res.set(http::field::server, "lingjing"); }));
    ws_.async_accept(req, [self = this->shared_from_this()](beast::error_code ec) {
      if (ec) return;
      self->DoRead();
      self->ScheduleTick();
    });
  }

 private:
  void DoRead() {
    ws_.async_read(
        in_, [self = this->shared_from_this()](beast::error_code ec, size_t) { self->OnRead(ec); });
  }

  void OnRead(beast::error_code ec) {
    if (ec) {
      if (!closed_) CountReadEnd(ec);
      closed_ = true;
      timer_.cancel();
      EndPresence();
      return;
    }
    std::string text = beast::buffers_to_string(in_.data());
    in_.consume(in_.size());
    HandleMessage(text);
    if (!closed_) DoRead();
  }

  void HandleMessage(const std::string& text) {
    Result<WsRequest> req = ParseWsRequest(text);
    if (!req.ok()) {
      Send(ErrorFrame(req.status()));
      return;
    }
    const std::string& op = req->op;
    const nlohmann::json& msg = req->msg;
    const nlohmann::json& echo = req->echo;
    if (principal_ && ctx_.access) {
      Status allowed = AuthorizeWsOp(*ctx_.access, *principal_, remote_, op);
      if (!allowed.ok()) {
        Send(ErrorFrame(allowed, echo));
        return;
      }
    }
    if (op == "subscribe") {
      Subscribe(msg, echo);
    } else if (op == "unsubscribe") {
      if (!msg.contains("id") || !msg["id"].is_string()) {
        Send(ErrorFrame(Status(ErrorCode::kInvalidArgument, "'id' must be a string"), echo));
        return;
      }
      Status s = client_.Unsubscribe(msg["id"].get<std::string>());
      ReleaseFinishedStreams();
      if (!s.ok()) Send(ErrorFrame(s, echo));
    } else if (op == "ingest") {
      // Every message is checked against the credential's current state: a revoked device
      // token writes nothing more, even on a connection opened before the revocation.
      if (!CredentialStillValid()) return;
      Ingest(text, echo);
    } else if (op == "presence") {
      Presence(msg, echo);
    } else if (op == "pose") {
      Pose(msg, echo);
    } else if (op == "ping") {
      nlohmann::json pong = {{"op", "pong"}, {"t", NowNs() / 1e6}};
      if (echo.contains("seq")) pong["seq"] = echo["seq"];
      Send(pong.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    } else {
      Send(ErrorFrame(
          Status(ErrorCode::kUnsupported, fmt::format("unknown op '{}'", op.substr(0, 64))), echo));
    }
  }

  void Subscribe(const nlohmann::json& msg, const nlohmann::json& echo) {
    Result<SubscribeRequest> r = ParseSubscribe(msg);
    if (!r.ok()) {
      Send(ErrorFrame(r.status(), echo));
      return;
    }
    // History is streamed page by page as the socket drains (ClientState::NextHistory); an
    // identity may have at most HistoryStreams::max_per_identity such subscriptions pending.
    const bool streams = r->history_s > 0 && principal_;
    if (streams && !ctx_.history_streams.TryAcquire(IdentityKey())) {
      Send(ErrorFrame(Status(ErrorCode::kRateLimited,
                             fmt::format("'{}' has {} subscriptions receiving history on its "
                                         "connections; subscribe with history_s when they are done",
                                         principal_->name.substr(0, 64),
                                         ctx_.history_streams.max_per_identity)),
                      echo));
      return;
    }
    if (streams) ++held_streams_;
    std::vector<std::string> frames;
    Status s = client_.Subscribe(r->id, r->target, r->rate_hz, r->waveforms, MonoNs(), &frames,
                                 r->history_s);
    ReleaseFinishedStreams();
    if (!s.ok()) {
      Send(ErrorFrame(s, echo));
      return;
    }
    // The snapshot and history frames may be large: they are paced out of the backlog as the
    // socket drains, and live frames wait behind them.
    for (auto& f : frames) backlog_.push_back(std::move(f));
    Pump();
    ScheduleTick();
  }

  void Ingest(const std::string& text, const nlohmann::json& echo) {
    ingest::JsonBatchOptions opts;
    opts.limits = ctx_.options.limits;
    opts.default_time_ns = NowNs();
    ingest::ParsedBatch batch;
    ingest::ParseJsonBatch(text, opts, batch);
    if (principal_ && ctx_.access) {
      const std::vector<std::string> twins = ingest::DistinctTwins(batch);
      Status allowed =
          AuthorizeWsIngest(*ctx_.access, *principal_, remote_, twins, &written_patients_);
      if (!allowed.ok()) {
        Send(ErrorFrame(allowed, echo));
        return;
      }
    }
    ingest::IngestReport report = ctx_.ingest.Ingest(batch, ingest::Protocol::kWebSocket);
    nlohmann::json errors = nlohmann::json::array();
    for (const auto& r : report.rejects)
      errors.push_back({{"index", r.source},
                        {"code", static_cast<int>(r.code)},
                        {"error", std::string(ErrorCodeName(r.code))},
                        {"message", r.message}});
    nlohmann::json ack = {{"op", "ack"},
                          {"accepted", report.accepted},
                          {"rejected", report.rejected},
                          {"errors", errors}};
    if (echo.contains("seq")) ack["seq"] = echo["seq"];
    if (report.lsn == 0 || !ctx_.history || ctx_.history->IsDurable(report.lsn)) {
      Send(ack.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
      return;
    }
    // Acknowledge once durable, without blocking this io thread on the WAL sync.
    ctx_.history->WhenDurable(
        report.lsn, [self = this->shared_from_this(), ack = std::move(ack)](Status st) mutable {
          net::post(self->ws_.get_executor(), [self, ack = std::move(ack),
                                               st = std::move(st)]() mutable {
            if (!st.ok()) {
              ack["code"] = static_cast<int>(ErrorCode::kStorage);
              ack["error"] = std::string(ErrorCodeName(ErrorCode::kStorage));
              ack["message"] = "history sync failed; the batch may not be durable: " + st.message();
            }
            self->Send(ack.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
          });
        });
  }

  // `presence`: the first one creates this connection's presence twin, later ones patch it; the
  // twin is deleted when the connection closes (live/presence.h).
  void Presence(const nlohmann::json& msg, const nlohmann::json& echo) {
    if (!ctx_.presence) {
      Send(ErrorFrame(Status(ErrorCode::kUnsupported, "presence is not enabled"), echo));
      return;
    }
    if (!presence_) presence_ = ctx_.presence->NewSession(principal_ ? principal_->name : "");
    Result<nlohmann::json> props = presence_->Update(msg);
    if (!props.ok()) {
      Send(ErrorFrame(props.status(), echo));
      return;
    }
    nlohmann::json reply = {
        {"op", "presence"}, {"twin", presence_->twin_id()}, {"properties", std::move(*props)}};
    if (echo.contains("seq")) reply["seq"] = echo["seq"];
    Send(reply.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  }

  // `pose`: telemetry of this connection's own presence twin; no reply unless rejected (a pose
  // before `presence` is refused and counted by the session).
  void Pose(const nlohmann::json& msg, const nlohmann::json& echo) {
    if (!ctx_.presence) {
      Send(ErrorFrame(Status(ErrorCode::kUnsupported, "presence is not enabled"), echo));
      return;
    }
    if (!presence_) presence_ = ctx_.presence->NewSession(principal_ ? principal_->name : "");
    Status s = presence_->Pose(msg, MonoNs(), NowNs());
    if (!s.ok()) Send(ErrorFrame(s, echo));
  }

  // The connection is over: its presence twin leaves the ward now, not when the last handler
  // releases the session.
  void EndPresence() { presence_.reset(); }

  void ScheduleTick() {
    if (closed_) return;
    int64_t now = MonoNs();
    int64_t due = std::min(client_.NextDue(), now + 1'000'000'000);
    if (credential_) due = std::min(due, last_recheck_ns_ + RecheckIntervalNs());
    if (over_since_ != 0) due = std::min(due, now + 100'000'000);  // watch a backed-up queue
    timer_.expires_after(std::chrono::nanoseconds(std::max<int64_t>(due - now, 0)));
    timer_.async_wait([self = this->shared_from_this()](beast::error_code ec) {
      if (ec || self->closed_) return;
      self->Tick();
    });
  }

  void Tick() {
    const int64_t now = MonoNs();
    if (credential_ && now - last_recheck_ns_ >= RecheckIntervalNs()) {
      last_recheck_ns_ = now;
      if (!CredentialStillValid()) return;
    }
    if (queued_bytes_ > ctx_.options.client_queue_bytes / 2 || !backlog_.empty()) {
      if (over_since_ == 0) over_since_ = now;
      if (now - over_since_ > static_cast<int64_t>(ctx_.options.slow_client_timeout_s * 1e9)) {
        return DisconnectSlow();
      }
    } else if (client_.history_pending()) {
      over_since_ = 0;
      MoreHistory();
    } else {
      over_since_ = 0;
      std::vector<std::string> frames;
      client_.Collect(now, &frames);
      for (auto& f : frames) Send(std::move(f));
    }
    ScheduleTick();
  }

  void Send(std::string frame) {
    if (closed_) return;
    // A text frame must be UTF-8, or browsers close the connection (1006) on every reconnect.
    // Ingest and the graph refuse ill-formed text, so this is the last line of defence.
    if (!IsValidUtf8(frame)) {
      invalid_utf8_.Inc();
      LJ_LOG_ERROR("live API: a frame was not valid UTF-8; sent with U+FFFD replacements", "bytes",
                   frame.size());
      frame = ToValidUtf8(frame);
    }
    if (queued_bytes_ + frame.size() > ctx_.options.client_queue_bytes) return DisconnectSlow();
    queued_bytes_ += frame.size();
    ctx_.stats.ws_queue_bytes.fetch_add(static_cast<int64_t>(frame.size()));
    queue_.push_back(std::move(frame));
    if (!writing_) DoWrite();
  }

  void DoWrite() {
    writing_ = true;
    ws_.text(true);
    ws_.async_write(
        net::buffer(queue_.front()),
        [self = this->shared_from_this()](beast::error_code ec, size_t) { self->OnWrite(ec); });
  }

  void OnWrite(beast::error_code ec) {
    writing_ = false;
    size_t n = queue_.front().size();
    queued_bytes_ -= n;
    ctx_.stats.ws_queue_bytes.fetch_sub(static_cast<int64_t>(n));
    queue_.pop_front();
    if (ec) {
      closed_ = true;
      timer_.cancel();
      EndPresence();
      return;
    }
    Pump();
    if (!queue_.empty() && !closed_ && !writing_) DoWrite();
  }

  // Moves backlog frames to the send queue while it is at most half full, then reads the next
  // pages of pending history into the room left.
  void Pump() {
    while (!backlog_.empty() && !closed_ &&
           (queue_.empty() ||
            queued_bytes_ + backlog_.front().size() <= ctx_.options.client_queue_bytes / 2)) {
      std::string f = std::move(backlog_.front());
      backlog_.pop_front();
      Send(std::move(f));
    }
    if (backlog_.empty() && client_.history_pending()) MoreHistory();
  }

  // History pages into at most half the send queue; live frames follow once it is all sent.
  void MoreHistory() {
    const size_t half = ctx_.options.client_queue_bytes / 2;
    if (closed_ || queued_bytes_ >= half) return;
    std::vector<std::string> frames;
    client_.NextHistory(half - queued_bytes_, &frames);
    ReleaseFinishedStreams();
    for (auto& f : frames) Send(std::move(f));
  }

  std::string IdentityKey() const {
    return principal_
               ? fmt::format("{}:{}", auth::PrincipalKindName(principal_->kind), principal_->name)
               : std::string();
  }
  // Gives back the identity's history-stream slots of subscriptions whose history is all sent.
  void ReleaseFinishedStreams() {
    const size_t pending = client_.history_streams();
    if (held_streams_ > pending) {
      ctx_.history_streams.Release(IdentityKey(), held_streams_ - pending);
      held_streams_ = pending;
    }
  }

  int64_t RecheckIntervalNs() const {
    const int ms = ctx_.access ? ctx_.access->identities.options().revocation_check_ms : 1000;
    return std::max<int64_t>(ms, 100) * 1'000'000;
  }

  // False after closing the connection (1008, audited) when the credential it was admitted
  // with no longer authenticates its principal: token revoked, logged out, user disabled.
  bool CredentialStillValid() {
    if (!credential_ || !ctx_.access || closed_) return !closed_;
    Status s = RecheckWsCredential(*ctx_.access, *credential_, *principal_, remote_);
    if (s.ok()) return true;
    LJ_LOG_INFO("viewer disconnected: credential no longer valid", "remote", remote_, "reason",
                s.message());
    CloseWith(s.code() == ErrorCode::kUnauthorized ? websocket::close_code::policy_error
                                                   : websocket::close_code::internal_error,
              "credential no longer valid", "revoked");
    return false;
  }

  // WebSocket closes by code and cause on /metrics: by the server (slow consumer, revoked
  // credential) and by the read side (client close, protocol error, oversize message, …).
  void CountClose(int code, std::string_view by, std::string_view reason) {
    ctx_.metrics
        .GetCounter("lj_ws_closes_total", "WebSocket connections closed, by close code and cause.",
                    {{"code", std::to_string(code)},
                     {"by", std::string(by)},
                     {"reason", std::string(reason)}})
        .Inc();
  }
  void CountReadEnd(beast::error_code ec) {
    using we = websocket::error;
    if (ec == we::closed) return CountClose(ws_.reason().code, "client", "close");
    if (ec == we::message_too_big || ec == we::buffer_overflow)
      return CountClose(websocket::close_code::too_big, "server", "message_too_big");
    if (ec == we::bad_frame_payload)
      return CountClose(websocket::close_code::bad_payload, "server", "invalid_utf8");
    if (ec == websocket::condition::protocol_violation)
      return CountClose(websocket::close_code::protocol_error, "server", "protocol_error");
    if (ec == beast::error::timeout) return CountClose(1006, "server", "timeout");
    CountClose(1006, "client", "dropped");
  }

  // Closes with `code` (after the frame in flight, if any).
  void CloseWith(websocket::close_code code, const char* text, std::string_view cause) {
    if (closed_) return;
    closed_ = true;
    EndPresence();
    CountClose(code, "server", cause);
    timer_.cancel();
    if (!writing_) {
      ws_.async_close(websocket::close_reason(code, text),
                      [self = this->shared_from_this()](beast::error_code) {});
    } else {
      beast::error_code ec;
      beast::get_lowest_layer(ws_).socket().shutdown(tcp::socket::shutdown_both, ec);
      beast::get_lowest_layer(ws_).socket().close(ec);
    }
  }

  void DisconnectSlow() {
    if (closed_) return;
    CountClose(websocket::close_code::policy_error, "server", "slow_consumer");
    closed_ = true;
    EndPresence();
    disconnects_slow_.Inc();
    LJ_LOG_WARN("viewer disconnected: slow consumer", "queued_bytes", queued_bytes_);
    timer_.cancel();
    if (!writing_) {
      ws_.async_close(websocket::close_reason(websocket::close_code::policy_error, "slow consumer"),
                      [self = this->shared_from_this()](beast::error_code) {});
    } else {
      // A write is stuck on a client that does not read: drop the TCP connection.
      beast::error_code ec;
      beast::get_lowest_layer(ws_).socket().shutdown(tcp::socket::shutdown_both, ec);
      beast::get_lowest_layer(ws_).socket().close(ec);
    }
  }

  ServerContext& ctx_;
  std::shared_ptr<const auth::Principal> principal_;        // null: access control off
  std::shared_ptr<const auth::HeldCredential> credential_;  // re-checked; null: access off
  int64_t last_recheck_ns_ = MonoNs();
  std::unique_ptr<live::Resolver> scoped_resolver_;  // principals seeing only their twins
  std::string remote_;
  std::shared_ptr<void> slot_;  // the address's connection slot (max_connections_per_ip)
  websocket::stream<Stream> ws_;
  net::steady_timer timer_;
  beast::flat_buffer in_;
  live::ClientState client_;
  std::unique_ptr<live::PresenceSession> presence_;  // set by the first `presence` op
  std::set<std::string> written_patients_;           // audited ingest, once per patient
  metrics::Counter& disconnects_slow_;
  metrics::Counter& invalid_utf8_;
  std::deque<std::string> queue_;
  std::deque<std::string> backlog_;  // snapshot/history frames not yet queued (paced)
  size_t queued_bytes_ = 0;
  size_t held_streams_ = 0;  // the identity's HistoryStreams slots this connection holds
  bool writing_ = false;
  bool closed_ = false;
  int64_t over_since_ = 0;
};

}  // namespace

void StartWebSocketSession(ServerContext& ctx, beast::tcp_stream stream, UpgradeRequest upgrade,
                           std::shared_ptr<const auth::Principal> principal,
                           std::unique_ptr<live::Resolver> scoped, std::string remote,
                           std::shared_ptr<void> slot,
                           std::shared_ptr<const auth::HeldCredential> credential) {
  std::make_shared<WsSession<beast::tcp_stream>>(ctx, std::move(stream), std::move(principal),
                                                 std::move(scoped), std::move(remote),
                                                 std::move(slot), std::move(credential))
      ->Run(std::move(upgrade));
}

void StartWebSocketSession(ServerContext& ctx, SslStream stream, UpgradeRequest upgrade,
                           std::shared_ptr<const auth::Principal> principal,
                           std::unique_ptr<live::Resolver> scoped, std::string remote,
                           std::shared_ptr<void> slot,
                           std::shared_ptr<const auth::HeldCredential> credential) {
  std::make_shared<WsSession<SslStream>>(ctx, std::move(stream), std::move(principal),
                                         std::move(scoped), std::move(remote), std::move(slot),
                                         std::move(credential))
      ->Run(std::move(upgrade));
}

}  // namespace lj::server
