// Telemetry history over REST (doc/protocols/history-api.md): raw ranges, equal-width bucket
// downsampling, the latest sample, several series at once; JSON or the little-endian columnar
// binary format (`format=columns`).
#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <charconv>
#include <cmath>
#include <cstring>
#include <iterator>

#include "common/parallel.h"
#include "common/time.h"
#include "server/router.h"

namespace lj::server {
namespace {

constexpr size_t kDefaultLimit = 100'000;
constexpr size_t kMaxLimit = 5'000'000;  // values per request, over all its series
constexpr size_t kMaxBuckets = 10'000;
constexpr size_t kMaxSeries = 64;
constexpr int64_t kDefaultSpanNs = 3'600'000'000'000;  // from = to - 1 h when absent
constexpr const char* kColumnsType = "application/vnd.lingjing.columns";

struct Query {
  int64_t from = 0, to = 0;
  size_t limit = kDefaultLimit;
  size_t buckets = 0;  // 0 = raw
  bool columns = false;
};

// RFC 3339, or an integer number of milliseconds since the epoch.
Result<int64_t> ParseTime(const std::string& key, const std::string& v) {
  int64_t ms = 0;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), ms);
  if (ec == std::errc() && p == v.data() + v.size()) {
    if (ms > INT64_MAX / 1'000'000 || ms < INT64_MIN / 1'000'000)
      return Status(ErrorCode::kBadTimestamp, fmt::format("'{}': {} ms is out of range", key, v));
    return ms * 1'000'000;
  }
  if (std::optional<int64_t> ns = ParseRfc3339Ns(v)) return *ns;
  return Status(ErrorCode::kBadTimestamp,
                fmt::format("'{}': '{}' is neither RFC 3339 nor integer milliseconds", key, v));
}

Result<size_t> ParseCount(const std::string& key, const std::string& v, size_t lo, size_t hi) {
  size_t n = 0;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (ec != std::errc() || p != v.data() + v.size() || n < lo || n > hi)
    return Status(ErrorCode::kInvalidArgument,
                  fmt::format("'{}' must be an integer {}..{}", key, lo, hi));
  return n;
}

Result<Query> ParseQuery(const RouteMatch& m) {
  Query q;
  auto get = [&](const char* k) -> const std::string* {
    auto it = m.query.find(k);
    return it == m.query.end() || it->second.empty() ? nullptr : &it->second;
  };
  q.to = NowNs() + 1;
  if (const std::string* v = get("to")) {
    Result<int64_t> t = ParseTime("to", *v);
    if (!t.ok()) return t.status();
    q.to = *t;
  }
  q.from = q.to - kDefaultSpanNs;
  if (const std::string* v = get("from")) {
    Result<int64_t> t = ParseTime("from", *v);
    if (!t.ok()) return t.status();
    q.from = *t;
  }
  if (q.from >= q.to) return Status(ErrorCode::kInvalidArgument, "'from' must be before 'to'");
  if (const std::string* v = get("limit")) {
    Result<size_t> n = ParseCount("limit", *v, 1, kMaxLimit);
    if (!n.ok()) return n.status();
    q.limit = *n;
  }
  if (const std::string* v = get("buckets")) {
    Result<size_t> n = ParseCount("buckets", *v, 1, kMaxBuckets);
    if (!n.ok()) return n.status();
    q.buckets = *n;
  }
  if (const std::string* v = get("format")) {
    if (*v == "columns")
      q.columns = true;
    else if (*v != "json")
      return Status(ErrorCode::kInvalidArgument, "'format' must be json or columns");
  }
  return q;
}

Result<history::SeriesId> FindSeries(ServerContext& ctx, const std::string& twin,
                                     const std::string& tel) {
  if (!ctx.history)
    return Status(ErrorCode::kUnavailable, "history is disabled on this server ([history])");
  if (std::optional<history::SeriesId> id = ctx.history->Find(twin, tel)) return *id;
  return Status(ErrorCode::kNotFound, fmt::format("no history for '{}' telemetry '{}'", twin, tel));
}

std::string_view TypeName(history::ValueType t) {
  switch (t) {
    case history::ValueType::kDouble:
      return "double";
    case history::ValueType::kInt:
      return "integer";
    case history::ValueType::kBool:
      return "boolean";
    case history::ValueType::kString:
      return "string";
  }
  return "?";
}

// Milliseconds as a double, exact for whole milliseconds (ns / 1e6 in double is not).
double Ms(int64_t ns) {
  return static_cast<double>(ns / 1'000'000) + static_cast<double>(ns % 1'000'000) / 1e6;
}

