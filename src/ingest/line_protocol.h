// InfluxDB line protocol (v1/v2 syntax) → ParsedSample, so Telegraf and existing agents can
// write to `POST /write` unchanged.
//
// Mapping (documented in doc/protocols/line-protocol.md):
//   - twin id: the value of tag `twin_tag` (default "twin");
//   - telemetry name: the field key (naming kField) or "<measurement>_<field>"
//     (naming kMeasurementField); other tags are ignored;
//   - value: float → kDouble, `i` suffix → kInt, `u` suffix → kInt, t/true/f/false → kBool,
//     quoted → kString;
//   - timestamp: integer in `precision` units; absent → `default_time_ns`.
// Each field of a line is one sample. A malformed line is rejected as a whole with its 1-based
// line number and a precise reason; other lines are kept. Never throws, never reads past `body`.
#pragma once

#include <string>
#include <string_view>

#include "ingest/sample.h"

namespace lj::ingest {

enum class Precision { kNanoseconds, kMicroseconds, kMilliseconds, kSeconds, kMinutes, kHours };
// Parses "n"/"ns", "u"/"us", "ms", "s", "m", "h" (the /write `precision` parameter).
bool ParsePrecision(std::string_view s, Precision* out);

enum class TelemetryNaming { kField, kMeasurementField };

struct LineProtocolOptions {
  std::string twin_tag = "twin";
  TelemetryNaming naming = TelemetryNaming::kField;
  Precision precision = Precision::kNanoseconds;
  int64_t default_time_ns = 0;
  Limits limits;
};

// Appends to `out` (does not clear it).
void ParseLineProtocol(std::string_view body, const LineProtocolOptions& options, ParsedBatch& out);

}  // namespace lj::ingest
