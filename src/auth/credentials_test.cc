#include "auth/credentials.h"

#include <gtest/gtest.h>

#include "auth/crypto.h"

namespace lj::auth {
namespace {

const std::string kDevice = "ljd_" + std::string(42, 'A') + "E";  // last char: low 2 bits zero
const std::string kService = "ljs_" + std::string(43, '_').substr(0, 42) + "w";
const std::string kSession = "ljx_" + std::string(42, 'z') + "0";

TEST(TokenFormat, GeneratedTokensClassifyByPrefix) {
  for (TokenKind k : {TokenKind::kDevice, TokenKind::kService, TokenKind::kSession}) {
    Result<std::string> t = GenerateToken(k);
    ASSERT_TRUE(t.ok());
    EXPECT_EQ(t->size(), kTokenChars);
    EXPECT_EQ(t->substr(0, 4), TokenPrefix(k));
    EXPECT_EQ(ClassifyToken(*t), k) << *t;
  }
  EXPECT_NE(*GenerateToken(TokenKind::kDevice), *GenerateToken(TokenKind::kDevice));
}

TEST(TokenFormat, RejectsWrongPrefixLengthAlphabetAndNonCanonicalTail) {
  EXPECT_EQ(ClassifyToken(kDevice), TokenKind::kDevice);
  EXPECT_EQ(ClassifyToken(kService), TokenKind::kService);
  EXPECT_EQ(ClassifyToken(kSession), TokenKind::kSession);
  EXPECT_FALSE(ClassifyToken("lja_" + kDevice.substr(4)));
  EXPECT_FALSE(ClassifyToken(kDevice.substr(0, kTokenChars - 1)));
  EXPECT_FALSE(ClassifyToken(kDevice + "A"));
  std::string plus = kDevice;
  plus[10] = '+';
  EXPECT_FALSE(ClassifyToken(plus));
  std::string tail = kDevice;
  tail.back() = 'B';  // low bits set: not the encoding of 32 bytes
  EXPECT_FALSE(ClassifyToken(tail));
  EXPECT_FALSE(ClassifyToken(""));
}

TEST(Authorization, BearerTokensCaseInsensitiveSchemeAndSpaces) {
  for (const std::string& h : {"Bearer " + kDevice, "bearer " + kDevice, "BEARER   " + kDevice,
                               "  Bearer " + kDevice + " "}) {
    Result<Credential> c = ParseAuthorization(h);
    ASSERT_TRUE(c.ok()) << h << ": " << c.status().ToString();
    EXPECT_EQ(c->kind, Credential::Kind::kBearer);
    EXPECT_EQ(c->token_kind, TokenKind::kDevice);
    EXPECT_EQ(c->token, kDevice);
  }
  Result<Credential> s = ParseAuthorization("Bearer " + kService);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->token_kind, TokenKind::kService);
}

TEST(Authorization, RejectsMalformedWithoutEchoingSecrets) {
  const std::vector<std::string> bad = {
      "",
      "Bearer",
      "Bearer ",
      "Bearer" + kDevice,
      "Bearer " + kDevice + " extra",
      "Bearer " + kDevice + "," + kDevice,
      "Bearer\t" + kDevice,
      "Bearer " + kSession,  // session secrets only as a cookie
      "Bearer not-a-token",
      "Token " + kDevice,
      "Digest username=x",
      "Basic",
      "Basic !!!!",
      "Basic dXNlcg==",          // "user": no colon
      "Basic OnB3MTIzNDU2Nzg=",  // ":pw12345678": empty user
      "Basic dXNlcjo=",          // "user:": empty password
      "Basic dXNlcjpwdw",        // missing padding
      "Basic dXNlcjpwdw==x",
      "Basic dXNlcjpwdx==",  // non-canonical padding bits
      std::string(kMaxHeaderBytes + 1, 'a'),
  };
  for (const std::string& h : bad) {
    Result<Credential> c = ParseAuthorization(h);
    EXPECT_FALSE(c.ok()) << h;
    if (c.ok()) continue;
    EXPECT_EQ(c.status().code(), ErrorCode::kUnauthorized);
    EXPECT_EQ(c.status().message().find(kDevice), std::string::npos);
    EXPECT_EQ(c.status().message().find("not-a-token"), std::string::npos);
  }
}

TEST(Authorization, BasicDecodesUserAndPasswordWithColons) {
  // "nurse.kim:pa:ss word" — the password keeps its colon and space.
  Result<Credential> c = ParseAuthorization("Basic bnVyc2Uua2ltOnBhOnNzIHdvcmQ=");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->kind, Credential::Kind::kBasic);
  EXPECT_EQ(c->user, "nurse.kim");
  EXPECT_EQ(c->password, "pa:ss word");
  // A control character in the password is refused.
  EXPECT_FALSE(ParseAuthorization("Basic dTpwAXc=").ok());  // "u:p\x01w"
}

