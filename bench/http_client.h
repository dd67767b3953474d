// The one HTTP client of the benchmark (Boost.Beast, blocking, keep-alive, 127.0.0.1 only), used
// unchanged against InfluxDB and Lingjing so both servers see the same requests.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace lj::bench {

struct HttpResponse {
  int status = 0;  // 0: connection failed
  std::string body;
  int64_t accepted = -1;  // X-Lingjing-Accepted header, when present
};

// A keep-alive connection; reconnects on the next request after an error.
class HttpConnection {
 public:
  explicit HttpConnection(uint16_t port);
  ~HttpConnection();
  bool Connect();
  HttpResponse Request(const std::string& method, const std::string& target,
                       std::string_view body = {},
                       const std::string& content_type = "application/json");

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// An Authorization header sent with every request to `port` (Lingjing's bench token; InfluxDB
// runs without authentication, as Debian configures it). Set before the connections are made.
void SetAuthorization(uint16_t port, std::string header);
std::string AuthorizationFor(uint16_t port);

// One request on a fresh connection.
HttpResponse HttpOnce(uint16_t port, const std::string& method, const std::string& target,
                      std::string_view body = {});

// Value of one Prometheus series (exact text before the value, e.g.
// `lj_ingest_samples_total{protocol="mqtt"}`), or -1.
double MetricValue(const std::string& metrics_text, const std::string& series);
// Sum of every series of `name` whose labels contain `label_substr` (e.g. `protocol="mqtt"`).
double MetricSum(const std::string& metrics_text, const std::string& name,
                 const std::string& label_substr);

struct PostResult {
  double seconds = 0;  // first request sent .. last response received
  uint64_t requests = 0;
  uint64_t ok = 0;  // 2xx
  std::map<int, uint64_t> statuses;
  std::string first_error;  // status and body of the first non-2xx response
  int64_t accepted_header_sum = 0;
};

// POSTs every batch to `target` over `concurrency` keep-alive connections (each takes the next
// unsent batch). Connections are opened before the clock starts. Prints progress (`label`,
// rough %) about once a second.
PostResult PostBatches(uint16_t port, const std::string& target,
                       const std::vector<std::string_view>& batches, int concurrency,
                       const std::string& label);

// Runs `fn(i)` for i in [0, n) over `concurrency` keep-alive connections; returns the number of
// calls that returned true.
size_t ParallelRequests(uint16_t port, size_t n, int concurrency,
                        const std::function<bool(HttpConnection&, size_t)>& fn);

}  // namespace lj::bench
