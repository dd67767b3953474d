// Internal: turns one MQTT message into an ingest::ParsedBatch according to its Mapping, and
// renders the JSON reject report published on the reject topic.
// Thread-safety: pure functions; a DecodeScratch belongs to one thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "ingest/ingest_sink.h"
#include "ingest/line_protocol.h"
#include "ingest/sample.h"
#include "mqtt/mqtt_bridge.h"

namespace lj::mqtt::internal {

// Reusable per-thread buffers, so steady-state decoding does not allocate.
struct DecodeScratch {
  ingest::ParsedBatch batch;
  std::string twin;       // expanded twin id (samples point into it)
  std::string telemetry;  // expanded telemetry name
  std::string text;       // unescaped string value of a kValue payload
  ingest::LineProtocolOptions line_options;
};

// Clears s.batch and fills it from `payload`; problems that prevent parsing (template out of
// range, empty value, ...) become parse-level rejects in s.batch.rejects. Never throws on bad
// input. `now_ns` is the default timestamp.
void DecodeMessage(const Mapping& mapping, std::string_view topic, std::string_view payload,
                   int64_t now_ns, const ingest::Limits& limits, DecodeScratch& s);

// Parses a kValue payload: a JSON number (integral → kInt, else kDouble), true/false, a JSON
// string, or any other (trimmed, UTF-8) text as a string. Strings are stored in *storage.
// Returns false and fills *reject (source 0) when the payload cannot be a value.
bool ParseValuePayload(std::string_view payload, const ingest::Limits& limits, std::string* storage,
                       ingest::Value* out, ingest::Reject* reject);

// {"topic":..,"accepted":n,"rejected":n,"errors":[{"line"|"index":..,"code":2001,
//  "error":"unknown_twin","message":".."}]}; "line" for line protocol, "index" otherwise.
std::string RejectReportJson(std::string_view topic, PayloadFormat format,
                             const ingest::IngestReport& report);
// A message refused as a whole by the authorizer: {"topic":..,"accepted":0,"code":1011,
// "error":"forbidden","message":".."}.
std::string RefusalReportJson(std::string_view topic, const Status& why);

}  // namespace lj::mqtt::internal
