// ORU^R01 observations in the IHE PCD-01 style turned into telemetry samples
// (doc/protocols/hl7-mllp.md, "ORU^R01"):
//   - OBX-3 is an MDC code (numeric code in OBX-3.1 or the MDC reference id in OBX-3.2) mapped
//     to a BedsideMonitor telemetry (hr, spo2, rr, temp, nibpSys, nibpDia, nibpMean);
//   - OBX-6 is an MDC or UCUM unit; values are converted to the telemetry's unit (°F → °C,
//     K → °C, kPa → mmHg); an unknown unit rejects the observation with the accepted list;
//   - time: OBX-14, else OBR-7, else MSH-7, else the receive time; a value without offset uses
//     MSH-7's offset, else the configured default offset; at least minute precision;
//   - target: the twin named by OBX-18.1 when it exists, else the BedsideMonitor attached to the
//     bed occupied by the patient of the preceding PID (PID-3);
//   - OBX rows without a value (PCD-01 containment rows: MDS, VMD, channel), with result status
//     X/D/W, or with MDC codes outside the table are ignored (counted, not errors); a pulse rate
//     (149530) feeds `hr` only when the message has no ECG heart rate (147842) for that twin.
// Every OBX that is not ignored becomes a ParsedSample or a Reject whose `source` is the OBX's
// 1-based ordinal in the message.
// Thread-safety: BuildOruBatch may be called concurrently.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "hl7/message.h"
#include "hl7/ward_index.h"
#include "ingest/sample.h"

namespace lj::hl7 {

struct OruOptions {
  int default_offset_minutes = 0;  // for times without offset when MSH-7 has none either
  int64_t now_ns = 0;              // receive time
};

struct OruResult {
  ingest::ParsedBatch batch;  // samples and parse-level rejects for IngestSink::Ingest
  uint32_t ignored = 0;       // OBX rows ignored by the rules above
};

// Unit conversion to the canonical unit of `telemetry`; false (and `why`) when `unit` (the
// OBX-6.1 code, or OBX-6.2 when .1 is empty) is not a unit of that telemetry.
bool ConvertUnit(std::string_view telemetry, std::string_view unit, double value, double* out,
                 std::string* why);

void BuildOruBatch(const Message& msg, WardIndex& ward, const OruOptions& options, OruResult* out);

}  // namespace lj::hl7
