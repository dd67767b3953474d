// FhirService: a FHIR R4 (4.0.1) JSON facade over the ward (doc/protocols/fhir.md).
//
//   Patient            <- patient twins (identifier = MRN), read + search
//   Encounter          <- one inpatient encounter per bed assignment (Bed occupiedBy Patient),
//                         recorded in `<data>/fhir.db` as the graph changes
//   Observation        <- vital-signs profile, built on demand from the history store: the
//                         vitals of the devices of the encounter's bed, within the encounter's
//                         period; read, search, $lastn
//   Condition, AllergyIntolerance, MedicationStatement
//                      <- imported with a transaction/batch Bundle (POST /fhir), stored in
//                         fhir.db and summarised into the patient twin's problems/allergies/
//                         medications
//
// Every call answers a FhirResult: an HTTP status and a resource, a Bundle or an
// OperationOutcome. Hostile input is answered with an OperationOutcome, never a crash.
// Invariants: a transaction applies all of its entries or none; Observation ids are stable
// and unique ("<series id>-<t ns>-<k>", k = the sample's ordinal among the series' samples at
// exactly that time) for as long as the history holds the sample.
// Thread-safety: every method is safe to call from any thread. The service is a
// graph::GraphListener: register it with graph.AddListener(); its callbacks only queue the
// change (they never call back into the graph), a worker thread applies it.
// Lifetime: `graph` and `history` must outlive the service; the service must outlive the last
// graph mutation (the graph has no RemoveListener).
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"
#include "graph/twin_graph.h"

namespace lj::history {
class HistoryStore;
}

namespace lj::fhir {

struct FhirOptions {
  std::string db_path;                          // e.g. "<data dir>/fhir.db"; ":memory:" in tests
  std::string base_url = "/fhir";               // prefix of links in Bundles
  std::string mrn_system = "urn:lingjing:mrn";  // Patient.identifier.system of MRNs
  std::string patient_model = "dtmi:lingjing:ward:Patient;1";
  std::string bed_model = "dtmi:lingjing:ward:Bed;1";
  size_t max_bundle_entries = 1000;
  size_t default_count = 50;     // _count when absent
  size_t max_count = 1000;       // _count upper bound
  std::function<int64_t()> now;  // clock of encounter periods; empty = lj::NowNs (tests set it)
};

struct FhirResult {
  int status = 200;
  nlohmann::json body;   // resource, Bundle or OperationOutcome
  std::string location;  // Location header for creates, else empty
};

// Query parameters in request order; names may repeat (date=ge...&date=lt...).
using Params = std::vector<std::pair<std::string, std::string>>;

// What a POSTed vital-signs Observation records: one reading (a panel: its components) of one
// patient at one instant, on the twin whose history keeps it — the device the Observation names
// (one of the patient's: its bed's or worn), else the patient twin itself (a charted reading).
struct ObservationWrite {
  std::string twin;                                     // where the samples are written
  std::string patient;                                  // Observation.subject, a patient twin
  int64_t t_ns = 0;                                     // effective[x]
  std::vector<std::pair<std::string, double>> samples;  // telemetry -> value, in model units
};

class FhirService : public graph::GraphListener {
 public:
  // Opens (creating) the database, reconciles encounters with the current graph and starts the
  // worker. `history` may be null: then Observation searches are empty.
  static Result<std::unique_ptr<FhirService>> Open(const FhirOptions& options,
                                                   graph::TwinGraph& graph,
                                                   history::HistoryStore* history);
  ~FhirService() override;

  // `base`: the absolute base URL the client reached (e.g. "http://host:8080/fhir"), for the
  // links of Bundles (fullUrl, self, next); empty = FhirOptions::base_url.
  FhirResult Metadata(std::string_view base = {}) const;  // CapabilityStatement
  FhirResult Read(std::string_view type, std::string_view id);
  FhirResult Search(std::string_view type, const Params& params, std::string_view base = {});
  FhirResult LastN(const Params& params, std::string_view base = {});  // Observation/$lastn
  // POST /fhir: a transaction or batch Bundle as JSON text.
  FhirResult Transaction(std::string_view body);
  // POST /fhir/Observation, first half: checks a vital-signs Observation (the profile, a code
  // this server records, a known patient, the device one of the patient's) and says what to
  // write; writes nothing. On success the result's status is 200 and `out` is filled; else the
  // result is the OperationOutcome to answer. The caller writes through the ingest path (its
  // access checks, ordering, durability), then answers with CreatedObservation.
  FhirResult PlanObservation(std::string_view body, ObservationWrite* out);
  // The Observation a written ObservationWrite reads back as: 201 with its id and Location.
  FhirResult CreatedObservation(const ObservationWrite& w);

  // Applies queued graph changes now (the worker does it soon anyway; tests call it).
  void Sync();

  void OnTwinUpserted(const graph::Twin& twin, bool created) override;
  void OnTwinDeleted(const std::string& id) override;
  void OnRelationshipsChanged(const std::string& source) override;

  struct Impl;

 private:
  explicit FhirService(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Resource types this service answers (for routing and the CapabilityStatement).
const std::vector<std::string>& SupportedTypes();

// The OperationOutcome of an error (issue code per FHIR IssueType, diagnostics, our stable error
// code in details), for errors answered outside the service: routing, access control, limits.
nlohmann::json OperationOutcomeOf(const Status& status);

}  // namespace lj::fhir
