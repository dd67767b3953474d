// InfluxDB line protocol parser: one pass over each line, no allocation unless an escape or the
// measurement_field naming forces an owned copy. See line_protocol.h for the contract.
#include "ingest/line_protocol.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstring>
#include <limits>
#include <new>
#include <utility>

#include "common/json.h"
#include "ingest/line_protocol_scan.h"
#include "ingest/parse_util.h"

namespace lj::ingest {
namespace {

using internal::Snippet;
using namespace lp;  // NOLINT(google-build-using-namespace): the parser's own lexer

constexpr int64_t kPrecisionFactor[] = {1,          1000,          1000000,
                                        1000000000, 60000000000LL, 3600000000000LL};
constexpr const char* kPrecisionName[] = {"ns", "us", "ms", "s", "m", "h"};

class LineParser {
 public:
  LineParser(const LineProtocolOptions& o, ParsedBatch& out)
      : opt_(o), out_(out), factor_(kPrecisionFactor[static_cast<int>(o.precision)]) {}

  void Parse(std::string_view body) {
    // Line protocol is UTF-8 text: one pass over the whole body, and line by line only when it
    // fails, so a line with ill-formed bytes is refused and its neighbours are kept.
    const bool utf8 = IsValidUtf8(body);
    const char* p = body.data();
    const char* const end = p + body.size();
    while (p < end) {
      ++line_;
      const auto* nl = static_cast<const char*>(std::memchr(p, '\n', end - p));
      const char* le = nl ? nl : end;
      const char* next = nl ? nl + 1 : end;
      if (le > p && le[-1] == '\r') --le;
      while (p < le && (*p == ' ' || *p == '\t')) ++p;
      if (p < le && *p != '#') {
        first_ = out_.samples.size();
        const size_t bad = utf8
                               ? std::string_view::npos
                               : FirstInvalidUtf8(std::string_view(p, static_cast<size_t>(le - p)));
        if (bad != std::string_view::npos) {
          Fail(ErrorCode::kInvalidUtf8, "not valid UTF-8 at byte {} of the line", bad + 1);
        } else {
          ParseLine(p, le);
        }
      }
      p = next;
    }
  }

  // After std::bad_alloc: drops the current line's samples and reports it (best effort).
  void AbortLine() noexcept {
    out_.samples.resize(std::min(first_, out_.samples.size()));
    try {
      out_.rejects.push_back(
          {line_, ErrorCode::kInternal, "out of memory; the rest was not parsed"});
    } catch (...) {  // nothing more can be done without memory
    }
  }

 private:
  template <typename... A>
  bool Fail(ErrorCode code, fmt::format_string<A...> f, A&&... args) {
    out_.samples.resize(first_);
    // Owned copies made for this line stay in out.owned: cached names may point into them, and
    // they are bounded by the body size.
    out_.rejects.push_back(
        {line_, code, fmt::format(f, std::forward<A>(args)...)});  // location is in `source`
    return false;
  }

  std::string_view Own(std::string s) { return out_.owned.emplace_back(std::move(s)); }

  std::string_view UnescapedName(const char* b, const char* e, bool measurement) {
    std::string s;
    s.reserve(e - b);
    AppendUnescapedName(b, e, measurement, s);
    return Own(std::move(s));
  }

  std::string_view KeyText(const char* b, const char* e, bool esc) {
    if (!esc) return {b, static_cast<size_t>(e - b)};
    std::string s;
    AppendUnescapedName(b, e, false, s);
    return Own(std::move(s));
  }

  std::string_view TelemetryName(const char* k, const char* k_end, bool k_esc);
  bool ParseLine(const char* p, const char* e);
  bool ParseUnquoted(const char* b, const char* e, std::string_view key, Value* v);
  static const char* FastNumber(const char* v, const char* e, Value* out);

  struct CachedName {
    std::string_view measurement, field, name;
  };

