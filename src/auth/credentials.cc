#include "auth/credentials.h"

#include <array>

namespace lj::auth {
namespace {

Status Bad(std::string why) {
  return Status(ErrorCode::kUnauthorized, "malformed credentials: " + std::move(why));
}

bool IsBase64Url(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_';
}

// RFC 7230 tchar: the characters of a cookie name or an auth scheme.
bool IsTokenChar(char c) {
  if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) return true;
  switch (c) {
    case '!':
    case '#':
    case '$':
    case '%':
    case '&':
    case '\'':
    case '*':
    case '+':
    case '-':
    case '.':
    case '^':
    case '_':
    case '`':
    case '|':
    case '~':
      return true;
    default:
      return false;
  }
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

std::string_view TrimSpace(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool HasControl(std::string_view s) {
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) return true;
  }
  return false;
}

int Base64Value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

Result<Credential> ParseBasic(std::string_view token68) {
  std::optional<std::string> decoded =
      DecodeBase64(token68, kMaxUserNameBytes + 1 + kMaxPasswordBytes);
  if (!decoded) return Bad("Basic credentials are not valid base64 or too long");
  const size_t colon = decoded->find(':');
  if (colon == std::string::npos) return Bad("Basic credentials lack the ':' separator");
  Credential c;
  c.kind = Credential::Kind::kBasic;
  c.user = decoded->substr(0, colon);
  c.password = decoded->substr(colon + 1);
  if (c.user.empty() || c.user.size() > kMaxUserNameBytes || HasControl(c.user))
    return Bad("Basic user name is empty, too long or has control characters");
  if (c.password.empty() || c.password.size() > kMaxPasswordBytes || HasControl(c.password))
    return Bad("Basic password is empty, too long or has control characters");
  return c;
}

}  // namespace

std::string_view TokenPrefix(TokenKind kind) {
  switch (kind) {
    case TokenKind::kDevice:
      return "ljd_";
    case TokenKind::kService:
      return "ljs_";
    case TokenKind::kSession:
      return "ljx_";
  }
  return "";
}

std::string_view TokenKindName(TokenKind kind) {
  switch (kind) {
    case TokenKind::kDevice:
      return "device";
    case TokenKind::kService:
      return "service";
    case TokenKind::kSession:
      return "session";
  }
  return "";
}

std::optional<TokenKind> ParseTokenKind(std::string_view name) {
  for (TokenKind k : {TokenKind::kDevice, TokenKind::kService, TokenKind::kSession})
    if (name == TokenKindName(k)) return k;
  return std::nullopt;
}

std::optional<TokenKind> ClassifyToken(std::string_view token) {
  if (token.size() != kTokenChars) return std::nullopt;
  std::optional<TokenKind> kind;
  for (TokenKind k : {TokenKind::kDevice, TokenKind::kService, TokenKind::kSession})
    if (token.substr(0, 4) == TokenPrefix(k)) kind = k;
  if (!kind) return std::nullopt;
  for (char c : token.substr(4))
    if (!IsBase64Url(c)) return std::nullopt;
  // 43 characters carry 258 bits; the last one must leave the 2 spare bits zero (canonical).
  const char last = token.back();
  const int v = last >= 'A' && last <= 'Z'   ? last - 'A'
                : last >= 'a' && last <= 'z' ? last - 'a' + 26
                : last >= '0' && last <= '9' ? last - '0' + 52
                : last == '-'                ? 62
                                             : 63;
  if ((v & 3) != 0) return std::nullopt;
  return kind;
}

