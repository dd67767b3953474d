// The clinical layer over REST: active alarms, alarm history, acknowledge, silence, per-patient
// alarm limits and the NEWS2 breakdown (doc/protocols/alarms.md). Served only when the engine
// runs a ClinicalService (ServerContext::clinical); otherwise 503 unavailable.
#include <fmt/format.h>

#include <charconv>

#include "clinical/clinical_service.h"
#include "common/time.h"
#include "server/router.h"

namespace lj::server {
namespace {

constexpr int64_t kDayNs = 86'400'000'000'000;

Result<clinical::ClinicalService*> Service(ServerContext& ctx) {
  if (!ctx.clinical)
    return Status(ErrorCode::kUnavailable, "the clinical layer is not running on this server");
  return ctx.clinical;
}

// An optional JSON object body ("" = {}).
Result<nlohmann::json> ObjectBody(const Request& req) {
  if (req.body().empty()) return nlohmann::json::object();
  Result<nlohmann::json> parsed = ParseJsonBody(req);  // bounded depth, UTF-8 checked
  if (!parsed.ok()) return parsed.status();
  nlohmann::json j = std::move(*parsed);
  if (!j.is_object()) return Status(ErrorCode::kInvalidArgument, "request body must be an object");
  return j;
}

Result<uint64_t> AlarmId(const RouteMatch& m) {
  const std::string& s = m.params.at("alarm_id");
  uint64_t id = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), id);
  if (ec != std::errc() || p != s.data() + s.size() || id == 0)
    return Status(ErrorCode::kInvalidArgument,
                  fmt::format("alarm id must be a positive integer, got '{}'", s.substr(0, 64)));
  return id;
}

// RFC 3339 or integer nanoseconds since the epoch.
Result<int64_t> TimeParam(const RouteMatch& m, const char* key, int64_t fallback) {
  auto it = m.query.find(key);
  if (it == m.query.end() || it->second.empty()) return fallback;
  const std::string& s = it->second;
  if (auto t = ParseRfc3339Ns(s)) return *t;
  int64_t ns = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), ns);
  if (ec == std::errc() && p == s.data() + s.size()) return ns;
  return Status(
      ErrorCode::kInvalidArgument,
      fmt::format("'{}' must be RFC 3339 or integer nanoseconds, got '{}'", key, s.substr(0, 64)));
}

// Who acknowledged, as recorded on the alarm (doc/protocols/alarms.md): the authenticated
// principal — a user by name, any other kind as "<kind>:<name>" ("service:nurse-call"); the
// body's `by` is then not used. Without access control (no principal) nobody is verified, so the
// client's claim is kept but marked: "unauthenticated:<by>", or "unauthenticated:anonymous"
// without one. User names never contain ':', so neither form can pass for a user.
std::string Acknowledger(const RouteMatch& m, const std::string& claim) {
  if (m.principal) {
    const auth::Principal& p = *m.principal;
    if (p.kind == auth::PrincipalKind::kUser) return p.name;
    return fmt::format("{}:{}", auth::PrincipalKindName(p.kind), p.name);
  }
  return "unauthenticated:" + (claim.empty() ? std::string("anonymous") : claim);
}

Response ListAlarms(ServerContext& ctx, const Request& req, const RouteMatch& m) {
  auto svc = Service(ctx);
  if (!svc.ok()) return ErrorResponse(req, svc.status());
  clinical::AlarmQuery q;
  if (auto it = m.query.find("ward"); it != m.query.end()) q.ward = it->second;
  if (auto it = m.query.find("patient"); it != m.query.end()) q.patient = it->second;
  if (auto it = m.query.find("state"); it != m.query.end() && !it->second.empty()) {
    q.state = clinical::ParseAlarmState(it->second);
    if (!q.state || *q.state == clinical::AlarmState::kCleared)
      return ErrorResponse(
          req, Status(ErrorCode::kInvalidArgument,
                      fmt::format("state must be active, acknowledged or latched, got '{}'",
                                  it->second.substr(0, 64))));
  }
  nlohmann::json list = nlohmann::json::array();
  for (const clinical::Alarm& a : (*svc)->Alarms(q)) list.push_back(clinical::AlarmToJson(a));
  return JsonResponse(req, 200, {{"value", list}});
}

