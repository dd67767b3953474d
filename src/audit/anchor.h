// Internal to src/audit: the anchor file, the signed head of the chain, and its key file.
//
//   anchor file:  "lingjing-audit-anchor 1\nseq=<n>\nhash=<64 hex>\nmac=<64 hex>\n"
//                 mac = HMAC-SHA-256(key, "lingjing-audit-anchor 1|<n>|<hash>")
//   key file:     64 hex characters (32 random bytes) and a newline, mode 0600
//
// The anchor is replaced atomically (temporary file, fsync, rename, fsync of the directory) under
// an exclusive flock on "<anchor>.lock", so concurrent writers (server and CLI) never interleave.
// Thread-safety: functions are stateless; callers serialise writes through the flock.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "common/status.h"

namespace lj::audit {

struct Anchor {
  int64_t seq = 0;
  std::string hash;
};

// Reads the key; kNotFound when the file does not exist; `create` makes a new one then.
Result<std::string> LoadKey(const std::string& path, bool create);

// nullopt: no anchor file. kInvalidArgument: malformed or wrong MAC (the message says which).
Result<std::optional<Anchor>> ReadAnchor(const std::string& path, const std::string& key);
Status WriteAnchor(const std::string& path, const std::string& key, const Anchor& anchor);

// Holds an exclusive flock on "<anchor>.lock" while alive.
class AnchorLock {
 public:
  static Result<AnchorLock> Acquire(const std::string& anchor_path);
  AnchorLock(AnchorLock&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
  AnchorLock(const AnchorLock&) = delete;
  ~AnchorLock();

 private:
  explicit AnchorLock(int fd) : fd_(fd) {}
  int fd_;
};

}  // namespace lj::audit
