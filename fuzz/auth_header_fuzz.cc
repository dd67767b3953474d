// libFuzzer target for the credential parsers of untrusted request headers: Authorization
// (Bearer, Basic) and Cookie values, the token format and strict base64. Invariants trap with
// __builtin_trap(): results point into the input, tokens that parse are well-formed, decoded
// Basic credentials are bounded and free of control characters, base64 decoding is canonical
// (re-encoding gives back the input).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "auth/credentials.h"
#include "fuzz_util.h"

namespace {

using lj::fuzz::Check;
using lj::fuzz::Inside;
using lj::fuzz::Touch;

std::string EncodeBase64(std::string_view in) {
  static constexpr char kA[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  auto b = [&](size_t k) { return static_cast<uint32_t>(static_cast<unsigned char>(in[k])); };
  for (; i + 3 <= in.size(); i += 3) {
    const uint32_t n = b(i) << 16 | b(i + 1) << 8 | b(i + 2);
    for (int s = 18; s >= 0; s -= 6) out += kA[(n >> s) & 63];
  }
  if (in.size() - i == 1) {
    const uint32_t n = b(i) << 16;
    out += {kA[(n >> 18) & 63], kA[(n >> 12) & 63], '=', '='};
  } else if (in.size() - i == 2) {
    const uint32_t n = b(i) << 16 | b(i + 1) << 8;
    out += {kA[(n >> 18) & 63], kA[(n >> 12) & 63], kA[(n >> 6) & 63], '='};
  }
  return out;
}

bool HasControl(std::string_view s) {
  for (char c : s)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return true;
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const std::string_view in(reinterpret_cast<const char*>(data + 1), size - 1);
  using lj::auth::Credential;
  switch (data[0] % 4) {
    case 0: {
      lj::Result<Credential> c = lj::auth::ParseAuthorization(in);
      if (!c.ok()) {
        Check(c.status().code() == lj::ErrorCode::kUnauthorized);
        break;
      }
      Check(in.size() <= lj::auth::kMaxHeaderBytes);
      if (c->kind == Credential::Kind::kBearer) {
        Check(Inside(c->token, in));
        Check(lj::auth::ClassifyToken(c->token) == c->token_kind);
        Check(c->token_kind != lj::auth::TokenKind::kSession);
        Touch(c->token);
      } else {
        Check(c->kind == Credential::Kind::kBasic);
        Check(!c->user.empty() && c->user.size() <= lj::auth::kMaxUserNameBytes);
        Check(!c->password.empty() && c->password.size() <= lj::auth::kMaxPasswordBytes);
        Check(c->user.find(':') == std::string::npos);
        Check(!HasControl(c->user) && !HasControl(c->password));
      }
      break;
    }
    case 1: {
      lj::Result<std::optional<Credential>> c = lj::auth::ParseSessionCookie(in, "lj_session");
      if (!c.ok()) {
        Check(c.status().code() == lj::ErrorCode::kUnauthorized);
        break;
      }
      if (c->has_value()) {
        Check((*c)->kind == Credential::Kind::kSession);
        Check(Inside((*c)->token, in));
        Check(lj::auth::ClassifyToken((*c)->token) == lj::auth::TokenKind::kSession);
        Touch((*c)->token);
      }
      break;
    }
    case 2: {
      std::optional<std::string> d = lj::auth::DecodeBase64(in, 512);
      if (d) {
        Check(d->size() <= 512);
        Check(EncodeBase64(*d) == in);
      }
      break;
    }
    default: {
      std::optional<lj::auth::TokenKind> k = lj::auth::ClassifyToken(in);
      if (k) {
        Check(in.size() == lj::auth::kTokenChars);
        Check(in.substr(0, 4) == lj::auth::TokenPrefix(*k));
      }
      break;
    }
  }
  return 0;
}
