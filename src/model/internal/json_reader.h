// Parses JSON text into nlohmann::json without exceptions, reporting any syntax error (number
// overflow included) as "<source>: line L, column C: invalid JSON: <reason>" (kParseError).
#pragma once

#include <nlohmann/json.hpp>

#include <string_view>

#include "common/status.h"

namespace lj::model::internal {

Status ReadJson(std::string_view text, std::string_view source, nlohmann::json* out);

}  // namespace lj::model::internal
