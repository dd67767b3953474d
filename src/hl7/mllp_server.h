// MllpServer: HL7 v2 over MLLP on TCP (doc/protocols/hl7-mllp.md). Accepts connections, deframes
// messages (MllpDeframer), hands each to a MessageHandler and writes its ACK back, framed, in
// message order. Runs its own Boost.Asio io_context on `threads` thread(s); each connection is
// served on its own strand: read → handle every complete frame → wait (asynchronously) until
// what they stored is durable (`when_durable`) → write the ACKs → read again, so ACKs keep
// message order and a sender that does not read its ACKs stops being read (no unbounded
// buffering).
//
// Contract: a bad message (unparseable, unsupported, oversize) is answered with AR/AE and the
// connection stays open; connections close only on peer close, socket error, idle timeout
// (no bytes for idle_timeout_s) or Stop(). Connections beyond max_connections, and from
// addresses outside `allow`, are closed at once (counted, logged). With `authorize` set, every
// message is checked before it changes anything (refused: AR, nothing applied). Metrics:
// lj_hl7_connections_total, lj_hl7_connections_rejected_total, lj_hl7_connections_active,
// lj_hl7_framing_errors_total{kind=garbage|truncated|oversize}, lj_hl7_connections_refused_total
// (not in `allow`), lj_hl7_tls_handshake_failures_total, plus the handler's
// lj_hl7_messages_total{type,ack}.
// Thread-safety: Start/Stop/port from any thread. After Stop() returns, the graph and the sink
// are never called again.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "graph/twin_graph.h"
#include "hl7/handler.h"
#include "ingest/ingest_sink.h"
#include "metrics/metrics.h"

namespace boost::asio::ssl {
class context;
}

namespace lj::hl7 {

struct MllpOptions {
  std::string address = "127.0.0.1";
  uint16_t port = 2575;                // 0 = pick a free port (tests)
  size_t max_message_bytes = 1 << 20;  // per frame; larger frames get AR
  int idle_timeout_s = 300;            // close a connection silent this long; 0 = never
  size_t max_connections = 64;
  int threads = 1;
  std::string application = "LINGJING";  // MSH-3 of ACKs when the message named no MSH-5
  int default_offset_minutes = 0;        // DTM without offset and no MSH-7 offset: UTC+this
  // Source networks allowed to connect (CIDR, "10.1.0.0/16", "::1/128"); empty = any address.
  std::vector<std::string> allow = {"127.0.0.0/8", "::1/128"};
  Authorizer authorize;  // optional per-message access check ([auth] enabled; not config)
  // MLLP over TLS when set (built by the caller, e.g. server::MakeServerTls): the handshake
  // must finish within idle_timeout_s (or 30 s); failures are counted and the connection closed.
  std::shared_ptr<boost::asio::ssl::context> tls;
  // Durability of ingested observations (not config; the engine passes
  // HistoryStore::WhenDurable): calls `done` exactly once, when history LSN `lsn` is durable or
  // with the error if the log cannot be synced; inline or on any thread, even after Stop(). An ORU
  // that stored something is acknowledged (AA) only once `done` reports success, and answered AE
  // (ERR-3 207, storage) when it reports an error. Null: ACKs are sent at once (no history).
  std::function<void(uint64_t lsn, std::function<void(Status)> done)> when_durable;
};

// Checks ranges (max_message_bytes 64 B..64 MiB, threads 1..16, max_connections >= 1, ...).
Status ValidateOptions(const MllpOptions& options);

class MllpServer {
 public:
  static Result<std::unique_ptr<MllpServer>> Start(const MllpOptions& options,
                                                   graph::TwinGraph& graph,
                                                   ingest::IngestSink& sink,
                                                   metrics::Registry& metrics);
  ~MllpServer();  // Stop()
  MllpServer(const MllpServer&) = delete;
  MllpServer& operator=(const MllpServer&) = delete;

  uint16_t port() const;
  // Closes the listener and every connection, joins the threads. Idempotent.
  void Stop();

  struct Impl;

 private:
  explicit MllpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace lj::hl7
