// Models, twins and relationships over REST, shaped like Azure Digital Twins' data-plane API.
#include <fmt/format.h>

#include "common/time.h"
#include "live/client_state.h"
#include "server/router.h"

namespace lj::server {
namespace {

Result<nlohmann::json> ParseBody(const Request& req) { return ParseJsonBody(req); }

nlohmann::json ModelToJson(const model::Interface& m, bool full) {
  nlohmann::json j = {{"id", m.id}, {"displayName", m.display_name}, {"extends", m.extends}};
  if (full) j["model"] = m.source;
  return j;
}

Response GetModels(ServerContext& ctx, const Request& req, const RouteMatch&) {
  nlohmann::json list = nlohmann::json::array();
  for (const model::Interface* m : ctx.models.All()) list.push_back(ModelToJson(*m, false));
  return JsonResponse(req, 200, {{"value", list}});
}

Response GetModel(ServerContext& ctx, const Request& req, const RouteMatch& m) {
  const model::Interface* iface = ctx.models.Find(m.params.at("id"));
  if (!iface)
    return ErrorResponse(
        req, Status(ErrorCode::kNotFound, fmt::format("no model '{}'", m.params.at("id"))));
  return JsonResponse(req, 200, ModelToJson(*iface, true));
}

Response ListTwins(ServerContext& ctx, const Request& req, const RouteMatch& m) {
  std::string model;
  if (auto it = m.query.find("model"); it != m.query.end()) {
    model = it->second;
    if (!ctx.models.Find(model))
      return ErrorResponse(req, Status(ErrorCode::kNotFound, fmt::format("no model '{}'", model)));
  }
  bool derived = !m.query.count("exact");
  Result<std::vector<graph::Twin>> twins = ctx.graph.ListTwins(model, derived);
  if (!twins.ok()) return ErrorResponse(req, twins.status());
  nlohmann::json list = nlohmann::json::array();
  for (const auto& t : *twins) list.push_back(TwinToJson(t));
  return JsonResponse(req, 200, {{"value", list}});
}

Response PutTwin(ServerContext& ctx, const Request& req, const RouteMatch& m) {
  Result<nlohmann::json> body = ParseBody(req);
  if (!body.ok()) return ErrorResponse(req, body.status());
  const nlohmann::json& j = *body;
  if (!j.is_object() || !j.contains("$metadata") || !j["$metadata"].is_object() ||
      !j["$metadata"].contains("$model") || !j["$metadata"]["$model"].is_string())
    return ErrorResponse(req, Status(ErrorCode::kTwinInvalid,
                                     "body must be an object with \"$metadata\": {\"$model\": "
                                     "\"dtmi:...\"} and the twin's properties"));
  nlohmann::json props = nlohmann::json::object();
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (it.key() == "$metadata" || it.key() == "$dtId" || it.key() == "$etag") continue;
    props[it.key()] = it.value();
  }
  bool create_only = req[http::field::if_none_match] == "*";
  Result<graph::Twin> t =
      ctx.graph.PutTwin(m.params.at("id"), j["$metadata"]["$model"], props, create_only);
  if (!t.ok()) return ErrorResponse(req, t.status());
  return JsonResponse(req, 200, TwinToJson(*t));
}

Response GetTwin(ServerContext& ctx, const Request& req, const RouteMatch& m) {
  Result<graph::Twin> t = ctx.graph.GetTwin(m.params.at("id"));
  if (!t.ok()) return ErrorResponse(req, t.status());
  return JsonResponse(req, 200, TwinToJson(*t));
}

Response PatchTwin(ServerContext& ctx, const Request& req, const RouteMatch& m) {
  Result<nlohmann::json> body = ParseBody(req);
  if (!body.ok()) return ErrorResponse(req, body.status());
  if (!body->is_array())
    return ErrorResponse(req, Status(ErrorCode::kPatchFailed,
                                     "body must be a JSON Patch (RFC 6902) array of operations"));
  Result<graph::Twin> t = ctx.graph.PatchTwin(m.params.at("id"), *body);
  if (!t.ok()) return ErrorResponse(req, t.status());
  return JsonResponse(req, 200, TwinToJson(*t));
}

Response DeleteTwin(ServerContext& ctx, const Request& req, const RouteMatch& m) {
  Status s = ctx.graph.DeleteTwin(m.params.at("id"));
  if (!s.ok()) return ErrorResponse(req, s);
  return MakeResponse(req, http::status::no_content, "");
}

Response ListRelationships(ServerContext& ctx, const Request& req, const RouteMatch& m) {
  Result<std::vector<graph::Relationship>> rels = ctx.graph.ListRelationships(m.params.at("id"));
  if (!rels.ok()) return ErrorResponse(req, rels.status());
  nlohmann::json list = nlohmann::json::array();
  for (const auto& r : *rels) list.push_back(RelationshipToJson(r));
  return JsonResponse(req, 200, {{"value", list}});
}

Response IncomingRelationships(ServerContext& ctx, const Request& req, const RouteMatch& m) {
  Result<std::vector<graph::Relationship>> rels =
      ctx.graph.IncomingRelationships(m.params.at("id"));
  if (!rels.ok()) return ErrorResponse(req, rels.status());
  nlohmann::json list = nlohmann::json::array();
  for (const auto& r : *rels) list.push_back(RelationshipToJson(r));
  return JsonResponse(req, 200, {{"value", list}});
}

Response PutRelationship(ServerContext& ctx, const Request& req, const RouteMatch& m) {
  Result<nlohmann::json> body = ParseBody(req);
  if (!body.ok()) return ErrorResponse(req, body.status());
  const nlohmann::json& j = *body;
  if (!j.is_object() || !j.contains("$relationshipName") || !j["$relationshipName"].is_string() ||
      !j.contains("$targetId") || !j["$targetId"].is_string())
    return ErrorResponse(req,
                         Status(ErrorCode::kRelationshipInvalid,
                                "body must have string \"$relationshipName\" and \"$targetId\""));
  nlohmann::json props = nlohmann::json::object();
  for (auto it = j.begin(); it != j.end(); ++it)
    if (it.key().empty() || it.key()[0] != '$') props[it.key()] = it.value();
  Result<graph::Relationship> r = ctx.graph.PutRelationship(
      m.params.at("id"), m.params.at("rel"), j["$relationshipName"], j["$targetId"], props);
  if (!r.ok()) return ErrorResponse(req, r.status());
  return JsonResponse(req, 200, RelationshipToJson(*r));
}

Response GetRelationship(ServerContext& ctx, const Request& req, const RouteMatch& m) {
  Result<graph::Relationship> r = ctx.graph.GetRelationship(m.params.at("id"), m.params.at("rel"));
  if (!r.ok()) return ErrorResponse(req, r.status());
  return JsonResponse(req, 200, RelationshipToJson(*r));
}

Response DeleteRelationship(ServerContext& ctx, const Request& req, const RouteMatch& m) {
  Status s = ctx.graph.DeleteRelationship(m.params.at("id"), m.params.at("rel"));
  if (!s.ok()) return ErrorResponse(req, s);
  return MakeResponse(req, http::status::no_content, "");
}

Response Traverse(ServerContext& ctx, const Request& req, const RouteMatch& m) {
  std::vector<std::string> names;
  if (auto it = m.query.find("relationships"); it != m.query.end() && !it->second.empty()) {
    size_t pos = 0;
    while (pos <= it->second.size()) {
      size_t next = it->second.find(',', pos);
      if (next == std::string::npos) next = it->second.size();
      if (next > pos) names.push_back(it->second.substr(pos, next - pos));
      pos = next + 1;
    }
  }
  int depth = 16;
  if (auto it = m.query.find("depth"); it != m.query.end()) {
    depth = std::atoi(it->second.c_str());
    if (depth < 0 || depth > 64)
      return ErrorResponse(req, Status(ErrorCode::kInvalidArgument, "depth must be 0..64"));
  }
  Result<std::vector<std::string>> ids = ctx.graph.Traverse(m.params.at("id"), names, depth);
  if (!ids.ok()) return ErrorResponse(req, ids.status());
  nlohmann::json list = nlohmann::json::array();
  for (const std::string& id : *ids) {
    Result<graph::Twin> t = ctx.graph.GetTwin(id);
    if (t.ok()) list.push_back(TwinToJson(*t));
  }
  return JsonResponse(req, 200, {{"value", list}});
}

// The latest live value of every telemetry of one twin.
Response LiveTelemetry(ServerContext& ctx, const Request& req, const RouteMatch& m) {
  std::shared_ptr<live::TwinState> tw = ctx.live.Find(m.params.at("id"));
  if (!tw)
    return ErrorResponse(
        req, Status(ErrorCode::kNotFound, fmt::format("no twin '{}'", m.params.at("id"))));
  nlohmann::json out = nlohmann::json::object();
  ctx.live.WithShard(tw->shard, [&](live::LiveState::TwinMap&) {
    for (size_t i = 0; i < tw->series.size(); ++i) {
      const live::Series& se = tw->series[i];
      const model::Telemetry& tel = tw->model->telemetry[i];
      if (tel.waveform) {
        if (se.ring.empty()) continue;
        const live::WaveBlock& b = *se.ring.back();
        out[tel.name] = {{"t", b.t0_ns / 1e6}, {"rate", b.rate_hz}, {"values", b.values}};
        continue;
      }
      if (!se.has_value()) continue;
      nlohmann::json v;
      switch (se.kind) {
        case ingest::ValueKind::kDouble:
          v = se.d;
          break;
        case ingest::ValueKind::kInt:
          v = se.i;
          break;
        case ingest::ValueKind::kBool:
          v = se.b;
          break;
        case ingest::ValueKind::kString:
          v = se.s;
          break;
      }
      out[tel.name] = {{"t", se.t_ns / 1e6}, {"v", v}};
    }
  });
  return JsonResponse(req, 200, {{"id", tw->id}, {"telemetry", out}});
}

}  // namespace

