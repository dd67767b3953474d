// Test-only: the FHIR R4 vital-signs profile (http://hl7.org/fhir/StructureDefinition/vitalsigns)
// and its per-vital profiles (heartrate, resprate, oxygensat, bodytemp, bp) as a checker, since
// the HL7 Java validator cannot be run here. Written from the profiles, independently of the
// service's own table: required elements and cardinalities, fixed category/LOINC/UCUM codes,
// the vs-1/vs-2/vs-3 invariants, and the R4 Observation element names.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace lj::fhir::testing {

// Every violation as "<path>: <rule>"; empty when the Observation conforms.
std::vector<std::string> CheckVitalSigns(const nlohmann::json& obs);

}  // namespace lj::fhir::testing
