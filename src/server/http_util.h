// Small HTTP helpers shared by the route handlers: request/response aliases, JSON error bodies
// with stable codes, path and query decoding. Thread-safety: pure functions.
#pragma once

#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace lj::server {

namespace http = boost::beast::http;
using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;

Response MakeResponse(const Request& req, http::status status, std::string body,
                      std::string_view content_type = "application/json");
Response JsonResponse(const Request& req, int status, const nlohmann::json& body);
// {"code": 2001, "error": "unknown_twin", "message": "..."} with the code's HTTP status.
Response ErrorResponse(const Request& req, const Status& status);
// A request body as untrusted JSON (common/json.h: nesting bounded, UTF-8 checked); kParseError
// saying why it is not acceptable.
Result<nlohmann::json> ParseJsonBody(const Request& req);

// Durable acknowledgements: an ingest handler marks its response with the history LSN that must
// be durable before the response may be sent; the HTTP session takes the mark off and waits for
// HistoryStore::WhenDurable without blocking its io thread (503 `storage` if the sync fails).
void SetDurableLsn(Response& res, uint64_t lsn);
uint64_t TakeDurableLsn(Response& res);  // 0 when unmarked

std::string UrlDecode(std::string_view s);
struct Target {
  std::vector<std::string> segments;  // decoded path segments
  std::map<std::string, std::string> query;
};
Target ParseTarget(std::string_view target);

}  // namespace lj::server