  const LineProtocolOptions& opt_;
  ParsedBatch& out_;
  const int64_t factor_;
  uint32_t line_ = 0;
  size_t first_ = 0;
  std::string_view measurement_;
  std::array<CachedName, 16> cache_{};  // "<measurement>_<field>" names built in this call
  size_t cache_next_ = 0;
  ParsedSample proto_;  // twin and source of the current line
};

std::string_view LineParser::TelemetryName(const char* k, const char* k_end, bool k_esc) {
  const std::string_view field(k, k_end - k);
  if (opt_.naming == TelemetryNaming::kField) return k_esc ? KeyText(k, k_end, true) : field;
  for (const CachedName& c : cache_) {
    if (c.field == field && c.measurement == measurement_ && !c.name.empty()) return c.name;
  }
  std::string s;
  s.reserve(measurement_.size() + 1 + field.size());
  AppendUnescapedName(measurement_.data(), measurement_.data() + measurement_.size(), true, s);
  s += '_';
  AppendUnescapedName(k, k_end, false, s);
  const std::string_view name = Own(std::move(s));
  cache_[cache_next_++ % cache_.size()] = {measurement_, field, name};
  return name;
}

// The common numeric forms parsed in place, without scanning the token first: "72i", "7u",
// "98.5", "1e3", "36". Returns the end of the value, or nullptr to take the general path
// (which also produces the error messages).
const char* LineParser::FastNumber(const char* v, const char* e, Value* out) {
  if (v == e || !((*v >= '0' && *v <= '9') || *v == '-')) return nullptr;
  int64_t x;
  const auto r = std::from_chars(v, e, x);
  if (r.ec != std::errc()) return nullptr;
  if (EndsValue(r.ptr, e)) {     // "36": a float; int64 -> double rounds like decimal parsing
    if (x == 0) return nullptr;  // keeps the sign of "-0"
    *out = Value::Double(static_cast<double>(x));
    return r.ptr;
  }
  const char c = *r.ptr;
  if (c == 'i' && EndsValue(r.ptr + 1, e)) {
    *out = Value::Int(x);
    return r.ptr + 1;
  }
  if (c == 'u' && EndsValue(r.ptr + 1, e) && *v != '-') {
    *out = Value::Int(x);
    return r.ptr + 1;
  }
  if (c == '.' || c == 'e' || c == 'E') {
    double d;
    const auto rd = std::from_chars(v, e, d, std::chars_format::general);
    if (rd.ec != std::errc() || !EndsValue(rd.ptr, e)) return nullptr;
    *out = Value::Double(d);
    return rd.ptr;
  }
  return nullptr;
}

bool LineParser::ParseUnquoted(const char* b, const char* e, std::string_view key, Value* v) {
  const std::string_view tok(b, e - b);
  const char c0 = *b;
  if (c0 == 't' || c0 == 'T' || c0 == 'f' || c0 == 'F') {
    bool x;
    if (!ParseBool(tok, &x)) {
      return Fail(ErrorCode::kParseError, "field '{}': invalid boolean '{}'", Snippet(key),
                  Snippet(tok));
    }
    *v = Value::Bool(x);
    return true;
  }
  const char last = e[-1];
  if (last == 'i' || last == 'u') {
    int64_t x = 0;
    std::from_chars_result r;
    if (last == 'i') {
      r = std::from_chars(b, e - 1, x);
    } else {
      uint64_t u = 0;
      r = std::from_chars(b, e - 1, u);
      if (r.ec == std::errc() && u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
        r.ec = std::errc::result_out_of_range;
      }
      x = static_cast<int64_t>(u);
    }
    if (r.ptr != e - 1 || r.ptr == b) {
      return Fail(ErrorCode::kParseError, "field '{}': invalid integer '{}'", Snippet(key),
                  Snippet(tok));
    }
    if (r.ec != std::errc()) {
      return Fail(ErrorCode::kParseError, "field '{}': integer '{}' is out of range", Snippet(key),
                  Snippet(tok));
    }
    *v = Value::Int(x);
    return true;
  }
  // Float: [-]digits[.digits][e[+-]digits], also "1." and ".5"; no inf/nan, no leading '+'.
  const char* d = b + (c0 == '-');
  double x = 0;
  const auto r = std::from_chars(b, e, x, std::chars_format::general);
  if (d == e || !((*d >= '0' && *d <= '9') || *d == '.') || r.ptr != e) {
    return Fail(ErrorCode::kParseError, "field '{}': invalid number '{}'", Snippet(key),
                Snippet(tok));
  }
  if (r.ec != std::errc()) {
    return Fail(ErrorCode::kParseError, "field '{}': number '{}' is out of range", Snippet(key),
                Snippet(tok));
  }
  *v = Value::Double(x);
  return true;
}

bool LineParser::ParseLine(const char* p, const char* e) {
  const Limits& lim = opt_.limits;
  // Measurement.
  bool m_esc = false;
  const char* m_end = ScanName(p, e, kStopMeasurement, &m_esc);
  if (m_end == p) return Fail(ErrorCode::kParseError, "missing measurement");
  measurement_ = {p, static_cast<size_t>(m_end - p)};
  p = m_end;

  // Tag set: only the twin tag is kept.
  std::string_view twin;
  bool have_twin = false;
  while (p < e && *p == ',') {
    const char* k = ++p;
    bool k_esc = false;
    const char* k_end = ScanName(k, e, kStopKey, &k_esc);
    const std::string_view key(k, k_end - k);
    if (k_end == k) return Fail(ErrorCode::kParseError, "empty tag key");
    if (k_end == e || *k_end != '=') {
      return Fail(ErrorCode::kParseError, "tag '{}' has no value", Snippet(key));
    }
    const char* v = k_end + 1;
    bool v_esc = false;
    const char* v_end = ScanName(v, e, kStopTagValue, &v_esc);
    if (v_end == v)
      return Fail(ErrorCode::kParseError, "tag '{}' has an empty value", Snippet(key));
    if (!have_twin &&
        (k_esc ? EqualsUnescapedKey(k, k_end, opt_.twin_tag) : ShortEquals(key, opt_.twin_tag))) {
      have_twin = true;
      twin = v_esc ? UnescapedName(v, v_end, false) : std::string_view(v, v_end - v);
    }
    p = v_end;
  }
  if (p == e) return Fail(ErrorCode::kParseError, "missing fields");
  if (!have_twin) return Fail(ErrorCode::kMissingField, "missing tag '{}'", opt_.twin_tag);
  if (twin.size() > lim.max_id_bytes) {
    return Fail(ErrorCode::kOversize, "twin id '{}' is longer than {} bytes", Snippet(twin),
                lim.max_id_bytes);
  }
  while (p < e && *p == ' ') ++p;
  if (p == e) return Fail(ErrorCode::kParseError, "missing fields");
  proto_.twin = twin;
  proto_.source = line_;

  // Field set: one sample per field.
  for (;;) {
    const char* k = p;
    bool k_esc = false;
    const char* k_end = ScanName(k, e, kStopKey, &k_esc);
    const std::string_view raw_key(k, k_end - k);
    if (k_end == k) return Fail(ErrorCode::kParseError, "empty field key");
    if (k_end == e || *k_end != '=') {
      return Fail(ErrorCode::kParseError, "field '{}' has no value", Snippet(raw_key));
    }
    const char* v = k_end + 1;
    const char* v_end;
    // Copy the per-line prototype (twin, line) and parse the value straight into the slot; a
    // failure drops the line's samples in Fail().
    ParsedSample& smp = out_.samples.emplace_back(proto_);
    Value& value = smp.value;
    if (v < e && *v == '"') {
      bool s_esc = false;
      const char* q = ScanString(v + 1, e, &s_esc);
      if (!q)
        return Fail(ErrorCode::kParseError, "field '{}': unterminated string", Snippet(raw_key));
      std::string_view s(v + 1, q - (v + 1));
      std::string u;
      if (s_esc) {
        u.reserve(s.size());
        for (size_t i = 0; i < s.size(); ++i) {
          if (s[i] == '\\' && i + 1 < s.size() && (s[i + 1] == '"' || s[i + 1] == '\\')) ++i;
          u += s[i];
        }
      }
      const size_t len = s_esc ? u.size() : s.size();
      if (len > lim.max_string_bytes) {
        return Fail(ErrorCode::kOversize, "field '{}': string of {} bytes exceeds the limit of {}",
                    Snippet(raw_key), len, lim.max_string_bytes);
      }
      value = Value::String(s_esc ? Own(std::move(u)) : s);
      v_end = q + 1;
      if (v_end < e && *v_end != ',' && *v_end != ' ') {
        return Fail(ErrorCode::kParseError, "field '{}': unexpected '{}' after string",
                    Snippet(raw_key), Snippet({v_end, 1}));
      }
    } else if (!(v_end = FastNumber(v, e, &value))) {
      v_end = v;
      while (v_end < e && !(ClassOf(*v_end) & kStopFieldValue)) ++v_end;
      if (v_end == v)
        return Fail(ErrorCode::kParseError, "field '{}' has no value", Snippet(raw_key));
      if (!ParseUnquoted(v, v_end, raw_key, &value)) return false;
    }
    const std::string_view name = TelemetryName(k, k_end, k_esc);
    if (name.size() > lim.max_id_bytes) {
      return Fail(ErrorCode::kOversize, "telemetry name '{}' is longer than {} bytes",
                  Snippet(name), lim.max_id_bytes);
    }
    smp.telemetry = name;
    p = v_end;
    if (p < e && *p == ',') {
      ++p;
      continue;
    }
    break;
  }

  // Optional timestamp, then only trailing blanks.
  int64_t t = opt_.default_time_ns;
  while (p < e && (*p == ' ' || *p == '\t')) ++p;
  if (p < e) {
    int64_t raw = 0;
    const auto r = ParseTimestamp(p, e, &raw);
    const char* q = r.ptr;
    if (r.ptr == p || (q < e && *q != ' ' && *q != '\t')) {
      while (q < e && *q != ' ' && *q != '\t') ++q;
      return Fail(ErrorCode::kParseError, "invalid timestamp '{}'",
                  Snippet({p, static_cast<size_t>(q - p)}));
    }
    const std::string_view tok(p, q - p);
    while (q < e && (*q == ' ' || *q == '\t')) ++q;
    if (q != e) {
      return Fail(ErrorCode::kParseError, "unexpected '{}' after the timestamp",
                  Snippet({q, static_cast<size_t>(e - q)}));
    }
    if (r.ec != std::errc() || (factor_ != 1 && internal::MulOverflows(raw, factor_, &raw))) {
      return Fail(ErrorCode::kBadTimestamp, "timestamp '{}' ({}) overflows int64 nanoseconds",
                  Snippet(tok), kPrecisionName[static_cast<int>(opt_.precision)]);
    }
    t = raw;
  }
  for (size_t i = first_; i < out_.samples.size(); ++i) out_.samples[i].t_ns = t;
  return true;
}

}  // namespace

bool ParsePrecision(std::string_view s, Precision* out) {
  static constexpr std::pair<std::string_view, Precision> kNames[] = {
      {"ns", Precision::kNanoseconds},  {"n", Precision::kNanoseconds},
      {"us", Precision::kMicroseconds}, {"u", Precision::kMicroseconds},
      {"ms", Precision::kMilliseconds}, {"s", Precision::kSeconds},
      {"m", Precision::kMinutes},       {"h", Precision::kHours}};
  for (const auto& [name, p] : kNames) {
    if (s == name) {
      *out = p;
      return true;
    }
  }
  return false;
}

void ParseLineProtocol(std::string_view body, const LineProtocolOptions& options,
                       ParsedBatch& out) {
  LineParser parser(options, out);
  try {
    // Cheap estimate (a short single-field line is ~48 bytes) instead of counting lines; lines
    // with more fields grow the vector geometrically.
    out.samples.reserve(out.samples.size() + std::min<size_t>(body.size() / 48 + 1, 1 << 20));
    parser.Parse(body);
  } catch (const std::bad_alloc&) {
    parser.AbortLine();
  }
}

}  // namespace lj::ingest