Response AlarmHistory(ServerContext& ctx, const Request& req, const RouteMatch& m) {
  auto svc = Service(ctx);
  if (!svc.ok()) return ErrorResponse(req, svc.status());
  Result<int64_t> to = TimeParam(m, "to", (*svc)->Now());
  if (!to.ok()) return ErrorResponse(req, to.status());
  Result<int64_t> from = TimeParam(m, "from", *to - kDayNs);
  if (!from.ok()) return ErrorResponse(req, from.status());
  if (*from > *to)
    return ErrorResponse(req, Status(ErrorCode::kInvalidArgument, "'from' is after 'to'"));
  size_t limit = 1000;
  if (auto it = m.query.find("limit"); it != m.query.end()) {
    auto [p, ec] = std::from_chars(it->second.data(), it->second.data() + it->second.size(), limit);
    if (ec != std::errc() || p != it->second.data() + it->second.size() || limit == 0 ||
        limit > 10000)
      return ErrorResponse(
          req, Status(ErrorCode::kInvalidArgument, "'limit' must be an integer in [1, 10000]"));
  }
  Result<nlohmann::json> h = (*svc)->History(m.params.at("id"), *from, *to, limit);
  if (!h.ok()) return ErrorResponse(req, h.status());
  return JsonResponse(req, 200,
                      {{"patient", m.params.at("id")},
                       {"from", FormatRfc3339(*from)},
                       {"to", FormatRfc3339(*to)},
                       {"value", *h}});
}

Response Acknowledge(ServerContext& ctx, const Request& req, const RouteMatch& m) {
  auto svc = Service(ctx);
  if (!svc.ok()) return ErrorResponse(req, svc.status());
  Result<uint64_t> id = AlarmId(m);
  if (!id.ok()) return ErrorResponse(req, id.status());
  Result<nlohmann::json> body = ObjectBody(req);
  if (!body.ok()) return ErrorResponse(req, body.status());
  std::string by;
  if (auto it = body->find("by"); it != body->end()) {
    if (!it->is_string() || it->get_ref<const std::string&>().size() > 128)
      return ErrorResponse(req, Status(ErrorCode::kInvalidArgument,
                                       "'by' must be a string of at most 128 characters"));
    by = it->get<std::string>();  // a claim: recorded only without access control
  }
  Result<clinical::Alarm> a = (*svc)->Acknowledge(*id, Acknowledger(m, by));
  if (!a.ok()) return ErrorResponse(req, a.status());
  return JsonResponse(req, 200, clinical::AlarmToJson(*a));
}

Response Silence(ServerContext& ctx, const Request& req, const RouteMatch& m) {
  auto svc = Service(ctx);
  if (!svc.ok()) return ErrorResponse(req, svc.status());
  Result<uint64_t> id = AlarmId(m);
  if (!id.ok()) return ErrorResponse(req, id.status());
  Result<nlohmann::json> body = ObjectBody(req);
  if (!body.ok()) return ErrorResponse(req, body.status());
  double seconds = 0;
  if (auto it = body->find("seconds"); it != body->end()) {
    if (!it->is_number() || !(it->get<double>() > 0) || it->get<double>() > 3600)
      return ErrorResponse(
          req, Status(ErrorCode::kInvalidArgument, "'seconds' must be a number in (0, 3600]"));
    seconds = it->get<double>();
  }
  Result<clinical::Alarm> a = (*svc)->Silence(*id, seconds);
  if (!a.ok()) return ErrorResponse(req, a.status());
  return JsonResponse(req, 200, clinical::AlarmToJson(*a));
}

