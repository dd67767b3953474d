#include "hl7/adt.h"

#include <fmt/format.h>

#include "common/log.h"
#include "hl7/dtm.h"

namespace lj::hl7 {
namespace {

struct Demographics {
  std::string mrn;
  nlohmann::json props = nlohmann::json::object();  // name, birthDate, sex when present
};

AckIssue Issue(std::string location, int hl7, ErrorCode code, std::string message) {
  return AckIssue{std::move(location), hl7, code, std::move(message)};
}

AckIssue FromStatus(const Status& s, std::string location = "") {
  return Issue(std::move(location), Hl7ErrorFor(s.code()), s.code(), s.message());
}

// Strict UTF-8 (no overlong forms, surrogates or code points above U+10FFFF), as nlohmann/json
// requires when the graph serialises properties.
bool ValidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    size_t n = 0;
    unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte
    if (c < 0x80) {
      n = 0;
    } else if (c >= 0xC2 && c <= 0xDF) {
      n = 1;
    } else if (c >= 0xE0 && c <= 0xEF) {
      n = 2;
      if (c == 0xE0) lo = 0xA0;
      if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      n = 3;
      if (c == 0xF0) lo = 0x90;
      if (c == 0xF4) hi = 0x8F;
    } else {
      return false;
    }
    if (n > s.size() - i - 1) return false;
    for (size_t k = 1; k <= n; ++k) {
      const auto b = static_cast<unsigned char>(s[i + k]);
      if (k == 1 ? (b < lo || b > hi) : (b < 0x80 || b > 0xBF)) return false;
    }
    i += n + 1;
  }
  return true;
}

// HL7's default character set is ASCII and many feeds send ISO 8859-1 (MSH-18 "8859/1"): text
// that is not valid UTF-8 is read as Latin-1, so twin properties are always valid UTF-8.
std::string ToUtf8(std::string s) {
  if (ValidUtf8(s)) return s;
  std::string out;
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x80) {
      out += ch;
    } else {
      out += static_cast<char>(0xC0 | (c >> 6));
      out += static_cast<char>(0x80 | (c & 0x3F));
    }
  }
  return out;
}

// PID-3: the repetition whose identifier type code (CX.5) is "MR", else the first.
std::string Mrn(const Segment& pid) {
  const int reps = pid.Repetitions(3);
  for (int r = 1; r <= reps; ++r) {
    if (pid.Get(3, r, 5) == "MR" && !pid.Get(3, r, 1).empty()) return pid.Get(3, r, 1);
  }
  return pid.Get(3, 1, 1);
}

// HL7 table 0001 (administrative sex) → the Patient model's enum.
const char* Sex(std::string_view code) {
  if (code == "M") return "male";
  if (code == "F") return "female";
  if (code == "O" || code == "A" || code == "X") return "other";
  if (code == "U" || code == "N") return "unknown";
  return nullptr;
}

Result<Demographics> ReadPid(const Message& msg) {
  const Segment* pid = msg.Find("PID");
  if (pid == nullptr) {
    return Status(ErrorCode::kMissingField, "PID: missing segment");
  }
  Demographics d;
  d.mrn = ToUtf8(Mrn(*pid));
  if (d.mrn.empty()) return Status(ErrorCode::kMissingField, "PID-3: missing patient identifier");
  if (d.mrn.size() > 64) return Status(ErrorCode::kOversize, "PID-3: identifier over 64 bytes");
  // PID-5 XPN: family^given^middle^suffix^prefix → "given middle family".
  std::string name;
  for (int c : {2, 3, 1}) {
    std::string part = pid->Get(5, 1, c);
    if (part.empty()) continue;
    if (!name.empty()) name += ' ';
    name += part;
  }
  if (name.size() > 256) return Status(ErrorCode::kOversize, "PID-5: name over 256 bytes");
  if (!name.empty()) d.props["name"] = ToUtf8(std::move(name));
  std::string dob = pid->Get(7);
  if (!dob.empty()) {
    Result<std::string> date = DtmToDate(dob);
    if (!date.ok()) return Status(ErrorCode::kWrongType, "PID-7: " + date.status().message());
    d.props["birthDate"] = *date;
  }
  std::string sex = pid->Get(8);
  if (!sex.empty()) {
    const char* s = Sex(sex);
    if (s == nullptr) {
      return Status(
          ErrorCode::kInvalidArgument,
          fmt::format("PID-8: unknown administrative sex '{}' (table 0001: M F O U A N X)",
                      sex.substr(0, 16)));
    }
    d.props["sex"] = s;
  }
  return d;
}

std::string PidLocation(const Status& s) {
  const std::string& m = s.message();
  if (m.rfind("PID-", 0) == 0) {
    size_t colon = m.find(':');
    return "PID^1^" + m.substr(4, colon == std::string::npos ? 0 : colon - 4);
  }
  return "PID^1";
}

