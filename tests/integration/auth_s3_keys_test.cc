// S3 access keys against real PostgreSQL, Redis and NATS: created with a secret shown once and
// kept only sealed, listed without secrets, verifying SigV4 signatures (answering the scoped
// signing key and the caller's private key), refused once revoked, with the revocation on NATS.
#include <gtest/gtest.h>

#include <mutex>
#include <set>

#include "services/auth/s3_keys.h"
#include "shared/crypto/encoding.h"
#include "shared/crypto/hmac.h"
#include "shared/crypto/random.h"
#include "shared/testing/wait_for.h"
#include "tests/integration/auth_test_util.h"

namespace datamesh::auth::testing {
namespace {

using ::datamesh::testing::StatusIs;
using Code = absl::StatusCode;

const S3Scope kScope{"20261206", "us-east-1", "s3"};
constexpr char kStringToSign[] =
    "AWS4-HMAC-SHA256\n20261206T120000Z\n20261206/us-east-1/s3/aws4_request\n"
    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

std::string Sign(const std::string& secret, const S3Scope& scope, const std::string& text) {
  auto key = S3SigningKey(secret, scope);
  EXPECT_OK(key);
  auto mac = crypto::HmacSha256(*key, text);
  EXPECT_OK(mac);
  return crypto::HexEncode(crypto::AsStringView(*mac));
}

class AuthS3KeysTest : public AuthStackTest {
 protected:
  static void SetUpTestSuite() {
    AuthStackTest::SetUpTestSuite();
    ASSERT_NE(core_, nullptr);
    AuthOptions options = Options(kAdminPassword);
    auto key = crypto::RandomBytes(32);
    ASSERT_OK(key);
    options.s3_secret_key = crypto::Base64Encode(*key);
    options.max_s3_keys = 3;
    auto s3_core = AuthCore::Create(options, *pg_, *redis_, bus_.get(), "auth/test-s3");
    ASSERT_OK(s3_core);
    s3_core_ = std::move(*s3_core);
  }
  static void TearDownTestSuite() {
    s3_core_.reset();
    AuthStackTest::TearDownTestSuite();
  }

  static NewS3Key Create(const UserRecord& user, const std::string& session,
                         const std::string& name = "laptop") {
    auto key = s3_core_->s3_keys().Create(user.id, name, session, "10.7.0.1");
    EXPECT_OK(key);
    return key.ok() ? *key : NewS3Key{};
  }

  static inline std::unique_ptr<AuthCore> s3_core_;
};

TEST_F(AuthS3KeysTest, CreatedKeyVerifiesSignaturesAndUnlocksThePrivateKey) {
  std::string name = Unique("s3user");
  UserRecord user = MakeUser(name);
  std::string session = Login(name);
  NewS3Key key = Create(user, session);
  ASSERT_EQ(key.record.access_key_id.size(), 20u);
  EXPECT_EQ(key.record.access_key_id.substr(0, 2), "DM");
  for (char c : key.record.access_key_id) EXPECT_TRUE(isupper(c) || isdigit(c)) << c;
  ASSERT_EQ(key.secret.size(), 40u);

  auto verified = s3_core_->s3_keys().Verify(key.record.access_key_id, kScope, kStringToSign,
                                             Sign(key.secret, kScope, kStringToSign));
  ASSERT_OK(verified);
  EXPECT_EQ(verified->caller->user_id, user.id);
  EXPECT_EQ(verified->caller->kind, "s3_key");
  EXPECT_EQ(verified->signing_key, *S3SigningKey(key.secret, kScope));
  auto by_session = core_->credentials().Validate(session);
  ASSERT_OK(by_session);
  EXPECT_EQ(verified->caller->private_key->view(), (*by_session)->private_key->view());

  auto listed = s3_core_->s3_keys().List(user.id);
  ASSERT_OK(listed);
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].access_key_id, key.record.access_key_id);
  EXPECT_EQ((*listed)[0].name, "laptop");
  EXPECT_TRUE((*listed)[0].secret.box.empty());
  EXPECT_TRUE((*listed)[0].last_used_at.has_value());
}

TEST_F(AuthS3KeysTest, SecretIsNotStoredInTheClear) {
  std::string name = Unique("s3clear");
  UserRecord user = MakeUser(name);
  NewS3Key key = Create(user, Login(name));
  auto row = crypto::HexDecode(Scalar(
      "SELECT encode(convert_to(access_key_id || name, 'UTF8') || secret_nonce || secret_box || "
      "seal_salt || sealed_key, 'hex') FROM auth.s3_keys WHERE access_key_id = $1",
      key.record.access_key_id));
  ASSERT_OK(row);
  ASSERT_GT(row->size(), 60u);
  EXPECT_EQ(row->find(key.secret), std::string::npos);
  EXPECT_EQ(row->find(key.secret.substr(0, 16)), std::string::npos);
  EXPECT_EQ(row->find(*crypto::Base64Decode(key.secret)), std::string::npos);
}

