#include "server/http_util.h"

#include <cstdlib>

#include "common/json.h"
#include "fhir/fhir_service.h"

namespace lj::server {

Response MakeResponse(const Request& req, http::status status, std::string body,
                      std::string_view content_type) {
  Response res{status, req.version()};
  res.set(http::field::server, "lingjing");
  if (!body.empty() || status != http::status::no_content)
    res.set(http::field::content_type, content_type);
  res.keep_alive(req.keep_alive());
  res.body() = std::move(body);
  res.prepare_payload();
  return res;
}

Response JsonResponse(const Request& req, int status, const nlohmann::json& body) {
  return MakeResponse(req, static_cast<http::status>(status),
                      body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

namespace {
// FHIR clients expect every answer under /fhir, errors included, as FHIR: an OperationOutcome.
bool IsFhirTarget(std::string_view target) {
  return target == "/fhir" || target.starts_with("/fhir/") || target.starts_with("/fhir?");
}
}  // namespace

Response ErrorResponse(const Request& req, const Status& status) {
  if (IsFhirTarget(std::string_view(req.target().data(), req.target().size())))
    return MakeResponse(req, static_cast<http::status>(HttpStatusFor(status.code())),
                        fhir::OperationOutcomeOf(status).dump(
                            -1, ' ', false, nlohmann::json::error_handler_t::replace),
                        "application/fhir+json");
  nlohmann::json j = {{"code", static_cast<int>(status.code())},
                      {"error", std::string(ErrorCodeName(status.code()))},
                      {"message", status.message()}};
  return JsonResponse(req, HttpStatusFor(status.code()), j);
}

Result<nlohmann::json> ParseJsonBody(const Request& req) {
  Result<nlohmann::json> j = ParseJson(req.body());
  if (!j.ok()) return Status(ErrorCode::kParseError, "request body: " + j.status().message());
  return j;
}

namespace {
constexpr const char* kLsnField = "X-Lingjing-Internal-Durable-Lsn";
}

void SetDurableLsn(Response& res, uint64_t lsn) {
  if (lsn) res.set(kLsnField, std::to_string(lsn));
}

uint64_t TakeDurableLsn(Response& res) {
  auto it = res.find(kLsnField);
  if (it == res.end()) return 0;
  uint64_t lsn = std::strtoull(std::string(it->value()).c_str(), nullptr, 10);
  res.erase(kLsnField);
  return lsn;
}

std::string UrlDecode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out += static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else if (s[i] == '+') {
      out += ' ';
    } else {
      out += s[i];
    }
  }
  return out;
}

Target ParseTarget(std::string_view target) {
  Target t;
  std::string_view path = target, query;
  if (auto q = target.find('?'); q != std::string_view::npos) {
    path = target.substr(0, q);
    query = target.substr(q + 1);
  }
  size_t pos = 0;
  while (pos <= path.size()) {
    size_t next = path.find('/', pos);
    if (next == std::string_view::npos) next = path.size();
    if (next > pos) t.segments.push_back(UrlDecode(path.substr(pos, next - pos)));
    pos = next + 1;
  }
  pos = 0;
  while (pos < query.size()) {
    size_t next = query.find('&', pos);
    if (next == std::string_view::npos) next = query.size();
    std::string_view kv = query.substr(pos, next - pos);
    size_t eq = kv.find('=');
    if (eq == std::string_view::npos) {
      t.query[UrlDecode(kv)] = "";
    } else {
      t.query[UrlDecode(kv.substr(0, eq))] = UrlDecode(kv.substr(eq + 1));
    }
    pos = next + 1;
  }
  return t;
}

}  // namespace lj::server
