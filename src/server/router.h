// Router: the table of every HTTP route the server answers, as data, so that access control,
// audit and the route × role test can enumerate it. Every route carries its Access rule;
// construction aborts on a malformed one (CheckAccessRule), Handle() enforces it (Serve). Patterns
// are path segments with `{name}` captures, e.g. "/api/v1/twins/{id}/relationships/{rel}".
// Thread-safety: immutable after construction; Handle() may run concurrently.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "auth/principal.h"
#include "server/access.h"
#include "server/context.h"
#include "server/http_util.h"

namespace lj::server {

struct RouteMatch {
  std::map<std::string, std::string> params;  // captured path segments, URL-decoded
  std::map<std::string, std::string> query;
  std::string remote;  // the peer "address:port" ("" in-process)
  // The authenticated caller; null when access control is off or the route is public.
  std::shared_ptr<const auth::Principal> principal;
};

using Handler = std::function<Response(ServerContext&, const Request&, const RouteMatch&)>;

struct Route {
  http::verb method;
  std::string pattern;
  std::string summary;  // one line, shown by GET /api/v1 (the route index)
  Handler handler;
  Access access;  // required: who may call it (access.h); no default on purpose
};

class Router {
 public:
  Router();
  const std::vector<Route>& routes() const { return routes_; }
  Response Handle(ServerContext& ctx, const Request& req, std::string remote = {}) const;

 private:
  std::vector<Route> routes_;
};

// Route groups, each defined in its own file.
void AddStaticRoutes(std::vector<Route>& routes);    // /, /assets/{file}, /classic: web client
void AddSystemRoutes(std::vector<Route>& routes);    // /, /healthz, /metrics, /ping, /api/v1
void AddTwinRoutes(std::vector<Route>& routes);      // models, twins, relationships
void AddFhirRoutes(std::vector<Route>& routes);      // /fhir/... (FHIR R4, fhir_routes.cc)
void AddIngestRoutes(std::vector<Route>& routes);    // /write, /api/v2/write, /api/v1/telemetry
void AddHistoryRoutes(std::vector<Route>& routes);   // telemetry history (history-api.md)
void AddClinicalRoutes(std::vector<Route>& routes);  // alarms, limits, NEWS2 (alarms.md)
void AddAuthRoutes(std::vector<Route>& routes);  // login, logout, whoami, audit (auth_routes.cc)

// Twin and relationship JSON in the Azure Digital Twins shape ($dtId, $etag, $metadata).
nlohmann::json TwinToJson(const graph::Twin& twin);
nlohmann::json RelationshipToJson(const graph::Relationship& rel);

}  // namespace lj::server
