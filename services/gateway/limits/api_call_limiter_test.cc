#include "services/gateway/limits/api_call_limiter.h"

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <memory>
#include <mutex>
#include <string>

#include "datamesh/quota/v1/quota.grpc.pb.h"
#include "prometheus/registry.h"
#include "services/gateway/http/api_error.h"

namespace datamesh::gateway {
namespace {

// Quota's CheckApiCall over one user and a fixed hourly limit, as the real service counts:
// made calls first whatever the answer, then the asked one only when it fits.
class CountingQuota final : public quota::v1::QuotaService::Service {
 public:
  explicit CountingQuota(uint64_t limit) : limit_(limit) {}

  grpc::Status CheckApiCall(grpc::ServerContext*, const quota::v1::CheckApiCallRequest* req,
                            quota::v1::CheckApiCallResponse* resp) override {
    std::lock_guard<std::mutex> lock(mu_);
    ++rpcs_;
    counted_ += req->made_calls();
    const bool allowed = req->report_only() || counted_ < limit_;
    if (allowed && !req->report_only()) ++counted_;
    resp->set_allowed(allowed);
    if (!allowed) resp->set_retry_after_seconds(60);
    resp->set_limit(limit_);
    resp->set_remaining(counted_ < limit_ ? limit_ - counted_ : 0);
    return grpc::Status::OK;
  }
  uint64_t counted() {
    std::lock_guard<std::mutex> lock(mu_);
    return counted_;
  }
  uint64_t rpcs() {
    std::lock_guard<std::mutex> lock(mu_);
    return rpcs_;
  }

 private:
  const uint64_t limit_;
  std::mutex mu_;
  uint64_t counted_ = 0;
  uint64_t rpcs_ = 0;
};

class ApiCallLimiterTest : public ::testing::Test {
 protected:
  void Start(uint64_t limit) {
    quota_ = std::make_unique<CountingQuota>(limit);
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(quota_.get());
    server_ = builder.BuildAndStart();
    ASSERT_NE(port, 0);
    const std::string address = "127.0.0.1:" + std::to_string(port);
    clients_ = std::make_unique<UpstreamClients>(
        UpstreamClients::Addresses{address, address, address, address});
    limiter_ = std::make_unique<ApiCallLimiter>(*clients_, registry_, absl::Seconds(10));
  }
  void TearDown() override {
    limiter_.reset();
    if (server_) server_->Shutdown();
  }

  Caller caller_{.user_id = "user-1", .tier = "free"};
  prometheus::Registry registry_;
  std::unique_ptr<CountingQuota> quota_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<UpstreamClients> clients_;
  std::unique_ptr<ApiCallLimiter> limiter_;
};

TEST_F(ApiCallLimiterTest, OneGatewayNeverPassesTheLimitAndAsksFarLessThanOncePerCall) {
  Start(100);
  int admitted = 0;
  absl::Status last;
  for (int i = 0; i < 150; ++i) {
    last = limiter_->Check(caller_, "req");
    if (!last.ok()) break;
    ++admitted;
  }
  EXPECT_EQ(admitted, 100);
  EXPECT_EQ(http::ApiErrorFor(last).http_status, 429) << last;
  // Each answer lends up to kCreditCalls calls: about one question per 32 calls, not 100.
  EXPECT_LT(quota_->rpcs(), 20u);
}

TEST_F(ApiCallLimiterTest, EveryAdmittedCallReachesQuotaByStop) {
  Start(1'000);
  for (int i = 0; i < 77; ++i) ASSERT_TRUE(limiter_->Check(caller_, "req").ok());
  limiter_->Stop();
  EXPECT_EQ(quota_->counted(), 77u);
}

TEST_F(ApiCallLimiterTest, QuotaAwayLetsCallsThrough) {
  // Nothing listens on the quota address: every call fails open.
  clients_ = std::make_unique<UpstreamClients>(
      UpstreamClients::Addresses{"127.0.0.1:1", "127.0.0.1:1", "127.0.0.1:1", "127.0.0.1:1"});
  limiter_ = std::make_unique<ApiCallLimiter>(*clients_, registry_, absl::Seconds(2));
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(limiter_->Check(caller_, "req").ok());
}

}  // namespace
}  // namespace datamesh::gateway
