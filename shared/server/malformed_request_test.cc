// The malformed-request interceptor on a real gRPC server: bytes that do not parse as the
// request (here a string field holding invalid UTF-8) are INVALID_ARGUMENT, not INTERNAL, and
// the handler never runs; a well-formed request is untouched.
#include "shared/server/malformed_request.h"

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <string>
#include <vector>

#include "grpc/health/v1/health.grpc.pb.h"

namespace datamesh::server {
namespace {

namespace hv1 = grpc::health::v1;

class CountingHealth final : public hv1::Health::Service {
 public:
  grpc::Status Check(grpc::ServerContext*, const hv1::HealthCheckRequest*,
                     hv1::HealthCheckResponse* resp) override {
    ++calls;
    resp->set_status(hv1::HealthCheckResponse::SERVING);
    return grpc::Status::OK;
  }
  std::atomic<int> calls{0};
};

// One unary call of Health.Check carrying `payload` as the raw request bytes.
grpc::Status CallRaw(grpc::GenericStub& stub, const std::string& payload) {
  grpc::Slice slice(payload);
  grpc::ByteBuffer request(&slice, 1);
  grpc::ByteBuffer response;
  grpc::ClientContext context;
  grpc::Status result;
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  stub.UnaryCall(&context, "/grpc.health.v1.Health/Check", grpc::StubOptions(), &request, &response,
                 [&](grpc::Status s) {
                   std::lock_guard<std::mutex> lock(mu);
                   result = std::move(s);
                   done = true;
                   cv.notify_one();
                 });
  std::unique_lock<std::mutex> lock(mu);
  cv.wait(lock, [&] { return done; });
  return result;
}

TEST(MalformedRequest, UnparsableBytesAreInvalidArgumentAndReachNoHandler) {
  CountingHealth service;
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&service);
  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> creators;
  creators.push_back(MakeMalformedRequestInterceptor());
  builder.experimental().SetInterceptorCreators(std::move(creators));
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  ASSERT_NE(server, nullptr);
  grpc::GenericStub stub(
      grpc::CreateChannel("127.0.0.1:" + std::to_string(port), grpc::InsecureChannelCredentials()));
  // Field 1 (service, a string), length 2, bytes 0xff 0xfe: not UTF-8.
  const grpc::Status bad = CallRaw(stub, std::string("\x0a\x02\xff\xfe", 4));
  EXPECT_EQ(bad.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << bad.error_message();
  EXPECT_NE(bad.error_message().find("could not be parsed"), std::string::npos);
  EXPECT_EQ(service.calls, 0);
  // The same field holding "ok" is served.
  const grpc::Status good = CallRaw(stub, std::string("\x0a\x02ok", 4));
  EXPECT_TRUE(good.ok()) << good.error_message();
  EXPECT_EQ(service.calls, 1);
  server->Shutdown();
}

}  // namespace
}  // namespace datamesh::server
