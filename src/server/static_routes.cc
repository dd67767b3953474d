// Static routes: the web client embedded at build time (src/webui, from web/dist) at "/" and
// "/assets/{file}", and the classic table page (web/demo/index.html) at "/classic". Without an
// embedded client, "/" serves the classic page, so a binary built without Node still works.
#include <string>
#include <string_view>

#include "server/router.h"
#include "webui/webui.h"

std::string_view LjDemoPageHtml();

namespace lj::server {
namespace {

// Vite names every file under assets/ by a content hash: a changed file is a new URL, so browsers
// may keep them for a year. index.html is revalidated on every load.
constexpr std::string_view kImmutable = "public, max-age=31536000, immutable";
constexpr std::string_view kRevalidate = "no-cache";

Response AssetResponse(const Request& req, const webui::Asset& a, std::string_view cache) {
  Response r = MakeResponse(req, http::status::ok, std::string(a.data), a.content_type);
  r.set(http::field::cache_control, cache);
  r.set("X-Content-Type-Options", "nosniff");
  return r;
}

Response ClassicPage(const Request& req) {
  Response r = MakeResponse(req, http::status::ok, std::string(LjDemoPageHtml()),
                            "text/html; charset=utf-8");
  r.set(http::field::cache_control, kRevalidate);
  return r;
}

}  // namespace

void AddStaticRoutes(std::vector<Route>& routes) {
  routes.push_back({http::verb::get, "/",
                    "The 3D ward client (the classic page when built without web/dist).",
                    [](ServerContext&, const Request& req, const RouteMatch&) {
                      if (const webui::Asset* index = webui::FindAsset("index.html"))
                        return AssetResponse(req, *index, kRevalidate);
                      return ClassicPage(req);
                    },
                    Access::Public()});
  routes.push_back({http::verb::get, "/assets/{file}",
                    "The web client's content-hashed scripts and styles (cached immutable).",
                    [](ServerContext&, const Request& req, const RouteMatch& m) {
                      const std::string& file = m.params.at("file");
                      if (const webui::Asset* a = webui::FindAsset("assets/" + file))
                        return AssetResponse(req, *a, kImmutable);
                      return ErrorResponse(req, Status(ErrorCode::kNotFound, "no asset " + file));
                    },
                    Access::Public()});
  routes.push_back(
      {http::verb::get, "/classic", "The classic ward table page.",
       [](ServerContext&, const Request& req, const RouteMatch&) { return ClassicPage(req); },
       Access::Public()});
}

}  // namespace lj::server
