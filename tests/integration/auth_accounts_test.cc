// The auth domain against real PostgreSQL, Redis and NATS: registration rules, login, lockout,
// sessions, API keys, key sealing and password change.
#include <gtest/gtest.h>

#include "services/auth/login_limiter.h"
#include "shared/crypto/hash.h"
#include "shared/crypto/x25519.h"
#include "tests/integration/auth_test_util.h"

namespace datamesh::auth::testing {
namespace {

using ::datamesh::testing::StatusIs;
using Code = absl::StatusCode;

class AuthAccountsTest : public AuthStackTest {};

TEST_F(AuthAccountsTest, RegisterRejectsMalformedInputAndStoresNothing) {
  const std::string ok_name = Unique("valid");
  struct Case {
    std::string username, email, password;
  };
  std::vector<Case> cases = {
      {"x'; DROP TABLE auth.users; --", "inj@example.com", "password-1"},
      {std::string(65, 'a'), "long@example.com", "password-1"},
      {"ab", "short@example.com", "password-1"},
      {ok_name, "not-an-email", "password-1"},
      {ok_name, "a@b.c' OR '1'='1", "password-1"},
      {ok_name, std::string(300, 'e') + "@example.com", "password-1"},
      {ok_name, "ok@example.com", "short"},
      {ok_name, "ok@example.com", std::string(2000, 'p')},
      {"nul\0name", "nul@example.com", "password-1"},
  };
  cases.back().username = std::string("nul\0name", 8);
  for (const Case& c : cases) {
    EXPECT_THAT(core_->accounts().Register({c.username, c.email, c.password, ""}),
                StatusIs(Code::kInvalidArgument))
        << c.username << " / " << c.email;
  }
  EXPECT_EQ(Scalar("SELECT count(*) FROM auth.users WHERE lower(username) = lower($1)", ok_name),
            "0");
  EXPECT_EQ(Scalar("SELECT count(*) FROM auth.users WHERE email LIKE $1", "%example.com%' OR%"),
            "0");
  EXPECT_EQ(Scalar("SELECT count(*) FROM auth.users WHERE username LIKE $1", "%DROP%"), "0");
}

TEST_F(AuthAccountsTest, DuplicateUsernameOrEmailAnyCaseIsAlreadyExists) {
  std::string name = Unique("dup");
  UserRecord user = MakeUser(name);
  EXPECT_EQ(user.role, "user");
  EXPECT_EQ(user.tier, "free");
  EXPECT_EQ(user.public_key.size(), 32u);
  std::string upper = name;
  for (char& c : upper) c = static_cast<char>(toupper(c));
  EXPECT_THAT(
      core_->accounts().Register({upper, "other-" + name + "@example.com", "password-x", ""}),
      StatusIs(Code::kAlreadyExists));
  EXPECT_THAT(core_->accounts().Register({name + "b", upper + "@EXAMPLE.COM", "password-x", ""}),
              StatusIs(Code::kAlreadyExists));
  // No private key in the clear anywhere in the row.
  EXPECT_EQ(Scalar("SELECT count(*) FROM auth.users WHERE lower(username) = lower($1)", name), "1");
}

TEST_F(AuthAccountsTest, WrongPasswordAndUnknownUserGetTheSameAnswer) {
  std::string name = Unique("login");
  MakeUser(name);
  auto wrong = core_->accounts().Login(name, "not-the-password", "10.1.0.1");
  auto unknown = core_->accounts().Login(Unique("ghost"), "not-the-password", "10.1.0.2");
  auto oversized = core_->accounts().Login(name, std::string(5000, 'x'), "10.1.0.3");
  EXPECT_THAT(wrong, StatusIs(Code::kUnauthenticated));
  EXPECT_THAT(unknown, StatusIs(Code::kUnauthenticated));
  EXPECT_THAT(oversized, StatusIs(Code::kUnauthenticated));
  EXPECT_EQ(wrong.status().message(), unknown.status().message());
  EXPECT_THAT(core_->accounts().Login("", "x", ""), StatusIs(Code::kInvalidArgument));
  EXPECT_THAT(core_->accounts().Login(name, "", ""), StatusIs(Code::kInvalidArgument));
  auto right = core_->accounts().Login(name, "password-" + name, "10.1.0.1");
  ASSERT_OK(right);
  EXPECT_EQ(right->session.token.size(), 43u);
  EXPECT_EQ(right->user.username, name);
}

TEST_F(AuthAccountsTest, RepeatedFailuresLockTheAccountKnownOrNot) {
  for (bool known : {true, false}) {
    std::string name = Unique(known ? "lock" : "ghostlock");
    if (known) MakeUser(name);
    for (int i = 0; i < 3; ++i) {
      // Different addresses: only the per-account counter reaches its limit.
      EXPECT_THAT(core_->accounts().Login(name, "wrong-password", "10.2.0." + std::to_string(i)),
                  StatusIs(Code::kUnauthenticated));
    }
    auto locked = core_->accounts().Login(name, "password-" + name, "10.2.1.1");
    EXPECT_THAT(locked, StatusIs(Code::kResourceExhausted)) << known;
    ASSERT_TRUE(RetryAfter(locked.status()).has_value());
    EXPECT_GT(*RetryAfter(locked.status()), 0);
    EXPECT_LE(*RetryAfter(locked.status()), 15 * 60);
  }
}

TEST_F(AuthAccountsTest, FailuresFromOneAddressNeverLockOutAnAccountThatHasNotFailed) {
  const std::string ip = "192.0.2.77";
  std::string clean = Unique("clean");
  std::string guessed = Unique("guessed");
  MakeUser(clean);
  MakeUser(guessed);
  // Spraying made-up usernames makes the address suspect (limit 5 in the test options).
  for (int i = 0; i < 5; ++i) {
    EXPECT_THAT(core_->accounts().Login(Unique("spray"), "wrong-password", ip),
                StatusIs(Code::kUnauthenticated));
  }
  // A user who never failed still gets in from that address with the right password.
  EXPECT_OK(core_->accounts().Login(clean, "password-" + clean, ip));
  // Anything else from it is refused with a retry time: a guess for a known account, a guess for
  // an unknown one, and afterwards even the right password of the account that was guessed.
  auto guess = core_->accounts().Login(guessed, "wrong-password", ip);
  EXPECT_THAT(guess, StatusIs(Code::kResourceExhausted));
  ASSERT_TRUE(RetryAfter(guess.status()).has_value());
  EXPECT_GT(*RetryAfter(guess.status()), 0);
  EXPECT_THAT(core_->accounts().Login(Unique("spray"), "wrong-password", ip),
              StatusIs(Code::kResourceExhausted));
  EXPECT_THAT(core_->accounts().Login(guessed, "password-" + guessed, ip),
              StatusIs(Code::kResourceExhausted));
  // Elsewhere the guessed account (one failure, under its limits) logs in.
  EXPECT_OK(core_->accounts().Login(guessed, "password-" + guessed, "192.0.2.78"));
}

TEST_F(AuthAccountsTest, GuessesFromOneClientLockOnlyThatClientOfTheAccount) {
  const std::string ip = "198.51.100.5";
  std::string name = Unique("pair");
  std::string other = Unique("pairother");
  MakeUser(name);
  MakeUser(other);
  for (int i = 0; i < 2; ++i) {  // the per-(account, address) limit in the test options
    EXPECT_THAT(core_->accounts().Login(name, "wrong-password", ip),
                StatusIs(Code::kUnauthenticated));
  }
  auto locked = core_->accounts().Login(name, "password-" + name, ip);
  EXPECT_THAT(locked, StatusIs(Code::kResourceExhausted));
  ASSERT_TRUE(RetryAfter(locked.status()).has_value());
  EXPECT_LE(*RetryAfter(locked.status()), 15 * 60);
  // Another account from the same address, and the same account from another address, get in.
  EXPECT_OK(core_->accounts().Login(other, "password-" + other, ip));
  EXPECT_OK(core_->accounts().Login(name, "password-" + name, "198.51.100.6"));
}

TEST_F(AuthAccountsTest, AnAccountsBackOffGrowsWithEachFurtherFailure) {
  std::string name = Unique("backoff");
  MakeUser(name);
  // Three failures (the account limit) from three addresses: the first lock, 30 s.
  for (int i = 0; i < 3; ++i) {
    EXPECT_THAT(core_->accounts().Login(name, "wrong", "203.0.113." + std::to_string(i)),
                StatusIs(Code::kUnauthenticated));
  }
  auto first = core_->accounts().Login(name, "password-" + name, "203.0.113.50");
  ASSERT_THAT(first, StatusIs(Code::kResourceExhausted));
  EXPECT_LE(*RetryAfter(first.status()), 30);
  // A failure recorded while locked (as ChangePassword can) doubles the lock.
  ASSERT_OK(core_->limiter().RecordFailure(name, "203.0.113.9"));
  auto second = core_->accounts().Login(name, "password-" + name, "203.0.113.51");
  ASSERT_THAT(second, StatusIs(Code::kResourceExhausted));
  EXPECT_GT(*RetryAfter(second.status()), 30);
  EXPECT_LE(*RetryAfter(second.status()), 60);
}

TEST_F(AuthAccountsTest, ValidateReturnsThePrivateKeyOfThePublicKey) {
  std::string name = Unique("keys");
  UserRecord user = MakeUser(name);
  std::string token = Login(name);
  auto c = core_->credentials().Validate(token);
  ASSERT_OK(c);
  EXPECT_EQ((*c)->user_id, user.id);
  EXPECT_EQ((*c)->username, name);
  EXPECT_EQ((*c)->role, "user");
  EXPECT_EQ((*c)->tier, "free");
  EXPECT_EQ((*c)->kind, "session");
  ASSERT_TRUE((*c)->expires_at.has_value());
  auto pair = crypto::X25519PrivateKey::FromBytes((*c)->private_key->view());
  ASSERT_OK(pair);
  EXPECT_EQ(pair->public_key(), user.public_key);
  EXPECT_EQ((*c)->public_key, user.public_key);
  // Nothing stored holds the key in the clear: the Redis value does not contain it.
  auto hash = crypto::Sha256Hex(token);
  ASSERT_OK(hash);
  auto raw = redis_->Command({"GET", "auth:session:" + *hash});
  ASSERT_OK(raw);
  EXPECT_EQ(raw->str().find(std::string((*c)->private_key->view())), std::string::npos);
  EXPECT_THAT(core_->credentials().Validate("garbage"), StatusIs(Code::kUnauthenticated));
  EXPECT_THAT(core_->credentials().Validate(""), StatusIs(Code::kUnauthenticated));
  EXPECT_THAT(core_->credentials().Validate(std::string(10000, 'a')),
              StatusIs(Code::kUnauthenticated));
}

TEST_F(AuthAccountsTest, LogoutRefusesTheTokenAtOnceEvenWhenCached) {
  std::string name = Unique("logout");
  MakeUser(name);
  std::string token = Login(name);
  ASSERT_OK(core_->credentials().Validate(token));  // now cached
  ASSERT_OK(core_->credentials().Validate(token));
  ASSERT_OK(core_->credentials().Logout(token, "10.0.0.1"));
  EXPECT_THAT(core_->credentials().Validate(token), StatusIs(Code::kUnauthenticated));
  auto hash = crypto::Sha256Hex(token);
  ASSERT_OK(hash);
  auto exists = redis_->Command({"EXISTS", "auth:session:" + *hash});
  ASSERT_OK(exists);
  EXPECT_EQ(exists->integer(), 0);
  EXPECT_OK(core_->credentials().Logout(token, ""));  // idempotent
}

TEST_F(AuthAccountsTest, TamperedSessionCopyIsRejected) {
  std::string name = Unique("tamper");
  MakeUser(name);
  std::string token = Login(name);
  auto hash = crypto::Sha256Hex(token);
  ASSERT_OK(hash);
  std::string key = "auth:session:" + *hash;
  auto raw = redis_->Command({"GET", key});
  ASSERT_OK(raw);
  std::string value = raw->str();
  // Flip one character of the sealed blob (the last field, Base64url): still decodable.
  char& c = value[value.size() - 5];
  c = c == 'A' ? 'B' : 'A';
  ASSERT_OK(redis_->Command({"SET", key, value, "EX", "600"}));
  EXPECT_THAT(core_->credentials().Validate(token), StatusIs(Code::kUnauthenticated));
}

TEST_F(AuthAccountsTest, ApiKeysOpenTheSameKeyAndRevokedOnesAreRefusedAtOnce) {
  std::string name = Unique("apikey");
  UserRecord user = MakeUser(name);
  UserRecord other = MakeUser(Unique("apikeyother"));
  std::string token = Login(name);
  EXPECT_THAT(core_->credentials().CreateApiKey(user.id, "ci", "", ""),
              StatusIs(Code::kUnauthenticated));
  EXPECT_THAT(core_->credentials().CreateApiKey(other.id, "ci", token, ""),
              StatusIs(Code::kPermissionDenied));
  EXPECT_THAT(core_->credentials().CreateApiKey(user.id, "", token, ""),
              StatusIs(Code::kInvalidArgument));
  EXPECT_THAT(core_->credentials().CreateApiKey(user.id, std::string(129, 'n'), token, ""),
              StatusIs(Code::kInvalidArgument));
  auto key = core_->credentials().CreateApiKey(user.id, "ci", token, "10.0.0.1");
  ASSERT_OK(key);
  EXPECT_EQ(key->secret.rfind("dmk_", 0), 0u);
  auto session = core_->credentials().Validate(token);
  auto via_key = core_->credentials().Validate(key->secret);
  ASSERT_OK(session);
  ASSERT_OK(via_key);
  EXPECT_EQ((*via_key)->kind, "api_key");
  EXPECT_EQ((*via_key)->api_key_id, key->record.id);
  EXPECT_EQ((*via_key)->private_key->view(), (*session)->private_key->view());
  auto listed = core_->credentials().ListApiKeys(user.id);
  ASSERT_OK(listed);
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].name, "ci");
  EXPECT_THAT(core_->credentials().RevokeApiKey(other.id, key->record.id, ""),
              StatusIs(Code::kNotFound));
  ASSERT_OK(core_->credentials().RevokeApiKey(user.id, key->record.id, ""));
  EXPECT_THAT(core_->credentials().Validate(key->secret), StatusIs(Code::kUnauthenticated));
  EXPECT_THAT(core_->credentials().RevokeApiKey(user.id, key->record.id, ""),
              StatusIs(Code::kNotFound));
  EXPECT_EQ(Scalar("SELECT count(*) FROM auth.api_keys WHERE id = $1 AND sealed_key IS NULL",
                   key->record.id),
            "1");
  listed = core_->credentials().ListApiKeys(user.id);
  ASSERT_OK(listed);
  EXPECT_TRUE(listed->empty());
}

