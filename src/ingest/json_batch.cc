// JSON telemetry batches, parsed with the simdjson DOM API: the whole document is validated
// first (so a truncated body yields one reject, never a half-accepted batch), then each item is
// checked on its own. Strings are copied into ParsedBatch::owned because DOM strings live in the
// parser. Only the error-code API is used, so simdjson never throws.
#include "ingest/json_batch.h"

#include <fmt/format.h>
#include <simdjson.h>

#include <array>
#include <cmath>
#include <limits>
#include <new>
#include <optional>

#include "common/json.h"
#include "common/time.h"
#include "ingest/parse_util.h"

namespace lj::ingest {
namespace {

namespace dom = simdjson::dom;
using internal::Snippet;
using Type = dom::element_type;

// Bodies up to this size reuse a per-thread parser (no allocation per request); larger ones use
// a temporary parser so a thread does not keep a huge buffer forever.
constexpr size_t kReuseParserBytes = size_t{1} << 20;
// int64 nanoseconds span about ±292 years around 1970.
constexpr double kMaxAbsMs = 9.2e12;
constexpr int kMinYear = 1678, kMaxYear = 2261;

// The members of an item or block object this parser knows; others are ignored.
struct Fields {
  std::optional<dom::element> twin, telemetry, t, v, values, rate;

  explicit Fields(dom::object obj) {
    for (dom::key_value_pair kv : obj) {
      const std::string_view k = kv.key;
      std::optional<dom::element>* slot = k == "twin"        ? &twin
                                          : k == "telemetry" ? &telemetry
                                          : k == "t"         ? &t
                                          : k == "v"         ? &v
                                          : k == "values"    ? &values
                                          : k == "rate"      ? &rate
                                                             : nullptr;
      if (slot) *slot = kv.value;  // a repeated key: the last one wins
    }
  }
};

// Where a value came from, for messages: the `v`/block of an item (empty key), or a telemetry
// key of a multi item / twin object. Formatted only on the error path.
std::string Label(std::string_view key) {
  return key.empty() ? std::string("'v'") : fmt::format("'{}'", Snippet(key));
}
std::string Prefix(std::string_view key) {
  return key.empty() ? std::string() : fmt::format("'{}': ", Snippet(key));
}

class JsonParser {
 public:
  JsonParser(const JsonBatchOptions& o, ParsedBatch& out, bool batch)
      : opt_(o), out_(out), batch_(batch) {}

  void Item(uint32_t index, dom::element el);
  void TwinObject(dom::object obj, std::string_view twin);

 private:
  template <typename... A>
  bool Reject(ErrorCode code, fmt::format_string<A...> f, A&&... args) {
    // The location travels in Reject::source; messages carry only the reason.
    std::string msg = fmt::format(f, std::forward<A>(args)...);
    out_.rejects.push_back({source_, code, std::move(msg)});
    return false;
  }

  // Copies a string into out.owned, reusing a recent identical copy (ids and names repeat).
  std::string_view Intern(std::string_view s) {
    for (std::string_view c : recent_) {
      if (c.data() != nullptr && c == s) return c;
    }
    std::string_view owned = out_.owned.emplace_back(s);
    recent_[recent_next_++ % recent_.size()] = owned;
    return owned;
  }

  bool Time(dom::element t, std::string_view key, int64_t* ns);
  bool Name(const std::optional<dom::element>& el, const char* what, std::string_view* out);
  // The telemetry `key` of a multi item or twin object: a scalar or a waveform object.
  void KeyedValue(std::string_view twin, std::string_view key, int64_t t_ns, dom::element v);
  // A scalar value; `key` is empty for the `v` of a scalar item.
  bool Scalar(std::string_view twin, std::string_view telemetry, std::string_view key, int64_t t_ns,
              dom::element v);
  bool Block(std::string_view twin, std::string_view telemetry, std::string_view key, int64_t t_ns,
             const Fields& f);
  ParsedSample& Emit(std::string_view twin, std::string_view telemetry, int64_t t_ns) {
    ParsedSample& s = out_.samples.emplace_back();
    s.twin = twin;
    s.telemetry = telemetry;
    s.t_ns = t_ns;
    s.source = source_;
    return s;
  }

