#include "sim/ward_builder.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

namespace lj::sim {
namespace {

constexpr const char* kHospital = "dtmi:lingjing:ward:Hospital;1";
constexpr const char* kWard = "dtmi:lingjing:ward:Ward;1";
constexpr const char* kRoom = "dtmi:lingjing:ward:Room;1";
constexpr const char* kBed = "dtmi:lingjing:ward:Bed;1";
constexpr const char* kPatient = "dtmi:lingjing:ward:Patient;1";
constexpr const char* kMonitor = "dtmi:lingjing:ward:BedsideMonitor;1";

// Room geometry (metres): rooms side by side along a corridor, two rows facing each other.
constexpr double kRoomWidth = 6.0;
constexpr double kRoomDepth = 5.0;
constexpr double kCorridor = 2.5;
constexpr int kFloor = 3;

// "ward-a" → "a".
std::string WardLetter(const WardLayout& l) {
  size_t dash = l.ward_id.rfind('-');
  return dash == std::string::npos ? l.ward_id : l.ward_id.substr(dash + 1);
}

int Rooms(const WardLayout& l) {
  const int per = std::max(1, l.beds_per_room);
  return (std::max(0, l.beds) + per - 1) / per;
}

// "A01": upper-case letter and a number at least two digits wide.
std::string Label(const WardLayout& l, int number) {
  std::string letter = WardLetter(l);
  for (char& c : letter) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  const int width =
      std::max(2, static_cast<int>(fmt::format("{}", std::max(l.beds, Rooms(l))).size()));
  return fmt::format("{}{:0{}d}", letter, number, width);
}

std::string Id(const WardLayout& l, const char* kind, int number) {
  std::string label = Label(l, number);
  for (char& c : label) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return fmt::format("{}-{}", kind, label);
}

nlohmann::json Position(double x, double y) { return {{"x", x}, {"y", y}, {"z", 0.0}}; }

// Centre of room r (0-based).
std::pair<double, double> RoomCentre(const WardLayout& l, int r) {
  const int per_row = (Rooms(l) + 1) / 2;
  const int row = r / std::max(1, per_row);
  const int col = r % std::max(1, per_row);
  const double x = kRoomWidth * (col + 0.5);
  const double y = row == 0 ? kRoomDepth / 2 : kRoomDepth + kCorridor + kRoomDepth / 2;
  return {x, y};
}

Status EnsureTwin(graph::TwinGraph& g, const std::string& id, const char* model,
                  const nlohmann::json& props) {
  if (g.GetTwin(id).ok()) return Status::Ok();
  Result<graph::Twin> r = g.PutTwin(id, model, props, /*if_none_match=*/true);
  if (r.ok() || r.status().code() == ErrorCode::kAlreadyExists) return Status::Ok();
  return Status(r.status().code(),
                fmt::format("building ward: twin '{}': {}", id, r.status().message()));
}

Status EnsureRel(graph::TwinGraph& g, const std::string& source, const std::string& rel_id,
                 const std::string& name, const std::string& target) {
  if (g.GetRelationship(source, rel_id).ok()) return Status::Ok();
  Result<graph::Relationship> r = g.PutRelationship(source, rel_id, name, target);
  if (r.ok()) return Status::Ok();
  return Status(r.status().code(), fmt::format("building ward: relationship '{}' of '{}': {}",
                                               rel_id, source, r.status().message()));
}

}  // namespace

std::vector<std::string> MonitorIds(const WardLayout& layout) {
  std::vector<std::string> ids;
  for (int b = 1; b <= layout.beds; ++b) ids.push_back(Id(layout, "monitor", b));
  return ids;
}

std::vector<std::string> Spo2Scale2Monitors(const WardLayout& layout) {
  std::vector<std::string> ids;
  for (int b = 1; b <= layout.beds; ++b) {
    if (MakePatient(layout, b - 1).spo2_scale == 2) ids.push_back(Id(layout, "monitor", b));
  }
  return ids;
}

std::vector<std::string> PatientIds(const WardLayout& layout) {
  std::vector<std::string> ids;
  for (int b = 1; b <= layout.beds; ++b) ids.push_back(Id(layout, "patient", b));
  return ids;
}

CourseSpec CourseForBed(const WardLayout&, int index) {
  switch (index % 12) {
    case 0:
      return {CourseKind::kSepsis, -1200, 1800};
    case 2:
      return {CourseKind::kSepsis, 300, 1800};
    case 4:
      return {CourseKind::kArrhythmia, 120, 0};
    case 6:
      return {CourseKind::kRespiratory, 180, 0};
    case 8:
      return {CourseKind::kTechnical, 60, 0};
    default:
      return {CourseKind::kStable, 0, 0};
  }
}

Simulator::Options SimulatorOptionsFor(const WardLayout& layout) {
  Simulator::Options o;
  o.monitors = MonitorIds(layout);
  o.patients = PatientIds(layout);
  for (int b = 0; b < layout.beds; ++b) o.courses.push_back(CourseForBed(layout, b));
  o.spo2_scale2_monitors = Spo2Scale2Monitors(layout);
  o.seed = layout.seed;
  return o;
}

Status BuildWard(graph::TwinGraph& g, const WardLayout& l) {
  LJ_RETURN_IF_ERROR(EnsureTwin(
      g, l.hospital_id, kHospital,
      {{"name", "Lingjing General Hospital"}, {"address", "1 Demo Road, Lingjing City"}}));
  LJ_RETURN_IF_ERROR(
      EnsureTwin(g, l.ward_id, kWard,
                 {{"name", l.ward_name}, {"specialty", "Acute Medicine"}, {"floor", kFloor}}));
  LJ_RETURN_IF_ERROR(EnsureRel(g, l.hospital_id, "contains-" + l.ward_id, "contains", l.ward_id));

  const int per = std::max(1, l.beds_per_room);
  for (int r = 0; r < Rooms(l); ++r) {
    const std::string room = Id(l, "room", r + 1);
    const auto [x, y] = RoomCentre(l, r);
    LJ_RETURN_IF_ERROR(EnsureTwin(
        g, room, kRoom,
        {{"name", "Room " + Label(l, r + 1)}, {"floor", kFloor}, {"position", Position(x, y)}}));
    LJ_RETURN_IF_ERROR(EnsureRel(g, l.ward_id, "contains-" + room, "contains", room));
  }

  for (int b = 0; b < l.beds; ++b) {
    const int r = b / per;
    const int slot = b % per;
    const std::string room = Id(l, "room", r + 1);
    const std::string bed = Id(l, "bed", b + 1);
    const std::string patient = Id(l, "patient", b + 1);
    const std::string monitor = Id(l, "monitor", b + 1);
    const std::string label = Label(l, b + 1);
    const auto [rx, ry] = RoomCentre(l, r);
    // Beds side by side across the room, heads against the outer wall.
    const double bx = rx + (slot - (per - 1) / 2.0) * (kRoomWidth / per);
    const double by = ry < kRoomDepth ? ry - 1.0 : ry + 1.0;
    LJ_RETURN_IF_ERROR(
        EnsureTwin(g, bed, kBed, {{"label", label}, {"position", Position(bx, by)}}));
    LJ_RETURN_IF_ERROR(EnsureRel(g, room, "contains-" + bed, "contains", bed));

    const PatientRecord p = MakePatient(l, b);
    LJ_RETURN_IF_ERROR(EnsureTwin(g, patient, kPatient,
                                  {{"mrn", p.mrn},
                                   {"name", p.name},
                                   {"birthDate", p.birth_date},
                                   {"sex", p.sex},
                                   {"spo2Scale", p.spo2_scale},
                                   {"allergies", p.allergies},
                                   {"problems", p.problems},
                                   {"medications", p.medications}}));
    LJ_RETURN_IF_ERROR(EnsureTwin(g, monitor, kMonitor,
                                  {{"manufacturer", "Lingjing Simulated Devices"},
                                   {"modelNumber", "LJ-BSM-1"},
                                   {"serialNumber", fmt::format("SIM-{}", monitor)}}));
    LJ_RETURN_IF_ERROR(EnsureRel(g, bed, "occupiedBy", "occupiedBy", patient));
    LJ_RETURN_IF_ERROR(EnsureRel(g, bed, "hasDevice-" + monitor, "hasDevice", monitor));
  }
  return Status::Ok();
}

}  // namespace lj::sim
