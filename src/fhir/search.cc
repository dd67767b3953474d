// Search parameter parsing (date prefixes and precision ranges, tokens, _count, cursors) and
// searchset Bundles.
#include <fmt/format.h>

#include <cctype>
#include <charconv>

#include "common/time.h"
#include "fhir/internal.h"

namespace lj::fhir {
namespace {

bool Digits(std::string_view s, size_t pos, size_t n, int* out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return true;
}

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
int64_t DaysFromCivil(int64_t y, int m, int d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

int DaysInMonth(int y, int m) {
  static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : kDays[m - 1];
}

constexpr int64_t kSec = 1'000'000'000;

}  // namespace

std::optional<TimeRange> ParseDateRange(std::string_view s) {
  int y = 0, mo = 1, d = 1, h = 0, mi = 0, se = 0;
  if (s.size() > 40 || !Digits(s, 0, 4, &y) || y < 1700 || y > 2200) return std::nullopt;
  size_t p = 4;
  enum { kYear, kMonth, kDay, kMinute, kSecond, kFraction } prec = kYear;
  if (p < s.size() && s[p] == '-') {
    if (!Digits(s, p + 1, 2, &mo) || mo < 1 || mo > 12) return std::nullopt;
    p += 3, prec = kMonth;
    if (p < s.size() && s[p] == '-') {
      if (!Digits(s, p + 1, 2, &d) || d < 1 || d > DaysInMonth(y, mo)) return std::nullopt;
      p += 3, prec = kDay;
    }
  }
  int64_t frac_ns = 0, frac_unit = 0;
  if (prec == kDay && p < s.size() && s[p] == 'T') {
    if (!Digits(s, p + 1, 2, &h) || h > 23 || p + 3 >= s.size() || s[p + 3] != ':' ||
        !Digits(s, p + 4, 2, &mi) || mi > 59)
      return std::nullopt;
    p += 6, prec = kMinute;
    if (p < s.size() && s[p] == ':') {
      if (!Digits(s, p + 1, 2, &se) || se > 59) return std::nullopt;
      p += 3, prec = kSecond;
      if (p < s.size() && s[p] == '.') {
        size_t n = 0;
        frac_unit = kSec;
        for (++p; p < s.size() && std::isdigit(static_cast<unsigned char>(s[p])); ++p, ++n) {
          if (n >= 9) return std::nullopt;
          frac_unit /= 10;
          frac_ns += (s[p] - '0') * frac_unit;
        }
        if (n == 0) return std::nullopt;
        prec = kFraction;
      }
    }
    // Time zone: Z, +hh:mm, -hh:mm; absent means UTC (documented).
    int64_t offset_s = 0;
    if (p < s.size() && s[p] == 'Z') {
      ++p;
    } else if (p < s.size() && (s[p] == '+' || s[p] == '-')) {
      int oh = 0, om = 0;
      if (!Digits(s, p + 1, 2, &oh) || oh > 14 || p + 3 >= s.size() || s[p + 3] != ':' ||
          !Digits(s, p + 4, 2, &om) || om > 59)
        return std::nullopt;
      offset_s = (oh * 3600 + om * 60) * (s[p] == '-' ? -1 : 1);
      p += 6;
    }
    if (p != s.size()) return std::nullopt;
    int64_t t =
        (DaysFromCivil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se - offset_s) * kSec + frac_ns;
    int64_t width = prec == kMinute ? 60 * kSec : prec == kSecond ? kSec : frac_unit;
    return TimeRange{t, t + width};
  }
  if (p != s.size()) return std::nullopt;
  int64_t start = DaysFromCivil(y, mo, d) * 86400 * kSec;
  int64_t end;
  if (prec == kYear) {
    end = DaysFromCivil(y + 1, 1, 1) * 86400 * kSec;
  } else if (prec == kMonth) {
    end = (mo == 12 ? DaysFromCivil(y + 1, 1, 1) : DaysFromCivil(y, mo + 1, 1)) * 86400 * kSec;
  } else {
    end = start + 86400 * kSec;
  }
  return TimeRange{start, end};
}

Status ApplyDate(std::string_view value, TimeRange* r) {
  std::string_view prefix = "eq";
  if (value.size() >= 2 && std::isalpha(static_cast<unsigned char>(value[0]))) {
    prefix = value.substr(0, 2);
    value.remove_prefix(2);
  }
  std::optional<TimeRange> v = ParseDateRange(value);
  if (!v)
    return Invalid("", fmt::format("date: '{}' is not a FHIR date/dateTime (YYYY[-MM[-DD["
                                   "Thh:mm[:ss[.fff]][Z|+hh:mm]]]])",
                                   value));
  if (prefix == "eq") {
    r->from = std::max(r->from, v->from), r->to = std::min(r->to, v->to);
  } else if (prefix == "ge") {
    r->from = std::max(r->from, v->from);
  } else if (prefix == "gt") {
    r->from = std::max(r->from, v->to);
  } else if (prefix == "le") {
    r->to = std::min(r->to, v->to);
  } else if (prefix == "lt") {
    r->to = std::min(r->to, v->from);
  } else {
    return Unsupported(
        "", fmt::format("date: prefix '{}' is not supported (eq, gt, ge, lt, le)", prefix));
  }
  return Status::Ok();
}

bool Token::Matches(std::string_view sys, std::string_view c) const {
  if (system && *system != sys) return false;
  return code.empty() || code == c;
}

std::vector<Token> ParseTokens(std::string_view value) {
  std::vector<Token> out;
  size_t pos = 0;
  while (pos <= value.size() && out.size() < 64) {
    size_t comma = value.find(',', pos);
    if (comma == std::string_view::npos) comma = value.size();
    std::string_view t = value.substr(pos, comma - pos);
    Token tok;
    if (size_t bar = t.find('|'); bar != std::string_view::npos) {
      tok.system = std::string(t.substr(0, bar));
      tok.code = std::string(t.substr(bar + 1));
    } else {
      tok.code = std::string(t);
    }
    if (tok.system || !tok.code.empty()) out.push_back(std::move(tok));
    pos = comma + 1;
  }
  return out;
}

Result<size_t> ParseCount(std::string_view value, size_t max) {
  size_t n = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
  if (ec != std::errc() || end != value.data() + value.size() || value.empty())
    return Invalid("", fmt::format("_count: '{}' is not a non-negative integer", value));
  return std::min(n, max);
}

std::string Base64Url(std::string_view in) {
  static const char* kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (unsigned char c : in) {
    acc = (acc << 8) | c, bits += 8;
    while (bits >= 6) out += kAlphabet[(acc >> (bits -= 6)) & 63];
  }
  if (bits > 0) out += kAlphabet[(acc << (6 - bits)) & 63];
  return out;
}

std::optional<std::string> UnBase64Url(std::string_view in) {
  if (in.size() > 1024) return std::nullopt;
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    int v = c >= 'A' && c <= 'Z'   ? c - 'A'
            : c >= 'a' && c <= 'z' ? c - 'a' + 26
            : c >= '0' && c <= '9' ? c - '0' + 52
            : c == '-'             ? 62
            : c == '_'             ? 63
                                   : -1;
    if (v < 0) return std::nullopt;
    acc = (acc << 6) | static_cast<uint32_t>(v), bits += 6;
    if (bits >= 8) out += static_cast<char>((acc >> (bits -= 8)) & 0xff);
  }
  return out;
}

std::string RefId(std::string_view ref, std::string_view type) {
  std::string prefix = std::string(type) + "/";
  size_t at = ref.rfind(prefix);
  if (at != std::string_view::npos && (at == 0 || ref[at - 1] == '/'))
    ref.remove_prefix(at + prefix.size());
  if (size_t h = ref.find("/_history/"); h != std::string_view::npos) ref = ref.substr(0, h);
  return std::string(ref);
}

std::string QueryString(const Params& params) {
  std::string out;
  auto enc = [&out](std::string_view s) {
    for (unsigned char c : s) {
      if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || c == ':' || c == '$') {
        out += static_cast<char>(c);
      } else {
        out += fmt::format("%{:02X}", c);
      }
    }
  };
  for (const auto& [k, v] : params) {
    if (!out.empty()) out += '&';
    enc(k);
    out += '=';
    enc(v);
  }
  return out;
}