  const JsonBatchOptions& opt_;
  ParsedBatch& out_;
  const bool batch_;
  uint32_t source_ = 0;
  std::array<std::string_view, 8> recent_{};
  size_t recent_next_ = 0;
};

bool JsonParser::Time(dom::element t, std::string_view key, int64_t* ns) {
  switch (t.type()) {
    case Type::INT64: {
      const int64_t ms = t.get_int64().value_unsafe();
      if (internal::MulOverflows(ms, 1000000, ns)) {
        return Reject(ErrorCode::kBadTimestamp, "{}time {} ms is out of range", Prefix(key), ms);
      }
      return true;
    }
    case Type::UINT64:
      return Reject(ErrorCode::kBadTimestamp, "{}time {} ms is out of range", Prefix(key),
                    t.get_uint64().value_unsafe());
    case Type::DOUBLE: {
      const double ms = t.get_double().value_unsafe();
      if (!(std::fabs(ms) < kMaxAbsMs)) {
        return Reject(ErrorCode::kBadTimestamp, "{}time {} ms is out of range", Prefix(key), ms);
      }
      double whole;
      const double frac = std::modf(ms, &whole);
      *ns = static_cast<int64_t>(whole) * 1000000 + std::llround(frac * 1e6);
      return true;
    }
    case Type::STRING: {
      const std::string_view s = t.get_string().value_unsafe();
      // Guard the year first: outside int64 nanoseconds the conversion would overflow.
      auto digit = [&](size_t i) { return s[i] >= '0' && s[i] <= '9'; };
      if (s.size() >= 4 && digit(0) && digit(1) && digit(2) && digit(3)) {
        const int year =
            (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
        if (year < kMinYear || year > kMaxYear) {
          return Reject(ErrorCode::kBadTimestamp, "{}time '{}' is out of range", Prefix(key),
                        Snippet(s));
        }
      }
      const std::optional<int64_t> v = ParseRfc3339Ns(s);
      if (!v)
        return Reject(ErrorCode::kBadTimestamp, "{}invalid time '{}'", Prefix(key), Snippet(s));
      *ns = *v;
      return true;
    }
    default:
      return Reject(ErrorCode::kBadTimestamp,
                    "{}'t' must be milliseconds since the epoch or an RFC 3339 string",
                    Prefix(key));
  }
}

bool JsonParser::Name(const std::optional<dom::element>& el, const char* what,
                      std::string_view* out) {
  if (!el) return Reject(ErrorCode::kMissingField, "missing '{}'", what);
  std::string_view s;
  if (el->get_string().get(s)) return Reject(ErrorCode::kParseError, "'{}' must be a string", what);
  if (s.empty()) return Reject(ErrorCode::kMissingField, "'{}' must not be empty", what);
  if (s.size() > opt_.limits.max_id_bytes) {
    return Reject(ErrorCode::kOversize, "'{}' '{}' is longer than {} bytes", what, Snippet(s),
                  opt_.limits.max_id_bytes);
  }
  *out = Intern(s);
  return true;
}

bool JsonParser::Block(std::string_view twin, std::string_view telemetry, std::string_view key,
                       int64_t t_ns, const Fields& f) {
  double rate = 0;
  if (!f.rate) return Reject(ErrorCode::kMissingField, "{}missing 'rate'", Prefix(key));
  if (f.rate->get_double().get(rate)) {
    return Reject(ErrorCode::kParseError, "{}'rate' must be a number", Prefix(key));
  }
  if (!(rate > 0) || !std::isfinite(rate)) {
    return Reject(ErrorCode::kBadWaveform, "{}'rate' must be > 0", Prefix(key));
  }
  dom::array arr;
  if (!f.values) return Reject(ErrorCode::kMissingField, "{}missing 'values'", Prefix(key));
  if (f.values->get_array().get(arr)) {
    return Reject(ErrorCode::kParseError, "{}'values' must be an array of numbers", Prefix(key));
  }
  const size_t n = arr.size();
  if (n > opt_.limits.max_block_values) {
    return Reject(ErrorCode::kOversize, "{}waveform block has {} values (limit {})", Prefix(key), n,
                  opt_.limits.max_block_values);
  }
  if (n == 0) return Reject(ErrorCode::kBadWaveform, "{}waveform block has no values", Prefix(key));
  const size_t offset = out_.wave_values.size();
  if (offset + n > std::numeric_limits<uint32_t>::max()) {
    return Reject(ErrorCode::kOversize, "{}too many waveform values in one batch", Prefix(key));
  }
  out_.wave_values.resize(offset + n);
  double* dst = out_.wave_values.data() + offset;
  for (dom::element x : arr) {
    if (x.get_double().get(*dst++)) {
      out_.wave_values.resize(offset);
      return Reject(ErrorCode::kParseError, "{}'values' must be an array of numbers", Prefix(key));
    }
  }
  ParsedSample& s = Emit(twin, telemetry, t_ns);
  s.rate_hz = rate;
  s.offset = static_cast<uint32_t>(offset);
  s.count = static_cast<uint32_t>(n);
  return true;
}

bool JsonParser::Scalar(std::string_view twin, std::string_view telemetry, std::string_view key,
                        int64_t t_ns, dom::element v) {
  Value value;
  switch (v.type()) {
    case Type::INT64:
      value = Value::Int(v.get_int64().value_unsafe());
      break;
    case Type::UINT64:  // only integers beyond int64
      value = Value::Double(static_cast<double>(v.get_uint64().value_unsafe()));
      break;
    case Type::DOUBLE:
      value = Value::Double(v.get_double().value_unsafe());
      break;
    case Type::BOOL:
      value = Value::Bool(v.get_bool().value_unsafe());
      break;
    case Type::STRING: {
      const std::string_view s = v.get_string().value_unsafe();
      if (s.size() > opt_.limits.max_string_bytes) {
        return Reject(ErrorCode::kOversize, "{} is a string of {} bytes (limit {})", Label(key),
                      s.size(), opt_.limits.max_string_bytes);
      }
      value = Value::String(out_.owned.emplace_back(s));
      break;
    }
    default:
      if (!key.empty()) {
        return Reject(ErrorCode::kParseError,
                      "{} must be a number, boolean, string or waveform object", Label(key));
      }
      return Reject(ErrorCode::kParseError, "'v' must be a number, boolean or string");
  }
  Emit(twin, telemetry, t_ns).value = value;
  return true;
}

void JsonParser::KeyedValue(std::string_view twin, std::string_view key, int64_t t_ns,
                            dom::element v) {
  if (key.empty()) {
    Reject(ErrorCode::kMissingField, "empty telemetry name");
    return;
  }
  if (key.size() > opt_.limits.max_id_bytes) {
    Reject(ErrorCode::kOversize, "telemetry name {} is longer than {} bytes", Label(key),
           opt_.limits.max_id_bytes);
    return;
  }
  dom::object obj;
  if (v.get_object().get(obj)) {
    Scalar(twin, Intern(key), key, t_ns, v);
    return;
  }
  const Fields f(obj);
  if (f.t && !Time(*f.t, key, &t_ns)) return;  // a block's own time overrides the item's
  Block(twin, Intern(key), key, t_ns, f);
}

void JsonParser::Item(uint32_t index, dom::element el) {
  source_ = index;
  dom::object obj;
  if (el.get_object().get(obj)) {
    Reject(ErrorCode::kParseError, "expected an object");
    return;
  }
  const Fields f(obj);
  std::string_view twin, telemetry;
  if (!Name(f.twin, "twin", &twin)) return;
  int64_t t_ns = opt_.default_time_ns;
  if (f.t && !Time(*f.t, {}, &t_ns)) return;
  dom::object multi;
  if (f.values && !f.values->get_object().get(multi)) {
    if (f.telemetry) {
      Reject(ErrorCode::kParseError, "'telemetry' must not be given with a 'values' object");
      return;
    }
    if (multi.begin() == multi.end()) {
      Reject(ErrorCode::kMissingField, "'values' has no telemetry");
      return;
    }
    for (dom::key_value_pair kv : multi) KeyedValue(twin, kv.key, t_ns, kv.value);
    return;
  }
  if (!f.values && !f.v) {
    Reject(ErrorCode::kMissingField, "missing 'v' or 'values'");
    return;
  }
  if (!Name(f.telemetry, "telemetry", &telemetry)) return;
  if (!f.values) {
    Scalar(twin, telemetry, {}, t_ns, *f.v);
  } else if (f.values->type() != Type::ARRAY) {
    Reject(ErrorCode::kParseError, "'values' must be an array of numbers or an object");
  } else {
    Block(twin, telemetry, {}, t_ns, f);
  }
}

void JsonParser::TwinObject(dom::object obj, std::string_view twin) {
  int64_t t_ns = opt_.default_time_ns;
  dom::element t;
  if (!obj.at_key("t").get(t) && !Time(t, {}, &t_ns)) return;
  for (dom::key_value_pair kv : obj) {
    if (kv.key != "t") KeyedValue(twin, kv.key, t_ns, kv.value);
  }
}

// Parses `body` into `root`; on failure adds the single source-0 reject and returns false.
bool ParseDocument(std::string_view body, dom::parser& parser, dom::element* root,
                   ParsedBatch& out) {
  if (body.empty()) {
    out.rejects.push_back({0, ErrorCode::kParseError, "empty body"});
    return false;
  }
  const simdjson::error_code err = parser.parse(body.data(), body.size()).get(*root);
  if (err == simdjson::DEPTH_ERROR) {
    out.rejects.push_back(
        {0, ErrorCode::kParseError,
         fmt::format("body is not valid JSON: it nests deeper than {} levels", kMaxJsonDepth)});
    return false;
  }
  if (err) {
    out.rejects.push_back(
        {0, ErrorCode::kParseError,
         fmt::format("body is not valid JSON: {}", simdjson::error_message(err))});
    return false;
  }
  return true;
}

// A parser that refuses nesting deeper than kMaxJsonDepth (common/json.h); the bound stays when
// the parser grows for a larger body.
void BoundDepth(dom::parser& parser) {
  if (parser.allocate(simdjson::dom::MINIMAL_DOCUMENT_CAPACITY, kMaxJsonDepth))
    throw std::bad_alloc();
}

dom::parser& ThreadParser() {
  thread_local dom::parser parser;
  thread_local bool bounded = false;
  if (!bounded) {
    BoundDepth(parser);
    bounded = true;
  }
  return parser;
}

template <typename F>
void WithParser(std::string_view body, ParsedBatch& out, F&& f) {
  try {
    if (body.size() <= kReuseParserBytes) {
      f(ThreadParser());
    } else {
      dom::parser parser;
      BoundDepth(parser);
      f(parser);
    }
  } catch (const std::exception& e) {  // only std::bad_alloc is expected
    out.rejects.push_back(
        {0, ErrorCode::kInternal, fmt::format("internal error while parsing JSON: {}", e.what())});
  }
}

}  // namespace

void ParseJsonBatch(std::string_view body, const JsonBatchOptions& options, ParsedBatch& out) {
  WithParser(body, out, [&](dom::parser& parser) {
    dom::element root;
    if (!ParseDocument(body, parser, &root, out)) return;
    dom::array items;
    const bool ok = root.type() == Type::OBJECT ? !root.at_key("samples").get_array().get(items)
                                                : !root.get_array().get(items);
    if (!ok) {
      out.rejects.push_back({0, ErrorCode::kParseError,
                             "expected an array of samples or an object with a 'samples' array"});
      return;
    }
    JsonParser p(options, out, /*batch=*/true);
    uint32_t index = 0;
    for (dom::element item : items) p.Item(index++, item);
  });
}

void ParseJsonTwinObject(std::string_view body, std::string_view twin,
                         const JsonBatchOptions& options, ParsedBatch& out) {
  if (twin.empty() || twin.size() > options.limits.max_id_bytes) {
    out.rejects.push_back({0, twin.empty() ? ErrorCode::kMissingField : ErrorCode::kOversize,
                           fmt::format("twin id '{}' must be 1 to {} bytes", Snippet(twin),
                                       options.limits.max_id_bytes)});
    return;
  }
  WithParser(body, out, [&](dom::parser& parser) {
    dom::element root;
    if (!ParseDocument(body, parser, &root, out)) return;
    dom::object obj;
    if (root.get_object().get(obj)) {
      out.rejects.push_back({0, ErrorCode::kParseError, "expected a JSON object"});
      return;
    }
    JsonParser(options, out, /*batch=*/false).TwinObject(obj, twin);
  });
}

}  // namespace lj::ingest
