// WsSession: one WebSocket connection of the live API (doc/protocols/websocket.md). Parses
// client requests (subscribe, unsubscribe, ingest, presence, pose, ping), runs the client's
// ClientState on a timer at the subscriptions' rates, and writes frames through a bounded queue.
// A connection that sent `presence` owns a presence twin (live/presence.h) until it closes.
//
// Slow-consumer policy: while the queue holds more than half of client_queue_bytes, flushes are
// skipped (scalars coalesce, waveforms fall behind and later show as gaps); after
// slow_client_timeout_s in that state, or if a frame would overflow the queue, the connection
// is closed (1008 "slow consumer"). Ingest and other clients are never delayed by it.
// Thread-safety: every handler runs on the connection's strand.
#pragma once

#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <memory>
#include <string>

#include "auth/credentials.h"
#include "auth/principal.h"
#include "server/context.h"

namespace lj::server {

using SslStream = boost::beast::ssl_stream<boost::beast::tcp_stream>;
using UpgradeRequest = boost::beast::http::request<boost::beast::http::string_body>;

// Takes over an HTTP connection (plain or TLS) whose request is a WebSocket upgrade.
// `principal`: who was admitted (server/ws_access.h), null when access control is off.
// `scoped`: the resolver that keeps only twins the principal may see (null: ctx.resolver).
// `credential`: what the principal was admitted with; re-checked on every ingest message and
// every [auth] revocation_check_ms — when it no longer authenticates (revoked, logged out), the
// connection is closed with 1008 and the closing audited.
void StartWebSocketSession(ServerContext& ctx, boost::beast::tcp_stream stream,
                           UpgradeRequest upgrade, std::shared_ptr<const auth::Principal> principal,
                           std::unique_ptr<live::Resolver> scoped, std::string remote,
                           std::shared_ptr<void> slot = nullptr,
                           std::shared_ptr<const auth::HeldCredential> credential = nullptr);
void StartWebSocketSession(ServerContext& ctx, SslStream stream, UpgradeRequest upgrade,
                           std::shared_ptr<const auth::Principal> principal,
                           std::unique_ptr<live::Resolver> scoped, std::string remote,
                           std::shared_ptr<void> slot = nullptr,
                           std::shared_ptr<const auth::HeldCredential> credential = nullptr);

}  // namespace lj::server
