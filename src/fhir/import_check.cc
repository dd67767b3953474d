#include "fhir/import_check.h"

#include <fmt/format.h>

#include <cctype>

namespace lj::fhir {
namespace {

Status Need(const std::string& path, std::string_view what) {
  return Unprocessable(path, fmt::format("{} is required", what));
}

// CodeableConcept -> text, first coding display, or first coding code.
std::string ConceptText(const Json& c) {
  if (!c.is_object()) return "";
  if (auto t = c.find("text"); t != c.end() && t->is_string() && !t->get<std::string>().empty())
    return *t;
  if (auto cs = c.find("coding"); cs != c.end() && cs->is_array()) {
    for (const Json& coding : *cs) {
      if (!coding.is_object()) continue;
      if (auto d = coding.find("display"); d != coding.end() && d->is_string()) return *d;
      if (auto k = coding.find("code"); k != coding.end() && k->is_string()) return *k;
    }
  }
  return "";
}

// The first coding code of a CodeableConcept, or "".
std::string ConceptCode(const Json& c) {
  if (!c.is_object()) return "";
  if (auto cs = c.find("coding"); cs != c.end() && cs->is_array())
    for (const Json& coding : *cs)
      if (coding.is_object())
        if (auto k = coding.find("code"); k != coding.end() && k->is_string()) return *k;
  return "";
}

Status CheckString(const Json& r, const char* key, const std::string& path, size_t max = 1024) {
  auto it = r.find(key);
  if (it == r.end()) return Status::Ok();
  if (!it->is_string()) return Invalid(path + "." + key, "must be a string");
  if (it->get_ref<const std::string&>().size() > max)
    return Unprocessable(path + "." + key, fmt::format("longer than {} characters", max));
  return Status::Ok();
}

Result<std::string> Reference(const Json& r, const char* key, const std::string& path) {
  auto it = r.find(key);
  if (it == r.end()) return Need(path + "." + key, "a reference to the Patient");
  if (!it->is_object() || !it->contains("reference") || !(*it)["reference"].is_string())
    return Invalid(path + "." + key, "must be a Reference with a string 'reference'");
  std::string ref = (*it)["reference"];
  if (ref.empty() || ref.size() > 256)
    return Unprocessable(path + "." + key + ".reference", "must be 1..256 characters");
  return ref;
}

}  // namespace

bool IsFhirId(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '.') return false;
  return true;
}

size_t JsonDepth(std::string_view text) {
  size_t depth = 0, max = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      max = std::max(max, ++depth);
    } else if ((c == '}' || c == ']') && depth > 0) {
      --depth;
    }
  }
  return max;
}

Result<PatientFields> CheckPatient(const Json& r, const std::string& mrn_system,
                                   const std::string& path) {
  PatientFields f;
  auto ids = r.find("identifier");
  if (ids == r.end()) return Need(path + ".identifier", "an MRN identifier");
  if (!ids->is_array()) return Invalid(path + ".identifier", "must be an array");
  const Json* mrn = nullptr;
  for (const Json& id : *ids) {
    if (!id.is_object()) return Invalid(path + ".identifier", "elements must be objects");
    bool ours = id.value("system", "") == mrn_system;
    bool mr = ConceptCode(id.value("type", Json::object())) == "MR";
    if (ours || (mr && !mrn)) mrn = &id;
    if (ours) break;
  }
  if (!mrn && ids->size() == 1) mrn = &(*ids)[0];
  if (!mrn)
    return Unprocessable(
        path + ".identifier",
        fmt::format("no MRN: give an identifier with system '{}' (or type MR)", mrn_system));
  if (!mrn->contains("value") || !(*mrn)["value"].is_string())
    return Need(path + ".identifier.value", "the MRN value");
  f.mrn = (*mrn)["value"];
  f.mrn_system = mrn_system;
  if (auto sys = mrn->find("system"); sys != mrn->end()) {
    if (!sys->is_string()) return Invalid(path + ".identifier.system", "must be a uri string");
    const std::string& text = sys->get_ref<const std::string&>();
    if (text.empty() || text.size() > 256 || std::any_of(text.begin(), text.end(), [](char c) {
          return static_cast<unsigned char>(c) <= ' ';
        }))
      return Unprocessable(path + ".identifier.system", "must be a uri of 1..256 characters");
    f.mrn_system = text;
  }
  if (f.mrn.empty() || f.mrn.size() > 64 || std::any_of(f.mrn.begin(), f.mrn.end(), [](char c) {
        return !std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '.' && c != '_';
      }))
    return Unprocessable(path + ".identifier.value", "MRN must be 1..64 of [A-Za-z0-9._-]");
  if (auto names = r.find("name"); names != r.end()) {
    if (!names->is_array()) return Invalid(path + ".name", "must be an array of HumanName");
    for (const Json& n : *names) {
      if (!n.is_object()) return Invalid(path + ".name", "elements must be HumanName objects");
      LJ_RETURN_IF_ERROR(CheckString(n, "text", path + ".name", 256));
      LJ_RETURN_IF_ERROR(CheckString(n, "family", path + ".name", 256));
      std::string given;
      if (auto g = n.find("given"); g != n.end()) {
        if (!g->is_array()) return Invalid(path + ".name.given", "must be an array of strings");
        for (const Json& x : *g) {
          if (!x.is_string()) return Invalid(path + ".name.given", "must be an array of strings");
          given += (given.empty() ? "" : " ") + x.get<std::string>();
        }
      }
      std::string text = n.value("text", "");
      if (text.empty()) text = given + (given.empty() ? "" : " ") + n.value("family", "");
      if (f.name.empty() && text.size() <= 256) f.name = text;
      if (n.value("use", "") == "official" && !text.empty() && text.size() <= 256) f.name = text;
    }
  }
  LJ_RETURN_IF_ERROR(CheckString(r, "gender", path));
  f.gender = r.value("gender", "");
  if (!f.gender.empty() && f.gender != "male" && f.gender != "female" && f.gender != "other" &&
      f.gender != "unknown")
    return Unprocessable(path + ".gender", fmt::format("'{}' is not in AdministrativeGender "
                                                       "(male, female, other, unknown)",
                                                       f.gender));
  LJ_RETURN_IF_ERROR(CheckString(r, "birthDate", path));
  f.birth_date = r.value("birthDate", "");
  if (!f.birth_date.empty()) {
    std::optional<TimeRange> d = ParseDateRange(f.birth_date);
    if (!d || f.birth_date.size() != 10)
      return Unprocessable(path + ".birthDate", "must be a full date YYYY-MM-DD");
  }
  return f;
}

