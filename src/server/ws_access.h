// Access control of the WebSocket live API (doc/design/security.md, "WebSocket"). With
// `[auth] enabled`, an upgrade to /ws is admitted only with a credential (Authorization Bearer or
// Basic, or the session cookie — then the Origin must match the Host: no cross-site WebSocket
// hijacking), and, until subscriptions are filtered per twin, only for principals that may read
// the live data of every twin (administrator; a service token with `read` and no ward
// restriction). Scoped principals (clinicians, viewers, devices, ward-limited services) are
// refused — fail closed — so a subscription can never carry a twin its subscriber may not see.
// Every admission and refusal is audited (interface `ws`). Within an admitted connection,
// `ingest` needs write_telemetry on every twin and `presence`/`pose` a user principal.
// Thread-safety: as AccessControl (any io thread).
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "auth/principal.h"
#include "server/access.h"

namespace lj::server {

struct WsAdmission {
  std::optional<Response> refusal;  // the HTTP answer instead of the upgrade (401/403/429/503)
  std::shared_ptr<const auth::Principal> principal;  // when admitted
};

WsAdmission AdmitWebSocket(AccessControl& ac, const Request& upgrade, const std::string& remote);

// An operation of an admitted connection that needs `action` on every twin (ingest), or a user
// (presence): Ok, or kForbidden with the reason — audited (a refusal always, an allowance never:
// the connection's admission record covers it).
Status AuthorizeWsOp(AccessControl& ac, const auth::Principal& p, const std::string& remote,
                     const std::string& op);

}  // namespace lj::server
