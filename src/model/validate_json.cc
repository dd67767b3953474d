// ValidateJson: checks a JSON value against a DTDL schema (types, integer ranges, string
// formats, enum membership, object fields, array elements, map values).
#include <fmt/format.h>

#include <cfloat>
#include <cmath>
#include <cstdint>
#include <limits>

#include "common/json.h"
#include "model/internal/formats.h"
#include "model/internal/syntax.h"
#include "model/model.h"

namespace lj::model {
namespace {

using internal::Child;
using internal::JsonTypeName;
using internal::Preview;
using nlohmann::json;

Status Fail(const std::string& pointer, std::string_view reason) {
  return Status(ErrorCode::kWrongType,
                fmt::format("{}: {}", pointer.empty() ? "/" : pointer, reason));
}

// Text built in-process (an HL7 name, say) may hold any bytes; stored JSON must be UTF-8.
Status Utf8(const std::string& s, const std::string& pointer, std::string_view what) {
  const size_t bad = FirstInvalidUtf8(s);
  if (bad == std::string::npos) return Status::Ok();
  return Status(ErrorCode::kInvalidUtf8,
                fmt::format("{}: {} is not valid UTF-8 (byte {})", pointer.empty() ? "/" : pointer,
                            what, bad + 1));
}

Status Expected(const std::string& pointer, std::string_view what, const json& v) {
  return Fail(pointer, fmt::format("expected {}, got {}", what, JsonTypeName(v)));
}

struct IntRange {
  int64_t lo;
  uint64_t hi;
};

IntRange RangeOf(Primitive p) {
  switch (p) {
    case Primitive::kByte:
      return {INT8_MIN, INT8_MAX};
    case Primitive::kShort:
      return {INT16_MIN, INT16_MAX};
    case Primitive::kInteger:
      return {INT32_MIN, INT32_MAX};
    case Primitive::kUnsignedByte:
      return {0, UINT8_MAX};
    case Primitive::kUnsignedShort:
      return {0, UINT16_MAX};
    case Primitive::kUnsignedInteger:
      return {0, UINT32_MAX};
    case Primitive::kUnsignedLong:
      return {0, UINT64_MAX};
    default:
      return {INT64_MIN, INT64_MAX};  // kLong
  }
}

Status CheckInteger(Primitive p, const json& v, const std::string& pointer) {
  std::string_view name = PrimitiveName(p);
  if (!v.is_number_integer()) return Expected(pointer, name, v);
  IntRange r = RangeOf(p);
  bool ok = v.is_number_unsigned()
                ? v.get<uint64_t>() <= r.hi
                : v.get<int64_t>() >= r.lo &&
                      (v.get<int64_t>() < 0 || static_cast<uint64_t>(v.get<int64_t>()) <= r.hi);
  if (!ok) {
    return Fail(pointer,
                fmt::format("{} is out of range for {} ({}..{})", v.dump(), name, r.lo, r.hi));
  }
  return Status::Ok();
}

Status CheckString(const json& v, const std::string& pointer, std::string_view what,
                   bool (*valid)(std::string_view), std::string_view example) {
  if (!v.is_string()) return Expected(pointer, what, v);
  if (!valid(v.get_ref<const std::string&>())) {
    return Fail(pointer, fmt::format("{} is not a valid {} (e.g. {})", Preview(v), what, example));
  }
  return Status::Ok();
}

bool IsDecimalText(std::string_view s) {
  size_t i = (!s.empty() && (s[0] == '-' || s[0] == '+')) ? 1 : 0;
  size_t digits = 0;
  for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i) ++digits;
  if (i < s.size() && s[i] == '.') {
    for (++i; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i) ++digits;
  }
  return digits > 0 && i == s.size();
}

Status CheckPrimitive(Primitive p, const json& v, const std::string& pointer) {
  if (IsIntegral(p)) return CheckInteger(p, v, pointer);
  switch (p) {
    case Primitive::kBoolean:
      return v.is_boolean() ? Status::Ok() : Expected(pointer, "boolean", v);
    case Primitive::kString:
      if (!v.is_string()) return Expected(pointer, "string", v);
      return Utf8(v.get_ref<const std::string&>(), pointer, "string");
    case Primitive::kDouble:
    case Primitive::kFloat: {
      std::string_view name = PrimitiveName(p);
      if (!v.is_number()) return Expected(pointer, name, v);
      double d = v.get<double>();
      if (!std::isfinite(d) || (p == Primitive::kFloat && std::fabs(d) > FLT_MAX)) {
        return Fail(pointer, fmt::format("{} is out of range for {}", v.dump(), name));
      }
      return Status::Ok();
    }
    case Primitive::kDecimal:
      if (v.is_number()) return Status::Ok();
      return CheckString(v, pointer, "decimal", IsDecimalText, "\"12.50\"");
    case Primitive::kDate:
      return CheckString(v, pointer, "date", internal::IsDate, "\"2024-02-29\"");
    case Primitive::kTime:
      return CheckString(v, pointer, "time", internal::IsTime, "\"13:45:00Z\"");
    case Primitive::kDateTime:
      return CheckString(v, pointer, "dateTime", internal::IsDateTime, "\"2024-02-29T13:45:00Z\"");
    case Primitive::kDuration:
      return CheckString(v, pointer, "duration", internal::IsDuration, "\"PT1H30M\"");
    case Primitive::kUuid:
      return CheckString(v, pointer, "uuid", internal::IsUuid,
                         "\"123e4567-e89b-12d3-a456-426614174000\"");
    case Primitive::kBytes:
      return CheckString(v, pointer, "bytes", internal::IsBase64, "base64");
    case Primitive::kPoint:
    case Primitive::kLineString:
    case Primitive::kPolygon:
    case Primitive::kMultiPoint:
    case Primitive::kMultiLineString:
    case Primitive::kMultiPolygon: {
      std::string where = pointer;
      std::string why = internal::GeoProblem(p, v, &where);
      return why.empty() ? Status::Ok() : Fail(where, why);
    }
    default:
      return Fail(pointer, "schema has no primitive type");
  }
}

Status CheckEnum(const Schema& s, const json& v, const std::string& pointer) {
  if (s.enum_value_schema == Primitive::kString) {
    if (!v.is_string()) return Expected(pointer, "string (enum)", v);
  } else {
    LJ_RETURN_IF_ERROR(CheckInteger(Primitive::kInteger, v, pointer));
  }
  if (s.enum_values.empty()) return Status::Ok();
  std::string allowed;
  for (const EnumValue& e : s.enum_values) {
    if (e.value == v) return Status::Ok();
    if (allowed.size() < 200) allowed += (allowed.empty() ? "" : ", ") + Preview(e.value);
  }
  return Fail(pointer, fmt::format("{} is not one of the enum values ({})", Preview(v), allowed));
}

Status Check(const Schema& s, const json& v, const std::string& pointer) {
  switch (s.kind) {
    case SchemaKind::kPrimitive:
      return CheckPrimitive(s.primitive, v, pointer);
    case SchemaKind::kEnum:
      return CheckEnum(s, v, pointer);
    case SchemaKind::kArray:
      if (!v.is_array()) return Expected(pointer, "array", v);
      if (!s.element) return Fail(pointer, "array schema has no element schema");
      for (size_t i = 0; i < v.size(); ++i) {
        LJ_RETURN_IF_ERROR(Check(*s.element, v[i], Child(pointer, i)));
      }
      return Status::Ok();
    case SchemaKind::kMap:
      if (!v.is_object()) return Expected(pointer, "object (map)", v);
      if (!s.map_value) return Fail(pointer, "map schema has no value schema");
      for (const auto& [key, value] : v.items()) {
        LJ_RETURN_IF_ERROR(Utf8(key, pointer, "a map key"));
        LJ_RETURN_IF_ERROR(Check(*s.map_value, value, Child(pointer, key)));
      }
      return Status::Ok();
    case SchemaKind::kObject:
      if (!v.is_object()) return Expected(pointer, "object", v);
      for (const auto& [key, value] : v.items()) {
        const Field* field = nullptr;
        for (const Field& f : s.fields) {
          if (f.name == key) field = &f;
        }
        std::string p = Child(pointer, key);
        if (field == nullptr) return Fail(p, fmt::format("unknown field {}", Preview(json(key))));
        if (!field->schema) return Fail(p, "field has no schema");
        LJ_RETURN_IF_ERROR(Check(*field->schema, value, p));
      }
      return Status::Ok();
  }
  return Fail(pointer, "unknown schema kind");
}

}  // namespace

Status ValidateJson(const Schema& schema, const nlohmann::json& value, std::string_view where) {
  try {
    return Check(schema, value, std::string(where));
  } catch (const std::exception& e) {
    return Status(ErrorCode::kInternal, fmt::format("{}: validation failed: {}", where, e.what()));
  }
}

}  // namespace lj::model
