// Password hashing with argon2id (Debian libargon2): PHC strings
// "$argon2id$v=19$m=<KiB>,t=<passes>,p=<lanes>$<salt>$<hash>", random 16-byte salts from
// RAND_bytes, verification by libargon2's constant-time comparison.
//
// Contract: Verify reports needs_rehash when a stored hash was made with other parameters than
// the hasher's (the caller re-hashes after a successful login: parameter upgrade). Stored
// strings with absurd parameters (memory > 1 GiB, passes > 64, lanes > 64) are refused rather
// than run. At most `max_concurrent` hash/verify computations run at once; beyond that the call
// fails fast with kRateLimited (each costs ~m KiB of memory and tens of milliseconds of CPU, so
// unbounded concurrency would be a memory and CPU exhaustion vector).
// Thread-safety: all methods are safe to call concurrently.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace lj::auth {

// Defaults: OWASP Password Storage Cheat Sheet, argon2id m=19 MiB, t=2, p=1.
struct Argon2Params {
  uint32_t memory_kib = 19456;
  uint32_t iterations = 2;
  uint32_t parallelism = 1;
  bool operator==(const Argon2Params&) const = default;
};

// kInvalidArgument when outside memory 8..1048576 KiB (and >= 8 * parallelism), iterations
// 1..64, parallelism 1..64.
Status ValidateArgon2Params(const Argon2Params& p);
// The parameters of a PHC argon2id string; kInvalidArgument when it is not one.
Result<Argon2Params> ParsePhcParams(std::string_view encoded);

class PasswordHasher {
 public:
  explicit PasswordHasher(Argon2Params params = {}, int max_concurrent = 2);

  const Argon2Params& params() const { return params_; }
  Result<std::string> Hash(std::string_view password) const;

  struct Verification {
    bool match = false;
    bool needs_rehash = false;  // match, but made with different parameters
  };
  // kInvalidArgument when `encoded` is not a usable argon2id string.
  Result<Verification> Verify(std::string_view encoded, std::string_view password) const;
  // Spends the same time as a Verify against a hash of the current parameters, for unknown
  // users, so response time does not reveal whether a user exists.
  void VerifyDummy(std::string_view password) const;

 private:
  class Slot;
  Argon2Params params_;
  int max_concurrent_;
  std::string dummy_;  // a hash of a random password with params_
  mutable std::atomic<int> running_{0};
};

}  // namespace lj::auth
