// Internal to src/graph: checks of twin/relationship ids and property documents against models.
// Pure functions; thread-safe.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "model/model.h"

namespace lj::graph {

inline constexpr size_t kMaxIdLength = 256;

// 1..256 characters of [A-Za-z0-9._:-]; otherwise kInvalidArgument naming `what` ("twin id").
Status ValidateId(std::string_view id, std::string_view what);

// Checks that `properties` is an object whose keys are all declared in `declared` (keys starting
// with '$' are reserved) and whose values match the declared schemas. Errors carry `code` and
// read "<context>: /properties/<key>: <reason>"; `owner` names the model element in messages.
Status ValidateProperties(const std::vector<model::Property>& declared,
                          const nlohmann::json& properties, ErrorCode code,
                          std::string_view context, std::string_view owner);

}  // namespace lj::graph
