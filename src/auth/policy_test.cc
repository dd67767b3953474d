#include "auth/policy.h"

#include <gtest/gtest.h>

#include <map>

namespace lj::auth {
namespace {

// monitor-a01 is in ward-a at patient-a01's bed; monitor-b01 likewise in ward-b.
TwinScope InScope() {
  TwinScope s;
  s.twin = "monitor-a01";
  s.wards = {"ward-a"};
  s.patient = "patient-a01";
  s.ancestors = {"bed-a01", "room-a01", "ward-a", "hospital"};
  return s;
}

TwinScope OutOfScope() {
  TwinScope s;
  s.twin = "monitor-b01";
  s.wards = {"ward-b"};
  s.patient = "patient-b01";
  s.ancestors = {"bed-b01", "room-b01", "ward-b", "hospital"};
  return s;
}

Principal Admin() {
  Principal p;
  p.name = "admin";
  p.role = Role::kAdministrator;
  return p;
}
Principal Clinician() {
  Principal p;
  p.name = "nurse";
  p.role = Role::kClinician;
  p.wards = {"ward-x", "ward-a"};
  return p;
}
Principal Viewer() {
  Principal p;
  p.name = "family";
  p.role = Role::kViewer;
  p.patient = "patient-a01";
  return p;
}
Principal Device() {
  Principal p;
  p.kind = PrincipalKind::kDevice;
  p.name = "monitor-a01-gw";
  p.role = Role::kDevice;
  p.twins = {"monitor-a01"};
  return p;
}
Principal Service() {  // an EHR integration reading vitals and the record, no ward limit
  Principal p;
  p.kind = PrincipalKind::kService;
  p.name = "ehr";
  p.role = Role::kService;
  p.scopes = kScopeRead | kScopeFhir;
  return p;
}

// Expected decisions per role and action: in-scope twin, out-of-scope twin, global.
// 'A' allow, 'D' deny. Every role × action must be listed (checked below), so a new action or
// role without a rule fails this test.
using Row = std::map<Action, std::string>;
const std::map<Role, Row>& Expected() {
  static const std::map<Role, Row> table = {
      {Role::kAdministrator,
       {{Action::kReadTwin, "AAA"},
        {Action::kReadLive, "AAA"},
        {Action::kReadHistory, "AAA"},
        {Action::kReadRecord, "AAA"},
        {Action::kWriteTelemetry, "AAA"},
        {Action::kAcknowledgeAlarm, "AAA"},
        {Action::kPatchTwin, "AAA"},
        {Action::kManageGraph, "AAA"},
        {Action::kReadModels, "AAA"},
        {Action::kReadMetrics, "AAA"},
        {Action::kAdminUsers, "AAA"},
        {Action::kReadAudit, "AAA"}}},
      {Role::kClinician,
       {{Action::kReadTwin, "ADD"},
        {Action::kReadLive, "ADD"},
        {Action::kReadHistory, "ADD"},
        {Action::kReadRecord, "ADD"},
        {Action::kWriteTelemetry, "ADD"},
        {Action::kAcknowledgeAlarm, "ADD"},
        {Action::kPatchTwin, "ADD"},
        {Action::kManageGraph, "DDD"},
        {Action::kReadModels, "AAA"},
        {Action::kReadMetrics, "DDD"},
        {Action::kAdminUsers, "DDD"},
        {Action::kReadAudit, "DDD"}}},
      {Role::kViewer,
       {{Action::kReadTwin, "ADD"},
        {Action::kReadLive, "ADD"},
        {Action::kReadHistory, "ADD"},
        {Action::kReadRecord, "DDD"},
        {Action::kWriteTelemetry, "DDD"},
        {Action::kAcknowledgeAlarm, "DDD"},
        {Action::kPatchTwin, "DDD"},
        {Action::kManageGraph, "DDD"},
        {Action::kReadModels, "AAA"},
        {Action::kReadMetrics, "DDD"},
        {Action::kAdminUsers, "DDD"},
        {Action::kReadAudit, "DDD"}}},
      {Role::kDevice,
       {{Action::kReadTwin, "DDD"},
        {Action::kReadLive, "DDD"},
        {Action::kReadHistory, "DDD"},
        {Action::kReadRecord, "DDD"},
        {Action::kWriteTelemetry, "ADD"},
        {Action::kAcknowledgeAlarm, "DDD"},
        {Action::kPatchTwin, "DDD"},
        {Action::kManageGraph, "DDD"},
        {Action::kReadModels, "DDD"},
        {Action::kReadMetrics, "DDD"},
        {Action::kAdminUsers, "DDD"},
        {Action::kReadAudit, "DDD"}}},
      {Role::kService,  // scopes read + fhir, all wards
       {{Action::kReadTwin, "AAA"},
        {Action::kReadLive, "AAA"},
        {Action::kReadHistory, "AAA"},
        {Action::kReadRecord, "AAA"},
        {Action::kWriteTelemetry, "DDD"},
        {Action::kAcknowledgeAlarm, "DDD"},
        {Action::kPatchTwin, "DDD"},
        {Action::kManageGraph, "DDD"},
        {Action::kReadModels, "AAA"},
        {Action::kReadMetrics, "DDD"},
        {Action::kAdminUsers, "DDD"},
        {Action::kReadAudit, "DDD"}}},
  };
  return table;
}

Principal For(Role r) {
  switch (r) {
    case Role::kAdministrator:
      return Admin();
    case Role::kClinician:
      return Clinician();
    case Role::kViewer:
      return Viewer();
    case Role::kDevice:
      return Device();
    case Role::kService:
      return Service();
  }
  return {};
}

TEST(Policy, RoleByActionByScopeTable) {
  const TwinScope scopes[3] = {InScope(), OutOfScope(), TwinScope::Global()};
  const char* scope_names[3] = {"in-scope", "out-of-scope", "global"};
  int checked = 0;
  for (Role role : kAllRoles) {
    ASSERT_TRUE(Expected().count(role)) << "no expectations for role " << RoleName(role);
    const Row& row = Expected().at(role);
    for (Action action : kAllActions) {
      ASSERT_TRUE(row.count(action))
          << "no expectation for " << RoleName(role) << " × " << ActionName(action);
      const std::string& want = row.at(action);
      for (int s = 0; s < 3; ++s) {
        const Decision d = Decide(For(role), action, scopes[s]);
        EXPECT_EQ(d.allowed, want[s] == 'A')
            << RoleName(role) << " × " << ActionName(action) << " × " << scope_names[s]
            << ": reason " << ReasonName(d.reason);
        EXPECT_EQ(d.allowed, static_cast<bool>(d));
        ++checked;
      }
    }
  }
  EXPECT_EQ(checked, 5 * 12 * 3);
}

TEST(Policy, ReasonsAreSpecific) {
  EXPECT_EQ(Decide(Clinician(), Action::kReadHistory, InScope()).reason, Reason::kInWard);
  EXPECT_EQ(Decide(Clinician(), Action::kReadHistory, OutOfScope()).reason, Reason::kNotInWard);
  EXPECT_EQ(Decide(Clinician(), Action::kReadTwin, TwinScope::Global()).reason, Reason::kNeedsTwin);
  EXPECT_EQ(Decide(Viewer(), Action::kReadRecord, InScope()).reason, Reason::kRecordWithheld);
  EXPECT_EQ(Decide(Viewer(), Action::kReadLive, OutOfScope()).reason, Reason::kNotOwnPatient);
  EXPECT_EQ(Decide(Device(), Action::kWriteTelemetry, OutOfScope()).reason, Reason::kNotOwnTwin);
  EXPECT_EQ(Decide(Device(), Action::kReadLive, InScope()).reason, Reason::kRoleForbids);
  EXPECT_EQ(Decide(Service(), Action::kWriteTelemetry, InScope()).reason, Reason::kMissingScope);
  EXPECT_EQ(Decide(Admin(), Action::kReadAudit, TwinScope::Global()).reason,
            Reason::kAdministrator);
  EXPECT_EQ(ReasonName(Reason::kNotOwnTwin), "not_own_twin");
  EXPECT_EQ(ActionName(Action::kWriteTelemetry), "write_telemetry");
}

TEST(Policy, ClinicianSeesTheStructureAboveWardsButNoHistoryThere) {
  TwinScope hospital;
  hospital.twin = "hospital";
  hospital.above_wards = true;
  EXPECT_EQ(Decide(Clinician(), Action::kReadTwin, hospital).reason, Reason::kStructureOnly);
  EXPECT_TRUE(Decide(Clinician(), Action::kReadLive, hospital));
  EXPECT_FALSE(Decide(Clinician(), Action::kReadHistory, hospital));
  EXPECT_FALSE(Decide(Clinician(), Action::kPatchTwin, hospital));
  EXPECT_FALSE(Decide(Viewer(), Action::kReadTwin, hospital));
}

TEST(Policy, DeviceDescendantsOnlyWhenEnabled) {
  Principal bed_gateway = Device();
  bed_gateway.twins = {"bed-a01"};
  EXPECT_FALSE(Decide(bed_gateway, Action::kWriteTelemetry, InScope()));
  bed_gateway.twin_descendants = true;
  EXPECT_EQ(Decide(bed_gateway, Action::kWriteTelemetry, InScope()).reason, Reason::kOwnTwin);
  EXPECT_FALSE(Decide(bed_gateway, Action::kWriteTelemetry, OutOfScope()));
  // An unknown twin listed on the token may be written (ingest then rejects unknown_twin).
  TwinScope ghost;
  ghost.twin = "bed-a01";
  ghost.exists = false;
  EXPECT_TRUE(Decide(bed_gateway, Action::kWriteTelemetry, ghost));
  ghost.twin = "bed-zz";
  EXPECT_FALSE(Decide(bed_gateway, Action::kWriteTelemetry, ghost));
}

TEST(Policy, WardRestrictedServiceAndScopeMapping) {
  Principal ingest = Service();
  ingest.scopes = kScopeIngest;
  ingest.wards = {"ward-a"};
  EXPECT_TRUE(Decide(ingest, Action::kWriteTelemetry, InScope()));
  EXPECT_EQ(Decide(ingest, Action::kWriteTelemetry, OutOfScope()).reason, Reason::kNotInWard);
  EXPECT_EQ(Decide(ingest, Action::kWriteTelemetry, TwinScope::Global()).reason,
            Reason::kNeedsTwin);
  EXPECT_FALSE(Decide(ingest, Action::kReadHistory, InScope()));
  Principal adt = Service();
  adt.scopes = kScopeAdt;
  EXPECT_TRUE(Decide(adt, Action::kManageGraph, InScope()));
  EXPECT_TRUE(Decide(adt, Action::kPatchTwin, InScope()));
  EXPECT_FALSE(Decide(adt, Action::kReadRecord, InScope()));
  Principal ops = Service();
  ops.scopes = kScopeMetrics | kScopeAudit | kScopeAlarms;
  EXPECT_TRUE(Decide(ops, Action::kReadMetrics, TwinScope::Global()));
  EXPECT_TRUE(Decide(ops, Action::kReadAudit, TwinScope::Global()));
  EXPECT_TRUE(Decide(ops, Action::kAcknowledgeAlarm, InScope()));
  EXPECT_FALSE(Decide(ops, Action::kAdminUsers, TwinScope::Global()));
  Principal all = Service();
  all.scopes = kAllScopes;
  EXPECT_FALSE(Decide(all, Action::kAdminUsers, TwinScope::Global()));
}

TEST(Policy, RoleMustMatchKind) {
  Principal forged = Admin();
  forged.kind = PrincipalKind::kDevice;  // a token can never carry a user role
  EXPECT_FALSE(Decide(forged, Action::kReadTwin, InScope()));
  Principal user_device = Device();
  user_device.kind = PrincipalKind::kUser;
  EXPECT_FALSE(Decide(user_device, Action::kWriteTelemetry, InScope()));
  EXPECT_TRUE(Decide(Principal::System("clinical"), Action::kWriteTelemetry, OutOfScope()));
}

TEST(Policy, ViewerNeedsAPatientAndUnknownTwinsBelongToNobody) {
  Principal empty = Viewer();
  empty.patient.clear();
  TwinScope unplaced;
  unplaced.twin = "loose-device";
  EXPECT_FALSE(Decide(empty, Action::kReadTwin, unplaced));
  EXPECT_FALSE(Decide(Clinician(), Action::kReadTwin, unplaced));
  EXPECT_FALSE(Decide(Viewer(), Action::kReadTwin, unplaced));
}

TEST(Policy, RecordProperties) {
  for (const char* p : {"allergies", "problems", "medications"}) EXPECT_TRUE(IsRecordProperty(p));
  for (const char* p : {"name", "mrn", "spo2Scale", ""}) EXPECT_FALSE(IsRecordProperty(p));
}

TEST(Policy, ScopeNamesRoundTrip) {
  Result<uint32_t> bits = ParseScopes({"ingest", "read", "audit"});
  ASSERT_TRUE(bits.ok());
  EXPECT_EQ(*bits, kScopeIngest | kScopeRead | kScopeAudit);
  EXPECT_EQ(ScopeNames(*bits), (std::vector<std::string>{"ingest", "read", "audit"}));
  EXPECT_FALSE(ParseScopes({"root"}).ok());
  EXPECT_EQ(ScopeNames(kAllScopes).size(), 7u);
  for (Role r : kAllRoles) EXPECT_EQ(ParseRole(RoleName(r)).value(), r);
  EXPECT_FALSE(ParseRole("superuser").ok());
}

}  // namespace
}  // namespace lj::auth
