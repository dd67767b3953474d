// Loose string-format checks used by ValidateJson: RFC 3339 date/time/dateTime, ISO 8601
// durations, UUIDs, base64 and GeoJSON geometries. Pure functions.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

#include "model/model.h"

namespace lj::model::internal {

bool IsDate(std::string_view s);      // 2024-02-29
bool IsTime(std::string_view s);      // 13:45:00, 13:45:00.25Z, 13:45:00+01:00
bool IsDateTime(std::string_view s);  // 2024-02-29T13:45:00Z (offset optional)
bool IsDuration(std::string_view s);  // P1DT2H, PT0.5S, P2W
bool IsUuid(std::string_view s);      // 123e4567-e89b-12d3-a456-426614174000
bool IsBase64(std::string_view s);

// Empty when `v` is a GeoJSON geometry of kind `p` (kPoint..kMultiPolygon); else why not,
// with `pointer` extended to the offending part.
std::string GeoProblem(Primitive p, const nlohmann::json& v, std::string* pointer);

}  // namespace lj::model::internal
