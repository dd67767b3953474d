#include "hl7/ward_index.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

namespace lj::hl7 {
namespace {

bool IdChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == ':' ||
         c == '-';
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool IsBed(const graph::Twin& t) { return t.model == kBedModel; }

bool HasMrn(const graph::Twin& t, std::string_view mrn) {
  auto it = t.properties.find("mrn");
  return t.model == kPatientModel && it != t.properties.end() && it->is_string() &&
         it->get_ref<const std::string&>() == mrn;
}

}  // namespace

std::string PatientIdForMrn(std::string_view mrn) {
  std::string id = "patient-mrn-";
  for (char c : mrn.substr(0, 200)) id += IdChar(c) ? c : '-';
  return id;
}

void WardIndex::Remember(const std::string& mrn, const std::string& patient_id) {
  std::lock_guard<std::mutex> lock(mu_);
  if (by_mrn_.size() >= kMaxCached) by_mrn_.clear();
  by_mrn_[mrn] = patient_id;
}

Result<graph::Twin> WardIndex::FindPatient(std::string_view mrn) {
  std::string cached;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = by_mrn_.find(std::string(mrn));
    if (it != by_mrn_.end()) cached = it->second;
  }
  if (!cached.empty()) {
    Result<graph::Twin> t = graph_.GetTwin(cached);
    if (t.ok() && HasMrn(*t, mrn)) return t;
  }
  Result<std::vector<graph::Twin>> all = graph_.ListTwins(kPatientModel);
  if (!all.ok()) return all.status();
  for (graph::Twin& t : *all) {
    if (HasMrn(t, mrn)) {
      Remember(std::string(mrn), t.id);
      return std::move(t);
    }
  }
  return Status(ErrorCode::kNotFound, fmt::format("unknown patient MRN '{}'", mrn.substr(0, 64)));
}

Result<graph::Twin> WardIndex::FindBed(std::string_view bed, std::string_view room) {
  if (bed.empty()) return Status(ErrorCode::kMissingField, "no bed given");
  Result<graph::Twin> t = graph_.GetTwin(std::string(bed));
  if (t.ok() && IsBed(*t)) return t;
  t = graph_.GetTwin("bed-" + Lower(bed));
  if (t.ok() && IsBed(*t)) return t;
  Result<std::vector<graph::Twin>> beds = graph_.ListTwins(kBedModel);
  if (!beds.ok()) return beds.status();
  std::vector<graph::Twin> matches;
  const std::string want = Lower(bed);
  for (graph::Twin& b : *beds) {
    auto it = b.properties.find("label");
    if (it != b.properties.end() && it->is_string() &&
        Lower(it->get_ref<const std::string&>()) == want) {
      matches.push_back(std::move(b));
    }
  }
  if (matches.size() > 1 && !room.empty()) {
    for (graph::Twin& b : matches) {
      Result<std::vector<graph::Relationship>> in = graph_.IncomingRelationships(b.id);
      if (!in.ok()) continue;
      for (const graph::Relationship& r : *in) {
        if (r.name != "contains") continue;
        Result<graph::Twin> rt = graph_.GetTwin(r.source);
        const bool room_match =
            Lower(r.source) == Lower(room) || Lower(r.source) == "room-" + Lower(room) ||
            (rt.ok() && rt->properties.contains("name") && rt->properties["name"].is_string() &&
             Lower(rt->properties["name"].get<std::string>()) == Lower(room));
        if (room_match) return std::move(b);
      }
    }
  }
  if (!matches.empty()) return std::move(matches.front());
  return Status(ErrorCode::kNotFound, fmt::format("unknown bed '{}'", bed.substr(0, 64)));
}

Result<std::vector<std::pair<std::string, std::string>>> WardIndex::BedsOf(
    const std::string& patient) {
  Result<std::vector<graph::Relationship>> in = graph_.IncomingRelationships(patient);
  if (!in.ok()) return in.status();
  std::vector<std::pair<std::string, std::string>> out;
  for (const graph::Relationship& r : *in) {
    if (r.name == kOccupiedBy) out.emplace_back(r.source, r.id);
  }
  return out;
}

Result<std::string> WardIndex::MonitorOf(const std::string& bed) {
  Result<std::vector<graph::Relationship>> rels = graph_.ListRelationships(bed);
  if (!rels.ok()) return rels.status();
  for (const graph::Relationship& r : *rels) {
    if (r.name != "hasDevice") continue;
    Result<graph::Twin> dev = graph_.GetTwin(r.target);
    if (dev.ok() && dev->model == kMonitorModel) return r.target;
  }
  return Status(ErrorCode::kNotFound, fmt::format("bed '{}' has no BedsideMonitor", bed));
}

}  // namespace lj::hl7
