// FhirService: dispatch by resource type, the CapabilityStatement, and the graph listener whose
// changes a worker thread turns into encounters.
#include "fhir/fhir_service.h"

#include <fmt/format.h>

#include "common/log.h"
#include "common/time.h"
#include "fhir/internal.h"

namespace lj::fhir {
namespace {

// The base of links: the configured one when absolute (a proxy's public URL), else the one the
// request came to, else the configured relative one.
std::string LinkBase(const FhirOptions& o, std::string_view request_base) {
  const bool absolute = o.base_url.rfind("http://", 0) == 0 || o.base_url.rfind("https://", 0) == 0;
  return absolute || request_base.empty() ? o.base_url : std::string(request_base);
}

Json SearchParam(const char* name, const char* type) { return {{"name", name}, {"type", type}}; }

Json ResourceCap(const char* type, std::vector<Json> params, bool read = true,
                 bool create = false) {
  Json interactions = Json::array({{{"code", "search-type"}}});
  if (read) interactions.push_back({{"code", "read"}});
  if (create) interactions.push_back({{"code", "create"}});
  return {{"type", type},
          {"interaction", interactions},
          {"searchParam", params},
          {"versioning", "no-version"}};
}

}  // namespace

const std::vector<std::string>& SupportedTypes() {
  static const std::vector<std::string> kTypes = {
      "Patient",   "Encounter",          "Observation",
      "Condition", "AllergyIntolerance", "MedicationStatement"};
  return kTypes;
}

void FhirService::Impl::Queue(const std::string& twin) {
  {
    std::lock_guard<std::mutex> lock(pending_mu);
    if (pending.size() < 100000) pending.emplace_back(twin, opt.now ? opt.now() : NowNs());
  }
  pending_cv.notify_one();
}

void FhirService::Impl::DrainLocked() {
  std::vector<std::pair<std::string, int64_t>> work;
  {
    std::lock_guard<std::mutex> lock(pending_mu);
    work.swap(pending);
  }
  for (const auto& [twin, t] : work) {
    Status st = ReconcileBed(*this, twin, t);
    if (!st.ok())
      LJ_LOG_ERROR("fhir: encounter update failed", "twin", twin, "error", st.ToString());
  }
}

Result<std::unique_ptr<FhirService>> FhirService::Open(const FhirOptions& options,
                                                       graph::TwinGraph& graph,
                                                       history::HistoryStore* history) {
  auto impl = std::make_unique<Impl>(options, graph, history);
  Result<std::unique_ptr<Db>> db = Db::Open(options.db_path);
  if (!db.ok()) return db.status();
  impl->db = std::move(*db);
  Result<std::vector<EncounterRow>> rows = impl->db->Encounters();
  if (!rows.ok()) return rows.status();
  impl->encounters = std::move(*rows);
  LJ_RETURN_IF_ERROR(ReconcileAll(*impl, options.now ? options.now() : NowNs()));
  Impl* raw = impl.get();
  impl->worker = std::thread([raw] {
    std::unique_lock<std::mutex> lock(raw->pending_mu);
    while (true) {
      raw->pending_cv.wait(lock, [raw] { return raw->stop || !raw->pending.empty(); });
      if (raw->stop) return;
      lock.unlock();
      {
        std::lock_guard<std::mutex> state(raw->mu);
        raw->DrainLocked();
      }
      lock.lock();
    }
  });
  return std::unique_ptr<FhirService>(new FhirService(std::move(impl)));
}

FhirService::FhirService(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

FhirService::~FhirService() {
  {
    std::lock_guard<std::mutex> lock(impl_->pending_mu);
    impl_->stop = true;
  }
  impl_->pending_cv.notify_one();
  if (impl_->worker.joinable()) impl_->worker.join();
}

void FhirService::Sync() {
  std::lock_guard<std::mutex> lock(impl_->mu);
  impl_->DrainLocked();
}

void FhirService::OnTwinUpserted(const graph::Twin&, bool) {}
void FhirService::OnTwinDeleted(const std::string& id) { impl_->Queue(id); }
void FhirService::OnRelationshipsChanged(const std::string& source) { impl_->Queue(source); }

FhirResult FhirService::Read(std::string_view type, std::string_view id_view) {
  const std::string id(id_view);
  std::lock_guard<std::mutex> lock(impl_->mu);
  impl_->DrainLocked();
  try {
    if (type == "Patient") return ReadPatient(*impl_, id);
    if (type == "Encounter") return ReadEncounter(*impl_, id);
    if (type == "Observation") return ReadObservation(*impl_, id);
    if (IsRecordType(type)) return ReadRecord(*impl_, std::string(type), id);
  } catch (const nlohmann::json::exception& e) {
    return Fail(Status(ErrorCode::kInternal, e.what()));
  }
  return Fail(NotFound(fmt::format("resource type '{}' is not supported", type)));
}

FhirResult FhirService::Search(std::string_view type, const Params& params, std::string_view base) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  impl_->DrainLocked();
  impl_->base = LinkBase(impl_->opt, base);
  try {
    if (type == "Patient") return SearchPatients(*impl_, params);
    if (type == "Encounter") return SearchEncounters(*impl_, params);
    if (type == "Observation") return SearchObservations(*impl_, params);
    if (IsRecordType(type)) return SearchRecords(*impl_, std::string(type), params);
  } catch (const nlohmann::json::exception& e) {
    return Fail(Status(ErrorCode::kInternal, e.what()));
  }
  return Fail(NotFound(fmt::format("resource type '{}' is not supported", type)));
}

FhirResult FhirService::LastN(const Params& params, std::string_view base) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  impl_->DrainLocked();
  impl_->base = LinkBase(impl_->opt, base);
  return LastNObservations(*impl_, params);
}