Response GetLimits(ServerContext& ctx, const Request& req, const RouteMatch& m) {
  auto svc = Service(ctx);
  if (!svc.ok()) return ErrorResponse(req, svc.status());
  Result<nlohmann::json> l = (*svc)->Limits(m.params.at("id"));
  if (!l.ok()) return ErrorResponse(req, l.status());
  return JsonResponse(req, 200, *l);
}

Response PutLimits(ServerContext& ctx, const Request& req, const RouteMatch& m) {
  auto svc = Service(ctx);
  if (!svc.ok()) return ErrorResponse(req, svc.status());
  Result<nlohmann::json> body = ObjectBody(req);
  if (!body.ok()) return ErrorResponse(req, body.status());
  Result<nlohmann::json> l = (*svc)->SetLimits(m.params.at("id"), *body);
  if (!l.ok()) return ErrorResponse(req, l.status());
  return JsonResponse(req, 200, *l);
}

Response GetNews2(ServerContext& ctx, const Request& req, const RouteMatch& m) {
  auto svc = Service(ctx);
  if (!svc.ok()) return ErrorResponse(req, svc.status());
  Result<nlohmann::json> n = (*svc)->News2(m.params.at("id"));
  if (!n.ok()) return ErrorResponse(req, n.status());
  return JsonResponse(req, 200, *n);
}

std::string AlarmPatient(const nlohmann::json& alarm) {
  return alarm.value("patient", std::string());
}

// The patient whose alarm is acted on; an unknown alarm becomes an unknown twin (only unscoped
// principals get past it, to the handler's 404).
Result<std::vector<std::string>> AlarmTwin(ServerContext& ctx, const Request&,
                                           const RouteMatch& m) {
  Result<uint64_t> id = AlarmId(m);
  if (!id.ok()) return id.status();
  if (ctx.clinical)
    for (const clinical::Alarm& a : ctx.clinical->Alarms({}))
      if (a.id == *id && !a.patient.empty()) return std::vector<std::string>{a.patient};
  return std::vector<std::string>{"alarm:" + std::to_string(*id)};
}

}  // namespace

void AddClinicalRoutes(std::vector<Route>& routes) {
  using http::verb;
  routes.push_back(
      {verb::get, "/api/v1/alarms", "shown alarms (?ward=&patient=&state=)", ListAlarms,
       Access::Listing(auth::Action::kReadLive, AlarmPatient, "listing: filtered per patient")});
  routes.push_back({verb::post, "/api/v1/alarms/{alarm_id}/acknowledge",
                    "acknowledge an alarm (as the authenticated caller)", Acknowledge,
                    Access::Custom(auth::Action::kAcknowledgeAlarm, "alarm's patient", AlarmTwin)});
  routes.push_back({verb::post, "/api/v1/alarms/{alarm_id}/silence",
                    "pause an alarm's audio ({\"seconds\": 120})", Silence,
                    Access::Custom(auth::Action::kAcknowledgeAlarm, "alarm's patient", AlarmTwin)});
  routes.push_back({verb::get, "/api/v1/patients/{id}/alarms/history",
                    "a patient's alarm history (?from=&to=&limit=)", AlarmHistory,
                    Access::PathTwin(auth::Action::kReadHistory)});
  routes.push_back({verb::get, "/api/v1/patients/{id}/alarm-limits",
                    "a patient's effective alarm limits and overrides", GetLimits,
                    Access::PathTwin(auth::Action::kReadTwin)});
  routes.push_back({verb::put, "/api/v1/patients/{id}/alarm-limits",
                    "replace a patient's alarm-limit overrides", PutLimits,
                    Access::PathTwin(auth::Action::kPatchTwin)});
  routes.push_back({verb::get, "/api/v1/patients/{id}/news2",
                    "NEWS2 now, with the per-parameter breakdown", GetNews2,
                    Access::PathTwin(auth::Action::kReadLive)});
}

}  // namespace lj::server
