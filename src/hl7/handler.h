// MessageHandler: one deframed HL7 v2 message in, its ACK out. Parses, checks the MSH (message
// type, control id, version, processing id), dispatches ADT to the twin graph and ORU^R01 to the
// IngestSink (Protocol::kHl7), and builds the AA / AE / AR acknowledgement
// (doc/protocols/hl7-mllp.md, "ACK rules"). An ORU's ACK reports every OBX that was not stored
// (not mapped, refused by the mapping or by the ingest pipeline) as one ERR: severity W with AA
// when some of the message was stored, E with AE when nothing was. Counts
// lj_hl7_messages_total{type,ack} and lj_hl7_obx_ignored_total{reason}. An ORU that stored
// samples in history returns its AA with their LSN: the caller sends it once they are durable,
// or the AE of a failed sync (Settle).
// Thread-safety: Handle may be called concurrently from any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "graph/twin_graph.h"
#include "hl7/ack.h"
#include "hl7/ward_index.h"
#include "ingest/ingest_sink.h"
#include "metrics/metrics.h"

namespace lj::hl7 {

// What a message is about to do, for an access check before it does it.
struct MessageAccess {
  std::string_view remote;                          // the sender's address
  std::string_view message;                         // "ADT^A01 <control id>", for the audit trail
  bool graph_change = false;                        // ADT: changes the twin graph
  std::string_view patient;                         // ADT: the patient twin (may be empty)
  const std::vector<std::string>* twins = nullptr;  // ORU^R01: every twin it writes
};
// kForbidden (or kUnavailable when the check cannot be recorded) refuses the whole message with
// AR; nothing of it is applied.
using Authorizer = std::function<Status(const MessageAccess&)>;

struct HandlerOptions {
  std::string application = "LINGJING";  // MSH-3 of ACKs when the message named no MSH-5
  int default_offset_minutes = 0;        // for DTM values without offset (and no MSH-7 offset)
  Authorizer authorize;                  // optional ([auth] enabled): checked per message
};

class MessageHandler {
 public:
  MessageHandler(graph::TwinGraph& graph, ingest::IngestSink& sink, metrics::Registry& metrics,
                 HandlerOptions options);

  struct Outcome {
    std::string ack;  // ACK text, not framed
    AckCode code = AckCode::kAccept;
    // Nonzero: an ORU stored samples in history up to this LSN and `ack` (AA) is provisional:
    // send it only once the LSN is durable, as Settle(outcome, sync status) returns it. Zero:
    // `ack` is final (and counted).
    uint64_t lsn = 0;
    // For Settle (set with `lsn`).
    AckContext ctx;
    std::string type;
    std::vector<AckIssue> issues;
  };
  // `oversize`: the frame exceeded the limit and `payload` holds only its beginning.
  // `remote`: the sender's address (for the access check).
  Outcome Handle(std::string_view payload, bool oversize = false, size_t total_bytes = 0,
                 std::string_view remote = "");
  // The final ACK of an outcome whose `lsn` was waited for: unchanged when `synced` is OK, else
  // AE — an ERR (207, storage) saying the sync failed, then the outcome's ERRs as errors —
  // so that the sender resends the message. Counts lj_hl7_messages_total; an outcome without
  // `lsn` is returned as it is.
  Outcome Settle(Outcome outcome, const Status& synced);

 private:
  std::string NextControlId();
  // Builds the ACK; counts it unless `lsn` defers it to Settle.
  Outcome Finish(const AckContext& ctx, std::string_view type, AckCode code,
                 std::vector<AckIssue> issues, uint64_t lsn = 0);
  void Count(const AckContext& ctx, std::string_view type, AckCode code,
             const std::vector<AckIssue>& issues);
  struct OruAck {
    AckCode code = AckCode::kAccept;
    std::vector<AckIssue> issues;
    uint64_t lsn = 0;  // history LSN of the stored samples; 0 when nothing was stored
  };
  OruAck HandleOru(const Message& msg, const MessageAccess& access);
  // Ingests in chunks small enough that the sink itemises every reject.
  ingest::IngestReport IngestAll(ingest::ParsedBatch& batch);
  // The access check's refusal as an issue, or nullopt when allowed (or no check configured).
  std::optional<AckIssue> Refused(const MessageAccess& access);

  WardIndex ward_;
  ingest::IngestSink& sink_;
  metrics::Registry& metrics_;
  HandlerOptions options_;
  metrics::Counter& ObxIgnored(std::string_view reason);
  metrics::Counter* obx_ignored_[4];  // by reason, kObxIgnoredReasons order
  std::atomic<uint64_t> next_id_{0};
  uint32_t boot_;
};

}  // namespace lj::hl7
