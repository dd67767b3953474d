// FHIR R4 REST under /fhir (doc/protocols/fhir.md): thin HTTP glue over fhir::FhirService.
// Answers are application/fhir+json; errors are OperationOutcomes, also for a missing service.
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <optional>

#include "fhir/fhir_service.h"
#include "server/router.h"

namespace lj::server {
namespace {

constexpr const char* kFhirJson = "application/fhir+json";

// Query parameters in order, repeats kept (date=ge..&date=lt..); the router's map drops repeats.
fhir::Params QueryParams(const Request& req) {
  fhir::Params out;
  std::string_view target(req.target().data(), req.target().size());
  size_t q = target.find('?');
  if (q == std::string_view::npos) return out;
  std::string_view query = target.substr(q + 1);
  while (!query.empty() && out.size() < 256) {
    size_t amp = query.find('&');
    std::string_view kv = query.substr(0, amp);
    if (!kv.empty()) {
      size_t eq = kv.find('=');
      std::string key = UrlDecode(kv.substr(0, eq));
      std::string value = eq == std::string_view::npos ? "" : UrlDecode(kv.substr(eq + 1));
      out.emplace_back(std::move(key), std::move(value));
    }
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
  }
  return out;
}

// The parameters the service sees: `_format` was settled by content negotiation (NotAcceptable).
fhir::Params ServiceParams(const Request& req) {
  fhir::Params p = QueryParams(req);
  std::erase_if(p, [](const auto& kv) { return kv.first == "_format"; });
  return p;
}

// The absolute base the client reached, for Bundle links (FHIR: fullUrl is absolute): scheme
// and the request's Host (checked: a host name or address and a port, nothing else), then
// /fhir. Empty when [fhir] base_url is already absolute (a proxy's public URL).
std::string BaseUrl(const ServerContext& ctx, const Request& req) {
  std::string_view host = req[http::field::host];
  const bool ok =
      !host.empty() && host.size() <= 255 && std::all_of(host.begin(), host.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == ':' ||
               c == '[' || c == ']' || c == '_';
      });
  const std::string authority =
      ok ? std::string(host) : fmt::format("{}:{}", ctx.options.address, ctx.options.port);
  return fmt::format("{}://{}/fhir", ctx.options.tls ? "https" : "http", authority);
}

Response Send(const Request& req, const fhir::FhirResult& r) {
  Response res = MakeResponse(req, static_cast<http::status>(r.status), r.body.dump(), kFhirJson);
  if (!r.location.empty()) res.set(http::field::location, r.location);
  return res;
}

Response Unavailable(const Request& req) {
  nlohmann::json oo = {
      {"resourceType", "OperationOutcome"},
      {"issue", nlohmann::json::array({{{"severity", "error"},
                                        {"code", "exception"},
                                        {"diagnostics", "FHIR is not enabled"}}})}};
  return MakeResponse(req, http::status::service_unavailable, oo.dump(), kFhirJson);
}

// Content negotiation (FHIR R4 http.html#mime-type): this server speaks JSON only. A client that
// asks for another format — `_format` (json, application/json, application/fhir+json) or an
// Accept header without any JSON type and without a wildcard — gets 406 with an
// OperationOutcome (in JSON, the one format it is known to have).
std::optional<Response> NotAcceptable(const Request& req) {
  auto refuse = [&](const std::string& asked) {
    nlohmann::json oo = {
        {"resourceType", "OperationOutcome"},
        {"issue",
         nlohmann::json::array({{{"severity", "error"},
                                 {"code", "not-supported"},
                                 {"diagnostics", fmt::format("this server answers "
                                                             "application/fhir+json only, not {}",
                                                             asked.substr(0, 128))}}})}};
    return MakeResponse(req, http::status::not_acceptable,
                        oo.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                        kFhirJson);
  };
  for (const auto& [k, v] : QueryParams(req)) {
    if (k != "_format") continue;
    if (v != "json" && v != "application/json" && v != "application/fhir+json" &&
        v.rfind("application/fhir+json;", 0) != 0 && v.rfind("application/json;", 0) != 0)
      return refuse("_format=" + v);
  }
  auto it = req.find(http::field::accept);
  if (it == req.end()) return std::nullopt;
  const std::string_view accept = it->value();
  if (accept.empty() || accept.find("json") != std::string_view::npos ||
      accept.find("*/*") != std::string_view::npos ||
      accept.find("application/*") != std::string_view::npos)
    return std::nullopt;
  return refuse(std::string(accept));
}

Handler SearchHandler(std::string type) {
  return [type](ServerContext& ctx, const Request& req, const RouteMatch&) {
    if (auto na = NotAcceptable(req)) return std::move(*na);
    if (!ctx.fhir) return Unavailable(req);
    return Send(req, ctx.fhir->Search(type, ServiceParams(req), BaseUrl(ctx, req)));
  };
}

Handler ReadHandler(std::string type) {
  return [type](ServerContext& ctx, const Request& req, const RouteMatch& m) {
    if (auto na = NotAcceptable(req)) return std::move(*na);
    if (!ctx.fhir) return Unavailable(req);
    return Send(req, ctx.fhir->Read(type, m.params.at("id")));
  };
}

// The action a FHIR resource type needs: the record types are the clinical record.
auth::Action ActionFor(const std::string& type) {
  if (type == "Patient" || type == "Encounter") return auth::Action::kReadTwin;
  if (type == "Observation") return auth::Action::kReadHistory;
  return auth::Action::kReadRecord;  // Condition, AllergyIntolerance, MedicationStatement
}

// FHIR searches concern the patient named by `patient`/`subject` (or `_id` for Patient); a
// search without one concerns all patients: only unscoped principals may run it.
Access SearchAccess(const std::string& type) {
  return Access::Custom(ActionFor(type), "query:patient|subject|_id (none: all patients)",
                        [type](ServerContext&, const Request&,
                               const RouteMatch& m) -> Result<std::vector<std::string>> {
                          for (const char* key : {"patient", "subject", "_id"}) {
                            if (std::string_view(key) == "_id" && type != "Patient") continue;
                            auto it = m.query.find(key);
                            if (it == m.query.end() || it->second.empty()) continue;
                            std::string id = it->second;
                            if (id.rfind("Patient/", 0) == 0) id = id.substr(8);
                            return std::vector<std::string>{id};
                          }
                          return std::vector<std::string>{};
                        })
      .Via(audit::Interface::kFhir);
}

// Reads: a Patient's id is its twin; other resources' ids are not twins, so reading them by id
// is for unscoped principals (scoped ones search with patient=).
Access ReadAccess(const std::string& type) {
  if (type == "Patient")
    return Access::PathTwin(auth::Action::kReadTwin).Via(audit::Interface::kFhir);
  return Access::Custom(ActionFor(type), "global (resource id is not a twin)",
                        [](ServerContext&, const Request&,
                           const RouteMatch&) -> Result<std::vector<std::string>> {
                          return std::vector<std::string>{};
                        })
      .Via(audit::Interface::kFhir);
}

// POST /fhir/Observation: the service checks the Observation and says what to write; the
// reading is written through the ingest path like any device's (model checks, time order,
// observers: NEWS2 and alarms), acknowledged once durable, then read back as created.
Response CreateObservation(ServerContext& ctx, const Request& req, const RouteMatch&) {
  if (auto na = NotAcceptable(req)) return std::move(*na);
  if (!ctx.fhir) return Unavailable(req);
  fhir::ObservationWrite w;
  fhir::FhirResult plan = ctx.fhir->PlanObservation(req.body(), &w);
  if (plan.status != 200) return Send(req, plan);
  ingest::ParsedBatch batch;
  const std::string& twin = batch.owned.emplace_back(w.twin);
  for (uint32_t i = 0; i < w.samples.size(); ++i) {
    ingest::ParsedSample smp;
    smp.twin = twin;
    smp.telemetry = batch.owned.emplace_back(w.samples[i].first);
    smp.t_ns = w.t_ns;
    smp.value = ingest::Value::Double(w.samples[i].second);
    smp.source = i;
    batch.samples.push_back(smp);
  }
  ingest::IngestReport report = ctx.ingest.Ingest(batch, ingest::Protocol::kFhir);
  if (report.rejected > 0 || report.accepted != w.samples.size()) {
    // Nothing of a panel is half-kept silently: name what was refused (and what was kept).
    Status st = report.rejects.empty()
                    ? Status(ErrorCode::kInternal, "the reading was not recorded")
                    : Status(report.rejects[0].code,
                             fmt::format("Observation: {}{}", report.rejects[0].message,
                                         report.accepted > 0
                                             ? fmt::format(" ({} of {} values were recorded)",
                                                           report.accepted, w.samples.size())
                                             : ""));
    Response r = ErrorResponse(req, st);
    SetDurableLsn(r, report.lsn);
    return r;
  }
  fhir::FhirResult created = ctx.fhir->CreatedObservation(w);
  const bool outcome =
      req[http::field::prefer].find("return=OperationOutcome") != std::string_view::npos;
  Response res =
      MakeResponse(req, static_cast<http::status>(created.status),
                   (outcome && created.status == 201 ? plan.body : created.body).dump(), kFhirJson);
  if (!created.location.empty()) res.set(http::field::location, created.location);
  SetDurableLsn(res, report.lsn);
  return res;
}

// The twin a POSTed Observation writes to; what cannot be planned (malformed, unknown patient)
// is global, so only unscoped principals reach the handler's precise answer.
Result<std::vector<std::string>> ObservationTwins(ServerContext& ctx, const Request& req,
                                                  const RouteMatch&) {
  fhir::ObservationWrite w;
  if (!ctx.fhir || ctx.fhir->PlanObservation(req.body(), &w).status != 200)
    return std::vector<std::string>{};
  return std::vector<std::string>{w.twin};
}

}  // namespace

