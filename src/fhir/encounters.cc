// Encounters: one inpatient encounter per bed assignment (Bed occupiedBy Patient). The graph
// holds only the present; fhir.db keeps every assignment with its period, so finished
// encounters (and the observations they scope) survive discharge and transfer.
#include <fmt/format.h>

#include <algorithm>
#include <charconv>

#include "common/log.h"
#include "fhir/internal.h"

namespace lj::fhir {
namespace {

std::optional<std::string> Occupant(graph::TwinGraph& g, const std::string& bed) {
  Result<std::vector<graph::Relationship>> rels = g.ListRelationships(bed);
  if (!rels.ok()) return std::nullopt;
  for (const graph::Relationship& r : *rels)
    if (r.name == "occupiedBy") return r.target;
  return std::nullopt;
}

// The twin that `contains` `id` (room of a bed, ward of a room), if any.
std::optional<graph::Twin> Container(graph::TwinGraph& g, const std::string& id) {
  Result<std::vector<graph::Relationship>> in = g.IncomingRelationships(id);
  if (!in.ok()) return std::nullopt;
  for (const graph::Relationship& r : *in) {
    if (r.name != "contains") continue;
    Result<graph::Twin> t = g.GetTwin(r.source);
    if (t.ok()) return *t;
  }
  return std::nullopt;
}

Json LocationEntry(const graph::Twin& t, const char* type_code, const char* type_display,
                   const char* label_key, bool active) {
  std::string display = t.properties.value(label_key, t.id);
  Json coding = {{"system", "http://terminology.hl7.org/CodeSystem/location-physical-type"},
                 {"code", type_code},
                 {"display", type_display}};
  Json location = {{"identifier", {{"system", kTwinSystem}, {"value", t.id}}},
                   {"display", display}};
  return {{"location", location},
          {"status", active ? "active" : "completed"},
          {"physicalType", {{"coding", Json::array({coding})}}}};
}

}  // namespace

Status ReconcileBed(FhirService::Impl& s, const std::string& bed, int64_t t_ns) {
  std::optional<std::string> occupant = Occupant(s.graph, bed);
  bool open_matches = false;
  for (EncounterRow& e : s.encounters) {
    if (e.bed != bed || e.end_ns) continue;
    if (occupant && e.patient == *occupant) {
      open_matches = true;
      continue;
    }
    LJ_RETURN_IF_ERROR(s.db->FinishEncounter(e.id, t_ns));
    e.end_ns = std::max(t_ns, e.start_ns);
    LJ_LOG_INFO("fhir: encounter finished", "encounter", e.id, "bed", bed);
  }
  if (occupant && !open_matches) {
    Result<int64_t> id = s.db->StartEncounter(*occupant, bed, t_ns);
    if (!id.ok()) return id.status();
    s.encounters.push_back({*id, *occupant, bed, t_ns, std::nullopt});
    LJ_LOG_INFO("fhir: encounter started", "encounter", *id, "bed", bed);
  }
  return Status::Ok();
}

Status ReconcileAll(FhirService::Impl& s, int64_t t_ns) {
  Result<std::vector<graph::Twin>> beds = s.graph.ListTwins(s.opt.bed_model);
  if (!beds.ok()) return beds.status();
  std::vector<std::string> ids;
  for (const graph::Twin& b : *beds) ids.push_back(b.id);
  for (const EncounterRow& e : s.encounters)
    if (!e.end_ns) ids.push_back(e.bed);  // beds that have since disappeared
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  for (const std::string& bed : ids) LJ_RETURN_IF_ERROR(ReconcileBed(s, bed, t_ns));
  return Status::Ok();
}

std::string EncounterId(const EncounterRow& e) { return fmt::format("enc-{}", e.id); }

Json EncounterJson(FhirService::Impl& s, const EncounterRow& e) {
  const bool active = !e.end_ns;
  Json period = {{"start", Iso(e.start_ns)}};
  if (e.end_ns) period["end"] = Iso(*e.end_ns);
  Json locations = Json::array();
  Result<graph::Twin> bed = s.graph.GetTwin(e.bed);
  if (bed.ok()) {
    locations.push_back(LocationEntry(*bed, "bd", "Bed", "label", active));
    if (std::optional<graph::Twin> room = Container(s.graph, e.bed)) {
      locations.push_back(LocationEntry(*room, "ro", "Room", "name", active));
      if (std::optional<graph::Twin> ward = Container(s.graph, room->id))
        locations.push_back(LocationEntry(*ward, "wa", "Ward", "name", active));
    }
  } else {
    locations.push_back(
        {{"location",
          {{"identifier", {{"system", kTwinSystem}, {"value", e.bed}}}, {"display", e.bed}}},
         {"status", active ? "active" : "completed"}});
  }
  return {{"resourceType", "Encounter"},
          {"id", EncounterId(e)},
          {"status", active ? "in-progress" : "finished"},
          {"class",
           {{"system", "http://terminology.hl7.org/CodeSystem/v3-ActCode"},
            {"code", "IMP"},
            {"display", "inpatient encounter"}}},
          {"subject", {{"reference", "Patient/" + e.patient}}},
          {"period", period},
          {"location", locations}};
}

FhirResult ReadEncounter(FhirService::Impl& s, const std::string& id) {
  for (const EncounterRow& e : s.encounters)
    if (EncounterId(e) == id) return Ok(EncounterJson(s, e));
  return Fail(NotFound(fmt::format("Encounter/{} is not known", id)));
}

FhirResult SearchEncounters(FhirService::Impl& s, const Params& params) {
  std::optional<std::string> patient;
  std::vector<Token> status, ids;
  TimeRange range;
  for (const auto& [k, v] : params) {
    if (k == "patient" || k == "subject") {
      patient = RefId(v, "Patient");
    } else if (k == "status") {
      status = ParseTokens(v);
    } else if (k == "_id") {
      ids = ParseTokens(v);
    } else if (k == "date") {
      if (Status st = ApplyDate(v, &range); !st.ok()) return Fail(st);
    } else if (k != "_count" && k != "_cursor") {
      return Fail(Unsupported("", fmt::format("search parameter '{}' is not supported on "
                                              "Encounter (patient, subject, status, date, _id)",
                                              k)));
    }
  }
  std::vector<Json> out;
  for (auto it = s.encounters.rbegin(); it != s.encounters.rend(); ++it) {  // newest first
    const EncounterRow& e = *it;
    if (patient && e.patient != *patient) continue;
    const char* st = e.end_ns ? "finished" : "in-progress";
    auto match = [&](const std::vector<Token>& toks, const std::string& v) {
      return toks.empty() ||
             std::any_of(toks.begin(), toks.end(), [&](const Token& t) { return t.code == v; });
    };
    if (!match(status, st) || !match(ids, EncounterId(e))) continue;
    int64_t end = e.end_ns.value_or(std::numeric_limits<int64_t>::max());
    if (!(e.start_ns < range.to && range.from < end)) continue;  // period overlaps
    out.push_back(EncounterJson(s, e));
  }
  return PagedSearchset(s.opt, s.base, "Encounter", params, std::move(out));
}

}  // namespace lj::fhir
