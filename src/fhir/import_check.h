// Internal to src/fhir: checks of the resources a Bundle may import and what is taken from
// them. Every failure names the element (FHIRPath) and the rule; nothing here touches state.
#pragma once

#include <string>
#include <vector>

#include "fhir/internal.h"

namespace lj::fhir {

// What a Patient entry contributes to the patient twin.
struct PatientFields {
  std::string mrn;
  std::string mrn_system;  // the identifier's system as sent; the server's own when it had none
  std::string name;        // text, may be empty
  std::string gender;      // may be empty
  std::string birth_date;  // YYYY-MM-DD, may be empty
};

// `path` is the element prefix for messages, e.g. "Bundle.entry[2].resource".
Result<PatientFields> CheckPatient(const Json& r, const std::string& mrn_system,
                                   const std::string& path);

// What a record entry contributes: the reference to its patient and the one-line summary that
// goes into the twin's problems/allergies/medications (empty when it is not current).
struct RecordFields {
  std::string patient_ref;  // as written
  std::string ref_path;     // element of the reference, for messages
  std::string summary;      // e.g. "Type 2 diabetes mellitus"
  bool current = true;      // active: summarised on the twin
  const char* twin_list;    // "problems", "allergies", "medications"
};
Result<RecordFields> CheckRecord(const Json& r, const std::string& type, const std::string& path);

// [A-Za-z0-9\-\.]{1,64}
bool IsFhirId(std::string_view id);
// Nesting depth of a JSON text (outside strings); used to refuse hostile input before parsing.
size_t JsonDepth(std::string_view text);

}  // namespace lj::fhir
