#include "auth/password.h"

#include <argon2.h>
#include <fmt/format.h>

#include <charconv>

#include "auth/crypto.h"

namespace lj::auth {
namespace {

constexpr size_t kSaltBytes = 16;
constexpr size_t kHashBytes = 32;

bool ParseUint(std::string_view s, uint32_t* out) {
  if (s.empty() || s.size() > 10) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && p == s.data() + s.size();
}

}  // namespace

// Reserves one of the hasher's concurrent computations for its lifetime.
class PasswordHasher::Slot {
 public:
  explicit Slot(const PasswordHasher& h) : h_(h) {
    acquired_ = h_.running_.fetch_add(1) < h_.max_concurrent_;
  }
  ~Slot() { h_.running_.fetch_sub(1); }
  bool acquired() const { return acquired_; }

 private:
  const PasswordHasher& h_;
  bool acquired_;
};

Status ValidateArgon2Params(const Argon2Params& p) {
  if (p.parallelism < 1 || p.parallelism > 64)
    return Status(ErrorCode::kInvalidArgument, "argon2 parallelism must be 1..64");
  if (p.iterations < 1 || p.iterations > 64)
    return Status(ErrorCode::kInvalidArgument, "argon2 iterations must be 1..64");
  if (p.memory_kib < 8 * p.parallelism || p.memory_kib > 1048576)
    return Status(ErrorCode::kInvalidArgument, "argon2 memory must be 8*parallelism..1048576 KiB");
  return Status::Ok();
}

Result<Argon2Params> ParsePhcParams(std::string_view encoded) {
  auto bad = [] { return Status(ErrorCode::kInvalidArgument, "not an argon2id PHC string"); };
  constexpr std::string_view kPrefix = "$argon2id$v=19$";
  if (encoded.substr(0, kPrefix.size()) != kPrefix) return bad();
  std::string_view rest = encoded.substr(kPrefix.size());
  const size_t end = rest.find('$');
  if (end == std::string_view::npos) return bad();
  std::string_view list = rest.substr(0, end);
  Argon2Params p;
  int seen = 0;
  for (const char key : {'m', 't', 'p'}) {
    if (list.size() < 2 || list[0] != key || list[1] != '=') return bad();
    const size_t comma = list.find(',');
    uint32_t v = 0;
    if (!ParseUint(list.substr(2, comma == std::string_view::npos ? list.npos : comma - 2), &v))
      return bad();
    (key == 'm' ? p.memory_kib : key == 't' ? p.iterations : p.parallelism) = v;
    ++seen;
    list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
  }
  if (seen != 3 || !list.empty()) return bad();
  if (Status s = ValidateArgon2Params(p); !s.ok()) return s;
  return p;
}

PasswordHasher::PasswordHasher(Argon2Params params, int max_concurrent)
    : params_(params), max_concurrent_(max_concurrent < 1 ? 1 : max_concurrent) {
  // The dummy is hashed from random bytes; if that fails, VerifyDummy still burns comparable
  // time through libargon2's own error path only partially, so it is logged by the store.
  if (Result<std::string> pw = RandomBytes(16); pw.ok())
    if (Result<std::string> h = Hash(Base64UrlEncode(*pw)); h.ok()) dummy_ = *h;
}

Result<std::string> PasswordHasher::Hash(std::string_view password) const {
  if (Status s = ValidateArgon2Params(params_); !s.ok()) return s;
  Slot slot(*this);
  if (!slot.acquired())
    return Status(ErrorCode::kRateLimited, "too many password computations in progress");
  Result<std::string> salt = RandomBytes(kSaltBytes);
  if (!salt.ok()) return salt.status();
  std::string out(argon2_encodedlen(params_.iterations, params_.memory_kib, params_.parallelism,
                                    kSaltBytes, kHashBytes, Argon2_id),
                  '\0');
  const int rc = argon2id_hash_encoded(params_.iterations, params_.memory_kib, params_.parallelism,
                                       password.data(), password.size(), salt->data(), salt->size(),
                                       kHashBytes, out.data(), out.size());
  if (rc != ARGON2_OK)
    return Status(ErrorCode::kInternal, fmt::format("argon2id: {}", argon2_error_message(rc)));
  out.resize(out.find('\0') == std::string::npos ? out.size() : out.find('\0'));
  return out;
}

Result<PasswordHasher::Verification> PasswordHasher::Verify(std::string_view encoded,
                                                            std::string_view password) const {
  Result<Argon2Params> stored = ParsePhcParams(encoded);
  if (!stored.ok()) return stored.status();
  Slot slot(*this);
  if (!slot.acquired())
    return Status(ErrorCode::kRateLimited, "too many password computations in progress");
  const std::string z(encoded);  // libargon2 wants a NUL-terminated string
  const int rc = argon2id_verify(z.c_str(), password.data(), password.size());
  Verification v;
  if (rc == ARGON2_OK) {
    v.match = true;
    v.needs_rehash = !(*stored == params_);
  } else if (rc != ARGON2_VERIFY_MISMATCH) {
    return Status(ErrorCode::kInvalidArgument,
                  fmt::format("stored password hash unusable: {}", argon2_error_message(rc)));
  }
  return v;
}

void PasswordHasher::VerifyDummy(std::string_view password) const {
  if (dummy_.empty()) return;
  Result<Verification> v = Verify(dummy_, password);
  v.status().IgnoreError();  // the outcome is irrelevant; only the time spent matters
}

}  // namespace lj::auth
