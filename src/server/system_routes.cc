// System routes: the demo page, health, Prometheus metrics, the InfluxDB ping, the route index.
#include <string_view>

#include "server/router.h"

std::string_view LjDemoPageHtml();

namespace lj::server {
namespace {

std::string AccessName(const Access& a) {
  switch (a.kind) {
    case Access::Kind::kPublic:
      return "public";
    case Access::Kind::kAnyPrincipal:
      return "authenticated";
    default:
      return std::string(auth::ActionName(a.action)) + " (" + a.locator + ")";
  }
}

}  // namespace

void AddSystemRoutes(std::vector<Route>& routes) {
  routes.push_back({http::verb::get, "/", "The built-in ward demo page.",
                    [](ServerContext&, const Request& req, const RouteMatch&) {
                      return MakeResponse(req, http::status::ok, std::string(LjDemoPageHtml()),
                                          "text/html; charset=utf-8");
                    },
                    Access::Public()});
  routes.push_back({http::verb::get, "/healthz",
                    "Liveness: 200 while the server runs (nothing more: public).",
                    [](ServerContext&, const Request& req, const RouteMatch&) {
                      return JsonResponse(req, 200, {{"status", "ok"}});
                    },
                    Access::Public()});
  routes.push_back({http::verb::get, "/metrics", "Prometheus text exposition.",
                    [](ServerContext& ctx, const Request& req, const RouteMatch&) {
                      return MakeResponse(req, http::status::ok, ctx.metrics.RenderPrometheus(),
                                          "text/plain; version=0.0.4; charset=utf-8");
                    },
                    Access::Global(auth::Action::kReadMetrics)});
  routes.push_back({http::verb::get, "/ping", "InfluxDB-compatible ping (204).",
                    [](ServerContext&, const Request& req, const RouteMatch&) {
                      Response r = MakeResponse(req, http::status::no_content, "");
                      r.set("X-Influxdb-Version", "1.8-compatible (lingjing)");
                      return r;
                    },
                    Access::AnyPrincipal()});
  routes.push_back({http::verb::get, "/api/v1", "This index of routes.",
                    [](ServerContext&, const Request& req, const RouteMatch&) {
                      nlohmann::json list = nlohmann::json::array();
                      static const Router router;  // the same table the server dispatches on
                      for (const Route& r : router.routes())
                        list.push_back({{"method", std::string(http::to_string(r.method))},
                                        {"path", r.pattern},
                                        {"summary", r.summary},
                                        {"access", AccessName(r.access)}});
                      return JsonResponse(req, 200, {{"routes", list}});
                    },
                    Access::AnyPrincipal()});
}

}  // namespace lj::server
