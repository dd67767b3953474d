#include "auth/principal.h"

namespace lj::auth {
namespace {

struct ScopeName {
  uint32_t bit;
  std::string_view name;
};
constexpr ScopeName kScopeNames[] = {
    {kScopeIngest, "ingest"}, {kScopeRead, "read"},     {kScopeFhir, "fhir"},
    {kScopeAdt, "adt"},       {kScopeAlarms, "alarms"}, {kScopeMetrics, "metrics"},
    {kScopeAudit, "audit"},
};

}  // namespace

std::string_view RoleName(Role role) {
  switch (role) {
    case Role::kAdministrator:
      return "administrator";
    case Role::kClinician:
      return "clinician";
    case Role::kViewer:
      return "viewer";
    case Role::kDevice:
      return "device";
    case Role::kService:
      return "service";
  }
  return "";
}

Result<Role> ParseRole(std::string_view name) {
  for (Role r : kAllRoles)
    if (name == RoleName(r)) return r;
  return Status(ErrorCode::kInvalidArgument,
                "unknown role '" + std::string(name) +
                    "' (administrator, clinician, viewer, device, service)");
}

std::string_view PrincipalKindName(PrincipalKind kind) {
  switch (kind) {
    case PrincipalKind::kUser:
      return "user";
    case PrincipalKind::kDevice:
      return "device";
    case PrincipalKind::kService:
      return "service";
    case PrincipalKind::kSystem:
      return "system";
  }
  return "";
}

Result<uint32_t> ParseScopes(const std::vector<std::string>& names) {
  uint32_t bits = 0;
  for (const std::string& n : names) {
    uint32_t bit = 0;
    for (const ScopeName& s : kScopeNames)
      if (n == s.name) bit = s.bit;
    if (bit == 0)
      return Status(ErrorCode::kInvalidArgument,
                    "unknown scope '" + n + "' (ingest, read, fhir, adt, alarms, metrics, audit)");
    bits |= bit;
  }
  return bits;
}

std::vector<std::string> ScopeNames(uint32_t scopes) {
  std::vector<std::string> out;
  for (const ScopeName& s : kScopeNames)
    if (scopes & s.bit) out.emplace_back(s.name);
  return out;
}

Principal Principal::System(std::string name) {
  Principal p;
  p.kind = PrincipalKind::kSystem;
  p.name = std::move(name);
  p.role = Role::kAdministrator;
  return p;
}

}  // namespace lj::auth
