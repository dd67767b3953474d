#include "auth/password.h"

#include <gtest/gtest.h>

namespace lj::auth {
namespace {

// Small parameters keep the tests fast; the defaults are exercised once.
constexpr Argon2Params kFast{256, 1, 1};

TEST(Password, HashIsPhcArgon2idWithParametersAndVerifies) {
  PasswordHasher h(kFast);
  Result<std::string> hash = h.Hash("correct horse battery");
  ASSERT_TRUE(hash.ok()) << hash.status().ToString();
  EXPECT_EQ(hash->rfind("$argon2id$v=19$m=256,t=1,p=1$", 0), 0u) << *hash;
  Result<PasswordHasher::Verification> ok = h.Verify(*hash, "correct horse battery");
  ASSERT_TRUE(ok.ok());
  EXPECT_TRUE(ok->match);
  EXPECT_FALSE(ok->needs_rehash);
  Result<PasswordHasher::Verification> wrong = h.Verify(*hash, "correct horse batterY");
  ASSERT_TRUE(wrong.ok());
  EXPECT_FALSE(wrong->match);
  EXPECT_FALSE(h.Verify(*hash, "").value().match);
}

TEST(Password, SaltsDifferSoEqualPasswordsHashDifferently) {
  PasswordHasher h(kFast);
  EXPECT_NE(h.Hash("same password!").value(), h.Hash("same password!").value());
}

TEST(Password, DefaultsAreOwaspArgon2id) {
  PasswordHasher h;
  EXPECT_EQ(h.params(), (Argon2Params{19456, 2, 1}));
  Result<std::string> hash = h.Hash("pw-for-defaults");
  ASSERT_TRUE(hash.ok());
  EXPECT_EQ(hash->rfind("$argon2id$v=19$m=19456,t=2,p=1$", 0), 0u);
  EXPECT_TRUE(h.Verify(*hash, "pw-for-defaults").value().match);
}

TEST(Password, OtherParametersVerifyButAskForARehash) {
  PasswordHasher old_params(kFast), new_params(Argon2Params{512, 2, 1});
  std::string hash = old_params.Hash("upgrade me please").value();
  Result<PasswordHasher::Verification> v = new_params.Verify(hash, "upgrade me please");
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(v->match);
  EXPECT_TRUE(v->needs_rehash);
  // A mismatch never asks for a rehash.
  EXPECT_FALSE(new_params.Verify(hash, "wrong").value().needs_rehash);
}

TEST(Password, MalformedOrAbsurdStoredHashesAreRefused) {
  PasswordHasher h(kFast);
  for (const char* s : {"", "plain", "$argon2i$v=19$m=256,t=1,p=1$c2FsdHNhbHQ$aGFzaA",
                        "$argon2id$v=16$m=256,t=1,p=1$c2FsdHNhbHQ$aGFzaA",
                        "$argon2id$v=19$m=4194304,t=1,p=1$c2FsdHNhbHQ$aGFzaA",
                        "$argon2id$v=19$m=256,t=1000,p=1$c2FsdHNhbHQ$aGFzaA",
                        "$argon2id$v=19$t=1,m=256,p=1$c2FsdHNhbHQ$aGFzaA",
                        "$argon2id$v=19$m=256,t=1,p=1,x=2$c2FsdHNhbHQ$aGFzaA",
                        "$argon2id$v=19$m=256,t=1,p=1$!!!$aGFzaA"}) {
    Result<PasswordHasher::Verification> v = h.Verify(s, "pw");
    EXPECT_FALSE(v.ok()) << s;
  }
  Result<Argon2Params> p = ParsePhcParams("$argon2id$v=19$m=1024,t=3,p=2$c2FsdA$aGFzaA");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(*p, (Argon2Params{1024, 3, 2}));
}

TEST(Password, ParameterValidation) {
  EXPECT_TRUE(ValidateArgon2Params({19456, 2, 1}).ok());
  EXPECT_FALSE(ValidateArgon2Params({4, 1, 1}).ok());
  EXPECT_FALSE(ValidateArgon2Params({16, 1, 4}).ok());  // < 8 KiB per lane
  EXPECT_FALSE(ValidateArgon2Params({256, 0, 1}).ok());
  EXPECT_FALSE(ValidateArgon2Params({256, 1, 0}).ok());
  EXPECT_FALSE(ValidateArgon2Params({2097152, 1, 1}).ok());
}

}  // namespace
}  // namespace lj::auth