FhirResult FhirService::Transaction(std::string_view body) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  impl_->DrainLocked();
  try {
    return ImportBundle(*impl_, body);
  } catch (const nlohmann::json::exception& e) {
    // A value of the wrong JSON type deep in an element the checks read leniently.
    return Fail(
        Invalid("Bundle", fmt::format("an element has the wrong JSON type ({})", e.what())));
  }
}

FhirResult FhirService::PlanObservation(std::string_view body, ObservationWrite* out) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  impl_->DrainLocked();
  try {
    return PlanObservationCreate(*impl_, body, out);
  } catch (const nlohmann::json::exception& e) {
    return Fail(
        Invalid("Observation", fmt::format("an element has the wrong JSON type ({})", e.what())));
  }
}

FhirResult FhirService::CreatedObservation(const ObservationWrite& w) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  impl_->DrainLocked();
  return fhir::CreatedObservation(*impl_, w);
}

FhirResult FhirService::Metadata(std::string_view base) const {
  Json rest = {
      {"mode", "server"},
      {"resource",
       Json::array(
           {ResourceCap("Patient", {SearchParam("_id", "token"), SearchParam("identifier", "token"),
                                    SearchParam("name", "string"), SearchParam("gender", "token"),
                                    SearchParam("birthdate", "date")}),
            ResourceCap("Encounter",
                        {SearchParam("_id", "token"), SearchParam("patient", "reference"),
                         SearchParam("subject", "reference"), SearchParam("status", "token"),
                         SearchParam("date", "date")}),
            ResourceCap("Observation",
                        {SearchParam("patient", "reference"), SearchParam("subject", "reference"),
                         SearchParam("code", "token"), SearchParam("date", "date"),
                         SearchParam("category", "token")},
                        true, /*create=*/true),
            ResourceCap("Condition",
                        {SearchParam("patient", "reference"), SearchParam("subject", "reference"),
                         SearchParam("_id", "token")}),
            ResourceCap("AllergyIntolerance",
                        {SearchParam("patient", "reference"), SearchParam("_id", "token")}),
            ResourceCap("MedicationStatement",
                        {SearchParam("patient", "reference"), SearchParam("subject", "reference"),
                         SearchParam("_id", "token")})})},
      {"interaction", Json::array({{{"code", "transaction"}}, {{"code", "batch"}}})},
  };
  rest["resource"][2]["operation"] =
      Json::array({{{"name", "lastn"},
                    {"definition", "http://hl7.org/fhir/OperationDefinition/Observation-lastn"}}});
  rest["resource"][2]["supportedProfile"] =
      Json::array({"http://hl7.org/fhir/StructureDefinition/vitalsigns",
                   "http://hl7.org/fhir/StructureDefinition/heartrate",
                   "http://hl7.org/fhir/StructureDefinition/resprate",
                   "http://hl7.org/fhir/StructureDefinition/oxygensat",
                   "http://hl7.org/fhir/StructureDefinition/bodytemp",
                   "http://hl7.org/fhir/StructureDefinition/bp"});
  Json cap = {{"resourceType", "CapabilityStatement"},
              {"status", "active"},
              {"date", Iso(NowNs()).substr(0, 10)},
              {"kind", "instance"},
              {"software", {{"name", "Lingjing"}}},
              {"implementation",
               {{"description", "Lingjing ward FHIR facade"}, {"url", LinkBase(impl_->opt, base)}}},
              {"fhirVersion", "4.0.1"},
              {"format", Json::array({"application/fhir+json", "json"})},
              {"rest", Json::array({rest})}};
  return Ok(std::move(cap));
}

}  // namespace lj::fhir
