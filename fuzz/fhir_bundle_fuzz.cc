// libFuzzer target for the FHIR Bundle/resource import path (POST /fhir), the Observation create
// check (POST /fhir/Observation) and search-parameter parsing. The input is posted as a Bundle
// and as an Observation to a service over an in-memory ward; the first line,
// split at '&' and '=', is also used as Patient and Observation search parameters. Invariants:
// no crash, no 5xx, and every non-200 answer is an OperationOutcome with an error issue.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "fhir/fhir_service.h"
#include "fuzz_util.h"
#include "graph/twin_graph.h"
#include "model/model.h"

namespace {

using lj::fuzz::Check;

struct World {
  lj::model::ModelRegistry models;
  std::unique_ptr<lj::graph::TwinGraph> graph;
  std::unique_ptr<lj::fhir::FhirService> fhir;

  World() {
    for (const auto& [name, text] : lj::model::BuiltinWardModels())
      Check(models.LoadJson(text, name).ok());
    Check(models.Resolve().ok());
    auto g = lj::graph::TwinGraph::Open(":memory:", models);
    Check(g.ok());
    graph = std::move(*g);
    Check(graph->PutTwin("bed-1", "dtmi:lingjing:ward:Bed;1", {{"label", "A01"}}).ok());
    Check(graph
              ->PutTwin("patient-1", "dtmi:lingjing:ward:Patient;1",
                        {{"mrn", "41000001"}, {"name", "Ada Lovelace"}})
              .ok());
    Check(graph->PutRelationship("bed-1", "occupiedBy", "occupiedBy", "patient-1").ok());
    lj::fhir::FhirOptions o;
    o.db_path = ":memory:";
    o.max_bundle_entries = 64;
    auto f = lj::fhir::FhirService::Open(o, *graph, nullptr);
    Check(f.ok());
    fhir = std::move(*f);
    graph->AddListener(fhir.get());
  }
};

void CheckResult(const lj::fhir::FhirResult& r) {
  Check(r.status >= 200 && r.status < 500);
  if (r.status != 200) {
    Check(r.body.value("resourceType", "") == "OperationOutcome");
    Check(r.body["issue"].is_array() && !r.body["issue"].empty());
    Check(r.body["issue"][0].value("severity", "") == "error");
  }
}

lj::fhir::Params ParamsOf(std::string_view line) {
  lj::fhir::Params out;
  while (!line.empty() && out.size() < 16) {
    size_t amp = line.find('&');
    std::string_view kv = line.substr(0, amp);
    size_t eq = kv.find('=');
    out.emplace_back(std::string(kv.substr(0, eq)),
                     eq == std::string_view::npos ? "" : std::string(kv.substr(eq + 1)));
    line = amp == std::string_view::npos ? std::string_view() : line.substr(amp + 1);
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static World* world = new World();
  std::string_view in(reinterpret_cast<const char*>(data), size);
  lj::fhir::FhirResult r = world->fhir->Transaction(in);
  CheckResult(r);
  if (r.status == 200) {
    Check(r.body.value("resourceType", "") == "Bundle");
    std::string type = r.body.value("type", "");
    Check(type == "transaction-response" || type == "batch-response");
  }
  lj::fhir::ObservationWrite w;
  lj::fhir::FhirResult planned = world->fhir->PlanObservation(in, &w);
  CheckResult(planned);
  if (planned.status == 200) {  // a plan names a twin, an instant and at least one reading
    Check(!w.twin.empty() && !w.patient.empty() && !w.samples.empty());
    Check(planned.body.value("resourceType", "") == "OperationOutcome");
  }
  lj::fhir::Params params = ParamsOf(in.substr(0, std::min(in.find('\n'), size_t{512})));
  CheckResult(world->fhir->Search("Patient", params));
  params.emplace_back("patient", "patient-1");
  CheckResult(world->fhir->Search("Observation", params));
  CheckResult(world->fhir->Search("Encounter", params));
  CheckResult(world->fhir->LastN(params));
  return 0;
}
