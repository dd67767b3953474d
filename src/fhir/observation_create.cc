// POST /fhir/Observation: a vital-signs Observation (the FHIR R4 vitalsigns profile and its
// per-vital profiles) checked element by element and turned into the samples it records.
// Nothing here writes: the server writes the plan through the ingest path (access checks,
// time order, durability) and then reads the Observation back (CreatedObservation).
//
// Where a reading goes: the device twin the Observation names (Observation.device as
// "Device/<twin>" or an identifier of system urn:lingjing:twin), which must be one of the
// patient's (a device of the bed the patient occupies, or one the patient wears); without a
// device, the patient twin's own series (a charted reading, as a nurse enters it).
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "common/json.h"
#include "common/time.h"
#include "fhir/import_check.h"
#include "fhir/vitals.h"

namespace lj::fhir {
namespace {

struct Range {
  double lo, hi;
};

// Physiologically possible values (model units); outside them a reading is refused, not kept.
Range PlausibleRange(std::string_view telemetry) {
  if (telemetry == "hr") return {0, 400};
  if (telemetry == "rr") return {0, 200};
  if (telemetry == "spo2") return {0, 100};
  if (telemetry == "temp") return {10, 50};
  return {0, 400};  // blood pressures, mmHg
}

std::string Codes(const Vital& v) {
  std::string out;
  for (const LoincCode& c : v.codes) out += (out.empty() ? "" : "/") + std::string(c.code);
  return out;
}

std::string Recorded() {
  std::string out;
  for (const Vital& v : Vitals())
    out += (out.empty() ? "" : ", ") + fmt::format("{} {}", v.text, Codes(v));
  return out;
}

// The LOINC codes of a CodeableConcept; `path` names it in errors.
Result<std::vector<std::string>> LoincCodes(const Json& cc, const std::string& path) {
  if (!cc.is_object()) return Invalid(path, "must be a CodeableConcept");
  auto cs = cc.find("coding");
  if (cs == cc.end() || !cs->is_array() || cs->empty())
    return Unprocessable(path + ".coding", "a LOINC coding is required");
  std::vector<std::string> out;
  for (const Json& c : *cs) {
    if (!c.is_object()) return Invalid(path + ".coding", "elements must be Coding objects");
    if (c.value("system", Json("")) == kLoinc && c.contains("code") && c["code"].is_string())
      out.push_back(c["code"]);
  }
  if (out.empty()) return Unprocessable(path + ".coding", "no coding of system http://loinc.org");
  return out;
}

const Vital* VitalOf(const std::vector<std::string>& codes) {
  for (const Vital& v : Vitals())
    for (const LoincCode& c : v.codes)
      if (std::find(codes.begin(), codes.end(), c.code) != codes.end()) return &v;
  return nullptr;
}

// The value of a Quantity in the vital's unit: UCUM system and code as the profile fixes them
// (temperature also in [degF], converted).
Result<double> QuantityValue(const Json& q, const Vital& v, std::string_view telemetry,
                             const std::string& path) {
  if (!q.is_object()) return Invalid(path, "must be a Quantity");
  if (!q.contains("value") || !q["value"].is_number())
    return Unprocessable(path + ".value", "a numeric value is required");
  if (q.value("system", Json("")) != kUcum)
    return Unprocessable(path + ".system", "must be http://unitsofmeasure.org (UCUM)");
  const Json code = q.value("code", Json(""));
  if (!code.is_string()) return Invalid(path + ".code", "must be a string");
  double x = q["value"].get<double>();
  const std::string unit = code;
  const bool per_min = std::string_view(v.ucum) == "/min" &&
                       (unit == "/min" || unit == "{beats}/min" || unit == "{breaths}/min");
  if (telemetry == "temp" && unit == "[degF]") {
    x = (x - 32) * 5 / 9;
  } else if (unit != v.ucum && !per_min) {
    return Unprocessable(path + ".code",
                         fmt::format("'{}' is not the UCUM unit of {} ('{}'{})", unit, v.text,
                                     v.ucum, telemetry == "temp" ? " or '[degF]'" : ""));
  }
  if (!std::isfinite(x)) return Unprocessable(path + ".value", "must be finite");
  const Range r = PlausibleRange(telemetry);
  if (x < r.lo || x > r.hi)
    return Unprocessable(path + ".value", fmt::format("{} {} is outside the possible range "
                                                      "[{}, {}] of {}",
                                                      x, unit, r.lo, r.hi, v.text));
  return x;
}

// effective[x]: a dateTime precise to the minute or finer, an instant, or a Period's start.
Result<int64_t> Effective(const Json& r) {
  std::string text, path;
  if (auto it = r.find("effectiveDateTime"); it != r.end()) {
    path = "Observation.effectiveDateTime";
    if (!it->is_string()) return Invalid(path, "must be a dateTime string");
    text = *it;
  } else if (auto in = r.find("effectiveInstant"); in != r.end()) {
    path = "Observation.effectiveInstant";
    if (!in->is_string()) return Invalid(path, "must be an instant string");
    text = *in;
  } else if (auto p = r.find("effectivePeriod"); p != r.end()) {
    path = "Observation.effectivePeriod.start";
    if (!p->is_object() || !p->contains("start") || !(*p)["start"].is_string())
      return Unprocessable(path, "a Period with a start is required");
    text = (*p)["start"];
  } else {
    return Unprocessable("Observation.effective[x]",
                         "required by the vital-signs profile (when the reading was taken)");
  }
  std::optional<TimeRange> t = ParseDateRange(text);
  if (!t) return Invalid(path, fmt::format("'{}' is not a FHIR dateTime", text));
  if (text.find('T') == std::string::npos)
    return Unprocessable(path, fmt::format("'{}' is a date: a reading is recorded at an instant, "
                                           "give the time of day (e.g. {}T08:30:00Z)",
                                           text, text.substr(0, 10)));
  return t->from;
}

// The devices of a patient now: of the bed it occupies (open encounter), and the ones it wears.
std::vector<std::string> PatientDevices(FhirService::Impl& s, const std::string& patient) {
  std::vector<std::string> out = RelationshipTargets(s.graph, patient, "wears");
  for (const EncounterRow& e : s.encounters)
    if (e.patient == patient && !e.end_ns) {
      std::vector<std::string> d = RelationshipTargets(s.graph, e.bed, "hasDevice");
      out.insert(out.end(), d.begin(), d.end());
    }
  return out;
}

// Observation.device -> a device twin of the patient, or "" when absent.
Result<std::string> DeviceOf(FhirService::Impl& s, const Json& r, const std::string& patient) {
  auto it = r.find("device");
  if (it == r.end()) return std::string();
  const std::string path = "Observation.device";
  if (!it->is_object()) return Invalid(path, "must be a Reference");
  std::string id;
  if (auto ref = it->find("reference"); ref != it->end()) {
    if (!ref->is_string()) return Invalid(path + ".reference", "must be a string");
    const std::string text = *ref;
    id = RefId(text, "Device");
    if (id == text || text.rfind("urn:", 0) == 0)
      return Unprocessable(path + ".reference",
                           fmt::format("'{}' is not a device of this server: name a device twin "
                                       "as Device/<id> or by identifier (system {})",
                                       text, kTwinSystem));
  } else if (auto ident = it->find("identifier"); ident != it->end() && ident->is_object()) {
    if (ident->value("system", Json("")) != kTwinSystem || !ident->contains("value") ||
        !(*ident)["value"].is_string())
      return Unprocessable(
          path + ".identifier",
          fmt::format("a device is identified by system {} and a twin id", kTwinSystem));
    id = (*ident)["value"];
  } else {
    return Unprocessable(path, "a reference or an identifier is required");
  }
  const std::vector<std::string> devices = PatientDevices(s, patient);
  if (std::find(devices.begin(), devices.end(), id) == devices.end())
    return Unprocessable(path, fmt::format("'{}' is not a device of Patient/{} (of the bed the "
                                           "patient occupies, or worn by the patient)",
                                           id, patient));
  return id;
}

// Top-level elements a reading keeps (and id/meta/text, which a create replaces or drops).
bool Kept(const std::string& key) {
  static const std::set<std::string> kKept = {"resourceType",
                                              "id",
                                              "meta",
                                              "text",
                                              "status",
                                              "category",
                                              "code",
                                              "subject",
                                              "effectiveDateTime",
                                              "effectiveInstant",
                                              "effectivePeriod",
                                              "valueQuantity",
                                              "component",
                                              "device"};
  return kKept.count(key) > 0;
}

Status Plan(FhirService::Impl& s, const Json& r, ObservationWrite* out,
            std::vector<std::string>* not_kept) {
  if (!r.is_object() || r.value("resourceType", Json()) != "Observation")
    return Invalid("Observation.resourceType", "POST /fhir/Observation takes an Observation");
  // status: the history keeps final readings; other states are not readings to chart.
  const Json status = r.value("status", Json());
  if (!status.is_string()) return Unprocessable("Observation.status", "is required");
  if (status != "final")
    return Unprocessable("Observation.status", fmt::format("'{}': only final readings are recorded",
                                                           status.get<std::string>()));
  // category: VSCat (vs-2 of the profile: a vital-signs category coding).
  bool vital = false;
  if (auto c = r.find("category"); c != r.end() && c->is_array())
    for (const Json& cc : *c)
      if (cc.is_object() && cc.contains("coding") && cc["coding"].is_array())
        for (const Json& coding : cc["coding"])
          vital =
              vital || (coding.is_object() && coding.value("system", Json("")) == kObsCategory &&
                        coding.value("code", Json("")) == "vital-signs");
  if (!vital)
    return Unprocessable(
        "Observation.category",
        fmt::format("a coding {}|vital-signs is required (vital-signs profile)", kObsCategory));
  if (!r.contains("code")) return Unprocessable("Observation.code", "is required");
  Result<std::vector<std::string>> codes = LoincCodes(r["code"], "Observation.code");
  if (!codes.ok()) return codes.status();
  const Vital* v = VitalOf(*codes);
  if (!v)
    return Unprocessable("Observation.code",
                         fmt::format("LOINC {} is not a vital sign this server records ({})",
                                     fmt::join(*codes, ", "), Recorded()));
  // subject: a patient of this server.
  auto subj = r.find("subject");
  if (subj == r.end() || !subj->is_object() || !subj->contains("reference") ||
      !(*subj)["reference"].is_string())
    return Unprocessable("Observation.subject", "a reference to the Patient is required");
  const std::string ref = (*subj)["reference"];
  const std::string patient = RefId(ref, "Patient");
  Result<graph::Twin> pt = s.graph.GetTwin(patient);
  if (patient == ref || !IsFhirId(patient) || !pt.ok() || !IsPatient(s, *pt))
    return Unprocessable("Observation.subject.reference",
                         fmt::format("'{}' is not a Patient of this server", ref));
  Result<int64_t> t = Effective(r);
  if (!t.ok()) return t.status();
  Result<std::string> device = DeviceOf(s, r, patient);
  if (!device.ok()) return device.status();
  if (!device->empty()) {
    // A bed device's readings belong to the patient from the start of the stay in that bed.
    for (const EncounterRow& e : s.encounters) {
      if (e.patient != patient || e.end_ns || *t >= e.start_ns) continue;
      const std::vector<std::string> bed = RelationshipTargets(s.graph, e.bed, "hasDevice");
      if (std::find(bed.begin(), bed.end(), *device) == bed.end()) continue;
      return Unprocessable("Observation.effective[x]",
                           fmt::format("{} precedes the patient's stay in {} (since {}): the "
                                       "bed's device was not the patient's then; chart an "
                                       "earlier reading without a device",
                                       Iso(*t), e.bed, Iso(e.start_ns)));
    }
  }
  out->patient = patient;
  out->twin = device->empty() ? patient : *device;
  out->t_ns = *t;
  out->samples.clear();
  if (v->components.empty()) {
    if (r.contains("component"))
      return Unprocessable("Observation.component", fmt::format("{} has no components", v->text));
    if (!r.contains("valueQuantity"))
      return Unprocessable("Observation.valueQuantity",
                           "the reading is required (a value with no dataAbsentReason cannot be "
                           "recorded)");
    Result<double> x =
        QuantityValue(r["valueQuantity"], *v, v->telemetry, "Observation.valueQuantity");
    if (!x.ok()) return x.status();
    out->samples.emplace_back(v->telemetry, *x);
  } else {
    if (r.contains("valueQuantity"))
      return Unprocessable("Observation.valueQuantity",
                           fmt::format("{} is a panel: its values are components", v->text));
    auto comps = r.find("component");
    if (comps == r.end() || !comps->is_array())
      return Unprocessable("Observation.component", "the panel's components are required");
    for (size_t i = 0; i < comps->size(); ++i) {
      const std::string path = fmt::format("Observation.component[{}]", i);
      const Json& c = (*comps)[i];
      if (!c.is_object() || !c.contains("code"))
        return Unprocessable(path + ".code", "is required");
      Result<std::vector<std::string>> cc = LoincCodes(c["code"], path + ".code");
      if (!cc.ok()) return cc.status();
      const VitalComponent* vc = nullptr;
      for (const VitalComponent& k : v->components)
        if (std::find(cc->begin(), cc->end(), k.code.code) != cc->end()) vc = &k;
      if (!vc)
        return Unprocessable(path + ".code", fmt::format("LOINC {} is not a component of {}",
                                                         fmt::join(*cc, ", "), v->text));
      if (!c.contains("valueQuantity"))
        return Unprocessable(path + ".valueQuantity", "the component's reading is required");
      Result<double> x =
          QuantityValue(c["valueQuantity"], *v, vc->telemetry, path + ".valueQuantity");
      if (!x.ok()) return x.status();
      for (const auto& [tel, val] : out->samples)
        if (tel == vc->telemetry) return Unprocessable(path, "the component is given twice");
      out->samples.emplace_back(vc->telemetry, *x);
    }
    for (const char* need : {"nibpSys", "nibpDia"})
      if (std::none_of(out->samples.begin(), out->samples.end(),
                       [&](const auto& p) { return p.first == need; }))
        return Unprocessable(
            "Observation.component",
            fmt::format("the {} component is required", need == std::string_view("nibpSys")
                                                            ? "systolic (LOINC 8480-6)"
                                                            : "diastolic (LOINC 8462-4)"));
    // The primary series first: the Observation's id is the systolic sample's.
    std::stable_sort(out->samples.begin(), out->samples.end(), [&](const auto& a, const auto& b) {
      return (a.first == v->telemetry) > (b.first == v->telemetry);
    });
  }
  for (const auto& [key, value] : r.items())
    if (!Kept(key)) not_kept->push_back("Observation." + key);
  return Status::Ok();
}

}  // namespace

FhirResult PlanObservationCreate(FhirService::Impl& s, std::string_view body,
                                 ObservationWrite* out) {
  Result<Json> r = ParseJson(body);
  if (!r.ok()) return Fail(Status(ErrorCode::kParseError, r.status().message()));
  std::vector<std::string> not_kept;
  if (Status st = Plan(s, *r, out, &not_kept); !st.ok()) return Fail(st);
  Json info = Json::array();
  for (const std::string& e : not_kept)
    info.push_back({{"severity", "information"},
                    {"code", "informational"},
                    {"diagnostics",
                     "not kept: this server records the reading (code, value, "
                     "subject, time, device)"},
                    {"expression", Json::array({e})}});
  return Ok({{"resourceType", "OperationOutcome"}, {"issue", std::move(info)}});
}

FhirResult CreatedObservation(FhirService::Impl& s, const ObservationWrite& w) {
  const Vital* v = w.samples.empty() ? nullptr : VitalForTelemetry(w.samples.front().first);
  if (!s.history || !v) return Fail(Status(ErrorCode::kInternal, "no history to read back"));
  std::optional<history::SeriesId> series = s.history->Find(w.twin, v->telemetry);
  if (!series) return Fail(Status(ErrorCode::kInternal, "the written series is not in history"));
  // The ordinal of this reading among the series' samples at exactly t: the newest of them.
  Result<history::SeriesData> d = s.history->Read(*series, w.t_ns, w.t_ns + 1);
  if (!d.ok()) return Fail(d.status());
  if (d->t_ns.empty())
    return Fail(Status(ErrorCode::kInternal, "the written reading is not in history"));
  const int k = static_cast<int>(d->t_ns.size()) - 1;
  std::string encounter;
  for (const EncounterRow& e : s.encounters)
    if (e.patient == w.patient && w.t_ns >= e.start_ns && w.t_ns < e.end_ns.value_or(INT64_MAX))
      encounter = EncounterId(e);
  Json obs = ObservationJson(s, *v, {w.patient, encounter, w.twin}, *series, w.t_ns, k,
                             w.samples.front().second);
  FhirResult out = Ok(std::move(obs), 201);
  out.location = fmt::format("Observation/{}", ObservationId(*series, w.t_ns, k));
  return out;
}

}  // namespace lj::fhir
