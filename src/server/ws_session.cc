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
#include "common/log.h"
#include "common/time.h"
#include "ingest/json_batch.h"
#include "live/client_state.h"
#include "server/http_util.h"
#include "server/ws_access.h"

namespace lj::server {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;

std::string ErrorFrame(const Status& s, const nlohmann::json& ref) {
  nlohmann::json j = {{"op", "error"},
                      {"code", static_cast<int>(s.code())},
                      {"error", std::string(ErrorCodeName(s.code()))},
                      {"message", s.message()}};
  if (ref.is_object())
    for (const char* k : {"id", "seq"})
      if (ref.contains(k)) j[k] = ref[k];
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Result<live::Target> ParseTarget(const nlohmann::json& t) {
  live::Target target;
  if (!t.is_object())
    return Status(ErrorCode::kInvalidArgument,
                  "'target' must be an object with 'twin', 'subtree' or 'model'");
  auto str = [&](const char* k) { return t.contains(k) && t[k].is_string(); };
  if (str("twin")) {
    target.kind = live::Target::Kind::kTwin;
    target.id = t["twin"];
  } else if (str("subtree")) {
    target.kind = live::Target::Kind::kSubtree;
    target.id = t["subtree"];
    if (t.contains("relationships")) {
      if (!t["relationships"].is_array())
        return Status(ErrorCode::kInvalidArgument, "'relationships' must be an array of names");
      for (const auto& n : t["relationships"]) {
        if (!n.is_string())
          return Status(ErrorCode::kInvalidArgument, "'relationships' must be an array of names");
        target.relationships.push_back(n);
      }
    }
    if (t.contains("depth")) {
      if (!t["depth"].is_number_integer() || t["depth"] < 0 || t["depth"] > 64)
        return Status(ErrorCode::kInvalidArgument, "'depth' must be an integer 0..64");
      target.depth = t["depth"];
    }
  } else if (str("model")) {
    target.kind = live::Target::Kind::kModel;
    target.id = t["model"];
  } else {
    return Status(ErrorCode::kInvalidArgument,
                  "'target' must have a string 'twin', 'subtree' or 'model'");
  }
  return target;
}

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
            std::unique_ptr<live::Resolver> scoped, std::string remote, std::shared_ptr<void> slot)
      : ctx_(ctx),
        principal_(std::move(principal)),
        scoped_resolver_(std::move(scoped)),
        remote_(std::move(remote)),
        slot_(std::move(slot)),
        ws_(std::move(stream)),
        timer_(ws_.get_executor()),
        client_(ctx.live, scoped_resolver_ ? *scoped_resolver_ : ctx.resolver, ctx.fanout,
                ClientOptionsFor(ctx.options.client, principal_.get()), ctx.history),
        disconnects_slow_(ctx.metrics.GetCounter("lj_live_disconnects_total",
                                                 "Viewers disconnected by the server.",
                                                 {{"reason", "slow_consumer"}})) {
    ctx_.stats.ws_clients.fetch_add(1);
    if (ctx_.options.socket_send_buffer_bytes > 0) {
      beast::error_code ec;
      beast::get_lowest_layer(ws_).socket().set_option(
          net::socket_base::send_buffer_size(ctx_.options.socket_send_buffer_bytes), ec);
    }
  }
  ~WsSession() {
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
    nlohmann::json msg = nlohmann::json::parse(text, nullptr, false);
    if (msg.is_discarded() || !msg.is_object() || !msg.contains("op") || !msg["op"].is_string()) {
      Send(ErrorFrame(
          Status(ErrorCode::kParseError, "message must be a JSON object with a string 'op'"),
          nullptr));
      return;
    }
    const std::string op = msg["op"];
    if (principal_ && ctx_.access) {
      Status allowed = AuthorizeWsOp(*ctx_.access, *principal_, remote_, op);
      if (!allowed.ok()) {
        Send(ErrorFrame(allowed, msg));
        return;
      }
    }
    if (op == "subscribe") {
      Subscribe(msg);
    } else if (op == "unsubscribe") {
      if (!msg.contains("id") || !msg["id"].is_string()) {
        Send(ErrorFrame(Status(ErrorCode::kInvalidArgument, "'id' must be a string"), msg));
        return;
      }
      Status s = client_.Unsubscribe(msg["id"]);
      if (!s.ok()) Send(ErrorFrame(s, msg));
    } else if (op == "ingest") {
      Ingest(text, msg);
    } else if (op == "presence") {
      Presence(msg);
    } else if (op == "pose") {
      Pose(msg);
    } else if (op == "ping") {
      nlohmann::json pong = {{"op", "pong"}, {"t", NowNs() / 1e6}};
      if (msg.contains("seq")) pong["seq"] = msg["seq"];
      Send(pong.dump());
    } else {
      Send(ErrorFrame(Status(ErrorCode::kUnsupported, fmt::format("unknown op '{}'", op)), msg));
    }
  }

  void Subscribe(const nlohmann::json& msg) {
    if (!msg.contains("id") || !msg["id"].is_string()) {
      Send(ErrorFrame(Status(ErrorCode::kInvalidArgument, "'id' must be a string"), msg));
      return;
    }
    Result<live::Target> target = ParseTarget(msg.value("target", nlohmann::json()));
    if (!target.ok()) {
      Send(ErrorFrame(target.status(), msg));
      return;
    }
    double rate = 0;
    if (msg.contains("rate_hz")) {
      if (!msg["rate_hz"].is_number()) {
        Send(ErrorFrame(Status(ErrorCode::kInvalidArgument, "'rate_hz' must be a number"), msg));
        return;
      }
      rate = msg["rate_hz"];
    }
    bool waveforms = msg.value("waveforms", true);
    double history_s = 0;
    if (msg.contains("history_s")) {
      if (!msg["history_s"].is_number()) {
        Send(ErrorFrame(Status(ErrorCode::kInvalidArgument, "'history_s' must be a number"), msg));
        return;
      }
      history_s = msg["history_s"];
    }
    std::vector<std::string> frames;
    Status s = client_.Subscribe(msg["id"], *target, rate, waveforms, MonoNs(), &frames, history_s);
    if (!s.ok()) {
      Send(ErrorFrame(s, msg));
      return;
    }
    // The snapshot and history frames may be large: they are paced out of the backlog as the
    // socket drains, and live frames wait behind them.
    for (auto& f : frames) backlog_.push_back(std::move(f));
    Pump();
    ScheduleTick();
  }

