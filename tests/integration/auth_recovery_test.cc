// Recovery codes against real PostgreSQL, Redis and NATS: a forgotten password is replaced with
// the code, the private key (and so every file) survives, the code works once, and wrong codes
// are answered like wrong passwords and locked out the same way.
#include <gtest/gtest.h>

#include "services/auth/recovery_code.h"
#include "shared/crypto/encoding.h"
#include "tests/integration/auth_test_util.h"

namespace datamesh::auth::testing {
namespace {

using ::datamesh::testing::StatusIs;
using Code = absl::StatusCode;

class AuthRecoveryTest : public AuthStackTest {
 protected:
  static std::string NewCode(const UserRecord& user) {
    auto created = core_->recovery().Create(user.id, "password-" + user.username, "10.9.0.1");
    EXPECT_OK(created);
    return created.ok() ? created->code : "";
  }
  static std::string PrivateKeyOf(const std::string& token) {
    auto c = core_->credentials().Validate(token);
    EXPECT_OK(c);
    return c.ok() ? std::string((*c)->private_key->view()) : "";
  }
};

TEST_F(AuthRecoveryTest, ResetWithTheCodeKeepsThePrivateKeyAndTheCodeWorksOnce) {
  std::string name = Unique("recover");
  UserRecord user = MakeUser(name);
  std::string session = Login(name);
  std::string key_before = PrivateKeyOf(session);

  EXPECT_THAT(core_->recovery().Create(user.id, "not-the-password", "10.9.0.1"),
              StatusIs(Code::kPermissionDenied));
  auto none = core_->recovery().CreatedAt(user.id);
  ASSERT_OK(none);
  EXPECT_FALSE(none->has_value());

  std::string code = NewCode(user);
  ASSERT_EQ(code.size(), 4u + 32u + 7u) << code;
  EXPECT_EQ(code.substr(0, 4), "dmr-");
  auto created_at = core_->recovery().CreatedAt(user.id);
  ASSERT_OK(created_at);
  EXPECT_TRUE(created_at->has_value());
  // Only a sealed copy is stored: neither the code nor the key is in the row.
  auto normalized = NormalizeRecoveryCode(code);
  ASSERT_OK(normalized);
  auto blob = crypto::HexDecode(Scalar(
      "SELECT encode(sealed_key, 'hex') FROM auth.recovery_codes WHERE user_id = $1::uuid",
      user.id));
  ASSERT_OK(blob);
  EXPECT_EQ(blob->size(), 12u + 32u + 16u);  // nonce, sealed key, tag
  EXPECT_EQ(blob->find(key_before), std::string::npos);
  EXPECT_EQ(blob->find(*normalized), std::string::npos);

  // Typed by hand: lower case, spaces instead of dashes, no prefix.
  std::string typed;
  for (char c : code.substr(4)) typed.push_back(c == '-' ? ' ' : static_cast<char>(tolower(c)));
  ASSERT_OK(core_->recovery().ResetPassword(name, typed, "brand-new-pass", "10.9.0.2"));

  EXPECT_THAT(core_->accounts().Login(name, "password-" + name, "10.9.0.3"),
              StatusIs(Code::kUnauthenticated));
  auto fresh = core_->accounts().Login(name, "brand-new-pass", "10.9.0.3");
  ASSERT_OK(fresh);
  EXPECT_EQ(PrivateKeyOf(fresh->session.token), key_before);
  EXPECT_THAT(core_->credentials().Validate(session), StatusIs(Code::kUnauthenticated));

  EXPECT_THAT(core_->recovery().ResetPassword(name, code, "another-pass-1", "10.9.0.4"),
              StatusIs(Code::kUnauthenticated));
  auto after = core_->recovery().CreatedAt(user.id);
  ASSERT_OK(after);
  EXPECT_FALSE(after->has_value());
  EXPECT_OK(core_->accounts().Login(name, "brand-new-pass", "10.9.0.5"));
}

TEST_F(AuthRecoveryTest, WrongCodeNoCodeAndUnknownUserGetOneAnswerAndLockOut) {
  std::string with_code = Unique("rwith");
  UserRecord user = MakeUser(with_code);
  std::string code = NewCode(user);
  std::string without_code = Unique("rwithout");
  MakeUser(without_code);
  auto other = NewRecoveryCode();
  ASSERT_OK(other);

  auto wrong = core_->recovery().ResetPassword(with_code, other->display, "new-pass-123", "10.9.1.1");
  auto no_code =
      core_->recovery().ResetPassword(without_code, other->display, "new-pass-123", "10.9.1.2");
  auto unknown =
      core_->recovery().ResetPassword(Unique("rghost"), other->display, "new-pass-123", "10.9.1.3");
  EXPECT_THAT(wrong, StatusIs(Code::kUnauthenticated));
  EXPECT_THAT(no_code, StatusIs(Code::kUnauthenticated));
  EXPECT_THAT(unknown, StatusIs(Code::kUnauthenticated));
  EXPECT_EQ(wrong.message(), no_code.message());
  EXPECT_EQ(wrong.message(), unknown.message());

  // One client guessing: the second failure from the same address locks that pair, and then
  // even the right code is refused from it; the password is unchanged.
  EXPECT_THAT(core_->recovery().ResetPassword(with_code, other->display, "new-pass-123", "10.9.1.1"),
              StatusIs(Code::kUnauthenticated));
  EXPECT_THAT(core_->recovery().ResetPassword(with_code, code, "new-pass-123", "10.9.1.1"),
              StatusIs(Code::kResourceExhausted));
  EXPECT_OK(core_->accounts().Login(with_code, "password-" + with_code, "10.9.1.9"));
  auto still = core_->recovery().CreatedAt(user.id);
  ASSERT_OK(still);
  EXPECT_TRUE(still->has_value());
}

TEST_F(AuthRecoveryTest, BadInputIsRefusedAndChangesNothing) {
  std::string name = Unique("rbad");
  UserRecord user = MakeUser(name);
  std::string code = NewCode(user);
  EXPECT_THAT(core_->recovery().ResetPassword(name, code, "short", "10.9.2.1"),
              StatusIs(Code::kInvalidArgument));
  EXPECT_THAT(core_->recovery().ResetPassword(name, "dmr-1234", "long-enough-1", "10.9.2.1"),
              StatusIs(Code::kInvalidArgument));
  EXPECT_THAT(core_->recovery().ResetPassword(name, code + "X", "long-enough-1", "10.9.2.1"),
              StatusIs(Code::kInvalidArgument));
  EXPECT_THAT(core_->recovery().ResetPassword("", code, "long-enough-1", "10.9.2.1"),
              StatusIs(Code::kInvalidArgument));
  EXPECT_THAT(core_->recovery().ResetPassword("x'; DROP TABLE auth.users; --", code,
                                              "long-enough-1", "10.9.2.1"),
              StatusIs(Code::kUnauthenticated));
  EXPECT_THAT(core_->recovery().Create("not-a-uuid", "password-" + name, "10.9.2.1"),
              StatusIs(Code::kNotFound));
  EXPECT_OK(core_->accounts().Login(name, "password-" + name, "10.9.2.2"));
  // The code is still good after all that.
  EXPECT_OK(core_->recovery().ResetPassword(name, code, "long-enough-1", "10.9.2.3"));
}

TEST_F(AuthRecoveryTest, ANewCodeReplacesTheOldOne) {
  std::string name = Unique("rrepl");
  UserRecord user = MakeUser(name);
  std::string first = NewCode(user);
  std::string second = NewCode(user);
  EXPECT_NE(first, second);
  EXPECT_EQ(Scalar("SELECT count(*) FROM auth.recovery_codes WHERE user_id = $1::uuid", user.id),
            "1");
  EXPECT_THAT(core_->recovery().ResetPassword(name, first, "replaced-pass", "10.9.3.1"),
              StatusIs(Code::kUnauthenticated));
  EXPECT_OK(core_->recovery().ResetPassword(name, second, "replaced-pass", "10.9.3.2"));
  EXPECT_OK(core_->accounts().Login(name, "replaced-pass", "10.9.3.3"));
}

}  // namespace
}  // namespace datamesh::auth::testing
