// The authorisation policy: Decide(principal, action, scope) → allow/deny with a stable reason.
// Pure and allocation-free: one call costs a few comparisons (plus ward-list intersections), so
// it may run per request, per WebSocket frame and per twin of a subscription.
//
// A TwinScope says where a twin belongs (ward(s), patient, the twins above it); it comes from a
// ScopeResolver (scope_resolver.h). Actions on no particular twin (models, metrics, users,
// audit) use TwinScope::Global(); a twin-scoped action with a global scope ("all twins") is
// allowed only to principals that are not scoped at all (administrator, system, an unrestricted
// service), so listings must be filtered per twin for everyone else.
//
// Rules (doc/design/security.md has the full role × action table):
//   administrator, system: everything.
//   clinician: twin actions on twins in one of their wards (read twin/live/history/record,
//     write telemetry, acknowledge alarms, patch twins); reading the structure above wards
//     (e.g. the hospital twin: twin and live, no history); models. No graph management,
//     metrics, users or audit.
//   viewer: read twin/live/history of twins of their own patient; models. Never the record
//     (kReadRecord): the caller must also strip record properties (IsRecordProperty) from twins.
//   device: write telemetry to its own twins (and their descendants when enabled). Nothing else.
//   service: the actions its scopes grant; twin actions restricted to its wards if it has any.
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "auth/principal.h"

namespace lj::auth {

enum class Action : uint8_t {
  // Twin-scoped.
  kReadTwin,          // twin metadata and non-record properties, relationships
  kReadLive,          // live subscription: snapshots, deltas, latest values, active alarms
  kReadHistory,       // history queries, FHIR Observations, alarm history
  kReadRecord,        // clinical record: FHIR Condition/Allergy/Medication, record properties
  kWriteTelemetry,    // ingest by any protocol (HTTP, line protocol, WebSocket, MQTT, HL7 ORU)
  kAcknowledgeAlarm,  // acknowledge or silence an alarm
  kPatchTwin,         // change properties of an existing twin (incl. alarm limits)
  kManageGraph,       // create/delete twins and relationships, HL7 ADT, FHIR Bundle import
  // Global.
  kReadModels,   // DTDL models (no patient data)
  kReadMetrics,  // /metrics, status
  kAdminUsers,   // users, tokens, sessions of others
  kReadAudit,    // audit queries and verification
};
inline constexpr Action kAllActions[] = {
    Action::kReadTwin,       Action::kReadLive,         Action::kReadHistory, Action::kReadRecord,
    Action::kWriteTelemetry, Action::kAcknowledgeAlarm, Action::kPatchTwin,   Action::kManageGraph,
    Action::kReadModels,     Action::kReadMetrics,      Action::kAdminUsers,  Action::kReadAudit};
std::string_view ActionName(Action action);  // "read_twin", "write_telemetry", ...
bool IsTwinScoped(Action action);

struct TwinScope {
  std::string twin;                    // empty: global (no particular twin / all twins)
  bool exists = true;                  // false: no such twin in the graph
  std::vector<std::string> wards;      // wards the twin is in (a ward twin: itself)
  std::string patient;                 // the patient the twin belongs to, if any
  std::vector<std::string> ancestors;  // twins above it, nearest first (bounded walk)
  bool above_wards = false;            // contains a ward (e.g. the hospital): structure only

  static TwinScope Global() { return TwinScope{}; }
  bool global() const { return twin.empty(); }
};

enum class Reason : uint8_t {
  kAdministrator,   // allow: administrator or system
  kRoleAllows,      // allow: the role may do this everywhere (e.g. read models)
  kInWard,          // allow: twin in one of the principal's wards
  kStructureOnly,   // allow: structure above the principal's wards (no patient data)
  kOwnPatient,      // allow: twin of the viewer's patient
  kOwnTwin,         // allow: device writing its own twin (or a descendant)
  kScopeGrants,     // allow: service token scope
  kRoleForbids,     // deny: the role never may
  kNotInWard,       // deny
  kNotOwnPatient,   // deny
  kRecordWithheld,  // deny: viewers never see the clinical record
  kNotOwnTwin,      // deny
  kMissingScope,    // deny: service token without the scope
  kNeedsTwin,       // deny: a scoped principal asked for all twins at once
};
std::string_view ReasonName(Reason reason);  // "in_ward", "not_own_twin", ...

struct Decision {
  bool allowed = false;
  Reason reason = Reason::kRoleForbids;
  explicit operator bool() const { return allowed; }
};

Decision Decide(const Principal& principal, Action action, const TwinScope& scope);

// Patient properties that belong to the clinical record and are withheld from viewers.
bool IsRecordProperty(std::string_view property);

}  // namespace lj::auth
