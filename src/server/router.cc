#include "server/router.h"

#include <fmt/format.h>

#include <cstdio>
#include <cstdlib>

namespace lj::server {
namespace {

bool Match(const std::vector<std::string>& pattern, const std::vector<std::string>& path,
           RouteMatch* m) {
  if (pattern.size() != path.size()) return false;
  for (size_t i = 0; i < pattern.size(); ++i) {
    const std::string& p = pattern[i];
    if (p.size() > 2 && p.front() == '{' && p.back() == '}') {
      m->params[p.substr(1, p.size() - 2)] = path[i];
    } else if (p != path[i]) {
      return false;
    }
  }
  return true;
}

std::vector<std::string> Split(const std::string& pattern) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos <= pattern.size()) {
    size_t next = pattern.find('/', pos);
    if (next == std::string::npos) next = pattern.size();
    if (next > pos) out.push_back(pattern.substr(pos, next - pos));
    pos = next + 1;
  }
  return out;
}

}  // namespace

Router::Router() {
  AddStaticRoutes(routes_);  // first: its "/" (the web client) wins over the system one
  AddSystemRoutes(routes_);
  AddTwinRoutes(routes_);
  AddIngestRoutes(routes_);
  AddFhirRoutes(routes_);
  AddHistoryRoutes(routes_);
  AddClinicalRoutes(routes_);
  AddAuthRoutes(routes_);
  for (const Route& r : routes_) {
    if (Status s = CheckAccessRule(r.access); !s.ok()) {
      // A route without a usable access rule must never be served: fail start-up loudly.
      std::fprintf(stderr, "route %s %s: %s\n", std::string(http::to_string(r.method)).c_str(),
                   r.pattern.c_str(), s.message().c_str());
      std::abort();
    }
  }
}

Response Router::Handle(ServerContext& ctx, const Request& req, std::string remote) const {
  Target t = ParseTarget(std::string_view(req.target().data(), req.target().size()));
  std::string allow;  // methods of the routes whose path matched (RFC 9110: 405 lists them)
  for (const Route& r : routes_) {
    RouteMatch m;
    if (!Match(Split(r.pattern), t.segments, &m)) continue;
    if (r.method != req.method() &&
        !(req.method() == http::verb::head && r.method == http::verb::get)) {
      const std::string method(http::to_string(r.method));
      if (allow.find(method) == std::string::npos) {
        if (!allow.empty()) allow += ", ";
        allow += method;
        if (r.method == http::verb::get) allow += ", HEAD";
      }
      continue;
    }
    m.query = std::move(t.query);
    m.remote = std::move(remote);
    try {
      return Serve(ctx, r, req, m);
    } catch (const std::exception& e) {
      return ErrorResponse(req, Status(ErrorCode::kInternal, e.what()));
    }
  }
  if (!allow.empty()) {
    Response res = ErrorResponse(
        req,
        Status(ErrorCode::kUnsupported,
               fmt::format("method {} not allowed on {} (allowed: {})",
                           std::string(req.method_string()), std::string(req.target()), allow)));
    res.result(http::status::method_not_allowed);
    res.set(http::field::allow, allow);
    return res;
  }
  return ErrorResponse(
      req, Status(ErrorCode::kNotFound, fmt::format("no route for {}", std::string(req.target()))));
}

}  // namespace lj::server
