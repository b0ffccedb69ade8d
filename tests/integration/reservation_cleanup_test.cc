// Reservations no upload will use again, on the whole local stack, each freed without waiting
// for its TTL (an hour for a held one, a day for a committed one):
//   1. an upload cut off while quota is down: the gateway's release fails, is queued
//      (datamesh_gateway_reservation_releases_pending), and lands once quota is back;
//   2. a reservation committed to a file whose manifest never followed (file-ingest died
//      between quota's commit and its own): the usage reconciliation retires it once the
//      commit is older than --reconcile-margin, and leaves the files that exist counted once.
// quota runs with --reconcile-margin 20s and reconciles only on demand (ReconcileUsage).
#include <arpa/inet.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "datamesh/quota/v1/quota.grpc.pb.h"
#include "shared/crypto/random.h"
#include "shared/testing/status_matchers.h"
#include "shared/testing/test_stack.h"
#include "shared/testing/wait_for.h"
#include "tests/e2e/e2e_util.h"
#include "tests/integration/rest_client.h"

namespace datamesh {
namespace {

using ::datamesh::integration::RestClient;
using ::datamesh::integration::UploadOutcome;
using ::datamesh::testing::RunCommand;
using ::datamesh::testing::TestStack;
using ::datamesh::testing::WaitFor;

constexpr uint64_t kMiB = 1 << 20;
constexpr uint64_t kDeclared = 32 * kMiB;

// An HTTP upload over a plain socket, so the test decides when its body stops: the request and
// part of a body declared longer, then the connection closed.
class CutUpload {
 public:
  ~CutUpload() {
    if (fd_ >= 0) close(fd_);
  }
  // Connects to `gateway` (http://host:port) and sends the headers and `first` body bytes.
  bool Start(const std::string& gateway, const std::string& token, uint64_t declared,
             uint64_t first) {
    const std::string hostport = gateway.substr(gateway.find("//") + 2);
    int port = 0;
    if (!absl::SimpleAtoi(hostport.substr(hostport.rfind(':') + 1), &port)) return false;
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd_ < 0 || connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
      return false;
    }
    const std::string head = absl::StrCat(
        "POST /api/v1/files?name=cut-off HTTP/1.1\r\nHost: ", hostport,
        "\r\nAuthorization: Bearer ", token,
        "\r\nContent-Type: application/octet-stream\r\nContent-Length: ", declared, "\r\n\r\n");
    return Send(head) && Send(std::string(first, 'x'));
  }
  void Close() {
    close(fd_);
    fd_ = -1;
  }

 private:
  bool Send(const std::string& bytes) {
    for (size_t at = 0; at < bytes.size();) {
      const ssize_t n = send(fd_, bytes.data() + at, bytes.size() - at, MSG_NOSIGNAL);
      if (n <= 0) return false;
      at += static_cast<size_t>(n);
    }
    return true;
  }
  int fd_ = -1;
};

class ReservationCleanupTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    setenv("DM_RECONCILE_MARGIN", "20s", 1);  // read by quota only
    setenv("DM_RECONCILE_INTERVAL", "0", 1);
    auto stack = TestStack::Start({.services = true});
    ASSERT_OK(stack);
    stack_ = stack->release();
    client_ = new RestClient(stack_->Env("DM_GATEWAY_URL"),
                             std::filesystem::path(stack_->dir()) / "rest" / "uploader");
    e2e::Reply r = client_->Json("POST", "/auth/register",
                                 R"({"username":"uploader","email":"uploader@example.com",)"
                                 R"("password":"correct-horse-1"})");
    ASSERT_EQ(r.code, 201) << r.body;
    user_id_ = e2e::Str(e2e::Obj(r.Json(), "user"), "id");
    r = client_->Json("POST", "/auth/login",
                      R"({"username":"uploader","password":"correct-horse-1"})");
    ASSERT_EQ(r.code, 200) << r.body;
    client_->set_token(e2e::Str(r.Json(), "token"));
  }
  static void TearDownTestSuite() {
    delete client_;
    client_ = nullptr;
    delete stack_;
    stack_ = nullptr;
  }
  void SetUp() override {
    ASSERT_NE(stack_, nullptr);
    ASSERT_NE(client_, nullptr);
  }

  static std::unique_ptr<quota::v1::QuotaService::Stub> Quota() {
    return quota::v1::QuotaService::NewStub(
        grpc::CreateChannel(stack_->Env("DM_QUOTA_GRPC_ADDR"), grpc::InsecureChannelCredentials()));
  }
  static grpc::ClientContext* Deadline(grpc::ClientContext& ctx, int seconds = 10) {
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(seconds));
    return &ctx;
  }
  // The user's usage as quota reports it (stored + reserved, and reserved alone).
  static quota::v1::GetUsageResponse Usage() {
    grpc::ClientContext ctx;
    quota::v1::GetUsageRequest req;
    req.set_user_id(user_id_);
    quota::v1::GetUsageResponse resp;
    if (!Quota()->GetUsage(Deadline(ctx), req, &resp).ok()) resp.set_reserved_bytes(~0ull);
    return resp;
  }
  // A sample of an instance's /metrics (`instance`: GATEWAY, QUOTA), -1 when absent.
  static double Metric(const std::string& instance, const std::string& series) {
    auto out = RunCommand(absl::StrCat(
        "curl -sf http://", stack_->Env("DM_" + instance + "_METRICS_ADDR"), "/metrics"));
    if (!out.ok()) return -1;
    const std::string prefix = "\n" + series + " ";
    const size_t at = out->find(prefix);
    if (at == std::string::npos) return -1;
    return std::strtod(out->c_str() + at + prefix.size(), nullptr);
  }
  static absl::Status Instance(const std::string& action, const std::string& name) {
    if (action == "kill") return stack_->Devstack("kill-instance " + name).status();
    return stack_
        ->Devstack(absl::StrCat("start-instance --bin ", TestStack::BinaryDir(), "/bin ", name))
        .status();
  }

  static inline TestStack* stack_ = nullptr;
  static inline RestClient* client_ = nullptr;
  static inline std::string user_id_;
};

