// POST /fhir: transaction and batch Bundles of Patient, Condition, AllergyIntolerance and
// MedicationStatement. A transaction is checked whole before anything is written; it is then
// applied as one fhir.db transaction plus one PutTwin per patient, and any failure rolls back
// both (twins are restored to their previous properties or deleted if newly created).
#include <fmt/format.h>

#include <map>

#include "common/log.h"
#include "common/time.h"
#include "fhir/import_check.h"

namespace lj::fhir {
namespace {

struct PatientPlan {
  std::string twin;                   // twin id
  std::optional<graph::Twin> before;  // empty: created by this import
  Json props;                         // properties to write
};

struct Entry {
  size_t index = 0;
  std::string type;
  Json resource;
  std::string id;       // assigned resource id
  std::string patient;  // twin id
  bool created = true;
};

struct Plan {
  std::map<std::string, PatientPlan> patients;   // by twin id
  std::vector<Entry> entries;                    // in request order
  std::map<std::string, std::string> full_urls;  // fullUrl -> patient twin id
};

std::string EntryPath(size_t i) { return fmt::format("Bundle.entry[{}]", i); }

// The patient with this identifier (system and value: MRNs of two issuers may coincide).
Result<graph::Twin*> FindByMrn(FhirService::Impl& s, std::vector<graph::Twin>& twins,
                               const std::string& system, const std::string& mrn) {
  for (graph::Twin& t : twins)
    if (t.properties.value("mrn", "") == mrn && MrnSystem(s, t.properties) == system) return &t;
  return static_cast<graph::Twin*>(nullptr);
}

// The plan of patient twin `twin_id`, starting from its current properties when it exists.
Result<PatientPlan*> PlanFor(FhirService::Impl& s, const std::string& twin_id,
                             const std::string& path, Plan* plan) {
  PatientPlan& p = plan->patients[twin_id];
  if (!p.twin.empty()) return &p;
  p.twin = twin_id;
  p.props = Json::object();
  Result<graph::Twin> cur = s.graph.GetTwin(twin_id);
  if (cur.ok()) {
    if (!IsPatient(s, *cur))
      return Status(ErrorCode::kConflict,
                    fmt::format("{}: twin '{}' exists and is not a patient", path, twin_id));
    p.before = *cur;
    p.props = cur->properties;
  }
  return &p;
}

// Plans a Patient entry: which twin, with which properties.
Status PlanPatient(FhirService::Impl& s, const Json& entry, const Json& r,
                   const std::string& method, const std::string& url, size_t i,
                   std::vector<graph::Twin>& twins, Plan* plan) {
  const std::string path = EntryPath(i) + ".resource";
  Result<PatientFields> f = CheckPatient(r, s.opt.mrn_system, path);
  if (!f.ok()) return f.status();
  Result<graph::Twin*> existing = FindByMrn(s, twins, f->mrn_system, f->mrn);
  if (!existing.ok()) return existing.status();
  std::string twin_id;
  if (method == "PUT" && url.rfind("Patient/", 0) == 0) {
    twin_id = url.substr(8);
    if (!IsFhirId(twin_id)) return Invalid(EntryPath(i) + ".request.url", "not a valid Patient id");
    if (*existing && (*existing)->id != twin_id)
      return Status(ErrorCode::kConflict,
                    fmt::format("{}: MRN already belongs to Patient/{}", path, (*existing)->id));
  } else if (*existing) {
    twin_id = (*existing)->id;
  } else {
    twin_id = "patient-" + f->mrn;
  }
  Result<PatientPlan*> planned = PlanFor(s, twin_id, path, plan);
  if (!planned.ok()) return planned.status();
  PatientPlan& p = **planned;
  if (p.props.value("mrn", f->mrn) != f->mrn)
    return Unprocessable(path + ".identifier", "the MRN of an existing patient cannot change");
  if (p.props.contains("mrn") && MrnSystem(s, p.props) != f->mrn_system)
    return Status(ErrorCode::kConflict,
                  fmt::format("{}.identifier: Patient/{} holds MRN {} of system {}, not of {}: "
                              "another issuer's patient needs another id (PUT Patient/<id>)",
                              path, twin_id, f->mrn, MrnSystem(s, p.props), f->mrn_system));
  p.props["mrn"] = f->mrn;
  p.props["mrnSystem"] = f->mrn_system;
  if (!f->name.empty()) p.props["name"] = f->name;
  if (!f->gender.empty()) p.props["sex"] = f->gender;
  if (!f->birth_date.empty()) p.props["birthDate"] = f->birth_date;
  if (entry.contains("fullUrl") && entry["fullUrl"].is_string())
    plan->full_urls[entry["fullUrl"]] = twin_id;
  plan->full_urls["Patient/" + twin_id] = twin_id;
  Entry e{i, "Patient", Json(), twin_id, twin_id, !p.before.has_value()};
  plan->entries.push_back(std::move(e));
  return Status::Ok();
}

Result<std::string> ResolvePatient(FhirService::Impl& s, const Plan& plan, const RecordFields& f) {
  if (auto it = plan.full_urls.find(f.patient_ref); it != plan.full_urls.end()) return it->second;
  std::string id = RefId(f.patient_ref, "Patient");
  if (auto it = plan.full_urls.find("Patient/" + id); it != plan.full_urls.end()) return it->second;
  if (f.patient_ref.rfind("urn:", 0) != 0 && f.patient_ref.find("Patient/") != std::string::npos) {
    Result<graph::Twin> t = s.graph.GetTwin(id);
    if (t.ok() && IsPatient(s, *t)) return id;
  }
  return Status(ErrorCode::kNotFound,
                fmt::format("{}: '{}' does not resolve to a Patient in this Bundle or on the "
                            "server",
                            f.ref_path, f.patient_ref));
}

Status PlanRecord(FhirService::Impl& s, const Json& r, const std::string& type,
                  const std::string& method, const std::string& url, size_t i, Plan* plan) {
  const std::string path = EntryPath(i) + ".resource";
  Result<RecordFields> f = CheckRecord(r, type, path);
  if (!f.ok()) return f.status();
  Result<std::string> patient = ResolvePatient(s, *plan, *f);
  if (!patient.ok()) return patient.status();
  Entry e{i, type, r, "", *patient, true};
  if (method == "PUT") {
    std::string id = url.substr(std::min(url.size(), type.size() + 1));
    if (url.rfind(type + "/", 0) != 0 || !IsFhirId(id))
      return Invalid(EntryPath(i) + ".request.url", fmt::format("PUT needs '{}/<id>'", type));
    Result<std::optional<ResourceRow>> prev = s.db->GetResource(type, id);
    if (!prev.ok()) return prev.status();
    e.id = id, e.created = !prev->has_value();
  }
  e.resource["id"] = e.id;   // filled for POST when applied
  e.resource.erase("text");  // narrative is not kept (untrusted XHTML)
  e.resource[f->twin_list == std::string("allergies") ? "patient" : "subject"] = {
      {"reference", "Patient/" + *patient}};
  if (f->current) {
    Result<PatientPlan*> p = PlanFor(s, *patient, EntryPath(i), plan);
    if (!p.ok()) return p.status();
    Json& l = (*p)->props[f->twin_list];
    if (!l.is_array()) l = Json::array();
    if (std::find(l.begin(), l.end(), Json(f->summary)) == l.end()) l.push_back(f->summary);
  }
  plan->entries.push_back(std::move(e));
  return Status::Ok();
}

// Checks one entry's envelope and plans it.
Status PlanEntry(FhirService::Impl& s, const Json& entry, size_t i, std::vector<graph::Twin>& twins,
                 bool patients_pass, Plan* plan) {
  const std::string path = EntryPath(i);
  if (!entry.is_object()) return Invalid(path, "must be an object");
  if (!entry.contains("resource") || !entry["resource"].is_object())
    return Invalid(path + ".resource", "a resource object is required");
  const Json& r = entry["resource"];
  if (!r.contains("resourceType") || !r["resourceType"].is_string())
    return Invalid(path + ".resource.resourceType", "a string resourceType is required");
  const std::string type = r["resourceType"];
  if (!entry.contains("request") || !entry["request"].is_object())
    return Invalid(path + ".request", "transaction and batch entries need a request (bdl-3)");
  const Json& req = entry["request"];
  std::string method = req.contains("method") && req["method"].is_string() ? req["method"] : "";
  std::string url = req.contains("url") && req["url"].is_string() ? req["url"] : "";
  if (method != "POST" && method != "PUT")
    return Unsupported(path + ".request.method", "only POST and PUT are supported");
  if (url.empty() || url.size() > 512) return Invalid(path + ".request.url", "required (1..512)");
  if (url.rfind(type, 0) != 0)
    return Invalid(path + ".request.url", fmt::format("'{}' does not address a {}", url, type));
  if ((type == "Patient") != patients_pass) return Status::Ok();
  if (type == "Patient") return PlanPatient(s, entry, r, method, url, i, twins, plan);
  return PlanRecord(s, r, type, method, url, i, plan);
}

void RevertTwins(FhirService::Impl& s, const std::vector<const PatientPlan*>& done) {
  for (const PatientPlan* p : done) {
    Status st = p->before
                    ? s.graph.PutTwin(p->twin, p->before->model, p->before->properties).status()
                    : s.graph.DeleteTwin(p->twin);
    if (!st.ok())
      LJ_LOG_ERROR("fhir: could not revert patient twin", "twin", p->twin, "error", st.ToString());
  }
}

Status Apply(FhirService::Impl& s, Plan& plan) {
  const int64_t now = NowNs();
  LJ_RETURN_IF_ERROR(s.db->Begin());
  auto fail = [&](const Status& st) {
    s.db->Rollback().IgnoreError();  // the error being returned is the one that matters
    return st;
  };
  for (Entry& e : plan.entries) {
    if (e.type == "Patient") continue;
    if (e.id.empty()) {
      Result<int64_t> n = s.db->NextId(e.type);
      if (!n.ok()) return fail(n.status());
      e.id = fmt::format("{}-{}",
                         e.type == "Condition"            ? "cond"
                         : e.type == "AllergyIntolerance" ? "alg"
                                                          : "med",
                         *n);
    }
    e.resource["id"] = e.id;
    e.resource["meta"] = {{"versionId", "1"}, {"lastUpdated", Iso(now)}};
    Status st = s.db->PutResource({e.type, e.id, e.patient, e.resource.dump()}, now);
    if (!st.ok()) return fail(st);
  }
  std::vector<const PatientPlan*> done;
  for (auto& [id, p] : plan.patients) {
    Result<graph::Twin> t = s.graph.PutTwin(p.twin, s.opt.patient_model, p.props);
    if (!t.ok()) {
      RevertTwins(s, done);
      return fail(Unprocessable("Patient", fmt::format("patient twin '{}' refused the record: {}",
                                                       p.twin, t.status().message())));
    }
    done.push_back(&p);
  }
  if (Status st = s.db->Commit(); !st.ok()) {
    RevertTwins(s, done);
    return fail(st);
  }
  return Status::Ok();
}

Json EntryResponse(const Entry& e) {
  return {{"response",
           {{"status", e.created ? "201 Created" : "200 OK"},
            {"location", fmt::format("{}/{}", e.type, e.id)}}}};
}

Status PlanAll(FhirService::Impl& s, const Json& entries, const std::vector<size_t>& which,
               Plan* plan) {
  Result<std::vector<graph::Twin>> twins = s.graph.ListTwins(s.opt.patient_model);
  if (!twins.ok()) return twins.status();
  for (bool patients : {true, false})
    for (size_t i : which) LJ_RETURN_IF_ERROR(PlanEntry(s, entries[i], i, *twins, patients, plan));
  std::sort(plan->entries.begin(), plan->entries.end(),
            [](const Entry& a, const Entry& b) { return a.index < b.index; });
  return Status::Ok();
}

}  // namespace

FhirResult ImportBundle(FhirService::Impl& s, std::string_view body) {
  if (JsonDepth(body) > 32) return Fail(Invalid("Bundle", "JSON nested deeper than 32 levels"));
  Json b = Json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (b.is_discarded()) return Fail(Status(ErrorCode::kParseError, "body is not valid JSON"));
  if (!b.is_object() || b.value("resourceType", Json()) != "Bundle")
    return Fail(Invalid("Bundle.resourceType", "POST /fhir takes a Bundle"));
  const std::string type = b.value("type", Json("")).is_string() ? b.value("type", "") : "";
  if (type != "transaction" && type != "batch")
    return Fail(Invalid("Bundle.type", "must be 'transaction' or 'batch'"));
  const Json empty = Json::array();
  const Json& entries = b.contains("entry") ? b["entry"] : empty;
  if (!entries.is_array()) return Fail(Invalid("Bundle.entry", "must be an array"));
  if (entries.size() > s.opt.max_bundle_entries)
    return Fail(Status(ErrorCode::kPayloadTooLarge,
                       fmt::format("Bundle.entry: {} entries, at most {} per Bundle",
                                   entries.size(), s.opt.max_bundle_entries)));
  Json out = {{"resourceType", "Bundle"},
              {"type", type == "transaction" ? "transaction-response" : "batch-response"},
              {"entry", Json::array()}};
  if (type == "transaction") {
    std::vector<size_t> all(entries.size());
    for (size_t i = 0; i < all.size(); ++i) all[i] = i;
    Plan plan;
    if (Status st = PlanAll(s, entries, all, &plan); !st.ok()) return Fail(st);
    if (Status st = Apply(s, plan); !st.ok()) return Fail(st);
    for (const Entry& e : plan.entries) out["entry"].push_back(EntryResponse(e));
    LJ_LOG_INFO("fhir: transaction imported", "entries", entries.size());
    return Ok(std::move(out));
  }
  // batch: each entry on its own; a Patient created earlier in the batch can be referenced.
  std::map<std::string, std::string> full_urls;
  for (size_t i = 0; i < entries.size(); ++i) {
    Plan plan;
    plan.full_urls = full_urls;
    Status st = PlanAll(s, entries, {i}, &plan);
    if (st.ok()) st = Apply(s, plan);
    if (!st.ok()) {
      out["entry"].push_back({{"response",
                               {{"status", std::to_string(FhirHttpStatus(st.code()))},
                                {"outcome", OperationOutcome(st)}}}});
      continue;
    }
    full_urls = plan.full_urls;
    out["entry"].push_back(EntryResponse(plan.entries.front()));
  }
  return Ok(std::move(out));
}

}  // namespace lj::fhir
