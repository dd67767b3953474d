#include "audit/record_codec.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

namespace lj::audit {
namespace {

std::string Hex(const unsigned char* d, size_t n) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(2 * n, '0');
  for (size_t i = 0; i < n; ++i) {
    out[2 * i] = kHex[d[i] >> 4];
    out[2 * i + 1] = kHex[d[i] & 15];
  }
  return out;
}

int Nibble(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

void PutU64(std::string& out, uint64_t v) {
  for (int s = 56; s >= 0; s -= 8) out.push_back(static_cast<char>((v >> s) & 0xff));
}

void PutField(std::string& out, std::string_view v) {
  const auto n = static_cast<uint32_t>(v.size());
  for (int s = 24; s >= 0; s -= 8) out.push_back(static_cast<char>((n >> s) & 0xff));
  out.append(v);
}

}  // namespace

bool IsHash(const std::string& hex) {
  if (hex.size() != 64) return false;
  for (char c : hex)
    if (Nibble(c) < 0) return false;
  return true;
}

std::string CanonicalEncoding(const Record& r) {
  std::string out = "LJAUDIT1";
  PutU64(out, static_cast<uint64_t>(r.seq));
  PutU64(out, static_cast<uint64_t>(r.time_ns));
  for (std::string_view f :
       {std::string_view(r.actor), std::string_view(r.actor_kind), std::string_view(r.actor_role),
        std::string_view(r.remote), InterfaceName(r.interface), std::string_view(r.action),
        std::string_view(r.patient), std::string_view(r.twin),
        std::string_view(r.allowed ? "allow" : "deny"), std::string_view(r.reason),
        std::string_view(r.detail)})
    PutField(out, f);
  return out;
}

std::string ChainHash(const std::string& prev_hash_hex, const Record& r) {
  std::string prev;
  if (IsHash(prev_hash_hex)) {
    for (size_t i = 0; i < 64; i += 2)
      prev.push_back(
          static_cast<char>(Nibble(prev_hash_hex[i]) << 4 | Nibble(prev_hash_hex[i + 1])));
  } else {
    prev = prev_hash_hex;  // a corrupted link still hashes deterministically (and mismatches)
  }
  return Sha256Hex(prev + CanonicalEncoding(r));
}

std::string Sha256Hex(const std::string& data) {
  unsigned char d[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), d);
  return Hex(d, sizeof d);
}

std::string HmacSha256Hex(const std::string& key, const std::string& data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &len);
  return Hex(out, len);
}

}  // namespace lj::audit