nlohmann::json ValueJson(const history::SeriesData& d, size_t k) {
  switch (d.type) {
    case history::ValueType::kDouble:
      return d.f64[k];
    case history::ValueType::kInt:
      return d.i64[k];
    case history::ValueType::kBool:
      return d.i64[k] != 0;
    case history::ValueType::kString:
      return d.str[k];
  }
  return nullptr;
}

nlohmann::json DataJson(const history::SeriesData& d) {
  nlohmann::json j = {{"type", TypeName(d.type)},
                      {"waveform", d.waveform},
                      {"count", d.size()},
                      {"truncated", d.truncated}};
  if (d.waveform) {
    nlohmann::json runs = nlohmann::json::array();
    for (const auto& r : d.runs) {
      nlohmann::json vals = nlohmann::json::array();
      for (size_t k = 0; k < r.count; ++k) vals.push_back(ValueJson(d, r.offset + k));
      runs.push_back({{"t0", Ms(r.t0_ns)}, {"rate", r.rate_hz}, {"values", std::move(vals)}});
    }
    j["runs"] = std::move(runs);
    return j;
  }
  nlohmann::json t = nlohmann::json::array(), v = nlohmann::json::array();
  for (size_t k = 0; k < d.t_ns.size(); ++k) {
    t.push_back(Ms(d.t_ns[k]));
    v.push_back(ValueJson(d, k));
  }
  j["t"] = std::move(t);
  j["v"] = std::move(v);
  return j;
}

nlohmann::json BucketsJson(const std::vector<history::Bucket>& bs, int64_t width_ns) {
  nlohmann::json arr = nlohmann::json::array();
  for (const auto& b : bs) {
    nlohmann::json o = {{"t", Ms(b.start_ns)}, {"count", b.count}};
    if (b.count) {
      o["min"] = b.min;
      o["max"] = b.max;
      o["avg"] = b.avg();
      o["last"] = b.last;
      o["last_t"] = Ms(b.last_t_ns);
    }
    arr.push_back(std::move(o));
  }
  return {{"width_ms", Ms(width_ns)}, {"buckets", std::move(arr)}};
}

// The same object as BucketsJson, written straight into `out` (a trend answer is thousands of
// small objects; building them as nlohmann::json costs more than the query itself). Doubles are
// printed shortest-round-trip (whole numbers without ".0"); non-finite values become null, as
// nlohmann::json prints them.
// Writes `v` at `p` (at most 32 bytes) and returns the end.
char* PutNumber(char* p, double v) {
  if (!std::isfinite(v)) return std::copy_n("null", 4, p);
  if (v == std::trunc(v) && std::fabs(v) < 9e15 && !(v == 0 && std::signbit(v))) {
    return std::to_chars(p, p + 32, static_cast<int64_t>(v)).ptr;  // 72, not 72.0
  }
  return std::to_chars(p, p + 32, v).ptr;  // shortest round-trip form
}

template <size_t N>
char* PutLiteral(char* p, const char (&s)[N]) {
  return std::copy_n(s, N - 1, p);
}

void AppendNumber(std::string& out, double v) {
  char buf[32];
  out.append(buf, PutNumber(buf, v));
}

