// HttpServer: the HTTP/1.1 + WebSocket front door (Boost.Beast over Asio). Serves the route
// table (router.h) and upgrades GET /ws to a live-API session (ws_session.h).
//
// With a TLS context (tls.h) every connection on the port is TLS (handshake within the header
// deadline) and responses carry Strict-Transport-Security; without one it is plain HTTP.
//
// Contract: Start() binds and returns an error Status when the address is unusable; the
// server then runs on `options.threads` io threads until Stop(). Each connection is serialised
// on its own strand; a slow or malicious client only ever holds its own connection's
// resources (request bodies bounded by max_body_bytes, headers by a deadline, viewers by a
// bounded send queue). Thread-safety: Start/Stop from one controlling thread.
#pragma once

#include <memory>
#include <thread>
#include <vector>

#include "server/context.h"

namespace boost::asio::ssl {
class context;
}

namespace lj::server {

class HttpServer {
 public:
  explicit HttpServer(ServerContext& ctx, std::shared_ptr<boost::asio::ssl::context> tls = nullptr);
  ~HttpServer();
  Status Start();
  // The port actually bound (useful with port 0).
  uint16_t port() const;
  void Stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace lj::server
