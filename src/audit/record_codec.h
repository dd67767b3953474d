// The canonical encoding of an audit record and its chain hash (on-disk format: never change
// version 1; add a new version instead).
//
//   encoding = "LJAUDIT1" ‖ u64be(seq) ‖ i64be(time_ns) ‖ for each field in this order:
//              actor, actor_kind, actor_role, remote, interface name, action, patient, twin,
//              outcome ("allow" | "deny"), reason, detail  as  u32be(byte length) ‖ bytes
//   hash     = SHA-256(raw 32 bytes of prev_hash ‖ encoding), stored as lower-case hex
//
// Length prefixes make the encoding injective: no two different records encode alike.
// Thread-safety: pure functions.
#pragma once

#include <string>

#include "audit/audit.h"

namespace lj::audit {

inline constexpr const char* kGenesisHash =
    "0000000000000000000000000000000000000000000000000000000000000000";

std::string CanonicalEncoding(const Record& r);
// SHA-256 over prev_hash (hex, decoded; malformed hex hashes as given) and the encoding.
std::string ChainHash(const std::string& prev_hash_hex, const Record& r);
std::string HmacSha256Hex(const std::string& key, const std::string& data);
std::string Sha256Hex(const std::string& data);
// Lower-case hex of 64 characters.
bool IsHash(const std::string& hex);

}  // namespace lj::audit