TEST_F(ReservationCleanupTest, AReleaseQuotaCouldNotTakeLandsOnceQuotaIsBack) {
  const double released_before =
      Metric("GATEWAY", "datamesh_gateway_reservation_release_retries_total{outcome=\"released\"}");
  ASSERT_GE(released_before, 0);
  CutUpload upload;
  ASSERT_TRUE(upload.Start(stack_->Env("DM_GATEWAY_URL"), client_->token(), kDeclared, kMiB));
  // The declared size is reserved before the first byte goes on.
  ASSERT_TRUE(WaitFor([] { return Usage().reserved_bytes() == kDeclared; }, absl::Seconds(30)))
      << Usage().reserved_bytes();

  ASSERT_OK(Instance("kill", "quota"));
  upload.Close();  // the body ends short: the gateway abandons the upload and releases
  EXPECT_TRUE(WaitFor(
      [] { return Metric("GATEWAY", "datamesh_gateway_reservation_releases_pending") == 1; },
      absl::Seconds(30)))
      << "the failed release was not queued";

  ASSERT_OK(Instance("start", "quota"));
  EXPECT_TRUE(WaitFor([] { return Usage().reserved_bytes() == 0; }, absl::Seconds(90)))
      << "still reserved: " << Usage().reserved_bytes();
  EXPECT_EQ(Metric("GATEWAY", "datamesh_gateway_reservation_releases_pending"), 0);
  EXPECT_EQ(
      Metric("GATEWAY", "datamesh_gateway_reservation_release_retries_total{outcome=\"released\"}"),
      released_before + 1);
  EXPECT_EQ(Usage().usage().storage_bytes(), 0u);
}

TEST_F(ReservationCleanupTest, ACommitWhoseFileNeverAppearedIsRetiredByReconciliation) {
  ASSERT_TRUE(WaitFor([] { return Usage().reserved_bytes() == 0; }, absl::Seconds(60)));
  // A file that exists, counted from its file.stored.
  const UploadOutcome stored = client_->Upload("kept", 7, 3 * kMiB);
  ASSERT_TRUE(stored.Acknowledged()) << stored.Describe();
  ASSERT_TRUE(
      WaitFor([] { return Usage().usage().storage_bytes() == 3 * kMiB; }, absl::Seconds(30)));
  // What file-ingest does before its manifest commits -- and then it died.
  auto quota = Quota();
  quota::v1::ReserveRequest reserve;
  reserve.set_user_id(user_id_);
  reserve.set_tier("free");
  reserve.set_bytes(5 * kMiB);
  quota::v1::ReserveResponse reserved;
  grpc::ClientContext c1;
  ASSERT_TRUE(quota->Reserve(Deadline(c1), reserve, &reserved).ok());
  quota::v1::CommitRequest commit;
  commit.set_reservation_id(reserved.reservation_id());
  commit.set_actual_bytes(5 * kMiB);
  commit.set_file_id("never-stored-" + crypto::NewUuid().value());
  quota::v1::CommitResponse committed;
  grpc::ClientContext c2;
  ASSERT_TRUE(quota->Commit(Deadline(c2), commit, &committed).ok());
  EXPECT_EQ(Usage().reserved_bytes(), 5 * kMiB);

  auto reconcile = [&] {
    grpc::ClientContext ctx;
    quota::v1::ReconcileUsageResponse report;
    const grpc::Status s =
        quota->ReconcileUsage(Deadline(ctx, 60), quota::v1::ReconcileUsageRequest(), &report);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return report;
  };
  // Younger than the margin: the manifest may still be on its way.
  reconcile();
  EXPECT_EQ(Usage().reserved_bytes(), 5 * kMiB);
  EXPECT_TRUE(WaitFor(
      [&] {
        reconcile();
        return Usage().reserved_bytes() == 0;
      },
      absl::Seconds(90), absl::Seconds(2)))
      << "still reserved: " << Usage().reserved_bytes();
  EXPECT_EQ(Usage().usage().storage_bytes(), 3 * kMiB);  // the real file, once
  EXPECT_GE(
      Metric("QUOTA", "datamesh_quota_reconcile_corrections_total{kind=\"reservation_retired\"}"),
      1);
}

}  // namespace
}  // namespace datamesh
