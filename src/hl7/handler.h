// MessageHandler: one deframed HL7 v2 message in, its ACK out. Parses, checks the MSH (message
// type, control id, version, processing id), dispatches ADT to the twin graph and ORU^R01 to the
// IngestSink (Protocol::kHl7), and builds the AA / AE / AR acknowledgement
// (doc/protocols/hl7-mllp.md, "ACK rules"). Counts lj_hl7_messages_total{type,ack} and
// lj_hl7_obx_ignored_total.
// Thread-safety: Handle may be called concurrently from any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

#include "graph/twin_graph.h"
#include "hl7/ack.h"
#include "hl7/ward_index.h"
#include "ingest/ingest_sink.h"
#include "metrics/metrics.h"

namespace lj::hl7 {

struct HandlerOptions {
  std::string application = "LINGJING";  // MSH-3 of ACKs when the message named no MSH-5
  int default_offset_minutes = 0;        // for DTM values without offset (and no MSH-7 offset)
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
  Outcome Handle(std::string_view payload, bool oversize = false, size_t total_bytes = 0);

 private:
  std::string NextControlId();
  Outcome Finish(const AckContext& ctx, std::string_view type, AckCode code,
                 const std::vector<AckIssue>& issues);
  std::vector<AckIssue> HandleOru(const Message& msg);

  WardIndex ward_;
  ingest::IngestSink& sink_;
  metrics::Registry& metrics_;
  HandlerOptions options_;
  metrics::Counter& obx_ignored_;
  std::atomic<uint64_t> next_id_{0};
  uint32_t boot_;
};

}  // namespace lj::hl7
