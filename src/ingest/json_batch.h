// JSON telemetry batches (HTTP POST /api/v1/telemetry, WebSocket "ingest", MQTT json payloads).
//
// Accepted document (documented in doc/protocols/json-ingest.md):
//   {"samples": [ <item>, ... ]}   or a bare array [ <item>, ... ]
//   scalar item:  {"twin": "monitor-a01", "telemetry": "hr", "t": <time>, "v": 72}
//   block item:   {"twin": "monitor-a01", "telemetry": "ecg", "t": <time>, "rate": 250,
//                  "values": [512, 515, ...]}
//   multi item:   {"twin": "monitor-a01", "t": <time>, "values": {"hr": 72, "rr": 16}}
//   <time> is milliseconds since the Unix epoch (number, may be fractional) or an RFC 3339
//   string; absent → `default_time_ns`.
// `v` may be a number (integral JSON numbers → kInt, others → kDouble), boolean or string.
// A bad item is rejected with its 0-based index and a precise reason; other items are kept.
// A document that is not JSON at all, or has no samples array, yields a single reject with
// source 0. Never throws.
#pragma once

#include <string_view>

#include "ingest/sample.h"

namespace lj::ingest {

struct JsonBatchOptions {
  int64_t default_time_ns = 0;
  Limits limits;
};

// `body` need not be padded; the parser copies when it must. Appends to `out`; strings that
// samples point to live in `out.owned` or in `body`.
void ParseJsonBatch(std::string_view body, const JsonBatchOptions& options, ParsedBatch& out);

// Same, for one MQTT-style object without twin: {"t": ..., "hr": 72, "ecg": {"rate": 250,
// "values": [...]}} where every other key is a telemetry name. `twin` must outlive `out`.
void ParseJsonTwinObject(std::string_view body, std::string_view twin,
                         const JsonBatchOptions& options, ParsedBatch& out);

}  // namespace lj::ingest
