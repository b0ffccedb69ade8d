// The request-id interceptor on a real gRPC server: the handler sees the caller's id as the
// logging request id, every line logged for the call carries it, and unusable ids are ignored.
#include "shared/server/request_id.h"

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <mutex>
#include <string>
#include <vector>

#include "grpc/health/v1/health.grpc.pb.h"
#include "shared/log/log.h"

namespace datamesh::server {
namespace {

namespace hv1 = grpc::health::v1;

// Answers SERVING and remembers the request id its handler ran under.
class RecordingHealth final : public hv1::Health::Service {
 public:
  grpc::Status Check(grpc::ServerContext*, const hv1::HealthCheckRequest*,
                     hv1::HealthCheckResponse* resp) override {
    std::lock_guard<std::mutex> lock(mu_);
    seen_ = log::CurrentRequestId();
    log::Info("handler ran");
    resp->set_status(hv1::HealthCheckResponse::SERVING);
    return grpc::Status::OK;
  }
  std::string seen() {
    std::lock_guard<std::mutex> lock(mu_);
    return seen_;
  }

 private:
  std::mutex mu_;
  std::string seen_;
};

class RequestIdTest : public ::testing::Test {
 protected:
  void SetUp() override {
    log::Configure({"test", "", log::Level::kDebug, [this](std::string_view line) {
                      std::lock_guard<std::mutex> lock(lines_mu_);
                      lines_.emplace_back(line);
                    }});
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(&service_);
    std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> creators;
    creators.push_back(MakeRequestIdInterceptor());
    builder.experimental().SetInterceptorCreators(std::move(creators));
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    stub_ = hv1::Health::NewStub(grpc::CreateChannel("127.0.0.1:" + std::to_string(port),
                                                     grpc::InsecureChannelCredentials()));
  }
  void TearDown() override {
    server_->Shutdown();
    log::Configure({});
  }

  // Calls Check with `id` as x-request-id (none when empty).
  void Call(const std::string& id) {
    grpc::ClientContext context;
    if (!id.empty()) context.AddMetadata(kRequestIdMetadata, id);
    hv1::HealthCheckRequest req;
    hv1::HealthCheckResponse resp;
    ASSERT_TRUE(stub_->Check(&context, req, &resp).ok());
  }

  std::vector<std::string> LinesWith(const std::string& text) {
    std::lock_guard<std::mutex> lock(lines_mu_);
    std::vector<std::string> out;
    for (const std::string& l : lines_) {
      if (l.find(text) != std::string::npos) out.push_back(l);
    }
    return out;
  }

  RecordingHealth service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<hv1::Health::Stub> stub_;
  std::mutex lines_mu_;
  std::vector<std::string> lines_;
};

TEST_F(RequestIdTest, HandlerLogsUnderTheCallersId) {
  Call("req-abc.123");
  EXPECT_EQ(service_.seen(), "req-abc.123");
  const auto handler_lines = LinesWith("\"handler ran\"");
  ASSERT_EQ(handler_lines.size(), 1u);
  EXPECT_NE(handler_lines[0].find("\"request_id\":\"req-abc.123\""), std::string::npos)
      << handler_lines[0];
  // The end-of-call debug line carries it too.
  const auto rpc_lines = LinesWith("\"msg\":\"rpc\"");
  ASSERT_EQ(rpc_lines.size(), 1u);
  EXPECT_NE(rpc_lines[0].find("req-abc.123"), std::string::npos) << rpc_lines[0];
  EXPECT_NE(rpc_lines[0].find("/grpc.health.v1.Health/Check"), std::string::npos);
}

TEST_F(RequestIdTest, IdDoesNotLeakIntoTheNextCall) {
  Call("first-id");
  EXPECT_EQ(service_.seen(), "first-id");
  Call("");
  EXPECT_EQ(service_.seen(), "");
}

TEST_F(RequestIdTest, UnusableIdsAreIgnored) {
  Call(std::string(129, 'a'));
  EXPECT_EQ(service_.seen(), "");
  Call("has space");
  EXPECT_EQ(service_.seen(), "");
  Call(std::string(128, 'b'));
  EXPECT_EQ(service_.seen(), std::string(128, 'b'));
}

TEST(IsUsableRequestId, PrintableAsciiUpTo128) {
  EXPECT_TRUE(IsUsableRequestId("a"));
  EXPECT_TRUE(IsUsableRequestId("A-z_0.9~!"));
  EXPECT_FALSE(IsUsableRequestId(""));
  EXPECT_FALSE(IsUsableRequestId("tab\there"));
  EXPECT_FALSE(IsUsableRequestId("\x7f"));
  EXPECT_FALSE(IsUsableRequestId("caf\xc3\xa9"));
}

}  // namespace
}  // namespace datamesh::server
