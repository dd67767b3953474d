// Access control of the WebSocket live API (doc/design/security.md, "WebSocket"). With
// `[auth] enabled`, an upgrade to /ws is admitted only with a credential (Authorization Bearer or
// Basic, or the session cookie — then the Origin must match the Host: no cross-site WebSocket
// hijacking), and only for principals whose live view can be filtered per twin: administrators
// and unrestricted `read` services see every twin; clinicians and ward-limited `read` services are
// admitted with a ScopedResolver, so every subscription (snapshot, deltas, waves, history) covers
// only twins where Decide(read_live) allows — re-checked whenever subscriptions re-resolve after
// a graph change. Viewers (the record would have to be stripped from live snapshots) and devices
// are refused. Admissions, refusals and each patient first seen by a connection are audited
// (interface `ws`). Within an admitted connection, `ingest` needs write_telemetry on every twin
// and `presence`/`pose` a user principal.
// Invariant: the scope resolver must be a graph listener registered before LiveState, so that its
// cache is dropped before the membership epoch that makes subscriptions re-resolve moves.
// Thread-safety: as AccessControl (any io thread); a ScopedResolver belongs to one connection.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <unordered_set>

#include "auth/principal.h"
#include "live/client_state.h"
#include "server/access.h"

namespace lj::server {

struct WsAdmission {
  std::optional<Response> refusal;  // the HTTP answer instead of the upgrade (401/403/429/503)
  std::shared_ptr<const auth::Principal> principal;  // when admitted
  bool filtered = false;  // the principal's subscriptions must go through a ScopedResolver
};

// Resolves targets with `inner`, then keeps the twins `principal` may read live.
std::unique_ptr<live::Resolver> MakeScopedResolver(AccessControl& ac, live::Resolver& inner,
                                                   std::shared_ptr<const auth::Principal> principal,
                                                   std::string remote);

WsAdmission AdmitWebSocket(AccessControl& ac, const Request& upgrade, const std::string& remote);

// An operation of an admitted connection that needs `action` on every twin (ingest), or a user
// (presence): Ok, or kForbidden with the reason — audited (a refusal always, an allowance never:
// the connection's admission record covers it).
Status AuthorizeWsOp(AccessControl& ac, const auth::Principal& p, const std::string& remote,
                     const std::string& op);

}  // namespace lj::server