std::optional<std::string> DecodeBase64(std::string_view text, size_t max_decoded) {
  if (text.empty() || text.size() % 4 != 0) return std::nullopt;
  if (text.size() / 4 * 3 > max_decoded + 2) return std::nullopt;
  std::string out;
  out.reserve(text.size() / 4 * 3);
  for (size_t i = 0; i < text.size(); i += 4) {
    const bool last = i + 4 == text.size();
    std::array<int, 4> v{};
    int pad = 0;
    for (int k = 0; k < 4; ++k) {
      const char c = text[i + k];
      if (c == '=' && last && k >= 2) {
        ++pad;
        v[k] = 0;
        continue;
      }
      if (pad > 0) return std::nullopt;  // data after padding
      v[k] = Base64Value(c);
      if (v[k] < 0) return std::nullopt;
    }
    const uint32_t n = (static_cast<uint32_t>(v[0]) << 18) | (static_cast<uint32_t>(v[1]) << 12) |
                       (static_cast<uint32_t>(v[2]) << 6) | static_cast<uint32_t>(v[3]);
    // Non-canonical encodings (bits set under the padding) are rejected.
    if ((pad == 1 && (n & 0xff) != 0) || (pad == 2 && (n & 0xffff) != 0)) return std::nullopt;
    out.push_back(static_cast<char>(n >> 16));
    if (pad < 2) out.push_back(static_cast<char>((n >> 8) & 0xff));
    if (pad < 1) out.push_back(static_cast<char>(n & 0xff));
  }
  if (out.size() > max_decoded) return std::nullopt;
  return out;
}

Result<Credential> ParseAuthorization(std::string_view value) {
  if (value.size() > kMaxHeaderBytes) return Bad("Authorization header too long");
  value = TrimSpace(value);
  size_t sp = 0;
  while (sp < value.size() && IsTokenChar(value[sp])) ++sp;
  if (sp == 0 || sp == value.size() || value[sp] != ' ')
    return Bad("expected '<scheme> <credentials>'");
  const std::string_view scheme = value.substr(0, sp);
  std::string_view rest = value.substr(sp);
  while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
  if (rest.empty()) return Bad("missing credentials after the scheme");
  for (char c : rest)
    if (c == ' ' || c == '\t' || c == ',') return Bad("expected exactly one credential");
  if (EqualsIgnoreCase(scheme, "bearer")) {
    std::optional<TokenKind> kind = ClassifyToken(rest);
    if (!kind) return Bad("bearer token is not a Lingjing token (ljd_… or ljs_…)");
    if (*kind == TokenKind::kSession) return Bad("session tokens are accepted only as a cookie");
    Credential c;
    c.kind = Credential::Kind::kBearer;
    c.token_kind = *kind;
    c.token = rest;
    return c;
  }
  if (EqualsIgnoreCase(scheme, "basic")) return ParseBasic(rest);
  return Bad("unsupported authorization scheme (use Bearer or Basic)");
}

Result<std::optional<Credential>> ParseSessionCookie(std::string_view cookie_header,
                                                     std::string_view name) {
  if (cookie_header.size() > kMaxHeaderBytes) return Bad("Cookie header too long");
  std::optional<Credential> found;
  size_t pairs = 0;
  std::string_view rest = cookie_header;
  while (!rest.empty()) {
    if (++pairs > kMaxCookiePairs) return Bad("too many cookies");
    const size_t semi = rest.find(';');
    std::string_view pair = TrimSpace(rest.substr(0, semi));
    rest = semi == std::string_view::npos ? std::string_view() : rest.substr(semi + 1);
    const size_t eq = pair.find('=');
    if (eq == std::string_view::npos) continue;  // not ours; browsers do send odd pairs
    const std::string_view key = TrimSpace(pair.substr(0, eq));
    if (key != name) continue;
    if (found) return Bad("session cookie appears more than once");
    std::string_view v = TrimSpace(pair.substr(eq + 1));
    if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
    std::optional<TokenKind> kind = ClassifyToken(v);
    if (!kind || *kind != TokenKind::kSession) return Bad("session cookie is not a session token");
    Credential c;
    c.kind = Credential::Kind::kSession;
    c.token_kind = TokenKind::kSession;
    c.token = v;
    found = std::move(c);
  }
  return found;
}

std::shared_ptr<const HeldCredential> HeldCredential::Of(const Credential& c) {
  std::shared_ptr<HeldCredential> h(new HeldCredential());
  h->secret_.assign(c.token);
  h->c_ = c;
  h->c_.token = h->secret_;
  return h;
}

}  // namespace lj::auth