// A JSON string literal (invalid UTF-8 replaced, as JsonResponse does).
std::string JsonString(const std::string& s) {
  return nlohmann::json(s).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void AppendBucketsJson(const std::vector<history::Bucket>& bs, int64_t width_ns, std::string& out) {
  out += "\"buckets\":[";
  // Each bucket is formatted into a stack buffer and appended once (appending its dozen pieces
  // one by one showed up as the query's second-largest cost).
  char buf[320];  // 7 numbers of at most 32 bytes, and 63 bytes of keys and punctuation
  for (size_t i = 0; i < bs.size(); ++i) {
    const history::Bucket& b = bs[i];
    char* p = buf;
    if (i) *p++ = ',';
    *p++ = '{';
    if (b.count) {
      p = PutNumber(PutLiteral(p, "\"avg\":"), b.avg());
      p = std::to_chars(PutLiteral(p, ",\"count\":"), buf + sizeof buf, b.count).ptr;
      p = PutNumber(PutLiteral(p, ",\"last\":"), b.last);
      p = PutNumber(PutLiteral(p, ",\"last_t\":"), Ms(b.last_t_ns));
      p = PutNumber(PutLiteral(p, ",\"max\":"), b.max);
      p = PutNumber(PutLiteral(p, ",\"min\":"), b.min);
      *p++ = ',';
    } else {
      p = PutLiteral(p, "\"count\":0,");
    }
    p = PutNumber(PutLiteral(p, "\"t\":"), Ms(b.start_ns));
    *p++ = '}';
    out.append(buf, p);
  }
  out += "],\"width_ms\":";
  AppendNumber(out, Ms(width_ns));
}

// --- columns: little-endian binary (history-api.md, "Columnar format") ---
template <typename T>
void Put(std::string& out, T v) {
  static_assert(std::endian::native == std::endian::little, "columns format is little-endian");
  char b[sizeof(T)];
  std::memcpy(b, &v, sizeof(T));
  out.append(b, sizeof(T));
}

void DataColumns(const history::SeriesData& d, std::string& out) {
  out += "LJHC";
  Put<uint8_t>(out, 1);  // version
  Put<uint8_t>(out, static_cast<uint8_t>(d.type));
  Put<uint8_t>(out, d.waveform ? 1 : 0);
  Put<uint8_t>(out, d.truncated ? 1 : 0);
  Put<uint64_t>(out, d.size());
  Put<uint32_t>(out, static_cast<uint32_t>(d.waveform ? d.runs.size() : 0));
  if (d.waveform) {
    for (const auto& r : d.runs) {
      Put<int64_t>(out, r.t0_ns);
      Put<double>(out, r.rate_hz);
      Put<uint64_t>(out, r.offset);
      Put<uint64_t>(out, r.count);
    }
  } else {
    for (int64_t t : d.t_ns) Put<int64_t>(out, t);
  }
  switch (d.type) {
    case history::ValueType::kDouble:
      for (double v : d.f64) Put<double>(out, v);
      break;
    case history::ValueType::kInt:
    case history::ValueType::kBool:
      for (int64_t v : d.i64) Put<int64_t>(out, v);
      break;
    case history::ValueType::kString:
      for (const auto& s : d.str) {
        Put<uint32_t>(out, static_cast<uint32_t>(s.size()));
        out += s;
      }
      break;
  }
}

void BucketColumns(const std::vector<history::Bucket>& bs, int64_t width_ns, std::string& out) {
  out += "LJHB";
  Put<uint8_t>(out, 1);
  out.append(3, '\0');
  Put<uint64_t>(out, bs.size());
  Put<int64_t>(out, width_ns);
  for (const auto& b : bs) {
    Put<int64_t>(out, b.start_ns);
    Put<uint64_t>(out, b.count);
    Put<double>(out, b.min);
    Put<double>(out, b.max);
    Put<double>(out, b.avg());
    Put<double>(out, b.last);
    Put<int64_t>(out, b.last_t_ns);
  }
}

// One series' answer (raw or buckets) as JSON or appended columns; bucket answers in JSON go
// to `bucket_json` as object members (AppendBucketsJson) when it is given.
Result<nlohmann::json> QueryOne(ServerContext& ctx, history::SeriesId id, const Query& q,
                                size_t limit, std::string* columns, size_t* values,
                                std::string* bucket_json = nullptr) {
  if (q.buckets) {
    Result<std::vector<history::Bucket>> b = ctx.history->Downsample(id, q.from, q.to, q.buckets);
    if (!b.ok()) return b.status();
    const int64_t width =
        (q.to - q.from + static_cast<int64_t>(q.buckets) - 1) / static_cast<int64_t>(q.buckets);
    *values = q.buckets;
    if (columns) {
      BucketColumns(*b, width, *columns);
      return nlohmann::json();
    }
    if (bucket_json) {
      AppendBucketsJson(*b, width, *bucket_json);
      return nlohmann::json();
    }
    return BucketsJson(*b, width);
  }
  Result<history::SeriesData> d = ctx.history->Read(id, q.from, q.to, limit);
  if (!d.ok()) return d.status();
  *values = d->size();
  if (columns) {
    DataColumns(*d, *columns);
    return nlohmann::json();
  }
  return DataJson(*d);
}

Response Reply(const Request& req, const Query& q, nlohmann::json j, std::string columns) {
  if (q.columns) return MakeResponse(req, http::status::ok, std::move(columns), kColumnsType);
  return JsonResponse(req, 200, j);
}

Response GetSeriesHistory(ServerContext& ctx, const Request& req, const RouteMatch& m) {
  const std::string& twin = m.params.at("id");
  const std::string& tel = m.params.at("name");
  Result<Query> q = ParseQuery(m);
  if (!q.ok()) return ErrorResponse(req, q.status());
  Result<history::SeriesId> id = FindSeries(ctx, twin, tel);
  if (!id.ok()) return ErrorResponse(req, id.status());
  std::string columns;
  size_t n = 0;
  if (q->buckets && !q->columns) {
    std::string body = "{";
    body.reserve(q->buckets * 112 + 256);
    Result<nlohmann::json> j = QueryOne(ctx, *id, *q, q->limit, nullptr, &n, &body);
    if (!j.ok()) return ErrorResponse(req, j.status());
    fmt::format_to(std::back_inserter(body),
                   ",\"from\":\"{}\",\"telemetry\":{},\"to\":\"{}\",\"twin\":{}}}",
                   FormatRfc3339(q->from), JsonString(tel), FormatRfc3339(q->to), JsonString(twin));
    return MakeResponse(req, http::status::ok, std::move(body), "application/json");
  }
  Result<nlohmann::json> j = QueryOne(ctx, *id, *q, q->limit, q->columns ? &columns : nullptr, &n);
  if (!j.ok()) return ErrorResponse(req, j.status());
  if (!q->columns) {
    (*j)["twin"] = twin;
    (*j)["telemetry"] = tel;
    (*j)["from"] = FormatRfc3339(q->from);
    (*j)["to"] = FormatRfc3339(q->to);
  }
  return Reply(req, *q, std::move(*j), std::move(columns));
}

Response GetSeriesLatest(ServerContext& ctx, const Request& req, const RouteMatch& m) {
  const std::string& twin = m.params.at("id");
  const std::string& tel = m.params.at("name");
  Result<history::SeriesId> id = FindSeries(ctx, twin, tel);
  if (!id.ok()) return ErrorResponse(req, id.status());
  Result<history::SeriesData> d = ctx.history->Latest(*id);
  if (!d.ok()) return ErrorResponse(req, d.status());
  if (d->size() == 0)
    return ErrorResponse(req, Status(ErrorCode::kNotFound, "series has no samples"));
  int64_t t = 0;
  size_t k = d->size() - 1;
  if (d->waveform) {
    const auto& r = d->runs.back();
    k = r.offset + r.count - 1;
    t = r.t0_ns + static_cast<int64_t>(static_cast<double>(r.count - 1) * 1e9 / r.rate_hz);
  } else {
    t = d->t_ns.back();
  }
  return JsonResponse(req, 200,
                      {{"twin", twin},
                       {"telemetry", tel},
                       {"type", TypeName(d->type)},
                       {"t", Ms(t)},
                       {"time", FormatRfc3339(t)},
                       {"v", ValueJson(*d, k)}});
}

// Bucket JSON of several series (a trend chart): each series is found, downsampled and written
// as text independently, on the io thread and ParallelFor's helpers at once, then joined in
// request order. The first failing series (in request order) answers the request.
Response MultiBucketsJson(ServerContext& ctx, const Request& req, const Query& q,
                          const std::vector<std::pair<std::string, std::string>>& names) {
  struct Part {
    Status status;
    std::string json;
  };
  std::vector<Part> parts(names.size());
  ParallelFor(names.size(), [&](size_t i) {
    const auto& [twin, tel] = names[i];
    Part& p = parts[i];
    Result<history::SeriesId> id = FindSeries(ctx, twin, tel);
    if (!id.ok()) {
      p.status = id.status();
      return;
    }
    p.json.reserve(q.buckets * 112 + 128);
    p.json += '{';
    size_t n = 0;
    Result<nlohmann::json> j = QueryOne(ctx, *id, q, 1, nullptr, &n, &p.json);
    if (!j.ok()) {
      p.status = j.status();
      return;
    }
    fmt::format_to(std::back_inserter(p.json), ",\"telemetry\":{},\"twin\":{}}}", JsonString(tel),
                   JsonString(twin));
  });
  size_t bytes = 64;
  for (const Part& p : parts) {
    if (!p.status.ok()) return ErrorResponse(req, p.status);
    bytes += p.json.size() + 1;
  }
  std::string body;
  body.reserve(bytes);
  fmt::format_to(std::back_inserter(body), "{{\"from\":\"{}\",\"series\":[", FormatRfc3339(q.from));
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i) body += ',';
    body += parts[i].json;
  }
  fmt::format_to(std::back_inserter(body), "],\"to\":\"{}\"}}", FormatRfc3339(q.to));
  return MakeResponse(req, http::status::ok, std::move(body), "application/json");
}