TEST(Authorization, BasicBoundsDecodedLength) {
  std::string user(kMaxUserNameBytes, 'u'), pw(kMaxPasswordBytes, 'p');
  auto b64 = [](const std::string& s) {
    static const char* a = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    size_t i = 0;
    for (; i + 3 <= s.size(); i += 3) {
      uint32_t n = uint8_t(s[i]) << 16 | uint8_t(s[i + 1]) << 8 | uint8_t(s[i + 2]);
      for (int k = 18; k >= 0; k -= 6) out += a[(n >> k) & 63];
    }
    if (s.size() - i == 1) {
      uint32_t n = uint8_t(s[i]) << 16;
      out += a[(n >> 18) & 63];
      out += a[(n >> 12) & 63];
      out += "==";
    } else if (s.size() - i == 2) {
      uint32_t n = uint8_t(s[i]) << 16 | uint8_t(s[i + 1]) << 8;
      out += a[(n >> 18) & 63];
      out += a[(n >> 12) & 63];
      out += a[(n >> 6) & 63];
      out += "=";
    }
    return out;
  };
  EXPECT_TRUE(ParseAuthorization("Basic " + b64(user + ":" + pw)).ok());
  EXPECT_FALSE(ParseAuthorization("Basic " + b64(user + "u:" + pw)).ok());
  EXPECT_FALSE(ParseAuthorization("Basic " + b64(user + ":" + pw + "p")).ok());
}

TEST(Base64, StrictDecoding) {
  EXPECT_EQ(DecodeBase64("TWFu", 10), "Man");
  EXPECT_EQ(DecodeBase64("TWE=", 10), "Ma");
  EXPECT_EQ(DecodeBase64("TQ==", 10), "M");
  EXPECT_FALSE(DecodeBase64("TQ=", 10));
  EXPECT_FALSE(DecodeBase64("T===", 10));
  EXPECT_FALSE(DecodeBase64("=QQQ", 10));
  EXPECT_FALSE(DecodeBase64("TQ=A", 10));
  EXPECT_FALSE(DecodeBase64("TWFu", 2));
  EXPECT_FALSE(DecodeBase64("", 10));
}

TEST(SessionCookie, FindsTheNamedCookieAmongOthers) {
  for (const std::string& h :
       {"lj_session=" + kSession, "a=1; lj_session=" + kSession + "; b=2",
        "a=1;lj_session=" + kSession, "theme=dark; weird; lj_session=\"" + kSession + "\"",
        "  lj_session = " + kSession + " ;"}) {
    Result<std::optional<Credential>> c = ParseSessionCookie(h, "lj_session");
    ASSERT_TRUE(c.ok()) << h << ": " << c.status().ToString();
    ASSERT_TRUE(c->has_value()) << h;
    EXPECT_EQ((*c)->kind, Credential::Kind::kSession);
    EXPECT_EQ((*c)->token, kSession);
  }
}

TEST(SessionCookie, AbsentDuplicateOrWrongValue) {
  Result<std::optional<Credential>> none = ParseSessionCookie("a=1; lj_sessionx=2", "lj_session");
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
  EXPECT_TRUE(ParseSessionCookie("", "lj_session").ok());
  EXPECT_FALSE(
      ParseSessionCookie("lj_session=" + kSession + "; lj_session=" + kSession, "lj_session").ok());
  EXPECT_FALSE(ParseSessionCookie("lj_session=" + kDevice, "lj_session").ok());
  EXPECT_FALSE(ParseSessionCookie("lj_session=", "lj_session").ok());
  EXPECT_FALSE(ParseSessionCookie(std::string(kMaxHeaderBytes + 1, ';'), "lj_session").ok());
  std::string many;
  for (size_t i = 0; i <= kMaxCookiePairs; ++i) many += "c=1;";
  EXPECT_FALSE(ParseSessionCookie(many, "lj_session").ok());
}

}  // namespace
}  // namespace lj::auth