TEST_F(AuthS3KeysTest, WrongSignatureScopeOrKeyIsRefusedWithItsReason) {
  std::string name = Unique("s3wrong");
  UserRecord user = MakeUser(name);
  NewS3Key key = Create(user, Login(name));
  const std::string& id = key.record.access_key_id;
  auto mismatch = s3_core_->s3_keys().Verify(id, kScope, kStringToSign,
                                             Sign("another secret", kScope, kStringToSign));
  EXPECT_THAT(mismatch, StatusIs(Code::kUnauthenticated));
  EXPECT_EQ(mismatch.status().message(), kSignatureMismatchMessage);
  // A signature for another region does not verify for this one.
  S3Scope other{"20261206", "eu-west-1", "s3"};
  EXPECT_EQ(s3_core_->s3_keys()
                .Verify(id, kScope, kStringToSign, Sign(key.secret, other, kStringToSign))
                .status()
                .message(),
            kSignatureMismatchMessage);
  auto unknown = s3_core_->s3_keys().Verify("DMNOSUCHKEY000000000", kScope, kStringToSign,
                                            Sign(key.secret, kScope, kStringToSign));
  EXPECT_EQ(unknown.status().message(), kUnknownAccessKeyMessage);
  EXPECT_THAT(s3_core_->s3_keys().Verify(id, {"2026", "us-east-1", "s3"}, kStringToSign,
                                         Sign(key.secret, kScope, kStringToSign)),
              StatusIs(Code::kInvalidArgument));
}

TEST_F(AuthS3KeysTest, RevokedKeyStopsAtOnceAndTheRevocationIsPublished) {
  std::string name = Unique("s3revoke");
  UserRecord user = MakeUser(name);
  NewS3Key key = Create(user, Login(name));
  const std::string& id = key.record.access_key_id;
  std::mutex mu;
  std::set<std::string> revoked;
  auto sub = bus_->SubscribeEvents(bus::SubjectFor("auth.credential.revoked"), "",
                                   [&](const events::v1::Event& e) {
                                     std::lock_guard<std::mutex> lock(mu);
                                     revoked.insert(e.credential_revoked().s3_access_key_id());
                                   });
  ASSERT_OK(sub);

  EXPECT_THAT(s3_core_->s3_keys().Revoke(MakeUser(Unique("s3other")).id, id, "10.7.0.2"),
              StatusIs(Code::kNotFound));
  ASSERT_OK(s3_core_->s3_keys().Revoke(user.id, id, "10.7.0.2"));
  EXPECT_EQ(s3_core_->s3_keys()
                .Verify(id, kScope, kStringToSign, Sign(key.secret, kScope, kStringToSign))
                .status()
                .message(),
            kUnknownAccessKeyMessage);
  EXPECT_THAT(s3_core_->s3_keys().Revoke(user.id, id, "10.7.0.2"), StatusIs(Code::kNotFound));
  auto listed = s3_core_->s3_keys().List(user.id);
  ASSERT_OK(listed);
  EXPECT_TRUE(listed->empty());
  EXPECT_EQ(Scalar("SELECT coalesce(length(secret_box), 0)::text FROM auth.s3_keys WHERE "
                   "access_key_id = $1",
                   id),
            "0");
  EXPECT_TRUE(datamesh::testing::WaitFor(
      [&] {
        std::lock_guard<std::mutex> lock(mu);
        return revoked.count(id) == 1;
      },
      absl::Seconds(10)));
  EXPECT_EQ(Scalar("SELECT count(*)::text FROM auth.audit_log WHERE action = "
                   "'auth.s3_key.revoke' AND target = $1",
                   id),
            "1");
}

TEST_F(AuthS3KeysTest, CreationNeedsTheUsersOwnSecretAndRespectsTheLimit) {
  std::string name = Unique("s3limit");
  UserRecord user = MakeUser(name);
  std::string session = Login(name);
  std::string other = Unique("s3stranger");
  MakeUser(other);
  EXPECT_THAT(s3_core_->s3_keys().Create(user.id, "k", Login(other), "10.7.0.3"),
              StatusIs(Code::kPermissionDenied));
  EXPECT_THAT(s3_core_->s3_keys().Create(user.id, "k", "", "10.7.0.3"),
              StatusIs(Code::kUnauthenticated));
  EXPECT_THAT(s3_core_->s3_keys().Create(user.id, "", session, "10.7.0.3"),
              StatusIs(Code::kInvalidArgument));
  for (int i = 0; i < 3; ++i) Create(user, session, "key" + std::to_string(i));
  EXPECT_THAT(s3_core_->s3_keys().Create(user.id, "one too many", session, "10.7.0.3"),
              StatusIs(Code::kResourceExhausted));
}

TEST_F(AuthS3KeysTest, WithoutAServerKeyS3KeysAreOffAndSaySo) {
  std::string name = Unique("s3off");
  UserRecord user = MakeUser(name);
  auto created = core_->s3_keys().Create(user.id, "k", Login(name), "10.7.0.4");
  EXPECT_THAT(created, StatusIs(Code::kFailedPrecondition));
  EXPECT_EQ(created.status().message(), kS3NotConfiguredMessage);
  EXPECT_THAT(
      core_->s3_keys().Verify("DMNOSUCHKEY000000000", kScope, kStringToSign, std::string(64, 'a')),
      StatusIs(Code::kFailedPrecondition));
  AuthOptions bad = Options(kAdminPassword);
  bad.s3_secret_key = crypto::Base64Encode("too short");
  EXPECT_THAT(AuthCore::Create(bad, *pg_, *redis_, nullptr, "auth/bad"),
              StatusIs(Code::kInvalidArgument));
}

}  // namespace
}  // namespace datamesh::auth::testing
