// Helpers shared by the model tests: compact DTDL documents and load-then-resolve.
#pragma once

#include <fmt/format.h>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "model/model.h"

namespace lj::model::testing {

inline constexpr std::string_view kV3 = R"("dtmi:dtdl:context;3")";
inline constexpr std::string_view kV3Ward =
    R"(["dtmi:dtdl:context;3", "dtmi:lingjing:extension:ward;1"])";
inline constexpr std::string_view kV3Quantitative =
    R"(["dtmi:dtdl:context;3", "dtmi:dtdl:extension:quantitativeTypes;1"])";
inline constexpr std::string_view kV3All =
    R"(["dtmi:dtdl:context;3", "dtmi:dtdl:extension:quantitativeTypes;1",
        "dtmi:lingjing:extension:ward;1"])";

// {"@context": <context>, "@id": <id>, "@type": "Interface", <rest>}
inline std::string Doc(std::string_view id, std::string_view rest = "",
                       std::string_view context = kV3) {
  return fmt::format(R"({{"@context": {}, "@id": "{}", "@type": "Interface"{}{}}})", context, id,
                     rest.empty() ? "" : ", ", rest);
}

using Files = std::vector<std::pair<std::string, std::string>>;  // {source name, JSON text}

// Loads every file in order, then resolves; the first failure is returned.
inline Status LoadAll(ModelRegistry& registry, const Files& files) {
  for (const auto& [name, text] : files) LJ_RETURN_IF_ERROR(registry.LoadJson(text, name));
  return registry.Resolve();
}

// Loads and resolves the built-in ward models.
inline Status LoadBuiltins(ModelRegistry& registry) {
  for (const auto& [name, text] : BuiltinWardModels()) {
    LJ_RETURN_IF_ERROR(registry.LoadJson(text, name));
  }
  return registry.Resolve();
}

}  // namespace lj::model::testing
