// The auth binary over gRPC, against real NATS, PostgreSQL and Redis: start-up with a generated
// first-admin password (printed once), a user's whole journey, rate-limit metadata, and a
// restart that keeps the admin and prints nothing again.
#include <arpa/inet.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <regex>
#include <sstream>

#include "datamesh/auth/v1/auth.grpc.pb.h"
#include "shared/crypto/x25519.h"
#include "shared/server/health_client.h"
#include "shared/testing/status_matchers.h"
#include "shared/testing/with_test_stack.h"

namespace datamesh {
namespace {

using ::datamesh::testing::RunCommand;
using ::datamesh::testing::TestStack;

int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  int port = ntohs(addr.sin_port);
  close(fd);
  return port;
}

std::string ReadFile(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

class AuthBinaryTest : public datamesh::testing::WithTestStack {
 protected:
  // Starts bin/auth in the background with its stderr in `log`; returns its pid.
  int StartAuth(const std::string& log) {
    addr_ = "127.0.0.1:" + std::to_string(FreePort());
    std::string cmd = "cd " + stack_->dir() + " && env -u DM_ADMIN_PASSWORD DM_NATS_URL='" +
                      stack_->nats_url() + "' DM_PG_URL='" + stack_->pg_url() + "' DM_REDIS_URL='" +
                      stack_->redis_url() + "' " + TestStack::BinaryDir() +
                      "/bin/auth --grpc-addr=" + addr_ +
                      " --metrics-addr=127.0.0.1:" + std::to_string(FreePort()) +
                      " --scrypt-log2-n=10 --login-max-failures=2 > " + log + " 2>&1 & echo $!";
    auto out = RunCommand(cmd);
    EXPECT_OK(out);
    int pid = out.ok() ? std::stoi(*out) : 0;
    EXPECT_OK(server::HealthClient(addr_).WaitUntilServing("", absl::Seconds(60))) << ReadFile(log);
    stub_ = auth::v1::AuthService::NewStub(
        grpc::CreateChannel(addr_, grpc::InsecureChannelCredentials()));
    return pid;
  }

  void StopAuth(int pid) {
    ASSERT_EQ(kill(pid, SIGTERM), 0);
    for (int i = 0; i < 600 && kill(pid, 0) == 0; ++i) absl::SleepFor(absl::Milliseconds(50));
    EXPECT_NE(kill(pid, 0), 0) << "auth did not exit on SIGTERM";
  }

  std::string addr_;
  std::unique_ptr<auth::v1::AuthService::Stub> stub_;
};

TEST_F(AuthBinaryTest, ServesTheWholeJourneyOverGrpc) {
  const std::string log1 = stack_->dir() + "/auth-1.log";
  int pid = StartAuth(log1);
  std::smatch m;
  std::string out1 = ReadFile(log1);
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

  StopAuth(pid);

  // Restart: nothing printed again, the same admin password still works.
  const std::string log2 = stack_->dir() + "/auth-2.log";
  pid = StartAuth(log2);
  EXPECT_EQ(ReadFile(log2).find("first admin created"), std::string::npos);
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
  StopAuth(pid);
}

}  // namespace
}  // namespace datamesh