nlohmann::json TwinToJson(const graph::Twin& t) {
  nlohmann::json j = t.properties.is_object() ? t.properties : nlohmann::json::object();
  j["$dtId"] = t.id;
  j["$etag"] = fmt::format("W/\"{}\"", t.etag);
  j["$metadata"] = {{"$model", t.model}, {"$lastUpdateTime", FormatRfc3339(t.updated_ns)}};
  return j;
}

nlohmann::json RelationshipToJson(const graph::Relationship& r) {
  nlohmann::json j = r.properties.is_object() ? r.properties : nlohmann::json::object();
  j["$relationshipId"] = r.id;
  j["$sourceId"] = r.source;
  j["$relationshipName"] = r.name;
  j["$targetId"] = r.target;
  return j;
}

void AddTwinRoutes(std::vector<Route>& routes) {
  using V = http::verb;
  using auth::Action;
  auto DtId = [](const nlohmann::json& twin) { return twin.value("$dtId", std::string()); };
  routes.push_back({V::get, "/api/v1/models", "List loaded DTDL interfaces.", GetModels,
                    Access::Global(Action::kReadModels)});
  routes.push_back({V::get, "/api/v1/models/{id}", "One DTDL interface, as loaded.", GetModel,
                    Access::Global(Action::kReadModels)});
  routes.push_back(
      {V::get, "/api/v1/twins", "List twins (?model=DTMI, derived models included).", ListTwins,
       Access::Listing(Action::kReadTwin, DtId, "listing: filtered per twin").Strip()});
  routes.push_back({V::put, "/api/v1/twins/{id}", "Create or replace a twin (If-None-Match: *).",
                    PutTwin, Access::PathTwin(Action::kManageGraph)});
  routes.push_back({V::get, "/api/v1/twins/{id}", "Read a twin.", GetTwin,
                    Access::PathTwin(Action::kReadTwin).Strip()});
  routes.push_back({V::patch, "/api/v1/twins/{id}", "JSON Patch a twin's properties.", PatchTwin,
                    Access::PathTwin(Action::kPatchTwin).Strip()});
  routes.push_back({V::delete_, "/api/v1/twins/{id}", "Delete a twin without relationships.",
                    DeleteTwin, Access::PathTwin(Action::kManageGraph)});
  routes.push_back({V::get, "/api/v1/twins/{id}/relationships", "Outgoing relationships.",
                    ListRelationships, Access::PathTwin(Action::kReadTwin)});
  routes.push_back({V::get, "/api/v1/twins/{id}/incomingrelationships", "Incoming relationships.",
                    IncomingRelationships, Access::PathTwin(Action::kReadTwin)});
  routes.push_back({V::put, "/api/v1/twins/{id}/relationships/{rel}",
                    "Create or replace a relationship.", PutRelationship,
                    Access::PathTwin(Action::kManageGraph)});
  routes.push_back({V::get, "/api/v1/twins/{id}/relationships/{rel}", "Read a relationship.",
                    GetRelationship, Access::PathTwin(Action::kReadTwin)});
  routes.push_back({V::delete_, "/api/v1/twins/{id}/relationships/{rel}", "Delete a relationship.",
                    DeleteRelationship, Access::PathTwin(Action::kManageGraph)});
  routes.push_back({V::get, "/api/v1/twins/{id}/traverse",
                    "Twins reachable over relationships (?relationships=a,b&depth=N).", Traverse,
                    Access::PathTwin(Action::kReadTwin).Items(DtId).Strip()});
  routes.push_back({V::get, "/api/v1/twins/{id}/telemetry", "Latest live telemetry of a twin.",
                    LiveTelemetry, Access::PathTwin(Action::kReadLive)});
}

}  // namespace lj::server