// GET /api/v1/history?series=twin/tel,twin/tel&from&to&buckets&limit&format
Response GetMultiHistory(ServerContext& ctx, const Request& req, const RouteMatch& m) {
  Result<Query> q = ParseQuery(m);
  if (!q.ok()) return ErrorResponse(req, q.status());
  auto it = m.query.find("series");
  if (it == m.query.end() || it->second.empty())
    return ErrorResponse(req, Status(ErrorCode::kMissingField,
                                     "'series' is required: twin/telemetry[,twin/telemetry...]"));
  std::vector<std::pair<std::string, std::string>> names;
  const std::string& list = it->second;
  for (size_t pos = 0; pos <= list.size();) {
    size_t comma = list.find(',', pos);
    if (comma == std::string::npos) comma = list.size();
    std::string item = list.substr(pos, comma - pos);
    size_t slash = item.rfind('/');
    if (slash == std::string::npos || slash == 0 || slash + 1 == item.size())
      return ErrorResponse(req, Status(ErrorCode::kInvalidArgument,
                                       fmt::format("series '{}' is not twin/telemetry", item)));
    names.emplace_back(item.substr(0, slash), item.substr(slash + 1));
    if (names.size() > kMaxSeries)
      return ErrorResponse(req, Status(ErrorCode::kInvalidArgument,
                                       fmt::format("at most {} series per request", kMaxSeries)));
    pos = comma + 1;
  }
  if (q->buckets && !q->columns) return MultiBucketsJson(ctx, req, *q, names);
  nlohmann::json arr = nlohmann::json::array();
  std::string columns;
  if (q->columns) {
    columns += "LJHM";
    Put<uint32_t>(columns, static_cast<uint32_t>(names.size()));
  }
  size_t budget = q->limit;
  for (const auto& [twin, tel] : names) {
    Result<history::SeriesId> id = FindSeries(ctx, twin, tel);
    if (!id.ok()) return ErrorResponse(req, id.status());
    std::string one;
    size_t n = 0;
    Result<nlohmann::json> j =
        QueryOne(ctx, *id, *q, std::max<size_t>(budget, 1), q->columns ? &one : nullptr, &n);
    if (!j.ok()) return ErrorResponse(req, j.status());
    budget -= std::min(budget, n);
    if (q->columns) {
      const std::string name = twin + "/" + tel;
      Put<uint16_t>(columns, static_cast<uint16_t>(std::min<size_t>(name.size(), 65535)));
      columns.append(name, 0, std::min<size_t>(name.size(), 65535));
      Put<uint64_t>(columns, one.size());
      columns += one;
    } else {
      (*j)["twin"] = twin;
      (*j)["telemetry"] = tel;
      arr.push_back(std::move(*j));
    }
  }
  nlohmann::json j = {
      {"from", FormatRfc3339(q->from)}, {"to", FormatRfc3339(q->to)}, {"series", std::move(arr)}};
  return Reply(req, *q, std::move(j), std::move(columns));
}

