// MessageHandler: one deframed HL7 v2 message in, its ACK out. Parses, checks the MSH (message
// type, control id, version, processing id), dispatches ADT to the twin graph and ORU^R01 to the
// IngestSink (Protocol::kHl7), and builds the AA / AE / AR acknowledgement
// (doc/protocols/hl7-mllp.md, "ACK rules"). Counts lj_hl7_messages_total{type,ack} and
// lj_hl7_obx_ignored_total.
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
  };
  // `oversize`: the frame exceeded the limit and `payload` holds only its beginning.
  // `remote`: the sender's address (for the access check).
  Outcome Handle(std::string_view payload, bool oversize = false, size_t total_bytes = 0,
                 std::string_view remote = "");

 private:
  std::string NextControlId();
  Outcome Finish(const AckContext& ctx, std::string_view type, AckCode code,
                 const std::vector<AckIssue>& issues);
  std::vector<AckIssue> HandleOru(const Message& msg, const MessageAccess& access);
  // The access check's refusal as an issue, or nullopt when allowed (or no check configured).
  std::optional<AckIssue> Refused(const MessageAccess& access);

  WardIndex ward_;
  ingest::IngestSink& sink_;
  metrics::Registry& metrics_;
  HandlerOptions options_;
  metrics::Counter& obx_ignored_;
  std::atomic<uint64_t> next_id_{0};
  uint32_t boot_;
};

}  // namespace lj::hl7
