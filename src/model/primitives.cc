// Primitive schema names and classes, and the shared primitive Schema instances.
#include <array>

#include "model/internal/schema_parser.h"

namespace lj::model {
namespace {

struct PrimitiveEntry {
  std::string_view name;
  Primitive primitive;
};

constexpr PrimitiveEntry kPrimitives[] = {
    {"boolean", Primitive::kBoolean},
    {"byte", Primitive::kByte},
    {"bytes", Primitive::kBytes},
    {"date", Primitive::kDate},
    {"dateTime", Primitive::kDateTime},
    {"decimal", Primitive::kDecimal},
    {"double", Primitive::kDouble},
    {"duration", Primitive::kDuration},
    {"float", Primitive::kFloat},
    {"integer", Primitive::kInteger},
    {"long", Primitive::kLong},
    {"short", Primitive::kShort},
    {"string", Primitive::kString},
    {"time", Primitive::kTime},
    {"unsignedByte", Primitive::kUnsignedByte},
    {"unsignedInteger", Primitive::kUnsignedInteger},
    {"unsignedLong", Primitive::kUnsignedLong},
    {"unsignedShort", Primitive::kUnsignedShort},
    {"uuid", Primitive::kUuid},
    {"point", Primitive::kPoint},
    {"lineString", Primitive::kLineString},
    {"polygon", Primitive::kPolygon},
    {"multiPoint", Primitive::kMultiPoint},
    {"multiLineString", Primitive::kMultiLineString},
    {"multiPolygon", Primitive::kMultiPolygon},
};

constexpr std::string_view kGeospatialPrefix = "dtmi:standard:schema:geospatial:";

}  // namespace

std::string_view PrimitiveName(Primitive p) {
  for (const PrimitiveEntry& e : kPrimitives) {
    if (e.primitive == p) return e.name;
  }
  return "none";
}

bool IsIntegral(Primitive p) {
  switch (p) {
    case Primitive::kByte:
    case Primitive::kShort:
    case Primitive::kInteger:
    case Primitive::kLong:
    case Primitive::kUnsignedByte:
    case Primitive::kUnsignedShort:
    case Primitive::kUnsignedInteger:
    case Primitive::kUnsignedLong:
      return true;
    default:
      return false;
  }
}

bool IsNumeric(Primitive p) {
  return IsIntegral(p) || p == Primitive::kFloat || p == Primitive::kDouble ||
         p == Primitive::kDecimal;
}

namespace internal {

Primitive PrimitiveFromName(std::string_view name) {
  // Geospatial schemas may also be named by their standard DTMI, e.g.
  // "dtmi:standard:schema:geospatial:point;3".
  if (name.substr(0, kGeospatialPrefix.size()) == kGeospatialPrefix &&
      name.size() > kGeospatialPrefix.size() + 2 && name.substr(name.size() - 2) == ";3") {
    Primitive p = PrimitiveFromName(
        name.substr(kGeospatialPrefix.size(), name.size() - kGeospatialPrefix.size() - 2));
    return p >= Primitive::kPoint ? p : Primitive::kNone;
  }
  for (const PrimitiveEntry& e : kPrimitives) {
    if (e.name == name) return e.primitive;
  }
  return Primitive::kNone;
}

SchemaPtr PrimitiveSchema(Primitive p) {
  // Never destroyed: schemas may be referenced from other static objects until exit.
  static const auto* schemas = [] {
    auto* all = new std::array<SchemaPtr, static_cast<size_t>(Primitive::kMultiPolygon) + 1>();
    for (size_t i = 0; i < all->size(); ++i) {
      auto s = std::make_shared<Schema>();
      s->kind = SchemaKind::kPrimitive;
      s->primitive = static_cast<Primitive>(i);
      (*all)[i] = std::move(s);
    }
    return all;
  }();
  return (*schemas)[static_cast<size_t>(p)];
}

}  // namespace internal
}  // namespace lj::model
