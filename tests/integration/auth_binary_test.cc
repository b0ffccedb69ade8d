// The auth binary over gRPC, against real NATS, PostgreSQL and Redis: start-up with a generated
// first-admin password (printed once), a user's whole journey, rate-limit metadata, and a
// restart that keeps the admin and prints nothing again.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <regex>

#include "datamesh/auth/v1/auth.grpc.pb.h"
#include "shared/crypto/x25519.h"
#include "shared/testing/service_process.h"
#include "shared/testing/status_matchers.h"
#include "shared/testing/with_test_stack.h"

namespace datamesh {
namespace {

using ::datamesh::testing::ServiceProcess;

class AuthBinaryTest : public datamesh::testing::WithTestStack {
 protected:
  // Starts bin/auth with no DM_ADMIN_PASSWORD, so a first start generates one.
  void StartAuth() {
    auto process = ServiceProcess::Start(
        *stack_, {.binary = "auth",
                  .args = {"--scrypt-log2-n=10", "--login-max-failures=2"},
                  .env = {{"DM_ADMIN_PASSWORD", ""}}});
    ASSERT_OK(process);
    auth_ = std::move(*process);
    stub_ = auth::v1::AuthService::NewStub(
        grpc::CreateChannel(auth_->grpc_address(), grpc::InsecureChannelCredentials()));
  }

  void StopAuth() {
    auto exit_code = auth_->Stop();
    ASSERT_OK(exit_code);
    EXPECT_EQ(*exit_code, 0) << auth_->ReadLog();
  }

  std::unique_ptr<ServiceProcess> auth_;
  std::unique_ptr<auth::v1::AuthService::Stub> stub_;
};

TEST_F(AuthBinaryTest, ServesTheWholeJourneyOverGrpc) {
  ASSERT_NO_FATAL_FAILURE(StartAuth());
  std::smatch m;
  std::string out1 = auth_->ReadLog();
  ASSERT_TRUE(std::regex_search(out1, m, std::regex("password \"([A-Za-z0-9_-]+)\""))) << out1;
  const std::string admin_password = m[1];

  grpc::ClientContext c1;
  auth::v1::RegisterRequest reg;
  reg.set_username("grpc_user");
  reg.set_email("grpc_user@example.com");
  reg.set_password("grpc-password-1");
  auth::v1::RegisterResponse reg_resp;
  ASSERT_TRUE(stub_->Register(&c1, reg, &reg_resp).ok());
  EXPECT_EQ(reg_resp.user().role(), "user");

  grpc::ClientContext c2;
  reg.set_username("bad name!");
  EXPECT_EQ(stub_->Register(&c2, reg, &reg_resp).error_code(), grpc::INVALID_ARGUMENT);

  auth::v1::LoginRequest login;
  login.set_username("grpc_user");
  login.set_password("grpc-password-1");
  login.set_source_ip("198.51.100.1");
  auth::v1::LoginResponse login_resp;
  grpc::ClientContext c3;
  ASSERT_TRUE(stub_->Login(&c3, login, &login_resp).ok());

  auth::v1::ValidateTokenRequest v;
  v.set_token(login_resp.token());
  auth::v1::ValidateTokenResponse vr;
  grpc::ClientContext c4;
  ASSERT_TRUE(stub_->ValidateToken(&c4, v, &vr).ok());
  auto pair = crypto::X25519PrivateKey::FromBytes(vr.private_key());
  ASSERT_OK(pair);
  EXPECT_EQ(pair->public_key(), vr.public_key());
  EXPECT_EQ(vr.user_id(), reg_resp.user().id());

  auth::v1::CreateApiKeyRequest ck;
  ck.set_user_id(vr.user_id());
  ck.set_name("laptop");
  auth::v1::CreateApiKeyResponse ckr;
  grpc::ClientContext c5;
  EXPECT_EQ(stub_->CreateApiKey(&c5, ck, &ckr).error_code(), grpc::UNAUTHENTICATED);
  grpc::ClientContext c6;
  c6.AddMetadata("authorization", "Bearer " + login_resp.token());
  ASSERT_TRUE(stub_->CreateApiKey(&c6, ck, &ckr).ok());
  EXPECT_EQ(ckr.key().rfind("dmk_", 0), 0u);

  auth::v1::LogoutRequest lo;
  lo.set_token(login_resp.token());
  auth::v1::LogoutResponse lor;
  grpc::ClientContext c7;
  ASSERT_TRUE(stub_->Logout(&c7, lo, &lor).ok());
  grpc::ClientContext c8;
  EXPECT_EQ(stub_->ValidateToken(&c8, v, &vr).error_code(), grpc::UNAUTHENTICATED);

  // Lockout: the limit is 2 failures; the third attempt answers 429-style with metadata.
  login.set_password("wrong-password");
  for (int i = 0; i < 2; ++i) {
    grpc::ClientContext c;
    EXPECT_EQ(stub_->Login(&c, login, &login_resp).error_code(), grpc::UNAUTHENTICATED);
  }
  grpc::ClientContext c9;
  EXPECT_EQ(stub_->Login(&c9, login, &login_resp).error_code(), grpc::RESOURCE_EXHAUSTED);
  auto trailers = c9.GetServerTrailingMetadata();
  ASSERT_EQ(trailers.count("retry-after"), 1u);
  EXPECT_GT(std::stoi(std::string(trailers.find("retry-after")->second.data(),
                                  trailers.find("retry-after")->second.size())),
            0);
  EXPECT_EQ(trailers.count("dm-error-code"), 1u);

  StopAuth();

  // Restart: nothing printed again, the same admin password still works.
  ASSERT_NO_FATAL_FAILURE(StartAuth());
  EXPECT_EQ(auth_->ReadLog().find("first admin created"), std::string::npos);
  auth::v1::LoginRequest admin;
  admin.set_username("admin");
  admin.set_password(admin_password);
  grpc::ClientContext c10;
  ASSERT_TRUE(stub_->Login(&c10, admin, &login_resp).ok());
  EXPECT_EQ(login_resp.user().role(), "admin");
  auth::v1::ListUsersRequest lu;
  lu.set_actor_id(login_resp.user().id());
  auth::v1::ListUsersResponse lur;
  grpc::ClientContext c11;
  ASSERT_TRUE(stub_->ListUsers(&c11, lu, &lur).ok());
  EXPECT_EQ(lur.users_size(), 2);
  auth::v1::QueryAuditRequest qa;
  qa.set_actor_id(login_resp.user().id());
  qa.set_action("auth.login");
  auth::v1::QueryAuditResponse qar;
  grpc::ClientContext c12;
  ASSERT_TRUE(stub_->QueryAudit(&c12, qa, &qar).ok());
  EXPECT_GE(qar.records_size(), 4);
  StopAuth();
}

}  // namespace
}  // namespace datamesh
