// IngestSink: the one entry point every protocol adapter (HTTP, line protocol, MQTT, WebSocket,
// simulator, HL7 later) hands parsed batches to. The implementation validates each sample against
// the twin's model, applies accepted samples to live state (and later history and rules), and
// counts accepted/rejected samples per protocol and reason on /metrics.
//
// Contract: Ingest never throws and never blocks on viewers; a rejected sample never causes its
// neighbours to be dropped. Thread-safety: Ingest may be called concurrently from any thread.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "ingest/sample.h"

namespace lj::ingest {

// kPresence: a viewer's own pose, sent by the engine's PresenceService for that viewer's
// WebSocket session (live/presence.h); the only protocol accepted for presence twins.
enum class Protocol : uint8_t {
  kHttpJson,
  kLineProtocol,
  kMqtt,
  kWebSocket,
  kSimulator,
  kHl7,
  kClinical,
  kPresence,
  kFhir,  // POST /fhir/Observation (a vital-signs reading)
  kCount
};
std::string_view ProtocolName(Protocol p);  // "http_json", "line_protocol", "mqtt", ...

struct IngestReport {
  uint64_t accepted = 0;        // samples (a block of n values counts n)
  uint64_t rejected = 0;        // samples, including the parse-level rejects of the batch
  std::vector<Reject> rejects;  // details, at most kMaxRejectDetails, in source order
  // History LSN covering the accepted samples (0 when nothing was written to history):
  // acknowledge the sender once HistoryStore::IsDurable(lsn).
  uint64_t lsn = 0;
  static constexpr size_t kMaxRejectDetails = 100;
};

class IngestSink {
 public:
  virtual ~IngestSink() = default;
  // Consumes batch.samples and batch.rejects (parse-level rejects are counted and reported).
  virtual IngestReport Ingest(ParsedBatch& batch, Protocol protocol) = 0;
};

}  // namespace lj::ingest
