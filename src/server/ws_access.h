// Access control of the WebSocket live API (doc/design/security.md, "WebSocket"). With
// `[auth] enabled`, an upgrade to /ws is admitted only with a credential (Authorization Bearer or
// Basic, or the session cookie — then the Origin must match the Host: no cross-site WebSocket
// hijacking), and only for principals whose live view can be filtered per twin: administrators
// and unrestricted `read` services see every twin; clinicians and ward-limited `read` services are
// admitted with a ScopedResolver, so every subscription (snapshot, deltas, waves, history) covers
// only twins where Decide(read_live) allows — re-checked whenever subscriptions re-resolve after
// a graph change. Viewers are admitted the same way, to their patient's twins, and their
// sessions withhold the record properties. Devices and ingest-only services are admitted to write
// telemetry only (each message checked per twin). Admissions, refusals and each patient first
// seen or written by a connection are audited (interface `ws`). `presence`/`pose` need a user.
// Invariant: the scope resolver must be a graph listener registered before LiveState, so that its
// cache is dropped before the membership epoch that makes subscriptions re-resolve moves.
// Thread-safety: as AccessControl (any io thread); a ScopedResolver belongs to one connection.
#pragma once

#include <array>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "auth/principal.h"
#include "live/client_state.h"
#include "server/access.h"

namespace lj::server {

// What a principal's subscriptions may carry: every twin, the twins Decide(read_live) allows
// (clinicians, viewers — their patient, without the record — and ward-limited services), or
// nothing (devices and ingest-only services: admitted to write telemetry only).
enum class LiveAccess { kAll, kFiltered, kNone };
LiveAccess LiveAccessOf(const auth::Principal& p);
// True when the principal's live view must leave out the clinical record (auth::IsRecordProperty):
// everyone but administrators, clinicians (their wards) and services with the `fhir` scope.
bool WithholdsRecord(const auth::Principal& p);

struct WsAdmission {
  std::optional<Response> refusal;  // the HTTP answer instead of the upgrade (401/403/429/503)
  std::shared_ptr<const auth::Principal> principal;  // when admitted
  bool filtered = false;  // the principal's subscriptions must go through a ScopedResolver
  // The credential the connection was admitted with: the session re-checks it (revocation,
  // logout) on every ingest message and every [auth] revocation_check_ms.
  std::shared_ptr<const auth::HeldCredential> credential;
};

// Resolves targets with `inner`, then keeps the twins `principal` may read live.
std::unique_ptr<live::Resolver> MakeScopedResolver(AccessControl& ac, live::Resolver& inner,
                                                   std::shared_ptr<const auth::Principal> principal,
                                                   std::string remote);

WsAdmission AdmitWebSocket(AccessControl& ac, const Request& upgrade, const std::string& remote);

// An admitted connection's credential, re-checked (auth::IdentityStore::Recheck): Ok while it
// still authenticates the same principal; otherwise kUnauthorized with the cause (token revoked,
// session ended by logout or expiry, user disabled, password changed), audited (interface ws).
// The session then closes with 1008 (policy violation); any other error (auth.db unreadable)
// fails closed too, with 1011.
Status RecheckWsCredential(AccessControl& ac, const auth::HeldCredential& credential,
                           const auth::Principal& admitted, const std::string& remote);

// Every operation of the live API. AuthorizeWsOp refuses any other (kUnsupported), so an op
// added to WsSession without a rule here cannot be used; ws_access_test.cc pins op × role.
inline constexpr std::array<std::string_view, 6> kWsOps = {"subscribe", "unsubscribe", "ingest",
                                                           "presence",  "pose",        "ping"};

// An operation of an admitted connection: `subscribe` needs live access, `presence`/`pose` a
// user. Ok, or kForbidden with the reason — audited (a refusal always, an allowance never: the
// connection's admission record covers it). `ingest` is checked per twin by AuthorizeWsIngest.
Status AuthorizeWsOp(AccessControl& ac, const auth::Principal& p, const std::string& remote,
                     const std::string& op);

// An `ingest` message writing to `twins`: Decide(write_telemetry) on each (a device only its own
// twins, a clinician their wards, a service its scope and wards). One denied twin refuses the
// whole message (kForbidden naming the twin and reason, audited); an allowed write is audited
// once per patient per connection (`audited` belongs to the connection; see AuthorizeTwinWrites).
Status AuthorizeWsIngest(AccessControl& ac, const auth::Principal& p, const std::string& remote,
                         const std::vector<std::string>& twins, std::set<std::string>* audited);

}  // namespace lj::server
