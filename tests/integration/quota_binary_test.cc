// The real quota binary over gRPC against real NATS, PostgreSQL and Redis: limits answered
// with RESOURCE_EXHAUSTED + dm-error-code, file.stored counted from JetStream, malformed
// input refused, and usage that survives a SIGTERM and restart without counting twice.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <thread>

#include "datamesh/quota/v1/quota.grpc.pb.h"
#include "shared/bus/bus.h"
#include "shared/testing/service_process.h"
#include "shared/testing/status_matchers.h"
#include "shared/testing/with_test_stack.h"

namespace datamesh::quota {
namespace {

using ::datamesh::testing::ServiceProcess;

class QuotaBinaryTest : public testing::WithTestStack {
 protected:
  void StartQuota() {
    auto process = ServiceProcess::Start(*stack_, {.binary = "quota",
                                                   .env = {{"DM_LOG_LEVEL", "warn"}}});
    ASSERT_OK(process);
    quota_ = std::move(*process);
    stub_ = quota::v1::QuotaService::NewStub(
        grpc::CreateChannel(quota_->grpc_address(), grpc::InsecureChannelCredentials()));
  }
  void StopQuota() {
    ASSERT_NE(quota_, nullptr);
    auto exit_code = quota_->Stop();
    ASSERT_OK(exit_code);
    EXPECT_EQ(*exit_code, 0) << quota_->ReadLog();
    quota_.reset();
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

  std::unique_ptr<ServiceProcess> quota_;
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