Result<RecordFields> CheckRecord(const Json& r, const std::string& type, const std::string& path) {
  RecordFields f;
  if (type == "Condition") {
    Result<std::string> ref = Reference(r, "subject", path);
    if (!ref.ok()) return ref.status();
    f.patient_ref = *ref, f.ref_path = path + ".subject", f.twin_list = "problems";
    if (!r.contains("code")) return Need(path + ".code", "the problem (code)");
    f.summary = ConceptText(r["code"]);
    if (f.summary.empty()) return Need(path + ".code", "code.text or a coding with display/code");
    if (r.contains("clinicalStatus")) {
      std::string st = ConceptCode(r["clinicalStatus"]);
      if (st.empty())
        return Invalid(path + ".clinicalStatus", "must be a CodeableConcept with a code");
      f.current = st == "active" || st == "recurrence" || st == "relapse";
    }
  } else if (type == "AllergyIntolerance") {
    Result<std::string> ref = Reference(r, "patient", path);
    if (!ref.ok()) return ref.status();
    f.patient_ref = *ref, f.ref_path = path + ".patient", f.twin_list = "allergies";
    if (!r.contains("code")) return Need(path + ".code", "the substance (code)");
    f.summary = ConceptText(r["code"]);
    if (f.summary.empty()) return Need(path + ".code", "code.text or a coding with display/code");
    if (r.contains("clinicalStatus")) {
      std::string st = ConceptCode(r["clinicalStatus"]);
      if (st.empty())
        return Invalid(path + ".clinicalStatus", "must be a CodeableConcept with a code");
      f.current = st == "active";
    }
  } else if (type == "MedicationStatement") {
    Result<std::string> ref = Reference(r, "subject", path);
    if (!ref.ok()) return ref.status();
    f.patient_ref = *ref, f.ref_path = path + ".subject", f.twin_list = "medications";
    static const char* kStatus[] = {"active",  "completed", "entered-in-error", "intended",
                                    "stopped", "on-hold",   "unknown",          "not-taken"};
    if (!r.contains("status")) return Need(path + ".status", "status");
    if (!r["status"].is_string() || std::none_of(std::begin(kStatus), std::end(kStatus),
                                                 [&](const char* s) { return r["status"] == s; }))
      return Unprocessable(path + ".status", "not in MedicationStatementStatus");
    f.current = r["status"] == "active" || r["status"] == "intended";
    if (r.contains("medicationCodeableConcept")) {
      f.summary = ConceptText(r["medicationCodeableConcept"]);
    } else if (r.contains("medicationReference") && r["medicationReference"].is_object()) {
      f.summary = r["medicationReference"].value("display", "");
    }
    if (f.summary.empty())
      return Need(path + ".medication[x]",
                  "medicationCodeableConcept (text/coding) or medicationReference.display");
  } else {
    return Unprocessable(path + ".resourceType",
                         fmt::format("'{}' cannot be imported (Patient, Condition, "
                                     "AllergyIntolerance, MedicationStatement)",
                                     type));
  }
  if (f.summary.size() > 256) return Unprocessable(path, "summary text longer than 256 characters");
  return f;
}

}  // namespace lj::fhir
