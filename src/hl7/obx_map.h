// Which BedsideMonitor telemetry an OBX row is, and its value in the telemetry's unit: the pure,
// untrusted-input part of ORU^R01 ingest (doc/protocols/hl7-mllp.md, "Observations", "Units").
//   - OBX-3 is a CWE: identifier^text^coding system, optionally a second coding in components
//     4..6. Each coding is read in its own system: "MDC" (ISO/IEEE 11073-10101: the numeric code,
//     or the reference id MDC_... in the identifier or the text), "LN" (LOINC code), or no
//     system (both tables). A coding in any other system is a local code and never interpreted.
//   - Codings that name different telemetries are a conflict; none naming one is "unmapped".
//   - Units (OBX-6.1, .2, .4, .5 in that order) are MDC codes, MDC reference ids or UCUM codes;
//     values are converted to the telemetry's canonical unit, anything else is refused with the
//     list of accepted units.
// The tables were checked against ISO/IEEE 11073-10101 (sources in the protocol document).
// Thread-safety: pure functions over constant tables.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "common/status.h"
#include "hl7/message.h"

namespace lj::hl7 {

enum class VitalRole : uint8_t {
  kMeasurement,  // stored as sent
  kHeartRate,    // a heart rate: supersedes the pulse rates for the same twin in the message
  kPulseRate,    // a pulse rate: feeds `hr` only when the message has no heart rate for the twin
};

struct Vital {
  std::string_view system;     // "MDC" or "LN"
  std::string_view code;       // "147842", "8867-4"
  std::string_view name;       // MDC reference id, or the LOINC short name
  std::string_view telemetry;  // BedsideMonitor telemetry ("hr", "nibpSys", ...)
  VitalRole role = VitalRole::kMeasurement;
  // "147842 MDC_ECG_HEART_RATE", "8867-4 Heart rate (LN)".
  std::string Label() const;
};

// Every mapped observation, MDC first, then LOINC.
std::span<const Vital> VitalTable();

struct ObservationId {
  const Vital* vital = nullptr;  // nullptr: unmapped, conflicting or missing
  // For messages: the vital's label, or the first coding as sent ("188736 MDC_MASS_BODY_ACTUAL",
  // "HR Heart rate (L)"); empty when OBX-3 is empty.
  std::string label;
  // Non-empty when the codings name different telemetries: "the codings name different
  // observations: 150021 MDC_PRESS_BLD_NONINV_SYS (nibpSys), 150022 ... (nibpDia)".
  std::string conflict;
};
ObservationId IdentifyObservation(const Segment& obx);

// Conversion of `value` in `unit` to the canonical unit of `telemetry`; false (and `why`, naming
// the accepted units) when `unit` is not a unit of that telemetry.
bool ConvertUnit(std::string_view telemetry, std::string_view unit, double value, double* out,
                 std::string* why);
// The value of an OBX in `telemetry`'s unit, trying OBX-6.1, .2, .4 and .5: kMissingField when
// OBX-6 is empty, kInvalidArgument (the first unit tried, the accepted ones) when none converts.
Result<double> ConvertObxUnit(const Segment& obx, std::string_view telemetry, double value);

// HL7 NM: optional sign, digits, optional decimal point; finite; at most 64 characters.
std::optional<double> ParseNm(std::string_view s);

}  // namespace lj::hl7
