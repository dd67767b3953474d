// String-format and GeoJSON checks for ValidateJson (see internal/formats.h).
#include "model/internal/formats.h"

#include <fmt/format.h>

#include "model/internal/syntax.h"

namespace lj::model::internal {
namespace {

bool Digits(std::string_view s, size_t pos, size_t n) {
  if (pos + n > s.size()) return false;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
  }
  return true;
}

int Number(std::string_view s, size_t pos, size_t n) {
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) v = v * 10 + (s[i] - '0');
  return v;
}

bool IsHex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// "hh:mm:ss[.frac]" at the start of `s`; returns the length consumed or 0.
size_t PartialTime(std::string_view s) {
  if (!Digits(s, 0, 2) || s.size() < 8 || s[2] != ':' || !Digits(s, 3, 2) || s[5] != ':' ||
      !Digits(s, 6, 2)) {
    return 0;
  }
  if (Number(s, 0, 2) > 23 || Number(s, 3, 2) > 59 || Number(s, 6, 2) > 60) return 0;
  size_t n = 8;
  if (n < s.size() && s[n] == '.') {
    size_t start = ++n;
    while (n < s.size() && s[n] >= '0' && s[n] <= '9') ++n;
    if (n == start) return 0;
  }
  return n;
}

// "Z" or "+hh:mm" / "-hh:mm".
bool IsOffset(std::string_view s) {
  if (s == "Z" || s == "z") return true;
  return s.size() == 6 && (s[0] == '+' || s[0] == '-') && Digits(s, 1, 2) && s[3] == ':' &&
         Digits(s, 4, 2) && Number(s, 1, 2) <= 23 && Number(s, 4, 2) <= 59;
}

bool TimeWithOptionalOffset(std::string_view s) {
  size_t n = PartialTime(s);
  return n > 0 && (n == s.size() || IsOffset(s.substr(n)));
}

bool IsPosition(const nlohmann::json& v) {
  if (!v.is_array() || v.size() < 2 || v.size() > 3) return false;
  for (const auto& c : v) {
    if (!c.is_number()) return false;
  }
  return true;
}

// Nested arrays of positions: depth 0 = one position, 1 = array of positions, ...
// `min_items` applies to the innermost array of positions (2 for lines, 4 for rings).
std::string NestedProblem(const nlohmann::json& v, int depth, size_t min_items,
                          std::string* pointer) {
  if (depth == 0) return IsPosition(v) ? "" : "expected a position [x, y] or [x, y, z]";
  if (!v.is_array()) return fmt::format("expected an array, got {}", JsonTypeName(v));
  if (depth == 1 && v.size() < min_items) {
    return fmt::format("expected at least {} positions", min_items);
  }
  for (size_t i = 0; i < v.size(); ++i) {
    std::string p = Child(*pointer, i);
    std::string why = NestedProblem(v[i], depth - 1, min_items, &p);
    if (!why.empty()) {
      *pointer = p;
      return why;
    }
  }
  return "";
}

}  // namespace

bool IsDate(std::string_view s) {
  if (s.size() != 10 || !Digits(s, 0, 4) || s[4] != '-' || !Digits(s, 5, 2) || s[7] != '-' ||
      !Digits(s, 8, 2)) {
    return false;
  }
  int year = Number(s, 0, 4), month = Number(s, 5, 2), day = Number(s, 8, 2);
  if (month < 1 || month > 12 || day < 1) return false;
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return day <= kDays[month - 1] + (month == 2 && leap ? 1 : 0);
}

bool IsTime(std::string_view s) { return TimeWithOptionalOffset(s); }

bool IsDateTime(std::string_view s) {
  return s.size() > 11 && IsDate(s.substr(0, 10)) && (s[10] == 'T' || s[10] == 't') &&
         TimeWithOptionalOffset(s.substr(11));
}

bool IsDuration(std::string_view s) {
  // P[nY][nM][nW][nD][T[nH][nM][n[.f]S]] with at least one component, and one after 'T'.
  if (s.size() < 2 || s[0] != 'P') return false;
  const std::string_view date_units = "YMWD", time_units = "HMS";
  bool in_time = false, any = false, any_time = false, fraction_seen = false;
  size_t unit_pos = 0;  // units must appear in order
  size_t i = 1;
  while (i < s.size()) {
    if (s[i] == 'T') {
      if (in_time) return false;
      in_time = true;
      unit_pos = 0;
      ++i;
      continue;
    }
    size_t start = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
    if (i == start) return false;
    bool fraction = false;
    if (i < s.size() && (s[i] == '.' || s[i] == ',')) {
      size_t f = ++i;
      while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
      if (i == f) return false;
      fraction = true;
    }
    if (i >= s.size() || fraction_seen) return false;  // a fraction only on the last component
    std::string_view units = in_time ? time_units : date_units;
    size_t u = units.find(s[i], unit_pos);
    if (u == std::string_view::npos) return false;
    unit_pos = u + 1;
    fraction_seen = fraction;
    any = true;
    any_time = any_time || in_time;
    ++i;
  }
  return any && (!in_time || any_time);
}

bool IsUuid(std::string_view s) {
  if (s.size() != 36) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? s[i] != '-' : !IsHex(s[i])) return false;
  }
  return true;
}

bool IsBase64(std::string_view s) {
  if (s.size() % 4 != 0) return false;
  size_t pad = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '=') {
      ++pad;
      if (i + 2 < s.size() && pad == 1) return false;  // '=' only in the last two places
      continue;
    }
    if (pad > 0) return false;
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '+' || c == '/';
    if (!ok) return false;
  }
  return pad <= 2;
}

std::string GeoProblem(Primitive p, const nlohmann::json& v, std::string* pointer) {
  struct Geo {
    Primitive primitive;
    std::string_view type;
    int depth;
    size_t min_items;
  };
  static constexpr Geo kGeo[] = {
      {Primitive::kPoint, "Point", 0, 0},
      {Primitive::kLineString, "LineString", 1, 2},
      {Primitive::kPolygon, "Polygon", 2, 4},
      {Primitive::kMultiPoint, "MultiPoint", 1, 1},
      {Primitive::kMultiLineString, "MultiLineString", 2, 2},
      {Primitive::kMultiPolygon, "MultiPolygon", 3, 4},
  };
  const Geo* geo = nullptr;
  for (const Geo& g : kGeo) {
    if (g.primitive == p) geo = &g;
  }
  if (geo == nullptr) return "not a geospatial schema";
  if (!v.is_object()) {
    return fmt::format("expected a GeoJSON {} object, got {}", geo->type, JsonTypeName(v));
  }
  auto type = v.find("type");
  if (type == v.end() || *type != geo->type) {
    *pointer = Child(*pointer, "type");
    return fmt::format("expected \"type\": \"{}\"", geo->type);
  }
  auto coords = v.find("coordinates");
  if (coords == v.end()) return "missing \"coordinates\"";
  *pointer = Child(*pointer, "coordinates");
  return NestedProblem(*coords, geo->depth, geo->min_items, pointer);
}

}  // namespace lj::model::internal
