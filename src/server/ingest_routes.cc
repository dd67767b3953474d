// Telemetry ingest over HTTP: InfluxDB line protocol (/write, /api/v2/write) and JSON batches
// (/api/v1/telemetry). Responses: doc/protocols/line-protocol.md and json-ingest.md. A response
// is sent only once the accepted samples are durable in history (SetDurableLsn).
#include <fmt/format.h>

#include <algorithm>

#include "common/time.h"
#include "ingest/json_batch.h"
#include "ingest/line_protocol.h"
#include "server/router.h"

namespace lj::server {
namespace {

nlohmann::json RejectsJson(const ingest::IngestReport& report, const char* where) {
  nlohmann::json errors = nlohmann::json::array();
  for (const ingest::Reject& r : report.rejects)
    errors.push_back({{where, r.source},
                      {"code", static_cast<int>(r.code)},
                      {"error", std::string(ErrorCodeName(r.code))},
                      {"message", r.message}});
  return errors;
}

Response WriteLineProtocol(ServerContext& ctx, const Request& req, const RouteMatch& m) {
  ingest::LineProtocolOptions opts = ctx.options.line_protocol;
  opts.limits = ctx.options.limits;
  if (auto it = m.query.find("precision"); it != m.query.end() && !it->second.empty()) {
    if (!ingest::ParsePrecision(it->second, &opts.precision))
      return ErrorResponse(
          req,
          Status(ErrorCode::kInvalidArgument,
                 fmt::format("unknown precision '{}' (use ns, us, ms, s, m or h)", it->second)));
  }
  opts.default_time_ns = NowNs();
  thread_local ingest::ParsedBatch batch;  // reused: keeps its capacity between requests
  batch.Clear();
  ingest::ParseLineProtocol(req.body(), opts, batch);
  ingest::IngestReport report = ctx.ingest.Ingest(batch, ingest::Protocol::kLineProtocol);
  if (batch.samples.capacity() > (1u << 20)) batch = ingest::ParsedBatch();  // bound idle memory
  if (report.rejected == 0) {
    Response r = MakeResponse(req, http::status::no_content, "");
    r.set("X-Lingjing-Accepted", std::to_string(report.accepted));
    SetDurableLsn(r, report.lsn);
    return r;
  }
  std::string first = report.rejects.empty() ? ""
                                             : fmt::format("line {}: {}", report.rejects[0].source,
                                                           report.rejects[0].message);
  nlohmann::json body = {
      {"error", fmt::format("partial write: {} dropped={}", first, report.rejected)},
      {"accepted", report.accepted},
      {"rejected", report.rejected},
      {"errors", RejectsJson(report, "line")}};
  Response r = JsonResponse(req, 400, body);
  SetDurableLsn(r, report.lsn);
  return r;
}

Response WriteJson(ServerContext& ctx, const Request& req, const RouteMatch&) {
  ingest::JsonBatchOptions opts;
  opts.limits = ctx.options.limits;
  opts.default_time_ns = NowNs();
  thread_local ingest::ParsedBatch batch;  // reused: keeps its capacity between requests
  batch.Clear();
  ingest::ParseJsonBatch(req.body(), opts, batch);
  ingest::IngestReport report = ctx.ingest.Ingest(batch, ingest::Protocol::kHttpJson);
  if (batch.samples.capacity() > (1u << 20)) batch = ingest::ParsedBatch();  // bound idle memory
  nlohmann::json body = {{"accepted", report.accepted},
                         {"rejected", report.rejected},
                         {"errors", RejectsJson(report, "index")}};
  Response r = JsonResponse(req, report.rejected == 0 ? 200 : 400, body);
  SetDurableLsn(r, report.lsn);
  return r;
}

Result<std::vector<std::string>> LineProtocolTwins(ServerContext& ctx, const Request& req,
                                                   const RouteMatch& m) {
  ingest::LineProtocolOptions opts = ctx.options.line_protocol;
  opts.limits = ctx.options.limits;
  if (auto it = m.query.find("precision"); it != m.query.end() && !it->second.empty())
    if (!ingest::ParsePrecision(it->second, &opts.precision)) return std::vector<std::string>{};
  opts.default_time_ns = NowNs();
  ingest::ParsedBatch batch;
  ingest::ParseLineProtocol(req.body(), opts, batch);
  return ingest::DistinctTwins(batch);
}

Result<std::vector<std::string>> JsonTwins(ServerContext& ctx, const Request& req,
                                           const RouteMatch&) {
  ingest::JsonBatchOptions opts;
  opts.limits = ctx.options.limits;
  opts.default_time_ns = NowNs();
  ingest::ParsedBatch batch;
  ingest::ParseJsonBatch(req.body(), opts, batch);
  return ingest::DistinctTwins(batch);
}

}  // namespace

void AddIngestRoutes(std::vector<Route>& routes) {
  using V = http::verb;
  const auto line =
      Access::Custom(auth::Action::kWriteTelemetry, "body (every twin written)", LineProtocolTwins)
          .Via(audit::Interface::kLineProto);
  routes.push_back({V::post, "/write", "InfluxDB 1.x line protocol (?precision=ns|us|ms|s|m|h).",
                    WriteLineProtocol, line});
  routes.push_back({V::post, "/api/v2/write", "InfluxDB 2.x line protocol (?precision=...).",
                    WriteLineProtocol, line});
  routes.push_back(
      {V::post, "/api/v1/telemetry", "JSON telemetry batch.", WriteJson,
       Access::Custom(auth::Action::kWriteTelemetry, "body (every twin written)", JsonTwins)});
}

}  // namespace lj::server
