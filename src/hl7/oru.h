// ORU^R01 observations turned into BedsideMonitor telemetry samples
// (doc/protocols/hl7-mllp.md, "ORU^R01"):
//   - OBX-3 names the observation: an ISO/IEEE 11073-10101 MDC code or reference id, or a LOINC
//     code (obx_map.h has the tables and the coding-system rules);
//   - OBX-6 is an MDC or UCUM unit; values are converted to the telemetry's unit (°F → °C,
//     K → °C, kPa → mmHg); another unit rejects the observation with the accepted list;
//   - time: OBX-14, else OBR-7, else MSH-7, else the receive time; a value without offset uses
//     MSH-7's offset, else the configured default offset; at least minute precision;
//   - target: the twin named by OBX-18.1 when it exists, else the BedsideMonitor attached to the
//     bed occupied by the patient of the preceding PID (PID-3);
//   - a pulse rate feeds `hr` only when the message has no heart rate (MDC_ECG_HEART_RATE,
//     LOINC 8867-4) for the same twin.
// Every OBX ends in exactly one of: a ParsedSample, a parse-level Reject (an error of the row:
// bad value, unit, time, target, conflicting codes) or an Ignored entry (not stored by rule:
// result status X/D/W, no value, unmapped code, superseded pulse rate). Rejects and ignored rows
// carry the OBX's 1-based position in the message as `source` and a message that starts with
// "OBX(<position>)[-<field>][ (set id <OBX-1>)]: <observation>: ", so every one can be reported.
// Thread-safety: BuildOruBatch may be called concurrently.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "hl7/message.h"
#include "hl7/obx_map.h"
#include "hl7/ward_index.h"
#include "ingest/sample.h"

namespace lj::hl7 {

struct OruOptions {
  int default_offset_minutes = 0;  // for times without offset when MSH-7 has none either
  int64_t now_ns = 0;              // receive time
};

// An OBX row not stored by rule (not an error of the row).
struct Ignored {
  ingest::Reject reject;    // source: OBX position; code and message as for a reject
  std::string_view reason;  // metric label: result_status, no_value, unmapped_code, superseded
};

// One OBX of the message, for messages about it (the pipeline's rejects name only the position).
struct ObxRow {
  std::string set_id;  // OBX-1 when it differs from the position, else empty
  std::string label;   // the observation: "150456 MDC_PULS_OXIM_SAT_O2", "8867-4 Heart rate (LN)"
};

struct OruResult {
  ingest::ParsedBatch batch;     // samples and parse-level rejects for IngestSink::Ingest
  std::vector<Ignored> ignored;  // rows not stored by rule, by position
  std::vector<ObxRow> rows;      // every OBX in message order: rows[position - 1]
};

// "OBX(12)-3 (set id 14)"; field 0 leaves out "-<field>".
std::string ObxWhere(uint32_t position, int field, std::string_view set_id);

void BuildOruBatch(const Message& msg, WardIndex& ward, const OruOptions& options, OruResult* out);

}  // namespace lj::hl7