// The twins of ?series=twin/tel,twin/tel (each must be allowed); malformed items are left to the
// handler's own 400.
Result<std::vector<std::string>> SeriesTwins(ServerContext&, const Request&, const RouteMatch& m) {
  std::vector<std::string> twins;
  auto it = m.query.find("series");
  if (it == m.query.end()) return twins;
  const std::string& list = it->second;
  for (size_t pos = 0; pos <= list.size() && twins.size() <= kMaxSeries;) {
    size_t comma = list.find(',', pos);
    if (comma == std::string::npos) comma = list.size();
    std::string item = list.substr(pos, comma - pos);
    size_t slash = item.rfind('/');
    if (slash != std::string::npos && slash > 0) twins.push_back(item.substr(0, slash));
    pos = comma + 1;
  }
  std::sort(twins.begin(), twins.end());
  twins.erase(std::unique(twins.begin(), twins.end()), twins.end());
  return twins;
}

}  // namespace

void AddHistoryRoutes(std::vector<Route>& routes) {
  using V = http::verb;
  routes.push_back({V::get, "/api/v1/twins/{id}/telemetry/{name}/history",
                    "Telemetry history (?from&to RFC 3339 or ms, limit, buckets=N, "
                    "format=json|columns).",
                    GetSeriesHistory, Access::PathTwin(auth::Action::kReadHistory)});
  routes.push_back({V::get, "/api/v1/twins/{id}/telemetry/{name}/history/latest",
                    "The newest stored sample of a series.", GetSeriesLatest,
                    Access::PathTwin(auth::Action::kReadHistory)});
  routes.push_back(
      {V::get, "/api/v1/history",
       "Several series at once (?series=twin/tel,...&from&to&buckets&limit&format).",
       GetMultiHistory,
       Access::Custom(auth::Action::kReadHistory, "query:series (every twin)", SeriesTwins)});
}

}  // namespace lj::server