TEST_F(AuthAccountsTest, PasswordChangeReSealsAndOnlyTheNewPasswordWorks) {
  std::string name = Unique("chpw");
  UserRecord user = MakeUser(name);
  std::string keep = Login(name);
  std::string other = Login(name);
  auto before = core_->credentials().Validate(keep);
  ASSERT_OK(before);
  EXPECT_THAT(
      core_->accounts().ChangePassword(user.id, "wrong-current", "new-password-1", false, "", ""),
      StatusIs(Code::kPermissionDenied));
  EXPECT_THAT(core_->accounts().ChangePassword(user.id, "password-" + name, "short", false, "", ""),
              StatusIs(Code::kInvalidArgument));
  EXPECT_THAT(core_->accounts().ChangePassword("no-such-user", "password-" + name, "new-password-1",
                                               false, "", ""),
              StatusIs(Code::kNotFound));
  ASSERT_OK(core_->accounts().ChangePassword(user.id, "password-" + name, "new-password-1", true,
                                             keep, ""));
  EXPECT_THAT(core_->accounts().Login(name, "password-" + name, "10.3.0.1"),
              StatusIs(Code::kUnauthenticated));
  auto fresh = core_->accounts().Login(name, "new-password-1", "10.3.0.1");
  ASSERT_OK(fresh);
  auto after = core_->credentials().Validate(fresh->session.token);
  ASSERT_OK(after);
  EXPECT_EQ((*after)->private_key->view(), (*before)->private_key->view());
  EXPECT_OK(core_->credentials().Validate(keep));  // the caller's session stays
  EXPECT_THAT(core_->credentials().Validate(other), StatusIs(Code::kUnauthenticated));
}

}  // namespace
}  // namespace datamesh::auth::testing
