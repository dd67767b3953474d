// How HL7 identifiers map onto the ward twins (doc/protocols/hl7-mllp.md, "Lookups"):
//   - a patient is the Patient twin whose `mrn` property equals the MRN (PID-3); new patients
//     get the id "patient-mrn-<mrn>" (characters outside [A-Za-z0-9._:-] become '-');
//   - a bed (PV1-3 `^room^bed`) is, in order: the Bed twin whose id is the bed component; the
//     Bed twin "bed-<bed component, lower case>" (the demo ward's ids: "A01" → "bed-a01"); the
//     Bed twin whose `label` equals the bed component (case-insensitive) — when several match,
//     the one contained in the room named by the room component;
//   - a patient's bed is the source of its incoming `occupiedBy` relationship; a bed's monitor
//     is the target of its `hasDevice` relationships whose model is BedsideMonitor.
// WardIndex caches MRN → patient id (each hit re-checked against the graph; a miss rescans).
// Thread-safety: all methods may be called concurrently.
#pragma once

#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/status.h"
#include "graph/twin_graph.h"

namespace lj::hl7 {

inline constexpr const char* kPatientModel = "dtmi:lingjing:ward:Patient;1";
inline constexpr const char* kBedModel = "dtmi:lingjing:ward:Bed;1";
inline constexpr const char* kMonitorModel = "dtmi:lingjing:ward:BedsideMonitor;1";
inline constexpr const char* kOccupiedBy = "occupiedBy";

std::string PatientIdForMrn(std::string_view mrn);

class WardIndex {
 public:
  explicit WardIndex(graph::TwinGraph& graph) : graph_(graph) {}
  graph::TwinGraph& graph() { return graph_; }

  // kNotFound when no Patient twin has this MRN.
  Result<graph::Twin> FindPatient(std::string_view mrn);
  // kNotFound with the bed named in the message.
  Result<graph::Twin> FindBed(std::string_view bed, std::string_view room);
  // Beds whose occupiedBy targets the patient (normally zero or one): {bed id, relationship id}.
  Result<std::vector<std::pair<std::string, std::string>>> BedsOf(const std::string& patient);
  // The BedsideMonitor attached to the bed; kNotFound when there is none.
  Result<std::string> MonitorOf(const std::string& bed);
  void Remember(const std::string& mrn, const std::string& patient_id);

 private:
  static constexpr size_t kMaxCached = 100000;
  graph::TwinGraph& graph_;
  std::mutex mu_;
  std::unordered_map<std::string, std::string> by_mrn_;
};

}  // namespace lj::hl7
