#include "fhir/vitals_checker.h"

#include <regex>
#include <set>

namespace lj::fhir::testing {
namespace {

using Json = nlohmann::json;

const char* kUcumSystem = "http://unitsofmeasure.org";

// FHIR R4 dateTime (regex from the specification's datatype page, simplified to ASCII digits).
bool IsDateTime(const std::string& s) {
  static const std::regex re(
      R"(([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)(-(0[1-9]|1[0-2])(-(0[1-9]|[1-2][0-9]|3[0-1])(T([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?(Z|(\+|-)((0[0-9]|1[0-3]):[0-5][0-9]|14:00)))?)?)?)");
  return std::regex_match(s, re);
}

bool HasCoding(const Json& cc, const std::string& system, const std::string& code) {
  if (!cc.is_object() || !cc.contains("coding") || !cc["coding"].is_array()) return false;
  for (const Json& c : cc["coding"])
    if (c.is_object() && c.value("system", "") == system && c.value("code", "") == code)
      return true;
  return false;
}

void CheckQuantity(const Json& q, const std::string& path, std::vector<std::string>* out) {
  if (!q.is_object()) return out->push_back(path + ": must be a Quantity object");
  if (!q.contains("value") || !q["value"].is_number())
    out->push_back(path + ".value: 1..1 decimal required");
  if (!q.contains("unit") || !q["unit"].is_string())
    out->push_back(path + ".unit: 1..1 string required");
  if (q.value("system", "") != kUcumSystem)
    out->push_back(path + ".system: fixed to http://unitsofmeasure.org");
  if (!q.contains("code") || !q["code"].is_string() || q["code"].get<std::string>().empty())
    out->push_back(path + ".code: 1..1 UCUM code required");
}

// Value[x] or dataAbsentReason: exactly one (vs-2 / vs-3, and obs-6: not both).
void CheckValueOrAbsent(const Json& j, const std::string& path, const char* rule,
                        std::vector<std::string>* out) {
  bool value = false;
  for (auto it = j.begin(); it != j.end(); ++it)
    if (it.key().rfind("value", 0) == 0) value = true;
  bool absent = j.contains("dataAbsentReason");
  if (!value && !absent)
    out->push_back(path + ": " + rule + " value[x] or dataAbsentReason required");
  if (value && absent) out->push_back(path + ": obs-6 dataAbsentReason only if no value");
}

std::string UcumOf(const Json& j) {
  return j.contains("valueQuantity") && j["valueQuantity"].is_object()
             ? j["valueQuantity"].value("code", "")
             : "";
}

const Json* Component(const Json& obs, const std::string& loinc) {
  if (!obs.contains("component")) return nullptr;
  for (const Json& c : obs["component"])
    if (HasCoding(c.value("code", Json::object()), "http://loinc.org", loinc)) return &c;
  return nullptr;
}

}  // namespace

std::vector<std::string> CheckVitalSigns(const Json& obs) {
  std::vector<std::string> out;
  static const std::set<std::string> kElements = {"resourceType",
                                                  "id",
                                                  "meta",
                                                  "implicitRules",
                                                  "language",
                                                  "text",
                                                  "contained",
                                                  "extension",
                                                  "modifierExtension",
                                                  "identifier",
                                                  "basedOn",
                                                  "partOf",
                                                  "status",
                                                  "category",
                                                  "code",
                                                  "subject",
                                                  "focus",
                                                  "encounter",
                                                  "effectiveDateTime",
                                                  "effectivePeriod",
                                                  "effectiveTiming",
                                                  "effectiveInstant",
                                                  "issued",
                                                  "performer",
                                                  "valueQuantity",
                                                  "valueCodeableConcept",
                                                  "valueString",
                                                  "valueBoolean",
                                                  "valueInteger",
                                                  "valueRange",
                                                  "valueRatio",
                                                  "valueSampledData",
                                                  "valueTime",
                                                  "valueDateTime",
                                                  "valuePeriod",
                                                  "dataAbsentReason",
                                                  "interpretation",
                                                  "note",
                                                  "bodySite",
                                                  "method",
                                                  "specimen",
                                                  "device",
                                                  "referenceRange",
                                                  "hasMember",
                                                  "derivedFrom",
                                                  "component"};
  if (!obs.is_object() || obs.value("resourceType", "") != "Observation")
    return {"Observation: resourceType must be Observation"};
  for (auto it = obs.begin(); it != obs.end(); ++it)
    if (!kElements.count(it.key()))
      out.push_back("Observation." + it.key() + ": not an R4 element");
  static const std::regex id_re(R"([A-Za-z0-9\-\.]{1,64})");
  if (!obs.contains("id") || !obs["id"].is_string() ||
      !std::regex_match(obs["id"].get<std::string>(), id_re))
    out.push_back("Observation.id: must match [A-Za-z0-9-.]{1,64}");
  static const std::set<std::string> kStatus = {"registered",       "preliminary", "final",
                                                "amended",          "corrected",   "cancelled",
                                                "entered-in-error", "unknown"};
  if (!obs.contains("status") || !obs["status"].is_string() || !kStatus.count(obs["status"]))
    out.push_back("Observation.status: 1..1 from ObservationStatus");
  bool vs_cat = false;
  if (obs.contains("category") && obs["category"].is_array())
    for (const Json& c : obs["category"])
      vs_cat = vs_cat || HasCoding(c, "http://terminology.hl7.org/CodeSystem/observation-category",
                                   "vital-signs");
  if (!vs_cat) out.push_back("Observation.category: VSCat slice (vital-signs) 1..1 required");
  // Vital Signs value set (R4 observation-vitalsignresult) plus 59408-5 (pulse oximetry).
  static const std::set<std::string> kVsCodes = {
      "85353-1", "9279-1",  "8867-4",  "2708-6", "8310-5", "8302-2", "9843-4",
      "29463-7", "39156-5", "85354-9", "8480-6", "8462-4", "8478-0", "59408-5"};
  std::string loinc;
  if (obs.contains("code") && obs["code"].is_object() && obs["code"].contains("coding"))
    for (const Json& c : obs["code"]["coding"])
      if (c.value("system", "") == "http://loinc.org" && kVsCodes.count(c.value("code", "")) &&
          loinc.empty())
        loinc = c.value("code", "");
  if (loinc.empty()) out.push_back("Observation.code: a LOINC coding from Vital Signs required");
  const Json subject = obs.value("subject", Json());
  if (!subject.is_object() || subject.value("reference", "").rfind("Patient/", 0) != 0)
    out.push_back("Observation.subject: 1..1 Reference(Patient) required");
  if (obs.contains("effectiveDateTime")) {
    std::string t = obs["effectiveDateTime"].is_string() ? obs["effectiveDateTime"] : "";
    if (!IsDateTime(t)) out.push_back("Observation.effectiveDateTime: not a FHIR dateTime");
    if (t.size() < 10) out.push_back("Observation.effectiveDateTime: vs-1 precise to the day");
  } else if (!obs.contains("effectivePeriod")) {
    out.push_back("Observation.effective[x]: 1..1 dateTime or Period required");
  }
  if (!obs.contains("component") && !obs.contains("hasMember"))
    CheckValueOrAbsent(obs, "Observation", "vs-2", &out);
  if (obs.contains("valueQuantity"))
    CheckQuantity(obs["valueQuantity"], "Observation.valueQuantity", &out);
  if (obs.contains("component")) {
    if (!obs["component"].is_array()) out.push_back("Observation.component: must be an array");
    size_t i = 0;
    for (const Json& c : obs["component"]) {
      std::string p = "Observation.component[" + std::to_string(i++) + "]";
      if (!c.contains("code") || !c["code"].is_object()) out.push_back(p + ".code: 1..1 required");
      CheckValueOrAbsent(c, p, "vs-3", &out);
      if (c.contains("valueQuantity"))
        CheckQuantity(c["valueQuantity"], p + ".valueQuantity", &out);
    }
  }
  // Per-vital profiles: fixed units.
  const std::string ucum = UcumOf(obs);
  if ((loinc == "8867-4" || loinc == "9279-1") && ucum != "/min")
    out.push_back("Observation.valueQuantity.code: " + loinc + " requires /min");
  if (loinc == "2708-6" && ucum != "%")
    out.push_back("Observation.valueQuantity.code: SpO2 requires %");
  if (loinc == "8310-5" && ucum != "Cel" && ucum != "[degF]")
    out.push_back("Observation.valueQuantity.code: body temperature requires Cel or [degF]");
  if (loinc == "85354-9") {
    for (const char* part : {"8480-6", "8462-4"}) {
      const Json* c = Component(obs, part);
      if (!c) {
        out.push_back(std::string("Observation.component: BP slice ") + part + " 1..1 required");
      } else if (c->contains("valueQuantity") && UcumOf(*c) != "mm[Hg]") {
        out.push_back(std::string("Observation.component(") + part + "): requires mm[Hg]");
      }
    }
    if (obs.contains("valueQuantity"))
      out.push_back("Observation.value[x]: BP panel carries components only");
  }
  return out;
}

}  // namespace lj::fhir::testing