void AddFhirRoutes(std::vector<Route>& routes) {
  routes.push_back({http::verb::get, "/fhir/metadata",
                    "FHIR R4 CapabilityStatement (application/fhir+json)",
                    [](ServerContext& ctx, const Request& req, const RouteMatch&) {
                      if (auto na = NotAcceptable(req)) return std::move(*na);
                      if (!ctx.fhir) return Unavailable(req);
                      return Send(req, ctx.fhir->Metadata(BaseUrl(ctx, req)));
                    },
                    // Clients discover the server's capabilities before they authenticate; the
                    // CapabilityStatement holds no patient data.
                    Access::Public().Via(audit::Interface::kFhir)});
  routes.push_back({http::verb::post, "/fhir",
                    "FHIR transaction/batch Bundle: import Patient, Condition, "
                    "AllergyIntolerance, MedicationStatement",
                    [](ServerContext& ctx, const Request& req, const RouteMatch&) {
                      if (auto na = NotAcceptable(req)) return std::move(*na);
                      if (!ctx.fhir) return Unavailable(req);
                      return Send(req, ctx.fhir->Transaction(req.body()));
                    },
                    Access::Custom(auth::Action::kManageGraph, "global (Bundle import)",
                                   [](ServerContext&, const Request&,
                                      const RouteMatch&) -> Result<std::vector<std::string>> {
                                     return std::vector<std::string>{};
                                   })
                        .Via(audit::Interface::kFhir)});
  routes.push_back(
      {http::verb::post, "/fhir/Observation",
       "FHIR create Observation: a vital-signs reading (heart rate, respiratory "
       "rate, SpO2, temperature, blood pressure) into history",
       CreateObservation,
       Access::Custom(auth::Action::kWriteTelemetry,
                      "body: the device named, else the patient (charted)", ObservationTwins)
           .Via(audit::Interface::kFhir)});
  routes.push_back({http::verb::get, "/fhir/Observation/$lastn",
                    "FHIR Observation/$lastn: newest vital signs per code (patient, code, "
                    "category, date, max)",
                    [](ServerContext& ctx, const Request& req, const RouteMatch&) {
                      if (auto na = NotAcceptable(req)) return std::move(*na);
                      if (!ctx.fhir) return Unavailable(req);
                      return Send(req, ctx.fhir->LastN(ServiceParams(req), BaseUrl(ctx, req)));
                    },
                    SearchAccess("Observation")});
  for (const std::string& type : fhir::SupportedTypes()) {
    routes.push_back({http::verb::get, "/fhir/" + type,
                      fmt::format("FHIR search {} (searchset Bundle)", type), SearchHandler(type),
                      SearchAccess(type)});
    routes.push_back({http::verb::get, fmt::format("/fhir/{}/{{id}}", type),
                      fmt::format("FHIR read {}", type), ReadHandler(type), ReadAccess(type)});
  }
}

}  // namespace lj::server
