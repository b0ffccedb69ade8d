// Unit tests of the auth service's pure parts: input rules, key sealing, the token cache, the
// session encoding and the retry-after status.
#include <gtest/gtest.h>

#include "services/auth/accounts.h"
#include "services/auth/key_sealing.h"
#include "services/auth/login_limiter.h"
#include "services/auth/recovery_code.h"
#include "services/auth/session_store.h"
#include "services/auth/token_cache.h"
#include "shared/crypto/x25519.h"
#include "shared/testing/status_matchers.h"

namespace datamesh::auth {
namespace {

using ::datamesh::testing::StatusIs;

TEST(AccountRules, AcceptsWellFormedInput) {
  EXPECT_OK(ValidateUsername("alice"));
  EXPECT_OK(ValidateUsername("a.b-c_9"));
  EXPECT_OK(ValidateUsername(std::string(64, 'x')));
  EXPECT_OK(ValidateEmail("alice@example.com"));
  EXPECT_OK(ValidateEmail("first.last+tag@mail.example.org"));
  EXPECT_OK(ValidatePassword("correct horse"));
  EXPECT_OK(ValidatePassword("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"));
}

TEST(AccountRules, RejectsMalformedUsernames) {
  for (const std::string& bad :
       {std::string("ab"), std::string(65, 'x'), std::string("al ice"),
        std::string("alice'; DROP TABLE auth.users; --"), std::string("al\0ice", 6),
        std::string("\xc3\xa9lise"), std::string("")}) {
    EXPECT_THAT(ValidateUsername(bad), StatusIs(absl::StatusCode::kInvalidArgument)) << bad;
  }
}

TEST(AccountRules, RejectsMalformedEmails) {
  for (const char* bad :
       {"", "alice", "alice@", "@example.com", "alice@example", "alice@@example.com",
        "a b@example.com", "alice@exa mple.com", "alice@-example.com", "alice@example.c0m",
        ".alice@example.com", "al..ice@example.com", "alice@example..com",
        "x'@example.com' OR '1'='1", "alice@example.com\n"}) {
    EXPECT_THAT(ValidateEmail(bad), StatusIs(absl::StatusCode::kInvalidArgument)) << bad;
  }
  EXPECT_THAT(ValidateEmail(std::string(250, 'a') + "@example.com"),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(AccountRules, RejectsShortOversizedAndNulPasswords) {
  EXPECT_THAT(ValidatePassword("1234567"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ValidatePassword(std::string(1025, 'p')),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ValidatePassword(std::string("abcd\0efgh", 9)),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_OK(ValidatePassword(std::string(1024, 'p')));
}

class KeySealingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto pair = crypto::X25519PrivateKey::Generate();
    ASSERT_OK(pair);
    auto bytes = pair->ToBytes();
    ASSERT_OK(bytes);
    key_ = std::move(*bytes);
  }
  crypto::ScryptParams params_{.n = 1 << 10};
  crypto::SecretBytes key_;
};

TEST_F(KeySealingTest, PasswordCopyOpensOnlyWithThePassword) {
  auto sealed = SealWithPassword(key_, "pa55word!", params_, "user-1");
  ASSERT_OK(sealed);
  auto opened = OpenWithPassword(*sealed, "pa55word!", FormatKdf(params_), "user-1");
  ASSERT_OK(opened);
  EXPECT_EQ(opened->view(), key_.view());
  EXPECT_THAT(OpenWithPassword(*sealed, "pa55word?", FormatKdf(params_), "user-1"),
              StatusIs(absl::StatusCode::kDataLoss));
  EXPECT_THAT(OpenWithPassword(*sealed, "pa55word!", FormatKdf(params_), "user-2"),
              StatusIs(absl::StatusCode::kDataLoss));
}

TEST_F(KeySealingTest, SecretCopyOpensOnlyWithTheSecretAndPurpose) {
  auto sealed = SealWithSecret(key_, "token-a", SealPurpose::kSession, "u");
  ASSERT_OK(sealed);
  auto opened = OpenWithSecret(*sealed, "token-a", SealPurpose::kSession, "u");
  ASSERT_OK(opened);
  EXPECT_EQ(opened->view(), key_.view());
  EXPECT_THAT(OpenWithSecret(*sealed, "token-b", SealPurpose::kSession, "u"),
              StatusIs(absl::StatusCode::kDataLoss));
  EXPECT_THAT(OpenWithSecret(*sealed, "token-a", SealPurpose::kApiKey, "u"),
              StatusIs(absl::StatusCode::kDataLoss));
  EXPECT_THAT(OpenWithSecret(*sealed, "token-a", SealPurpose::kRecovery, "u"),
              StatusIs(absl::StatusCode::kDataLoss));
}

TEST(RecoveryCodeTest, FreshCodesAreGroupedAndReadBackAsTyped) {
  auto code = NewRecoveryCode();
  ASSERT_OK(code);
  ASSERT_EQ(code->normalized.size(), 32u);
  ASSERT_EQ(code->display.size(), 4u + 32u + 7u);
  EXPECT_EQ(code->display.substr(0, 4), "dmr-");
  for (size_t i = 8; i < code->display.size(); i += 5) EXPECT_EQ(code->display[i], '-') << i;
  EXPECT_EQ(code->normalized.find_first_of("ILOU"), std::string::npos);
  auto back = NormalizeRecoveryCode(code->display);
  ASSERT_OK(back);
  EXPECT_EQ(*back, code->normalized);
  auto other = NewRecoveryCode();
  ASSERT_OK(other);
  EXPECT_NE(other->normalized, code->normalized);
}

TEST(RecoveryCodeTest, LookAlikesCaseSpacesAndPrefixAreForgiven) {
  const std::string canonical = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
  auto typed = NormalizeRecoveryCode("DMR-oi23 4567 89ab-cdef ghjk mnpq-rstv-wxyz");
  ASSERT_OK(typed);
  EXPECT_EQ(*typed, canonical);
  auto spaced_prefix = NormalizeRecoveryCode("dmr oi23 4567 89ab cdef ghjk mnpq rstv wxyz");
  ASSERT_OK(spaced_prefix);
  EXPECT_EQ(*spaced_prefix, canonical);
  auto l_for_one = NormalizeRecoveryCode("0l23456789ABCDEFGHJKMNPQRSTVWXYZ");
  ASSERT_OK(l_for_one);
  EXPECT_EQ(*l_for_one, canonical);
}

TEST(RecoveryCodeTest, RefusesWrongLengthsAndCharacters) {
  for (const std::string& bad :
       {std::string(""), std::string("dmr-"), std::string(31, 'A'), std::string(33, 'A'),
        std::string(31, 'A') + "U", std::string(31, 'A') + "!", std::string(31, 'A') + std::string(1, '\0'),
        std::string(31, 'A') + "\xc3\xa9", std::string("dmr-dmr-") + std::string(32, 'A')}) {
    EXPECT_THAT(NormalizeRecoveryCode(bad), StatusIs(absl::StatusCode::kInvalidArgument)) << bad;
  }
}

TEST_F(KeySealingTest, TamperedCopyIsRejected) {
  auto sealed = SealWithSecret(key_, "token-a", SealPurpose::kSession, "u");
  ASSERT_OK(sealed);
  for (size_t i = 0; i < sealed->blob.size(); ++i) {
    SealedKey bad = *sealed;
    bad.blob[i] ^= 0x01;
    EXPECT_THAT(OpenWithSecret(bad, "token-a", SealPurpose::kSession, "u"),
                StatusIs(absl::StatusCode::kDataLoss))
        << "byte " << i;
  }
  SealedKey bad_salt = *sealed;
  bad_salt.salt[0] ^= 0x01;
  EXPECT_THAT(OpenWithSecret(bad_salt, "token-a", SealPurpose::kSession, "u"),
              StatusIs(absl::StatusCode::kDataLoss));
  SealedKey truncated = *sealed;
  truncated.blob.pop_back();
  EXPECT_THAT(OpenWithSecret(truncated, "token-a", SealPurpose::kSession, "u"),
              StatusIs(absl::StatusCode::kDataLoss));
}

TEST(Kdf, RoundTripsAndRejectsGarbage) {
  crypto::ScryptParams p{.n = 1 << 12, .r = 8, .p = 1};
  auto parsed = ParseKdf(FormatKdf(p));
  ASSERT_OK(parsed);
  EXPECT_EQ(parsed->n, p.n);
  EXPECT_THAT(ParseKdf("scrypt$abc$8$1"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseKdf("argon2$1$2$3"), StatusIs(absl::StatusCode::kInvalidArgument));
}

std::shared_ptr<const ValidatedCredential> Cred(const std::string& user,
                                                std::optional<absl::Time> expires = {}) {
  auto c = std::make_shared<ValidatedCredential>();
  c->user_id = user;
  c->expires_at = expires;
  return c;
}

TEST(TokenCacheTest, EntriesExpireAfterTtlOrCredentialExpiry) {
  TokenCache cache(absl::Seconds(5), 10);
  absl::Time t0 = absl::FromUnixSeconds(1000);
  cache.Put("h1", Cred("u1"), t0);
  cache.Put("h2", Cred("u2", t0 + absl::Seconds(1)), t0);
  EXPECT_NE(cache.Get("h1", t0 + absl::Seconds(4)), nullptr);
  EXPECT_EQ(cache.Get("h1", t0 + absl::Seconds(5)), nullptr);
  EXPECT_EQ(cache.Get("h2", t0 + absl::Seconds(2)), nullptr);
}

TEST(TokenCacheTest, EraseAndEraseUserDropEntries) {
  TokenCache cache(absl::Seconds(5), 10);
  absl::Time t0 = absl::FromUnixSeconds(1000);
  cache.Put("a", Cred("u1"), t0);
  cache.Put("b", Cred("u1"), t0);
  cache.Put("c", Cred("u2"), t0);
  cache.Erase("a");
  EXPECT_EQ(cache.Get("a", t0), nullptr);
  cache.EraseUser("u1");
  EXPECT_EQ(cache.Get("b", t0), nullptr);
  EXPECT_NE(cache.Get("c", t0), nullptr);
}

TEST(TokenCacheTest, StaysWithinCapacity) {
  TokenCache cache(absl::Seconds(5), 3);
  absl::Time t0 = absl::FromUnixSeconds(1000);
  for (int i = 0; i < 10; ++i) cache.Put("h" + std::to_string(i), Cred("u"), t0);
  EXPECT_LE(cache.size(), 3u);
  EXPECT_NE(cache.Get("h9", t0), nullptr);
}

TEST(SessionEncoding, RoundTripsBinaryFieldsAndRejectsGarbage) {
  SessionRecord s{.user_id = "u-1",
                  .expires_at = absl::FromUnixMicros(1234567),
                  .sealed = {std::string("\0|\xff", 3), std::string(60, '\x7c')}};
  auto back = DecodeSession(EncodeSession(s));
  ASSERT_OK(back);
  EXPECT_EQ(back->user_id, s.user_id);
  EXPECT_EQ(back->expires_at, s.expires_at);
  EXPECT_EQ(back->sealed.salt, s.sealed.salt);
  EXPECT_EQ(back->sealed.blob, s.sealed.blob);
  EXPECT_THAT(DecodeSession("v1|x"), StatusIs(absl::StatusCode::kInternal));
}

TEST(RateLimited, CarriesRetryAfter) {
  absl::Status s = RateLimitedError(42);
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kResourceExhausted));
  EXPECT_EQ(RetryAfter(s), 42);
  EXPECT_EQ(RetryAfter(absl::ResourceExhaustedError("x")), std::nullopt);
}

}  // namespace
}  // namespace datamesh::auth
