// Internal to src/fhir: the telemetry <-> LOINC/UCUM table of the vital-signs profile and the
// Observation built from one history sample (doc/protocols/fhir.md has the same table).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "fhir/internal.h"
#include "history/history.h"

namespace lj::fhir {

struct LoincCode {
  const char* code;
  const char* display;
};

struct VitalComponent {
  const char* telemetry;  // series on the same device, matched by time
  LoincCode code;
};

struct Vital {
  const char* telemetry;         // the series an Observation is made from
  std::vector<LoincCode> codes;  // Observation.code.coding (system LOINC); first = primary
  const char* text;              // Observation.code.text
  const char* profile;           // the per-vital profile
  const char* ucum;              // UCUM code of value (and components)
  const char* unit;              // human-readable unit
  std::vector<VitalComponent> components;  // panels (blood pressure): value is in components
};

const std::vector<Vital>& Vitals();
const Vital* VitalForTelemetry(std::string_view telemetry);
bool VitalMatches(const Vital& v, const std::vector<Token>& codes);

// The patient context an Observation is reported in.
struct ObsContext {
  std::string patient;    // twin id
  std::string encounter;  // "enc-N"; empty: none (a charted reading outside any stay)
  std::string device;     // twin id of the series: a device, or the patient (charted reading)
};

// "<series>-<t_ns>-<k>": the k-th (from 0) sample of the series at exactly t_ns — unique and
// stable however many readings share a timestamp. (Ids of the form "<series>-<epoch ms>", given
// out before, still read: the first sample of that millisecond.)
std::string ObservationId(history::SeriesId series, int64_t t_ns, int ordinal);
// One Observation. For panels, components are looked up on `device` in history: the
// `ordinal`-th sample at exactly t when there is one (readings that share a timestamp pair up in
// order), else the nearest within ±1 s.
Json ObservationJson(const FhirService::Impl& s, const Vital& v, const ObsContext& ctx,
                     history::SeriesId series, int64_t t_ns, int ordinal, double value);

}  // namespace lj::fhir
