// Credentials from untrusted request headers: `Authorization: Bearer <token>`,
// `Authorization: Basic <base64(user:password)>` and the session cookie in a `Cookie:` header.
// Also the printable token format: a kind prefix ("ljd_" device, "ljs_" service, "ljx_" browser
// session) followed by exactly 43 base64url characters (32 random bytes).
//
// Contract: pure functions over bounded input; header values longer than kMaxHeaderBytes are
// rejected before any work; the only allocation is the decoded Basic user/password (bounded).
// Errors are kUnauthorized (1010) with a message that never echoes a secret. Bearer tokens and
// session cookies are returned as views into the caller's header value (valid while it is).
// Thread-safety: stateless, safe from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace lj::auth {

inline constexpr size_t kMaxHeaderBytes = 8192;
inline constexpr size_t kMaxUserNameBytes = 64;
inline constexpr size_t kMaxPasswordBytes = 256;
inline constexpr size_t kTokenSecretBytes = 32;
inline constexpr size_t kTokenBodyChars = 43;  // base64url of 32 bytes, no padding
inline constexpr size_t kTokenChars = 4 + kTokenBodyChars;
inline constexpr size_t kMaxCookiePairs = 256;

enum class TokenKind : uint8_t { kDevice, kService, kSession };

std::string_view TokenPrefix(TokenKind kind);    // "ljd_", "ljs_", "ljx_"
std::string_view TokenKindName(TokenKind kind);  // "device", "service", "session"
std::optional<TokenKind> ParseTokenKind(std::string_view name);
// The kind of a well-formed token string (known prefix + 43 base64url characters), else nullopt.
std::optional<TokenKind> ClassifyToken(std::string_view token);

struct Credential {
  enum class Kind : uint8_t { kBearer, kBasic, kSession };
  Kind kind = Kind::kBearer;
  TokenKind token_kind = TokenKind::kDevice;  // kBearer, kSession
  std::string_view token;                     // kBearer, kSession: view into the header value
  std::string user, password;                 // kBasic, decoded
};

// An owning copy of a credential, for a connection that re-checks its principal later (a
// WebSocket session: token revocation, logout, a disabled user). Never copied or moved, so the
// token view keeps pointing into its own copy of the secret.
class HeldCredential {
 public:
  static std::shared_ptr<const HeldCredential> Of(const Credential& c);
  const Credential& get() const { return c_; }
  HeldCredential(const HeldCredential&) = delete;
  HeldCredential& operator=(const HeldCredential&) = delete;

 private:
  HeldCredential() = default;
  std::string secret_;
  Credential c_;
};

// Parses an Authorization header value ("Bearer ljd_…" or "Basic dXNlcjpwdw=="). The scheme is
// case-insensitive; exactly one token68 follows after one or more spaces. A bearer token must
// be a device or service token (session secrets travel only in the cookie).
Result<Credential> ParseAuthorization(std::string_view value);

// The value of cookie `name` in a Cookie header value ("a=1; lj_session=ljx_…"). nullopt when
// absent. Malformed unrelated pairs are skipped; the named cookie appearing twice is an error
// (ambiguous, e.g. a cookie planted for a parent domain), as is a value that is not a session
// token.
Result<std::optional<Credential>> ParseSessionCookie(std::string_view cookie_header,
                                                     std::string_view name);

// Strict RFC 4648 base64 (standard alphabet, '=' padding required); nullopt when malformed.
std::optional<std::string> DecodeBase64(std::string_view text, size_t max_decoded);

}  // namespace lj::auth
