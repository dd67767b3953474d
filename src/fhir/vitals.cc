#include "fhir/vitals.h"

#include <fmt/format.h>

#include <cmath>

namespace lj::fhir {
namespace {

constexpr const char* kVitalSigns = "http://hl7.org/fhir/StructureDefinition/vitalsigns";
constexpr int64_t kComponentWindowNs = 1'000'000'000;

Json Quantity(double value, const Vital& v) {
  return {{"value", std::round(value * 100) / 100},
          {"unit", v.unit},
          {"system", kUcum},
          {"code", v.ucum}};
}

Json Concept(const std::vector<LoincCode>& codes, const char* text) {
  Json coding = Json::array();
  for (const LoincCode& c : codes)
    coding.push_back({{"system", kLoinc}, {"code", c.code}, {"display", c.display}});
  return {{"coding", coding}, {"text", text}};
}

// The value of `telemetry` on `device` nearest to t within ±1 s.
std::optional<double> ValueNear(history::HistoryStore& h, const std::string& device,
                                const char* telemetry, int64_t t, int ordinal) {
  std::optional<history::SeriesId> id = h.Find(device, telemetry);
  if (!id) return std::nullopt;
  Result<history::SeriesData> d = h.Read(*id, t - kComponentWindowNs, t + kComponentWindowNs, 64);
  if (!d.ok() || d->t_ns.empty()) return std::nullopt;
  size_t best = 0;
  for (size_t i = 1; i < d->t_ns.size(); ++i)
    if (std::llabs(d->t_ns[i] - t) < std::llabs(d->t_ns[best] - t)) best = i;
  // Readings that share the timestamp exactly pair up in order (the k-th systolic of that
  // instant with the k-th diastolic), when the component has as many.
  if (d->t_ns[best] == t) {
    size_t k = best;
    for (int n = 0; n < ordinal && k + 1 < d->t_ns.size() && d->t_ns[k + 1] == t; ++n) ++k;
    if (static_cast<int>(k - best) == ordinal) best = k;
  }
  if (!d->f64.empty()) return d->f64[best];
  if (!d->i64.empty()) return static_cast<double>(d->i64[best]);
  return std::nullopt;
}

}  // namespace

const std::vector<Vital>& Vitals() {
  static const std::vector<Vital> kVitals = {
      {"hr",
       {{"8867-4", "Heart rate"}},
       "Heart rate",
       "http://hl7.org/fhir/StructureDefinition/heartrate",
       "/min",
       "beats/minute",
       {}},
      {"rr",
       {{"9279-1", "Respiratory rate"}},
       "Respiratory rate",
       "http://hl7.org/fhir/StructureDefinition/resprate",
       "/min",
       "breaths/minute",
       {}},
      {"spo2",
       {{"2708-6", "Oxygen saturation in Arterial blood"},
        {"59408-5", "Oxygen saturation in Arterial blood by Pulse oximetry"}},
       "Oxygen saturation (SpO2)",
       "http://hl7.org/fhir/StructureDefinition/oxygensat",
       "%",
       "%",
       {}},
      {"temp",
       {{"8310-5", "Body temperature"}},
       "Body temperature",
       "http://hl7.org/fhir/StructureDefinition/bodytemp",
       "Cel",
       "C",
       {}},
      {"nibpSys",
       {{"85354-9", "Blood pressure panel with all children optional"}},
       "Blood pressure (non-invasive)",
       "http://hl7.org/fhir/StructureDefinition/bp",
       "mm[Hg]",
       "mmHg",
       {{"nibpSys", {"8480-6", "Systolic blood pressure"}},
        {"nibpDia", {"8462-4", "Diastolic blood pressure"}},
        {"nibpMean", {"8478-0", "Mean blood pressure"}}}},
  };
  return kVitals;
}

const Vital* VitalForTelemetry(std::string_view telemetry) {
  for (const Vital& v : Vitals())
    if (telemetry == v.telemetry) return &v;
  return nullptr;
}

bool VitalMatches(const Vital& v, const std::vector<Token>& codes) {
  if (codes.empty()) return true;
  for (const Token& t : codes)
    for (const LoincCode& c : v.codes)
      if (t.Matches(kLoinc, c.code)) return true;
  return false;
}

std::string ObservationId(history::SeriesId series, int64_t t_ns, int ordinal) {
  return fmt::format("{}-{}-{}", series, t_ns, ordinal);
}

Json ObservationJson(const FhirService::Impl& s, const Vital& v, const ObsContext& ctx,
                     history::SeriesId series, int64_t t_ns, int ordinal, double value) {
  Json obs = {
      {"resourceType", "Observation"},
      {"id", ObservationId(series, t_ns, ordinal)},
      {"meta", {{"profile", Json::array({kVitalSigns, v.profile})}}},
      {"status", "final"},
      {"category", Json::array({{{"coding", Json::array({{{"system", kObsCategory},
                                                          {"code", "vital-signs"},
                                                          {"display", "Vital Signs"}}})},
                                 {"text", "Vital Signs"}}})},
      {"code", Concept(v.codes, v.text)},
      {"subject", {{"reference", "Patient/" + ctx.patient}}},
      {"effectiveDateTime", Iso(t_ns)},
  };
  if (!ctx.encounter.empty()) obs["encounter"] = {{"reference", "Encounter/" + ctx.encounter}};
  if (ctx.device != ctx.patient)  // a charted reading is the patient twin's own: no device
    obs["device"] = {{"identifier", {{"system", kTwinSystem}, {"value", ctx.device}}},
                     {"display", ctx.device}};
  if (v.components.empty()) {
    obs["valueQuantity"] = Quantity(value, v);
    return obs;
  }
  Json comps = Json::array();
  for (const VitalComponent& c : v.components) {
    std::optional<double> cv =
        std::string_view(c.telemetry) == v.telemetry ? std::optional<double>(value)
        : s.history ? ValueNear(*s.history, ctx.device, c.telemetry, t_ns, ordinal)
                    : std::nullopt;
    Json comp = {{"code", Concept({c.code}, c.code.display)}};
    if (cv) {
      comp["valueQuantity"] = Quantity(*cv, v);
    } else if (std::string_view(c.telemetry) == "nibpMean") {
      continue;  // optional component: leave out rather than report it absent
    } else {
      comp["dataAbsentReason"] = {
          {"coding",
           Json::array({{{"system", "http://terminology.hl7.org/CodeSystem/data-absent-reason"},
                         {"code", "unknown"},
                         {"display", "Unknown"}}})}};
    }
    comps.push_back(std::move(comp));
  }
  obs["component"] = comps;
  return obs;
}

}  // namespace lj::fhir
