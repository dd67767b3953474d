// Access control for ingest paths whose publishers authenticate outside Lingjing: an MQTT broker
// checks a device's password (its token secret) and pins the topic level that names it to its
// user name (doc/protocols/mqtt.md, "Access control"). The name is a token name in auth.db;
// every twin a message writes is checked with Decide(write_telemetry), as for HTTP and WebSocket.
//
// Contract: a message with no publisher name, an unknown, revoked, expired or ambiguous name, or
// any twin the token may not write is refused as a whole (kForbidden naming the twin and reason)
// and audited; an allowed write is audited once per (publisher, patient) until the process
// restarts. Token lookups are cached for `refresh_ms` (a revocation takes effect within it).
// Thread-safety: Authorize may be called from any thread (one internal mutex).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "audit/audit.h"
#include "common/status.h"
#include "ingest/sample.h"
#include "server/access.h"

namespace lj::server {

// Decide(write_telemetry) on every twin an ingest message writes (shared by WebSocket and MQTT).
// The first denied twin refuses the whole message: a copy of `base` (actor, interface, remote,
// detail filled in) is audited with that twin, its patient and the reason, and the answer is
// kForbidden naming them. When every twin is allowed, each patient `audited` does not hold yet
// is audited as an allowed write and then added to it (so a refused message marks nothing).
Status AuthorizeTwinWrites(AccessControl& ac, const auth::Principal& p,
                           const std::vector<std::string>& twins, const audit::Record& base,
                           std::set<std::string>* audited);

class PublisherAuthorizer {
 public:
  // `interface`: how the publisher reached us (audit), e.g. audit::Interface::kMqtt.
  PublisherAuthorizer(AccessControl& ac, audit::Interface interface, int64_t refresh_ms = 5000);

  // `where`: the message's origin for the audit trail (e.g. the MQTT topic).
  Status Authorize(std::string_view publisher, std::string_view where,
                   const ingest::ParsedBatch& batch);
  // The same for a message that writes `twins` (HL7 ORU^R01).
  Status AuthorizeWrites(std::string_view publisher, std::string_view where,
                         const std::vector<std::string>& twins);
  // A change of the twin graph (HL7 ADT): Decide(manage_graph) hospital-wide, so only for
  // unrestricted principals (an `adt` service token without wards). Every one is audited, with
  // `patient` when known.
  Status AuthorizeGraphChange(std::string_view publisher, std::string_view where,
                              std::string_view patient);

 private:
  Result<std::shared_ptr<const auth::Principal>> Lookup(std::string_view name);
  // The publisher's principal, or the audited refusal (no name, unknown name).
  Result<std::shared_ptr<const auth::Principal>> Identify(std::string_view publisher,
                                                          std::string_view where,
                                                          auth::Action action);
  Status Refuse(const auth::Principal* p, std::string_view publisher, std::string_view where,
                auth::Action action, std::string twin, std::string patient, std::string reason,
                std::string message);

  AccessControl& ac_;
  audit::Interface interface_;
  int64_t refresh_ns_;
  std::mutex mu_;
  struct Cached {
    Result<std::shared_ptr<const auth::Principal>> principal;
    int64_t fetched_mono_ns;
  };
  std::map<std::string, Cached, std::less<>> cache_;                   // bounded: see Lookup
  std::map<std::string, std::set<std::string>, std::less<>> audited_;  // publisher → patients
  size_t audited_count_ = 0;  // patients over all publishers in audited_
};

}  // namespace lj::server
