// Builds the demo ward in the twin graph: a hospital, one ward, its rooms and beds, a fictional
// patient in every bed and a bedside monitor at every bed, all of the built-in ward models
// (dtmi:lingjing:ward:*;1), linked by Hospital contains Ward, Ward contains Room, Room contains
// Bed, Bed occupiedBy Patient and Bed hasDevice BedsideMonitor.
//
// Ids derive from the ward id's last '-'-separated part ("ward-a" → "a"): room-a01..,
// bed-a01.., patient-a01.., monitor-a01.. (bed labels "A01"..). Relationship ids:
// "contains-<target>", "occupiedBy", "hasDevice-<monitor>". Patients are generated
// deterministically from the seed: all names, MRNs and clinical details are fictional.
// Thread-safety: free functions; BuildWard relies on the graph's own locking.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"
#include "graph/twin_graph.h"
#include "sim/simulator.h"

namespace lj::sim {

struct WardLayout {
  int beds = 24;
  int beds_per_room = 2;
  std::string hospital_id = "hospital";
  std::string ward_id = "ward-a";
  std::string ward_name = "Ward A — Acute Medicine";
  uint32_t seed = 42;
};

// Creates whatever of the ward does not exist yet; existing twins and relationships are left as
// they are (so running it on every start is safe and keeps edits made through the API).
Status BuildWard(graph::TwinGraph& graph, const WardLayout& layout);

// "monitor-a01", ... in bed order.
std::vector<std::string> MonitorIds(const WardLayout& layout);
// Monitors whose patient has spo2Scale 2 (target SpO2 88–92 %).
std::vector<std::string> Spo2Scale2Monitors(const WardLayout& layout);
// "patient-a01", ... in bed order.
std::vector<std::string> PatientIds(const WardLayout& layout);
// The demo schedule (doc/design/clinical.md), by bed index modulo 12: 0 sepsis already under way
// (started 20 min before the simulator), 2 sepsis from +5 min, 4 arrhythmia from +2 min,
// 6 respiratory (the COPD bed) from +3 min, 8 technical events from +1 min, the rest stable.
CourseSpec CourseForBed(const WardLayout& layout, int index);
// Simulator options for the ward: monitors, their patients, scale-2 monitors, courses and seed.
Simulator::Options SimulatorOptionsFor(const WardLayout& layout);

// One fictional patient (exposed for tests and tools).
struct PatientRecord {
  std::string mrn;
  std::string name;
  std::string birth_date;  // YYYY-MM-DD
  std::string sex;         // "male" | "female"
  int spo2_scale = 1;
  std::vector<std::string> allergies, problems, medications;
};
// The patient in bed `index` (0-based) of the layout; deterministic.
PatientRecord MakePatient(const WardLayout& layout, int index);

}  // namespace lj::sim
