// Patient resources from patient twins: identifier = MRN, name, gender, birthDate.
#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "fhir/internal.h"

namespace lj::fhir {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string Str(const Json& props, const char* key) {
  auto it = props.find(key);
  return it != props.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// FHIR string search: case-insensitive "starts with" on the whole name or any of its parts.
bool NameMatches(const std::string& name, std::string_view query) {
  std::string n = Lower(name), q = Lower(query);
  if (n.rfind(q, 0) == 0) return true;
  for (size_t sp = n.find(' '); sp != std::string::npos; sp = n.find(' ', sp + 1))
    if (n.compare(sp + 1, q.size(), q) == 0) return true;
  return false;
}

}  // namespace

std::string MrnSystem(const FhirService::Impl& s, const Json& props) {
  std::string sys = Str(props, "mrnSystem");
  return sys.empty() ? s.opt.mrn_system : sys;
}

bool IsPatient(const FhirService::Impl& s, const graph::Twin& twin) {
  return twin.model == s.opt.patient_model;
}

Json PatientJson(const FhirService::Impl& s, const graph::Twin& twin) {
  const Json& p = twin.properties;
  Json out = {
      {"resourceType", "Patient"},
      {"id", twin.id},
      {"meta", {{"versionId", std::to_string(twin.etag)}, {"lastUpdated", Iso(twin.updated_ns)}}},
      {"active", true}};
  if (std::string mrn = Str(p, "mrn"); !mrn.empty()) {
    out["identifier"] = Json::array(
        {{{"use", "usual"},
          {"type",
           {{"coding", Json::array({{{"system", "http://terminology.hl7.org/CodeSystem/v2-0203"},
                                     {"code", "MR"},
                                     {"display", "Medical record number"}}})}}},
          {"system", MrnSystem(s, p)},
          {"value", mrn}}});
  }
  if (std::string name = Str(p, "name"); !name.empty()) {
    Json hn = {{"use", "official"}, {"text", name}};
    size_t sp = name.rfind(' ');
    if (sp != std::string::npos) {
      hn["family"] = name.substr(sp + 1);
      Json given = Json::array();
      std::string rest = name.substr(0, sp);
      for (size_t pos = 0; pos < rest.size();) {
        size_t next = rest.find(' ', pos);
        if (next == std::string::npos) next = rest.size();
        if (next > pos) given.push_back(rest.substr(pos, next - pos));
        pos = next + 1;
      }
      hn["given"] = given;
    } else {
      hn["family"] = name;
    }
    out["name"] = Json::array({hn});
  }
  if (std::string sex = Str(p, "sex"); !sex.empty()) out["gender"] = sex;
  if (std::string bd = Str(p, "birthDate"); !bd.empty()) out["birthDate"] = bd;
  return out;
}

FhirResult ReadPatient(FhirService::Impl& s, const std::string& id) {
  Result<graph::Twin> t = s.graph.GetTwin(id);
  if (!t.ok() || !IsPatient(s, *t))
    return Fail(NotFound(fmt::format("Patient/{} is not known", id)));
  return Ok(PatientJson(s, *t));
}

Result<std::string> PatientParam(FhirService::Impl& s, std::string_view value) {
  std::string id = RefId(value, "Patient");
  Result<graph::Twin> t = s.graph.GetTwin(id);
  if (!t.ok() || !IsPatient(s, *t)) return NotFound(fmt::format("Patient/{} is not known", id));
  return id;
}

FhirResult SearchPatients(FhirService::Impl& s, const Params& params) {
  Result<std::vector<graph::Twin>> twins = s.graph.ListTwins(s.opt.patient_model);
  if (!twins.ok()) return Fail(twins.status());
  std::vector<Json> out;
  for (const graph::Twin& t : *twins) {
    bool keep = true;
    for (const auto& [k, v] : params) {
      if (k == "_id") {
        std::vector<Token> ids = ParseTokens(v);
        keep = keep &&
               std::any_of(ids.begin(), ids.end(), [&](const Token& x) { return x.code == t.id; });
      } else if (k == "identifier") {
        std::string mrn = Str(t.properties, "mrn");
        std::vector<Token> toks = ParseTokens(v);
        keep = keep && !mrn.empty() && std::any_of(toks.begin(), toks.end(), [&](const Token& x) {
                 return x.Matches(MrnSystem(s, t.properties), mrn);
               });
      } else if (k == "name") {
        keep = keep && NameMatches(Str(t.properties, "name"), v);
      } else if (k == "gender") {
        keep = keep && Str(t.properties, "sex") == v;
      } else if (k == "birthdate") {
        std::optional<TimeRange> want = ParseDateRange(v);
        std::optional<TimeRange> have = ParseDateRange(Str(t.properties, "birthDate"));
        if (!want) return Fail(Invalid("", fmt::format("birthdate: '{}' is not a FHIR date", v)));
        keep = keep && have && have->from < want->to && want->from < have->to;
      } else if (k != "_count" && k != "_cursor") {
        return Fail(Unsupported("", fmt::format("search parameter '{}' is not supported on Patient "
                                                "(_id, identifier, name, gender, birthdate)",
                                                k)));
      }
    }
    if (keep) out.push_back(PatientJson(s, t));
  }
  return PagedSearchset(s.opt, s.base, "Patient", params, std::move(out));
}

}  // namespace lj::fhir
