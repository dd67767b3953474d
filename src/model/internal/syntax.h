// Lexical rules of DTDL shared by the model loader: DTMIs, element names, JSON pointers,
// localizable strings and the "<file>: <pointer>: <reason>" error format.
// Pure functions, no state; safe from any thread.
#pragma once

#include <nlohmann/json.hpp>

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace lj::model::internal {

using nlohmann::json;

inline constexpr size_t kMaxNameLength = 512;         // element `name`
inline constexpr size_t kMaxInterfaceIdLength = 128;  // Interface @id
inline constexpr size_t kMaxElementIdLength = 2048;   // any other @id, Relationship target
inline constexpr size_t kMaxTextLength = 512;         // displayName, description, comment

// A DTMI (or name) and the JSON pointer where it was written.
struct Ref {
  std::string dtmi;
  std::string pointer;
};

// "<file>: <pointer>: <reason>"; an empty pointer (the document root) prints as "/".
Status ModelError(ErrorCode code, std::string_view file, std::string_view pointer,
                  std::string_view reason);
inline Status Invalid(std::string_view file, std::string_view pointer, std::string_view reason) {
  return ModelError(ErrorCode::kModelInvalid, file, pointer, reason);
}

// JSON pointer of `key` / `index` below `base`, escaping '~' and '/' per RFC 6901.
std::string Child(std::string_view base, std::string_view key);
std::string Child(std::string_view base, size_t index);

// "string", "integer", "number", "boolean", "null", "array" or "object".
std::string_view JsonTypeName(const json& v);

// Empty when `s` is a user DTMI ("dtmi:seg:seg;1" or ";1.2", version optional) of at most
// `max_length` characters; otherwise why not, e.g. "invalid DTMI 'x': missing 'dtmi:' scheme".
std::string DtmiProblem(std::string_view s, size_t max_length);
// True for a DTMI in the namespaces reserved by DTDL ("dtmi:dtdl:", "dtmi:standard:").
bool IsReservedDtmi(std::string_view s);

// DTDL's name rule ^[a-zA-Z](?:[a-zA-Z0-9_]*[a-zA-Z0-9])?$, at most kMaxNameLength characters.
bool IsValidName(std::string_view s);
std::string InvalidNameReason(std::string_view s);

// Reads the required `name` of element `el` at `pointer`.
Status ReadName(const json& el, std::string_view file, const std::string& pointer,
                std::string* out);
// Reads the optional @id of a non-interface element (a user DTMI outside the reserved
// namespaces) into `out` and records it in `ids`.
Status ReadElementId(const json& el, std::string_view file, const std::string& pointer,
                     std::vector<Ref>* ids, std::string* out);

// A localizable string (displayName, description, comment): a plain string or a language map
// {"en": "...", "de": "..."}. On success `out` holds the English (or else the first) text.
Status ParseLocalizable(const json& v, std::string_view file, const std::string& pointer,
                        std::string* out);

// Short quoted rendering of a JSON value for messages (strings quoted, long values cut).
std::string Preview(const json& v);

}  // namespace lj::model::internal
