// ValidateJson: types, ranges, formats, enums, objects, arrays and maps, with the offending
// JSON pointer in the message.
#include <gtest/gtest.h>

#include "model/internal/schema_parser.h"
#include "model/model.h"

namespace lj::model {
namespace {

using nlohmann::json;

SchemaPtr P(Primitive p) { return internal::PrimitiveSchema(p); }

std::string Error(const Schema& s, const json& v, std::string_view where = "/x") {
  Status st = ValidateJson(s, v, where);
  if (st.ok()) return "ok";
  EXPECT_EQ(st.code(), ErrorCode::kWrongType);
  return st.message();
}

TEST(ValidateJson, IntegerRangesPerPrimitive) {
  EXPECT_EQ(Error(*P(Primitive::kShort), 32767), "ok");
  EXPECT_EQ(Error(*P(Primitive::kShort), -32768), "ok");
  EXPECT_EQ(Error(*P(Primitive::kShort), 40000),
            "/x: 40000 is out of range for short (-32768..32767)");
  EXPECT_EQ(Error(*P(Primitive::kShort), -40000),
            "/x: -40000 is out of range for short (-32768..32767)");
  EXPECT_EQ(Error(*P(Primitive::kByte), 128), "/x: 128 is out of range for byte (-128..127)");
  EXPECT_EQ(Error(*P(Primitive::kUnsignedByte), -1),
            "/x: -1 is out of range for unsignedByte (0..255)");
  EXPECT_EQ(Error(*P(Primitive::kInteger), 2147483648LL),
            "/x: 2147483648 is out of range for integer (-2147483648..2147483647)");
  EXPECT_EQ(Error(*P(Primitive::kLong), INT64_MIN), "ok");
  EXPECT_EQ(Error(*P(Primitive::kLong), json::parse("9223372036854775808")),
            "/x: 9223372036854775808 is out of range for long "
            "(-9223372036854775808..9223372036854775807)");
  EXPECT_EQ(Error(*P(Primitive::kUnsignedLong), json::parse("18446744073709551615")), "ok");
  EXPECT_EQ(Error(*P(Primitive::kInteger), 1.5), "/x: expected integer, got number");
  EXPECT_EQ(Error(*P(Primitive::kInteger), "1"), "/x: expected integer, got string");
}

TEST(ValidateJson, FloatingPointAndOthers) {
  EXPECT_EQ(Error(*P(Primitive::kDouble), 1), "ok");
  EXPECT_EQ(Error(*P(Primitive::kDouble), "1.0"), "/x: expected double, got string");
  EXPECT_EQ(Error(*P(Primitive::kFloat), 1e39), "/x: 1e+39 is out of range for float");
  EXPECT_EQ(Error(*P(Primitive::kBoolean), 0), "/x: expected boolean, got integer");
  EXPECT_EQ(Error(*P(Primitive::kDecimal), "12.50"), "ok");
  EXPECT_EQ(Error(*P(Primitive::kString), nullptr), "/x: expected string, got null");
  EXPECT_EQ(Error(*P(Primitive::kUuid), "123e4567-e89b-12d3-a456-426614174000"), "ok");
  EXPECT_EQ(Error(*P(Primitive::kUuid), "123e4567e89b12d3a456426614174000"),
            "/x: '123e4567e89b12d3a456426614174000' is not a valid uuid "
            "(e.g. \"123e4567-e89b-12d3-a456-426614174000\")");
  EXPECT_EQ(Error(*P(Primitive::kBytes), "aGVsbG8="), "ok");
  EXPECT_NE(Error(*P(Primitive::kBytes), "aGVsbG8"), "ok");
}

TEST(ValidateJson, DateAndTimeFormats) {
  const Schema& date = *P(Primitive::kDate);
  EXPECT_EQ(Error(date, "2024-02-29"), "ok");
  EXPECT_EQ(Error(date, "2023-02-29"),
            "/x: '2023-02-29' is not a valid date (e.g. \"2024-02-29\")");
  for (const char* bad : {"2024-13-01", "2024-1-01", "2024-04-31", "24-01-01", "2024-01-01T00"}) {
    EXPECT_NE(Error(date, bad), "ok") << bad;
  }
  const Schema& date_time = *P(Primitive::kDateTime);
  for (const char* good : {"2024-02-29T13:45:00Z", "2024-02-29T13:45:00.123+01:00",
                           "2024-02-29t13:45:00", "2024-12-31T23:59:60Z"}) {
    EXPECT_EQ(Error(date_time, good), "ok") << good;
  }
  for (const char* bad : {"2024-02-29 13:45:00Z", "2024-02-29T25:00:00Z", "2024-02-29T13:45Z",
                          "2024-02-29T13:45:00+1:00"}) {
    EXPECT_NE(Error(date_time, bad), "ok") << bad;
  }
  EXPECT_EQ(Error(*P(Primitive::kTime), "07:30:00"), "ok");
  EXPECT_NE(Error(*P(Primitive::kTime), "7:30"), "ok");
  const Schema& duration = *P(Primitive::kDuration);
  for (const char* good : {"PT1H30M", "P1Y2M3DT4H5M6.5S", "P2W", "PT0.5S", "P1D"}) {
    EXPECT_EQ(Error(duration, good), "ok") << good;
  }
  for (const char* bad : {"P", "PT", "P1DT", "1H", "PT1.5H30M", "P1M1Y", "PT1D"}) {
    EXPECT_NE(Error(duration, bad), "ok") << bad;
  }
}

TEST(ValidateJson, EnumMembership) {
  Schema sex;
  sex.kind = SchemaKind::kEnum;
  sex.enum_value_schema = Primitive::kString;
  for (const char* v : {"male", "female", "other", "unknown"}) sex.enum_values.push_back({v, v});
  EXPECT_EQ(Error(sex, "female", "/sex"), "ok");
  EXPECT_EQ(Error(sex, "robot", "/sex"),
            "/sex: 'robot' is not one of the enum values ('male', 'female', 'other', 'unknown')");
  EXPECT_EQ(Error(sex, 1, "/sex"), "/sex: expected string (enum), got integer");

  Schema scale;
  scale.kind = SchemaKind::kEnum;
  scale.enum_value_schema = Primitive::kInteger;
  scale.enum_values = {{"scale1", 1}, {"scale2", 2}};
  EXPECT_EQ(Error(scale, 2, "/spo2Scale"), "ok");
  EXPECT_EQ(Error(scale, 3, "/spo2Scale"), "/spo2Scale: 3 is not one of the enum values (1, 2)");
}

TEST(ValidateJson, ObjectsArraysAndMaps) {
  Schema position;
  position.kind = SchemaKind::kObject;
  for (const char* f : {"x", "y", "z"}) position.fields.push_back({f, P(Primitive::kDouble)});
  EXPECT_EQ(Error(position, {{"x", 1}, {"y", 2.5}}, "/position"), "ok");  // fields optional
  EXPECT_EQ(Error(position, {{"x", 1}, {"w", 2}}, "/position"), "/position/w: unknown field 'w'");
  EXPECT_EQ(Error(position, {{"x", "1"}}, "/position"), "/position/x: expected double, got string");
  EXPECT_EQ(Error(position, json::array(), "/position"), "/position: expected object, got array");

  Schema list;
  list.kind = SchemaKind::kArray;
  list.element = P(Primitive::kString);
  EXPECT_EQ(Error(list, {"penicillin", "latex"}, "/allergies"), "ok");
  EXPECT_EQ(Error(list, {"penicillin", 5}, "/allergies"),
            "/allergies/1: expected string, got integer");

  auto nested = std::make_shared<Schema>(position);
  Schema by_name;
  by_name.kind = SchemaKind::kMap;
  by_name.map_value = nested;
  EXPECT_EQ(Error(by_name, {{"a/b", {{"x", true}}}}, "/m"),
            "/m/a~1b/x: expected double, got boolean");
  EXPECT_EQ(Error(by_name, json::object(), ""), "ok");
  EXPECT_EQ(Error(by_name, 1, ""), "/: expected object (map), got integer");
}

TEST(ValidateJson, Geospatial) {
  const Schema& point = *P(Primitive::kPoint);
  EXPECT_EQ(Error(point, json::parse(R"({"type": "Point", "coordinates": [47.6, -122.1]})")), "ok");
  EXPECT_EQ(Error(point, json::parse(R"({"type": "Point", "coordinates": [47.6]})")),
            "/x/coordinates: expected a position [x, y] or [x, y, z]");
  const Schema& line = *P(Primitive::kLineString);
  EXPECT_EQ(Error(line, json::parse(R"({"type": "LineString", "coordinates": [[0, 0]]})")),
            "/x/coordinates: expected at least 2 positions");
  EXPECT_EQ(
      Error(*P(Primitive::kPolygon),
            json::parse(R"({"type": "Polygon", "coordinates": [[[0,0],[1,0],[1,1],[0,0]]]})")),
      "ok");
  EXPECT_EQ(Error(point, json::parse(R"({"type": "Polygon", "coordinates": []})")),
            "/x/type: expected \"type\": \"Point\"");
}

TEST(Primitives, NamesAndClasses) {
  EXPECT_EQ(PrimitiveName(Primitive::kDateTime), "dateTime");
  EXPECT_EQ(internal::PrimitiveFromName("unsignedShort"), Primitive::kUnsignedShort);
  EXPECT_EQ(internal::PrimitiveFromName("dtmi:standard:schema:geospatial:point;3"),
            Primitive::kPoint);
  EXPECT_EQ(internal::PrimitiveFromName("Double"), Primitive::kNone);
  EXPECT_TRUE(IsNumeric(Primitive::kDecimal));
  EXPECT_TRUE(IsNumeric(Primitive::kFloat));
  EXPECT_FALSE(IsIntegral(Primitive::kFloat));
  EXPECT_TRUE(IsIntegral(Primitive::kUnsignedLong));
  EXPECT_FALSE(IsNumeric(Primitive::kString));
  for (int i = 1; i <= static_cast<int>(Primitive::kMultiPolygon); ++i) {
    auto p = static_cast<Primitive>(i);
    EXPECT_EQ(internal::PrimitiveFromName(PrimitiveName(p)), p) << PrimitiveName(p);
  }
}

}  // namespace
}  // namespace lj::model