Json Searchset(const std::string& base, std::string_view type, const Params& self_params,
               std::vector<Json> resources, size_t total, const Params* next_params) {
  auto url = [&](const Params& p) {
    std::string q = QueryString(p);
    return fmt::format("{}/{}{}{}", base, type, q.empty() ? "" : "?", q);
  };
  Json links = Json::array({{{"relation", "self"}, {"url", url(self_params)}}});
  if (next_params) links.push_back({{"relation", "next"}, {"url", url(*next_params)}});
  Json entries = Json::array();
  for (Json& r : resources) {
    std::string full =
        fmt::format("{}/{}/{}", base, r.value("resourceType", ""), r.value("id", ""));
    entries.push_back(
        {{"fullUrl", full}, {"resource", std::move(r)}, {"search", {{"mode", "match"}}}});
  }
  return {{"resourceType", "Bundle"},
          {"type", "searchset"},
          {"total", total},
          {"link", links},
          {"entry", entries}};
}

FhirResult PagedSearchset(const FhirOptions& opt, const std::string& base, std::string_view type,
                          const Params& params, std::vector<Json> all) {
  size_t count = opt.default_count, offset = 0;
  Params self;
  for (const auto& [k, v] : params) {
    if (k == "_count") {
      Result<size_t> c = ParseCount(v, opt.max_count);
      if (!c.ok()) return Fail(c.status());
      count = *c;
    } else if (k == "_cursor") {
      Result<size_t> o = ParseCount(UnBase64Url(v).value_or("x"), SIZE_MAX);
      if (!o.ok()) return Fail(Invalid("", "_cursor: not a cursor this server issued"));
      offset = *o;
      continue;
    }
    self.emplace_back(k, v);
  }
  const size_t total = all.size();
  offset = std::min(offset, total);
  size_t end = std::min(total, offset + count);
  std::vector<Json> page(std::make_move_iterator(all.begin() + static_cast<ptrdiff_t>(offset)),
                         std::make_move_iterator(all.begin() + static_cast<ptrdiff_t>(end)));
  Params next = self;
  next.emplace_back("_cursor", Base64Url(std::to_string(end)));
  Params this_page = self;
  if (offset > 0) this_page.emplace_back("_cursor", Base64Url(std::to_string(offset)));
  return Ok(Searchset(base, type, this_page, std::move(page), total,
                      end < total && count > 0 ? &next : nullptr));
}

std::string Iso(int64_t ns) { return FormatRfc3339(ns); }

}  // namespace lj::fhir
