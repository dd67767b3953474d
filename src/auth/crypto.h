// Small cryptographic helpers over OpenSSL: random bytes from the OS CSPRNG (RAND_bytes),
// SHA-256, HMAC-SHA-256, base64url, constant-time comparison, token and password generation.
// Contract: RandomBytes fails (kInternal) rather than returning weak bytes. Hex is lower case.
// Thread-safety: stateless, safe from any thread.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "auth/credentials.h"
#include "common/status.h"

namespace lj::auth {

using Sha256Digest = std::array<uint8_t, 32>;

Result<std::string> RandomBytes(size_t n);
Sha256Digest Sha256(std::string_view data);
std::string Sha256Hex(std::string_view data);
std::string HmacSha256Hex(std::string_view key, std::string_view data);
std::string ToHex(const uint8_t* data, size_t n);
std::string Base64UrlEncode(std::string_view bytes);  // no padding
// Equal length and bytes, in time independent of where they differ.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

// A new printable token "<prefix><43 base64url chars>" carrying 256 random bits.
Result<std::string> GenerateToken(TokenKind kind);
// A random password of `chars` characters from [A-Za-z0-9] (unbiased; 20 chars ≈ 119 bits).
Result<std::string> GeneratePassword(size_t chars = 20);

}  // namespace lj::auth