  void Ingest(const std::string& text, const nlohmann::json& msg) {
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
        Send(ErrorFrame(allowed, msg));
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
    if (msg.contains("seq")) ack["seq"] = msg["seq"];
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
  void Presence(const nlohmann::json& msg) {
    if (!ctx_.presence) {
      Send(ErrorFrame(Status(ErrorCode::kUnsupported, "presence is not enabled"), msg));
      return;
    }
    if (!presence_) presence_ = ctx_.presence->NewSession(principal_ ? principal_->name : "");
    Result<nlohmann::json> props = presence_->Update(msg);
    if (!props.ok()) {
      Send(ErrorFrame(props.status(), msg));
      return;
    }
    nlohmann::json reply = {
        {"op", "presence"}, {"twin", presence_->twin_id()}, {"properties", std::move(*props)}};
    if (msg.contains("seq")) reply["seq"] = msg["seq"];
    Send(reply.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  }

  // `pose`: telemetry of this connection's own presence twin; no reply unless rejected (a pose
  // before `presence` is refused and counted by the session).
  void Pose(const nlohmann::json& msg) {
    if (!ctx_.presence) {
      Send(ErrorFrame(Status(ErrorCode::kUnsupported, "presence is not enabled"), msg));
      return;
    }
    if (!presence_) presence_ = ctx_.presence->NewSession(principal_ ? principal_->name : "");
    Status s = presence_->Pose(msg, MonoNs(), NowNs());
    if (!s.ok()) Send(ErrorFrame(s, msg));
  }

  // The connection is over: its presence twin leaves the ward now, not when the last handler
  // releases the session.
  void EndPresence() { presence_.reset(); }

  void ScheduleTick() {
    if (closed_) return;
    int64_t now = MonoNs();
    int64_t due = std::min(client_.NextDue(), now + 1'000'000'000);
    if (over_since_ != 0) due = std::min(due, now + 100'000'000);  // watch a backed-up queue
    timer_.expires_after(std::chrono::nanoseconds(std::max<int64_t>(due - now, 0)));
    timer_.async_wait([self = this->shared_from_this()](beast::error_code ec) {
      if (ec || self->closed_) return;
      self->Tick();
    });
  }

  void Tick() {
    const int64_t now = MonoNs();
    if (queued_bytes_ > ctx_.options.client_queue_bytes / 2 || !backlog_.empty()) {
      if (over_since_ == 0) over_since_ = now;
      if (now - over_since_ > static_cast<int64_t>(ctx_.options.slow_client_timeout_s * 1e9)) {
        return DisconnectSlow();
      }
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

  // Moves backlog frames to the send queue while it is at most half full.
  void Pump() {
    while (!backlog_.empty() && !closed_ &&
           (queue_.empty() ||
            queued_bytes_ + backlog_.front().size() <= ctx_.options.client_queue_bytes / 2)) {
      std::string f = std::move(backlog_.front());
      backlog_.pop_front();
      Send(std::move(f));
    }
  }

  void DisconnectSlow() {
    if (closed_) return;
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
  std::shared_ptr<const auth::Principal> principal_;  // null: access control off
  std::unique_ptr<live::Resolver> scoped_resolver_;   // principals seeing only their twins
  std::string remote_;
  std::shared_ptr<void> slot_;  // the address's connection slot (max_connections_per_ip)
  websocket::stream<Stream> ws_;
  net::steady_timer timer_;
  beast::flat_buffer in_;
  live::ClientState client_;
  std::unique_ptr<live::PresenceSession> presence_;  // set by the first `presence` op
  std::set<std::string> written_patients_;           // audited ingest, once per patient
  metrics::Counter& disconnects_slow_;
  std::deque<std::string> queue_;
  std::deque<std::string> backlog_;  // snapshot/history frames not yet queued (paced)
  size_t queued_bytes_ = 0;
  bool writing_ = false;
  bool closed_ = false;
  int64_t over_since_ = 0;
};

}  // namespace

void StartWebSocketSession(ServerContext& ctx, beast::tcp_stream stream, UpgradeRequest upgrade,
                           std::shared_ptr<const auth::Principal> principal,
                           std::unique_ptr<live::Resolver> scoped, std::string remote,
                           std::shared_ptr<void> slot) {
  std::make_shared<WsSession<beast::tcp_stream>>(ctx, std::move(stream), std::move(principal),
                                                 std::move(scoped), std::move(remote),
                                                 std::move(slot))
      ->Run(std::move(upgrade));
}

void StartWebSocketSession(ServerContext& ctx, SslStream stream, UpgradeRequest upgrade,
                           std::shared_ptr<const auth::Principal> principal,
                           std::unique_ptr<live::Resolver> scoped, std::string remote,
                           std::shared_ptr<void> slot) {
  std::make_shared<WsSession<SslStream>>(ctx, std::move(stream), std::move(principal),
                                         std::move(scoped), std::move(remote), std::move(slot))
      ->Run(std::move(upgrade));
}

}  // namespace lj::server
