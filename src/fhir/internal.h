// Internal to src/fhir: the service's state and the helpers its .cc files share.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <limits>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "fhir/db.h"
#include "fhir/fhir_service.h"

namespace lj::fhir {

using Json = nlohmann::json;

inline constexpr const char* kLoinc = "http://loinc.org";
inline constexpr const char* kUcum = "http://unitsofmeasure.org";
inline constexpr const char* kObsCategory =
    "http://terminology.hl7.org/CodeSystem/observation-category";
inline constexpr const char* kTwinSystem = "urn:lingjing:twin";

// ---- errors (outcome.cc) ----
// A Status whose message is "<FHIRPath>: <diagnostics>"; OperationOutcome splits it back.
Status Invalid(std::string_view expr, std::string_view msg);        // 400 invalid
Status Unprocessable(std::string_view expr, std::string_view msg);  // 422 processing
Status Unsupported(std::string_view expr, std::string_view msg);    // 400 not-supported
Status NotFound(std::string_view what);                             // 404 not-found
Json OperationOutcome(const Status& s);
int FhirHttpStatus(ErrorCode code);
FhirResult Fail(const Status& s);
FhirResult Ok(Json body, int status = 200);

// ---- search parameters (search.cc) ----
struct TimeRange {  // [from, to)
  int64_t from = std::numeric_limits<int64_t>::min();
  int64_t to = std::numeric_limits<int64_t>::max();
  bool empty() const { return from >= to; }
};
// Narrows `r` by one `date` value with an optional eq/gt/ge/lt/le prefix.
Status ApplyDate(std::string_view value, TimeRange* r);
// A FHIR date/dateTime as the range its precision covers; nullopt if malformed.
std::optional<TimeRange> ParseDateRange(std::string_view s);
struct Token {
  std::optional<std::string> system;  // nullopt: any system; "": no system
  std::string code;                   // empty: any code of `system`
  bool Matches(std::string_view sys, std::string_view code) const;
};
std::vector<Token> ParseTokens(std::string_view value);  // comma-separated = OR
Result<size_t> ParseCount(std::string_view value, size_t max);
std::string Base64Url(std::string_view bytes);
std::optional<std::string> UnBase64Url(std::string_view text);
// "Patient/x" or "x" (or an absolute URL ending in Patient/x) -> "x".
std::string RefId(std::string_view ref, std::string_view type);
std::string QueryString(const Params& params);  // URL-encoded "a=b&c=d"
// A searchset Bundle with `total`, self and (optional) next links.
Json Searchset(const std::string& base, std::string_view type, const Params& self_params,
               std::vector<Json> resources, size_t total, const Params* next_params);
// Offset-paged searchset for small, fully materialised result lists (cursor = offset).
FhirResult PagedSearchset(const FhirOptions& opt, const std::string& base, std::string_view type,
                          const Params& params, std::vector<Json> all);
std::string Iso(int64_t ns);  // FHIR instant, UTC, millisecond precision

// ---- state ----
struct FhirService::Impl {
  Impl(const FhirOptions& o, graph::TwinGraph& g, history::HistoryStore* h)
      : opt(o), graph(g), history(h) {}
  FhirOptions opt;
  graph::TwinGraph& graph;
  history::HistoryStore* history;

  std::mutex mu;  // guards db, encounters and base
  // Base of links (fullUrl, self, next) in the answer being built: the request's absolute
  // [base] (FHIR: fullUrl is absolute), else opt.base_url.
  std::string base = opt.base_url;
  std::unique_ptr<Db> db;
  std::vector<EncounterRow> encounters;  // mirror of the table, by id

  std::mutex pending_mu;  // guards pending and stop; never held while calling the graph
  std::condition_variable pending_cv;
  std::vector<std::pair<std::string, int64_t>> pending;  // (bed twin, time of change)
  bool stop = false;
  std::thread worker;

  void Queue(const std::string& twin);
  void DrainLocked();  // requires mu
};

// ---- Patient (patients.cc) ----
Json PatientJson(const FhirService::Impl& s, const graph::Twin& twin);
bool IsPatient(const FhirService::Impl& s, const graph::Twin& twin);
// The system of a patient twin's MRN: as its sender gave it (mrnSystem), else the server's own.
std::string MrnSystem(const FhirService::Impl& s, const Json& props);
FhirResult ReadPatient(FhirService::Impl& s, const std::string& id);
FhirResult SearchPatients(FhirService::Impl& s, const Params& params);
// The patient twin id named by a `patient`/`subject` search value; kNotFound when absent.
Result<std::string> PatientParam(FhirService::Impl& s, std::string_view value);

// ---- Encounter (encounters.cc); callers hold s.mu ----
Status ReconcileBed(FhirService::Impl& s, const std::string& bed, int64_t t_ns);
Status ReconcileAll(FhirService::Impl& s, int64_t t_ns);
std::string EncounterId(const EncounterRow& e);
Json EncounterJson(FhirService::Impl& s, const EncounterRow& e);
FhirResult ReadEncounter(FhirService::Impl& s, const std::string& id);
FhirResult SearchEncounters(FhirService::Impl& s, const Params& params);

// ---- Observation (observations.cc); callers hold s.mu ----
// The targets of `twin`'s relationships named `name` (hasDevice, wears), as the graph has them.
std::vector<std::string> RelationshipTargets(graph::TwinGraph& g, const std::string& twin,
                                             const char* name);
FhirResult ReadObservation(FhirService::Impl& s, const std::string& id);
FhirResult SearchObservations(FhirService::Impl& s, const Params& params);
FhirResult LastNObservations(FhirService::Impl& s, const Params& params);

// ---- Observation create (observation_create.cc); callers hold s.mu ----
FhirResult PlanObservationCreate(FhirService::Impl& s, std::string_view body,
                                 ObservationWrite* out);
FhirResult CreatedObservation(FhirService::Impl& s, const ObservationWrite& w);

// ---- imported record (bundle_import.cc, records.cc); callers hold s.mu ----
FhirResult ImportBundle(FhirService::Impl& s, std::string_view body);
FhirResult ReadRecord(FhirService::Impl& s, const std::string& type, const std::string& id);
FhirResult SearchRecords(FhirService::Impl& s, const std::string& type, const Params& params);
bool IsRecordType(std::string_view type);

}  // namespace lj::fhir