// Creates the patient (create = true) or updates the present demographics.
Result<std::string> UpsertPatient(WardIndex& ward, const Demographics& d, bool create) {
  Result<graph::Twin> existing = ward.FindPatient(d.mrn);
  if (existing.ok()) {
    nlohmann::json patch = nlohmann::json::array();
    for (auto it = d.props.begin(); it != d.props.end(); ++it) {
      if (existing->properties.value(it.key(), nlohmann::json()) == it.value()) continue;
      patch.push_back({{"op", "add"}, {"path", "/" + it.key()}, {"value", it.value()}});
    }
    if (!patch.empty()) {
      Result<graph::Twin> t = ward.graph().PatchTwin(existing->id, patch);
      if (!t.ok()) return t.status();
    }
    return existing->id;
  }
  if (existing.status().code() != ErrorCode::kNotFound || !create) return existing.status();
  nlohmann::json props = d.props;
  props["mrn"] = d.mrn;
  const std::string id = PatientIdForMrn(d.mrn);
  Result<graph::Twin> t = ward.graph().PutTwin(id, kPatientModel, props, /*if_none_match=*/true);
  if (!t.ok()) return t.status();
  ward.Remember(d.mrn, id);
  return id;
}

Status Unassign(WardIndex& ward, const std::string& patient, const std::string& keep_bed) {
  auto beds = ward.BedsOf(patient);
  if (!beds.ok()) return beds.status();
  for (const auto& [bed, rel] : *beds) {
    if (bed != keep_bed) LJ_RETURN_IF_ERROR(ward.graph().DeleteRelationship(bed, rel));
  }
  return Status::Ok();
}

Status AssignBed(WardIndex& ward, const std::string& patient, const std::string& bed) {
  LJ_RETURN_IF_ERROR(Unassign(ward, patient, bed));
  auto rels = ward.graph().ListRelationships(bed);
  if (!rels.ok()) return rels.status();
  bool present = false;
  for (const graph::Relationship& r : *rels) {
    if (r.name != kOccupiedBy) continue;
    if (r.target == patient) {
      present = true;
      continue;
    }
    LJ_LOG_INFO("hl7 bed reassigned; previous occupant unassigned", "bed", bed);
    LJ_RETURN_IF_ERROR(ward.graph().DeleteRelationship(bed, r.id));
  }
  if (present) return Status::Ok();
  Result<graph::Relationship> r =
      ward.graph().PutRelationship(bed, kOccupiedBy, kOccupiedBy, patient);
  return r.ok() ? Status::Ok() : r.status();
}

}  // namespace

bool IsSupportedAdtEvent(std::string_view t) {
  return t == "A01" || t == "A02" || t == "A03" || t == "A04" || t == "A08" || t == "A11" ||
         t == "A13";
}

std::string AdtPatientTwin(const Message& msg) {
  const Segment* pid = msg.Find("PID");
  const std::string mrn = pid == nullptr ? "" : Mrn(*pid);
  return mrn.empty() ? "" : PatientIdForMrn(mrn);
}

std::vector<AckIssue> ApplyAdt(const Message& msg, WardIndex& ward) {
  const std::string event = msg.TriggerEvent();
  Result<Demographics> demo = ReadPid(msg);
  if (!demo.ok()) return {FromStatus(demo.status(), PidLocation(demo.status()))};

  const bool needs_bed = event == "A01" || event == "A02" || event == "A13";
  const bool may_bed = event == "A04";
  std::string bed_id;
  if (needs_bed || may_bed) {
    const Segment* pv1 = msg.Find("PV1");
    const std::string bed = pv1 == nullptr ? "" : pv1->Get(3, 1, 3);
    const std::string room = pv1 == nullptr ? "" : pv1->Get(3, 1, 2);
    if (bed.empty() && needs_bed) {
      return {Issue(
          "PV1^1^3", kHl7RequiredFieldMissing, ErrorCode::kMissingField,
          pv1 == nullptr ? "PV1: missing segment (the bed is PV1-3)" : "PV1-3.3: missing bed")};
    }
    if (!bed.empty()) {
      Result<graph::Twin> b = ward.FindBed(bed, room);
      if (!b.ok()) return {FromStatus(b.status(), "PV1^1^3")};
      bed_id = b->id;
    }
  }

  const bool creates = event == "A01" || event == "A04" || event == "A13";
  Result<std::string> patient = Status(ErrorCode::kInternal, "unset");
  if (creates || event == "A08") {
    patient = UpsertPatient(ward, *demo, creates);
  } else {
    Result<graph::Twin> t = ward.FindPatient(demo->mrn);
    patient = t.ok() ? Result<std::string>(t->id) : Result<std::string>(t.status());
  }
  if (!patient.ok()) {
    const bool unknown = patient.status().code() == ErrorCode::kNotFound;
    return {FromStatus(patient.status(), unknown ? "PID^1^3" : "")};
  }

  Status s;
  if (!bed_id.empty()) {
    s = AssignBed(ward, *patient, bed_id);
  } else if (event == "A03" || event == "A11") {
    s = Unassign(ward, *patient, "");
  }
  if (!s.ok()) return {FromStatus(s)};
  LJ_LOG_DEBUG("hl7 adt applied", "event", event, "patient", *patient, "bed", bed_id);
  return {};
}

}  // namespace lj::hl7
