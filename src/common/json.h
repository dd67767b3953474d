// Untrusted JSON and text: the bounds every entry point applies before a document is built.
//
// nlohmann::json copies, compares and serialises recursively, so a value nested 100,000 deep
// overflows the stack when it is echoed, copied or dumped, and simdjson refuses only past its
// parser's depth. Every parser of untrusted bytes therefore refuses nesting deeper than
// kMaxJsonDepth with a precise reason before anything is built (ParseJson for nlohmann,
// JsonDepthParser-sized simdjson parsers), and text that leaves the engine as a WebSocket text
// frame or a JSON string must be valid UTF-8 (IsValidUtf8; ToValidUtf8 for messages that quote
// untrusted bytes).
// Thread-safety: pure functions.
#pragma once

#include <nlohmann/json.hpp>

#include <cstddef>
#include <string>
#include <string_view>

#include "common/status.h"

namespace lj {

// Deepest nesting of arrays and objects accepted from outside (REST bodies, WebSocket messages,
// MQTT payloads, FHIR resources, DTDL files). The deepest legitimate document (a FHIR Bundle)
// nests about 10 levels.
inline constexpr size_t kMaxJsonDepth = 64;

// kParseError "JSON nests deeper than 64 levels (at byte 1234)" when `text` opens more than
// `max_depth` arrays/objects at once (strings are skipped; the rest of the syntax is not checked).
// `at`, when given, receives the offending byte's offset.
Status CheckJsonDepth(std::string_view text, size_t max_depth = kMaxJsonDepth,
                      size_t* at = nullptr);

// Parses untrusted JSON: the depth bound, then the syntax and UTF-8 of every string (nlohmann).
// kParseError with nlohmann's position and reason; the message is always valid UTF-8.
Result<nlohmann::json> ParseJson(std::string_view text, size_t max_depth = kMaxJsonDepth);

// True when `s` is well-formed UTF-8 (no overlong forms, surrogates or code points > U+10FFFF).
bool IsValidUtf8(std::string_view s);
// Byte offset of the first ill-formed sequence, or std::string_view::npos.
size_t FirstInvalidUtf8(std::string_view s);
// `s` with every ill-formed sequence replaced by U+FFFD (for messages that quote input).
std::string ToValidUtf8(std::string_view s);

}  // namespace lj
