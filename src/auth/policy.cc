#include "auth/policy.h"

#include <algorithm>

namespace lj::auth {
namespace {

constexpr Decision Allow(Reason r) { return Decision{true, r}; }
constexpr Decision Deny(Reason r) { return Decision{false, r}; }

bool Intersects(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  for (const std::string& x : a)
    if (std::find(b.begin(), b.end(), x) != b.end()) return true;
  return false;
}

// The actions each service scope grants.
uint32_t ScopesGranting(Action a) {
  switch (a) {
    case Action::kReadTwin:
      return kScopeRead | kScopeFhir | kScopeAdt;
    case Action::kReadLive:
      return kScopeRead | kScopeAlarms;
    case Action::kReadHistory:
      return kScopeRead | kScopeFhir;
    case Action::kReadRecord:
      return kScopeFhir;
    case Action::kWriteTelemetry:
      return kScopeIngest;
    case Action::kAcknowledgeAlarm:
      return kScopeAlarms;
    case Action::kPatchTwin:
    case Action::kManageGraph:
      return kScopeAdt;
    case Action::kReadModels:
      return kScopeRead | kScopeFhir | kScopeAdt | kScopeIngest;
    case Action::kReadMetrics:
      return kScopeMetrics;
    case Action::kAdminUsers:
      return 0;
    case Action::kReadAudit:
      return kScopeAudit;
  }
  return 0;
}

Decision Clinician(const Principal& p, Action a, const TwinScope& s) {
  if (a == Action::kReadModels) return Allow(Reason::kRoleAllows);
  if (!IsTwinScoped(a) || a == Action::kManageGraph) return Deny(Reason::kRoleForbids);
  if (s.global()) return Deny(Reason::kNeedsTwin);
  if (Intersects(s.wards, p.wards)) return Allow(Reason::kInWard);
  if (s.above_wards && (a == Action::kReadTwin || a == Action::kReadLive))
    return Allow(Reason::kStructureOnly);
  return Deny(Reason::kNotInWard);
}

Decision Viewer(const Principal& p, Action a, const TwinScope& s) {
  switch (a) {
    case Action::kReadModels:
      return Allow(Reason::kRoleAllows);
    case Action::kReadRecord:
      return Deny(Reason::kRecordWithheld);
    case Action::kReadTwin:
    case Action::kReadLive:
    case Action::kReadHistory:
      if (s.global()) return Deny(Reason::kNeedsTwin);
      if (!p.patient.empty() && s.patient == p.patient) return Allow(Reason::kOwnPatient);
      return Deny(Reason::kNotOwnPatient);
    default:
      return Deny(Reason::kRoleForbids);
  }
}

Decision Device(const Principal& p, Action a, const TwinScope& s) {
  if (a != Action::kWriteTelemetry) return Deny(Reason::kRoleForbids);
  if (s.global()) return Deny(Reason::kNeedsTwin);
  if (std::find(p.twins.begin(), p.twins.end(), s.twin) != p.twins.end())
    return Allow(Reason::kOwnTwin);
  if (p.twin_descendants && Intersects(s.ancestors, p.twins)) return Allow(Reason::kOwnTwin);
  return Deny(Reason::kNotOwnTwin);
}

Decision Service(const Principal& p, Action a, const TwinScope& s) {
  if ((ScopesGranting(a) & p.scopes) == 0) return Deny(Reason::kMissingScope);
  if (!IsTwinScoped(a) || p.wards.empty()) return Allow(Reason::kScopeGrants);
  if (s.global()) return Deny(Reason::kNeedsTwin);
  return Intersects(s.wards, p.wards) ? Allow(Reason::kScopeGrants) : Deny(Reason::kNotInWard);
}

}  // namespace

std::string_view ActionName(Action action) {
  switch (action) {
    case Action::kReadTwin:
      return "read_twin";
    case Action::kReadLive:
      return "read_live";
    case Action::kReadHistory:
      return "read_history";
    case Action::kReadRecord:
      return "read_record";
    case Action::kWriteTelemetry:
      return "write_telemetry";
    case Action::kAcknowledgeAlarm:
      return "acknowledge_alarm";
    case Action::kPatchTwin:
      return "patch_twin";
    case Action::kManageGraph:
      return "manage_graph";
    case Action::kReadModels:
      return "read_models";
    case Action::kReadMetrics:
      return "read_metrics";
    case Action::kAdminUsers:
      return "admin_users";
    case Action::kReadAudit:
      return "read_audit";
  }
  return "";
}

bool IsTwinScoped(Action action) { return static_cast<uint8_t>(action) <= 7; }

std::string_view ReasonName(Reason reason) {
  switch (reason) {
    case Reason::kAdministrator:
      return "administrator";
    case Reason::kRoleAllows:
      return "role_allows";
    case Reason::kInWard:
      return "in_ward";
    case Reason::kStructureOnly:
      return "structure_only";
    case Reason::kOwnPatient:
      return "own_patient";
    case Reason::kOwnTwin:
      return "own_twin";
    case Reason::kScopeGrants:
      return "scope_grants";
    case Reason::kRoleForbids:
      return "role_forbids";
    case Reason::kNotInWard:
      return "not_in_ward";
    case Reason::kNotOwnPatient:
      return "not_own_patient";
    case Reason::kRecordWithheld:
      return "record_withheld";
    case Reason::kNotOwnTwin:
      return "not_own_twin";
    case Reason::kMissingScope:
      return "missing_scope";
    case Reason::kNeedsTwin:
      return "needs_twin";
  }
  return "";
}

Decision Decide(const Principal& principal, Action action, const TwinScope& scope) {
  if (principal.kind == PrincipalKind::kSystem) return Allow(Reason::kAdministrator);
  // The role must match the kind: a token can never act as a user role and vice versa.
  switch (principal.role) {
    case Role::kAdministrator:
      return principal.kind == PrincipalKind::kUser ? Allow(Reason::kAdministrator)
                                                    : Deny(Reason::kRoleForbids);
    case Role::kClinician:
      return principal.kind == PrincipalKind::kUser ? Clinician(principal, action, scope)
                                                    : Deny(Reason::kRoleForbids);
    case Role::kViewer:
      return principal.kind == PrincipalKind::kUser ? Viewer(principal, action, scope)
                                                    : Deny(Reason::kRoleForbids);
    case Role::kDevice:
      return principal.kind == PrincipalKind::kDevice ? Device(principal, action, scope)
                                                      : Deny(Reason::kRoleForbids);
    case Role::kService:
      return principal.kind == PrincipalKind::kService ? Service(principal, action, scope)
                                                       : Deny(Reason::kRoleForbids);
  }
  return Deny(Reason::kRoleForbids);
}

bool IsRecordProperty(std::string_view property) {
  return property == "allergies" || property == "problems" || property == "medications";
}

}  // namespace lj::auth
