// The real quota binary over gRPC against real NATS, PostgreSQL and Redis: limits answered
// with RESOURCE_EXHAUSTED + dm-error-code, file.stored counted from JetStream, malformed
// input refused, and usage that survives a SIGTERM and restart without counting twice.
#include <arpa/inet.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <thread>

#include "datamesh/quota/v1/quota.grpc.pb.h"
#include "shared/bus/bus.h"
#include "shared/server/health_client.h"
#include "shared/testing/with_test_stack.h"

extern char** environ;

namespace datamesh::quota {
namespace {

int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

class QuotaBinaryTest : public testing::WithTestStack {
 protected:
  void StartQuota() {
    grpc_addr_ = "127.0.0.1:" + std::to_string(FreePort());
    const std::string bin = testing::TestStack::BinaryDir() + "/bin/quota";
    std::vector<std::string> env = {"DM_NATS_URL=" + stack_->nats_url(),
                                    "DM_PG_URL=" + stack_->pg_url(),
                                    "DM_REDIS_URL=" + stack_->redis_url(),
                                    "DM_GRPC_ADDR=" + grpc_addr_,
                                    "DM_METRICS_ADDR=127.0.0.1:" + std::to_string(FreePort()),
                                    "DM_LOG_LEVEL=warn"};
    std::vector<char*> envp;
    for (std::string& e : env) envp.push_back(e.data());
    envp.push_back(nullptr);
    char* argv[] = {const_cast<char*>(bin.c_str()), nullptr};
    ASSERT_EQ(posix_spawn(&pid_, bin.c_str(), nullptr, nullptr, argv, envp.data()), 0);
    ASSERT_OK(server::HealthClient(grpc_addr_).WaitUntilServing("", absl::Seconds(30)));
    stub_ = quota::v1::QuotaService::NewStub(
        grpc::CreateChannel(grpc_addr_, grpc::InsecureChannelCredentials()));
  }
  void StopQuota() {
    ASSERT_GT(pid_, 0);
    kill(pid_, SIGTERM);
    int status = 0;
    ASSERT_EQ(waitpid(pid_, &status, 0), pid_);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
    pid_ = -1;
  }
  void TearDown() override {
    if (pid_ > 0) StopQuota();
  }
  uint64_t WaitForStorage(const std::string& user, uint64_t want) {
    quota::v1::GetUsageResponse resp;
    for (int i = 0; i < 300; ++i) {
      grpc::ClientContext ctx;
      quota::v1::GetUsageRequest req;
      req.set_user_id(user);
      if (stub_->GetUsage(&ctx, req, &resp).ok() && resp.usage().storage_bytes() == want) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return resp.usage().storage_bytes();
  }
  void PublishStored(bus::Bus& bus, const std::string& user, uint64_t size) {
    events::v1::Event e = bus::NewEvent("file.stored", "file-ingest/test");
    e.mutable_file_stored()->set_owner_id(user);
    e.mutable_file_stored()->set_file_id("f-" + bus::NewUuidV4());
    e.mutable_file_stored()->set_size(size);
    ASSERT_OK(bus.PublishDurable(e));
  }

  pid_t pid_ = -1;
  std::string grpc_addr_;
  std::unique_ptr<quota::v1::QuotaService::Stub> stub_;
};

TEST_F(QuotaBinaryTest, ServesLimitsCountsEventsAndSurvivesARestart) {
  StartQuota();
  bus::BusOptions bo;
  bo.url = stack_->nats_url();
  auto bus = bus::Bus::Connect(bo);
  ASSERT_OK(bus);
  const std::string user = "u-" + bus::NewUuidV4();

  quota::v1::ReserveRequest reserve;
  reserve.set_user_id(user);
  reserve.set_tier("free");
  reserve.set_bytes(5'000'000'001);
  {
    grpc::ClientContext ctx;
    quota::v1::ReserveResponse resp;
    grpc::Status s = stub_->Reserve(&ctx, reserve, &resp);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
    auto code = ctx.GetServerTrailingMetadata().find("dm-error-code");
    ASSERT_NE(code, ctx.GetServerTrailingMetadata().end());
    EXPECT_EQ(std::string(code->second.data(), code->second.size()), "QUOTA_EXCEEDED");
  }
  {
    grpc::ClientContext ctx;
    quota::v1::ReserveResponse resp;
    reserve.set_bytes(100);
    ASSERT_TRUE(stub_->Reserve(&ctx, reserve, &resp).ok());
    EXPECT_EQ(resp.reserved_bytes(), 100u);
    EXPECT_GT(resp.expires_at().seconds(), 0);
  }
  {
    grpc::ClientContext ctx;
    quota::v1::ReserveResponse resp;
    reserve.set_user_id("bad user'");
    EXPECT_EQ(stub_->Reserve(&ctx, reserve, &resp).error_code(),
              grpc::StatusCode::INVALID_ARGUMENT);
  }
  PublishStored(**bus, user, 777);
  EXPECT_EQ(WaitForStorage(user, 877), 877u);

  StopQuota();
  StartQuota();
  EXPECT_EQ(WaitForStorage(user, 877), 877u);
  PublishStored(**bus, user, 3);  // the durable consumer resumes without recounting the first
  EXPECT_EQ(WaitForStorage(user, 880), 880u);
}

}  // namespace
}  // namespace datamesh::quota
