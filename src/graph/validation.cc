#include "graph/validation.h"

#include <cstdio>

namespace lj::graph {
namespace {

bool IsIdChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == ':' || c == '-';
}

std::string Printable(char c) {
  auto u = static_cast<unsigned char>(c);
  if (u >= 0x20 && u < 0x7f) return std::string("'") + c + "'";
  char buf[8];
  std::snprintf(buf, sizeof(buf), "0x%02X", u);
  return buf;
}

const model::Property* FindDeclared(const std::vector<model::Property>& declared,
                                    std::string_view name) {
  for (const model::Property& p : declared) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

}  // namespace

Status ValidateId(std::string_view id, std::string_view what) {
  if (id.empty()) return Status(ErrorCode::kInvalidArgument, std::string(what) + " is empty");
  if (id.size() > kMaxIdLength) {
    return Status(ErrorCode::kInvalidArgument,
                  std::string(what) + " is " + std::to_string(id.size()) +
                      " characters long; the limit is " + std::to_string(kMaxIdLength));
  }
  for (size_t i = 0; i < id.size(); ++i) {
    if (!IsIdChar(id[i])) {
      return Status(ErrorCode::kInvalidArgument, std::string(what) + " '" + std::string(id) +
                                                     "' has invalid character " + Printable(id[i]) +
                                                     " at offset " + std::to_string(i) +
                                                     " (allowed: A-Z a-z 0-9 . _ : -)");
    }
  }
  return Status::Ok();
}

Status ValidateProperties(const std::vector<model::Property>& declared,
                          const nlohmann::json& properties, ErrorCode code,
                          std::string_view context, std::string_view owner) {
  const std::string prefix = std::string(context) + ": ";
  if (!properties.is_object()) {
    return Status(code, prefix + "properties must be a JSON object, got " +
                            std::string(properties.type_name()));
  }
  for (const auto& [key, value] : properties.items()) {
    const std::string where = "/properties/" + model::JsonPointerToken(key);
    if (!key.empty() && key[0] == '$') {
      return Status(code, prefix + where + ": keys starting with '$' are reserved");
    }
    const model::Property* prop = FindDeclared(declared, key);
    if (prop == nullptr) {
      return Status(code,
                    prefix + where + ": '" + key + "' is not a property of " + std::string(owner));
    }
    if (prop->schema == nullptr) continue;  // the registry guarantees a schema; be defensive
    Status s = model::ValidateJson(*prop->schema, value, where);
    if (!s.ok()) return Status(code, prefix + s.message());
  }
  return Status::Ok();
}

}  // namespace lj::graph
