// Principal: who is making a request, as established by authentication, and everything the
// authorisation policy (policy.h) needs to decide without further lookups.
//
//   role           kind     scoped by
//   administrator  user     nothing: everything, including users, tokens and the audit trail
//   clinician      user     `wards`: twins in those wards (patients, beds, devices, record)
//   viewer         user     `patient`: that patient's twins, live and history; never the record
//   device         device   `twins` (+ their descendants when `twin_descendants`): write only
//   service        service  `scopes` (ingest, read, fhir, adt, alarms, metrics, audit), and
//                           `wards` when non-empty
//   administrator  system   the engine itself (clinical layer, simulator) and local CLI use
//
// Contract: names are stable strings (used in auth.db, the CLI and the audit trail); the enum
// values are not persisted. Thread-safety: plain values.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace lj::auth {

enum class Role : uint8_t { kAdministrator, kClinician, kViewer, kDevice, kService };
inline constexpr Role kAllRoles[] = {Role::kAdministrator, Role::kClinician, Role::kViewer,
                                     Role::kDevice, Role::kService};
std::string_view RoleName(Role role);  // "administrator", "clinician", ...
Result<Role> ParseRole(std::string_view name);

enum class PrincipalKind : uint8_t { kUser, kDevice, kService, kSystem };
std::string_view PrincipalKindName(PrincipalKind kind);  // "user", "device", "service", "system"

// Service token scopes (bit set).
enum ServiceScope : uint32_t {
  kScopeIngest = 1u << 0,   // write telemetry (any protocol)
  kScopeRead = 1u << 1,     // twins, live, history, models
  kScopeFhir = 1u << 2,     // twins, history and the clinical record (FHIR reads)
  kScopeAdt = 1u << 3,      // admissions/transfers: graph changes, twin patches
  kScopeAlarms = 1u << 4,   // acknowledge alarms (e.g. a nurse-call integration)
  kScopeMetrics = 1u << 5,  // /metrics and status
  kScopeAudit = 1u << 6,    // read the audit trail (e.g. a SIEM export)
};
inline constexpr uint32_t kAllScopes = (1u << 7) - 1;
// "ingest,read" ↔ bits. Unknown names are kInvalidArgument naming the scope.
Result<uint32_t> ParseScopes(const std::vector<std::string>& names);
std::vector<std::string> ScopeNames(uint32_t scopes);

struct Principal {
  PrincipalKind kind = PrincipalKind::kUser;
  std::string name;  // user name, or the token's name
  Role role = Role::kViewer;
  std::vector<std::string> wards;  // clinician: required; service: optional restriction
  std::string patient;             // viewer: the one patient twin
  std::vector<std::string> twins;  // device: the twins it may write
  bool twin_descendants = false;   // device: also every twin below `twins`
  uint32_t scopes = 0;             // service: ServiceScope bits
  int64_t token_id = 0;            // the token that authenticated it (0: password or session)

  // The engine acting on its own behalf (clinical layer, simulator, local CLI).
  static Principal System(std::string name);
};

}  // namespace lj::auth
