// Imported clinical record resources (Condition, AllergyIntolerance, MedicationStatement):
// stored verbatim (with server ids and Patient references) in fhir.db; read and search.
#include <fmt/format.h>

#include "fhir/internal.h"

namespace lj::fhir {

bool IsRecordType(std::string_view type) {
  return type == "Condition" || type == "AllergyIntolerance" || type == "MedicationStatement";
}

FhirResult ReadRecord(FhirService::Impl& s, const std::string& type, const std::string& id) {
  Result<std::optional<ResourceRow>> row = s.db->GetResource(type, id);
  if (!row.ok()) return Fail(row.status());
  if (!*row) return Fail(NotFound(fmt::format("{}/{} is not known", type, id)));
  Json j = Json::parse((*row)->json, nullptr, false);
  if (j.is_discarded())
    return Fail(Status(ErrorCode::kStorage, "fhir.db: stored resource is corrupt"));
  return Ok(std::move(j));
}

FhirResult SearchRecords(FhirService::Impl& s, const std::string& type, const Params& params) {
  std::string patient;
  std::vector<Token> ids;
  for (const auto& [k, v] : params) {
    if (k == "patient" || k == "subject") {
      std::string p = RefId(v, "Patient");
      if (!patient.empty() && p != patient) return PagedSearchset(s.opt, s.base, type, params, {});
      patient = p;
    } else if (k == "_id") {
      ids = ParseTokens(v);
    } else if (k != "_count" && k != "_cursor") {
      return Fail(Unsupported("", fmt::format("search parameter '{}' is not supported on {} "
                                              "(patient, subject, _id)",
                                              k, type)));
    }
  }
  Result<std::vector<ResourceRow>> rows = s.db->ResourcesOf(type, patient);
  if (!rows.ok()) return Fail(rows.status());
  std::vector<Json> out;
  for (const ResourceRow& r : *rows) {
    if (!ids.empty() &&
        std::none_of(ids.begin(), ids.end(), [&](const Token& t) { return t.code == r.id; }))
      continue;
    Json j = Json::parse(r.json, nullptr, false);
    if (!j.is_discarded()) out.push_back(std::move(j));
  }
  return PagedSearchset(s.opt, s.base, type, params, std::move(out));
}

}  // namespace lj::fhir
