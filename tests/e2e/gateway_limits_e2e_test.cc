// The gateway's limits against the whole stack, driven over real sockets as careless and hostile
// clients drive it: stalled uploads of one user hold no one else and are cut (slots, the
// minimum transfer rate, reservations released, nothing listed); the storage quota holds on
// chunked, parallel and size-less gRPC uploads; parallel downloads never pass the bandwidth
// limit; login failures from one address lock out no account that has not failed, and
// X-Forwarded-For counts only from a trusted proxy.
//
// Flags reach the services through the environment (DM_<FLAG>), set before the stack starts.
#include <arpa/inet.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "datamesh/file/v1/file.grpc.pb.h"
#include "datamesh/quota/v1/quota.grpc.pb.h"
#include "shared/testing/status_matchers.h"
#include "shared/testing/test_stack.h"
#include "tests/e2e/e2e_util.h"

namespace datamesh {
namespace {

using ::datamesh::testing::TestStack;
namespace fs = std::filesystem;
namespace fv1 = file::v1;

using e2e::Eventually;
using e2e::List;
using e2e::Obj;
using e2e::ReadFile;
using e2e::Reply;
using e2e::Str;
using e2e::WriteFile;

constexpr size_t kMiB = 1 << 20;
constexpr int kTransfersPerUser = 10;
// The tier of the quota tests.
constexpr uint64_t kTinyStorage = 8 * kMiB;
constexpr uint64_t kTinyBandwidth = 24 * kMiB;

// A raw TCP connection that sends a request's first bytes and then nothing more.
class StalledUpload {
 public:
  StalledUpload(uint16_t port, const std::string& token) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) return;
    const std::string head = absl::StrCat(
        "POST /api/v1/files?name=stalled HTTP/1.1\r\nHost: gateway\r\nAuthorization: Bearer ",
        token, "\r\nContent-Length: 100000000\r\n\r\n", std::string(1024, 'x'));
    sent_ =
        ::send(fd_, head.data(), head.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(head.size());
  }
  ~StalledUpload() {
    if (fd_ >= 0) ::close(fd_);
  }
  StalledUpload(const StalledUpload&) = delete;
  StalledUpload& operator=(const StalledUpload&) = delete;

  bool sent() const { return sent_; }
  // Reads what has arrived without waiting; true once the server has closed the connection.
  bool Poll() {
    if (closed_) return true;
    pollfd p{fd_, POLLIN, 0};
    while (::poll(&p, 1, 0) == 1) {
      char buf[4096];
      const ssize_t n = ::recv(fd_, buf, sizeof(buf), 0);
      if (n <= 0) {
        closed_ = true;
        break;
      }
      answer_.append(buf, static_cast<size_t>(n));
    }
    return closed_;
  }
  const std::string& answer() const { return answer_; }

 private:
  int fd_ = -1;
  bool sent_ = false;
  bool closed_ = false;
  std::string answer_;
};

class GatewayLimitsE2eTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    setenv("DM_MAX_TRANSFERS_PER_USER", std::to_string(kTransfersPerUser).c_str(), 1);
    setenv("DM_MIN_TRANSFER_BYTES", "65536", 1);
    setenv("DM_MIN_TRANSFER_WINDOW", "4s", 1);
    setenv("DM_TRUSTED_PROXIES", "127.0.0.1/32", 1);
    setenv("DM_LOGIN_MAX_FAILURES", "5", 1);
    setenv("DM_LOGIN_MAX_FAILURES_PER_CLIENT", "3", 1);
    setenv("DM_LOGIN_MAX_FAILURES_PER_ADDRESS", "10", 1);
    auto stack = TestStack::Start({.services = true, .chunk_stores = 6});
    ASSERT_OK(stack);
    stack_ = stack->release();
    dir_ = new fs::path(fs::path(stack_->dir()) / "e2e-limits");
    fs::create_directories(*dir_ / "main");
  }
  static void TearDownTestSuite() {
    delete stack_;
    stack_ = nullptr;
    delete dir_;
  }

  static std::string Base() { return stack_->Env("DM_GATEWAY_URL"); }
  static uint16_t Port() {
    const std::string base = Base();
    uint32_t port = 0;
    EXPECT_TRUE(absl::SimpleAtoi(base.substr(base.rfind(':') + 1), &port)) << base;
    return static_cast<uint16_t>(port);
  }

  // One curl call; each thread passes its own scratch folder.
  static Reply Api(const std::string& method, const std::string& path, const std::string& token,
                   const std::vector<std::string>& args = {}, const std::string& scratch = "main") {
    return e2e::CurlHttp(*dir_ / scratch).Call(method, Base() + "/api/v1" + path, args, token);
  }
  static Reply Json(const std::string& method, const std::string& path, const std::string& body,
                    const std::string& token = "", std::vector<std::string> args = {}) {
    const fs::path f = *dir_ / "req.json";
    WriteFile(f, body);
    args.push_back("-H 'Content-Type: application/json'");
    args.push_back("--data-binary @'" + f.string() + "'");
    return Api(method, path, token, args);
  }
  // Uploads `size` pseudo-random bytes; `chunked` sends them without a Content-Length.
  static Reply Upload(const std::string& token, const std::string& name, size_t size, bool chunked,
                      const std::string& scratch = "main") {
    const fs::path f = *dir_ / scratch / "upload.bin";
    WriteFile(f, e2e::RandomBytes(size, size + name.size()));
    std::vector<std::string> args = {"--data-binary @'" + f.string() + "'"};
    if (chunked) args.push_back("-H 'Transfer-Encoding: chunked'");
    return Api("POST", "/files?name=" + name, token, args, scratch);
  }
  static Reply Login(const std::string& user, const std::string& password,
                     std::vector<std::string> args = {}) {
    return Json("POST", "/auth/login",
                absl::StrCat(R"({"username":")", user, R"(","password":")", password, R"("})"), "",
                std::move(args));
  }
  // Registers and logs in; returns {user id, token}.
  static std::pair<std::string, std::string> NewUser(const std::string& name) {
    Reply reg = Json("POST", "/auth/register",
                     absl::StrCat(R"({"username":")", name, R"(","email":")", name,
                                  R"(@example.com","password":"correct-horse-1"})"));
    EXPECT_EQ(reg.code, 201) << reg.body;
    Reply login = Login(name, "correct-horse-1");
    EXPECT_EQ(login.code, 200) << login.body;
    return {Str(Obj(reg.Json(), "user"), "id"), Str(login.Json(), "token")};
  }
  static std::string AdminToken() {
    const std::string password(
        absl::StripAsciiWhitespace(ReadFile(fs::path(stack_->dir()) / "admin-password")));
    return Str(Login("admin", password).Json(), "token");
  }
  static uint64_t Usage(const std::string& token, const std::string& key) {
    Reply p = Api("GET", "/auth/profile", token);
    uint64_t v = 0;
    EXPECT_TRUE(absl::SimpleAtoi(Str(Obj(p.Json(), "usage"), key), &v)) << p.body;
    return v;
  }
  static std::vector<google::protobuf::Struct> Files(const std::string& token) {
    Reply r = Api("GET", "/files", token);
    EXPECT_EQ(r.code, 200) << r.body;
    return List(r.Json(), "files");
  }
  static uint64_t StoredBytes(const std::string& token) {
    uint64_t total = 0;
    for (const auto& f : Files(token)) {
      uint64_t size = 0;
      EXPECT_TRUE(absl::SimpleAtoi(Str(f, "size"), &size));
      total += size;
    }
    return total;
  }
  // Moves the user {id, token} called `name` to `tier`; returns {id, a fresh token}.
  static std::pair<std::string, std::string> InTier(std::pair<std::string, std::string> user,
                                                    const std::string& name,
                                                    const std::string& tier) {
    Reply put = Json("PUT", "/admin/users/" + user.first,
                     absl::StrCat(R"({"tier":")", tier, R"("})"), AdminToken());
    EXPECT_EQ(put.code, 200) << put.body;
    return {user.first, Str(Login(name, "correct-horse-1").Json(), "token")};
  }
  // A user in a tier with kTinyStorage and kTinyBandwidth; returns {id, token}.
  static std::pair<std::string, std::string> TinyUser(const std::string& name) {
    auto quota = quota::v1::QuotaService::NewStub(
        grpc::CreateChannel(stack_->Env("DM_QUOTA_GRPC_ADDR"), grpc::InsecureChannelCredentials()));
    quota::v1::UpdateTierRequest tier;
    tier.set_actor_id("00000000-0000-4000-8000-000000000001");
    tier.set_create(true);
    tier.mutable_tier()->set_name("tiny-limits");
    tier.mutable_tier()->set_display_name("Tiny");
    tier.mutable_tier()->mutable_limits()->set_storage_bytes(kTinyStorage);
    tier.mutable_tier()->mutable_limits()->set_bandwidth_bytes_month(kTinyBandwidth);
    quota::v1::UpdateTierResponse resp;
    grpc::ClientContext ctx;
    const grpc::Status created = quota->UpdateTier(&ctx, tier, &resp);
    EXPECT_TRUE(created.ok() || created.error_code() == grpc::StatusCode::ALREADY_EXISTS)
        << created.error_message();
    return InTier(NewUser(name), name, "tiny-limits");
  }

  static TestStack* stack_;
  static fs::path* dir_;
};
TestStack* GatewayLimitsE2eTest::stack_ = nullptr;
fs::path* GatewayLimitsE2eTest::dir_ = nullptr;

TEST_F(GatewayLimitsE2eTest, StalledUploadsOfOneUserHoldNoOneElseAndAreCut) {
  // Unlimited API calls, so what refuses the stalled uploads is the transfer limit alone.
  auto [a_id, a] = InTier(NewUser("stalling"), "stalling", "enterprise");
  auto [b_id, b] = NewUser("bystander");
  std::vector<std::unique_ptr<StalledUpload>> stalled;
  for (int i = 0; i < 100; ++i) {
    stalled.push_back(std::make_unique<StalledUpload>(Port(), a));
    ASSERT_TRUE(stalled.back()->sent()) << i;
  }
  // All but the admitted few are refused at once with 429 and Retry-After.
  auto refused = [&] {
    int n = 0;
    for (auto& s : stalled) {
      s->Poll();
      if (s->answer().rfind("HTTP/1.1 429", 0) == 0) ++n;
    }
    return n;
  };
  EXPECT_TRUE(Eventually([&] { return refused() == 100 - kTransfersPerUser; })) << refused();
  for (auto& s : stalled) {
    if (!s->answer().empty()) {
      EXPECT_NE(s->answer().find("Retry-After: "), std::string::npos) << s->answer();
    }
  }
  // The same user's next transfer is refused too, with the same answer.
  Reply more = Upload(a, "one-more", 1000, false);
  EXPECT_EQ(more.code, 429) << more.body;
  EXPECT_EQ(more.ErrorCode(), "RATE_LIMITED");
  EXPECT_FALSE(more.headers["retry-after"].empty());
  // Everyone else is served: another user's upload and download, and the probes.
  const std::string data = e2e::RandomBytes(kMiB, 7);
  WriteFile(*dir_ / "b.bin", data);
  Reply up =
      Api("POST", "/files?name=b.bin", b, {"--data-binary @'" + (*dir_ / "b.bin").string() + "'"});
  ASSERT_EQ(up.code, 201) << up.body;
  Reply down = Api("GET", "/files/" + Str(Obj(up.Json(), "file"), "id"), b);
  EXPECT_EQ(down.code, 200);
  EXPECT_TRUE(down.body == data) << "download differs (" << down.body.size() << " bytes)";
  EXPECT_EQ(e2e::CurlHttp(*dir_ / "main").Call("GET", Base() + "/healthz").code, 200);
  // Past the minimum-rate window every stalled connection is closed by the server ...
  EXPECT_TRUE(Eventually(
      [&] {
        for (auto& s : stalled) {
          if (!s->Poll()) return false;
        }
        return true;
      },
      std::chrono::seconds(60)));
  // ... its reservation released, nothing of it listed, and the user may transfer again.
  EXPECT_TRUE(Eventually([&] { return Usage(a, "storageBytes") == 0; }))
      << Usage(a, "storageBytes");
  EXPECT_TRUE(Files(a).empty());
  Reply again = Upload(a, "after", 1000, false);
  EXPECT_EQ(again.code, 201) << again.body;
}

TEST_F(GatewayLimitsE2eTest, StorageQuotaHoldsOnChunkedParallelAndSizeLessGrpcUploads) {
  auto [id, token] = TinyUser("tiny-uploader");
  // One chunked upload past the limit: 403, nothing stored, nothing counted.
  Reply big = Upload(token, "too-big", kTinyStorage + 2 * kMiB, /*chunked=*/true);
  EXPECT_EQ(big.code, 403) << big.body;
  EXPECT_EQ(big.ErrorCode(), "QUOTA_EXCEEDED");
  EXPECT_TRUE(Files(token).empty());
  EXPECT_TRUE(Eventually([&] { return Usage(token, "storageBytes") == 0; }));

  // Ten parallel chunked uploads that each fit but together do not.
  std::atomic<int> stored{0};
  std::atomic<int> other{0};
  std::vector<std::thread> uploads;
  for (int i = 0; i < 10; ++i) {
    uploads.emplace_back([&, i] {
      const std::string scratch = "parallel-" + std::to_string(i);
      fs::create_directories(*dir_ / scratch);
      Reply r = Upload(token, "part-" + std::to_string(i), 1536 * 1024, true, scratch);
      if (r.code == 201) {
        ++stored;
      } else if (r.code != 403 || r.ErrorCode() != "QUOTA_EXCEEDED") {
        ADD_FAILURE() << "upload " << i << ": " << r.code << " " << r.body;
        ++other;
      }
    });
  }
  for (auto& t : uploads) t.join();
  EXPECT_EQ(other, 0);
  EXPECT_GE(stored, 1);
  EXPECT_LE(StoredBytes(token), kTinyStorage);
  EXPECT_EQ(static_cast<int>(Files(token).size()), stored.load());
  for (const auto& f : Files(token))
    EXPECT_EQ(Api("DELETE", "/files/" + Str(f, "id"), token).code, 204);

  // The same through public gRPC with no declared size.
  auto files = fv1::FileService::NewStub(
      grpc::CreateChannel(stack_->Env("DM_GATEWAY_GRPC_ADDR"), grpc::InsecureChannelCredentials()));
  grpc::ClientContext ctx;
  ctx.AddMetadata("authorization", "Bearer " + token);
  fv1::UploadResponse resp;
  auto stream = files->Upload(&ctx, &resp);
  fv1::UploadRequest message;
  message.mutable_header()->set_name("grpc-too-big");
  const std::string chunk = e2e::RandomBytes(kMiB, 3);
  for (size_t sent = 0; sent < kTinyStorage + 2 * kMiB; sent += kMiB) {
    message.set_chunk(chunk);
    if (!stream->Write(message)) break;
    message.Clear();
  }
  stream->WritesDone();
  const grpc::Status status = stream->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << status.error_message();
  auto code = ctx.GetServerTrailingMetadata().find("dm-error-code");
  ASSERT_NE(code, ctx.GetServerTrailingMetadata().end());
  EXPECT_EQ(std::string(code->second.data(), code->second.size()), "QUOTA_EXCEEDED");
  EXPECT_TRUE(Files(token).empty());
}

TEST_F(GatewayLimitsE2eTest, ParallelDownloadsNeverPassTheBandwidthLimit) {
  auto [id, token] = TinyUser("tiny-downloader");
  const size_t size = 6 * kMiB;
  Reply up = Upload(token, "shared.bin", size, false);
  ASSERT_EQ(up.code, 201) << up.body;
  const std::string file_id = Str(Obj(up.Json(), "file"), "id");
  const std::string expected = ReadFile(*dir_ / "main" / "upload.bin");
  // Six downloads at once want 36 MiB of a 24 MiB month.
  std::atomic<uint64_t> received{0};
  std::atomic<int> complete{0};
  std::atomic<int> unexpected{0};
  std::vector<std::thread> downloads;
  for (int i = 0; i < 6; ++i) {
    downloads.emplace_back([&, i] {
      const std::string scratch = "download-" + std::to_string(i);
      fs::create_directories(*dir_ / scratch);
      Reply r = Api("GET", "/files/" + file_id, token, {}, scratch);
      received += r.code == 200 ? r.body.size() : 0;
      if (r.code == 200 && r.body == expected) {
        ++complete;
      } else if (r.code != 403 && r.code != 0) {
        // 0: curl saw a body cut short, the other allowed outcome.
        ADD_FAILURE() << "download " << i << ": " << r.code << " " << r.body.substr(0, 200);
        ++unexpected;
      }
    });
  }
  for (auto& t : downloads) t.join();
  EXPECT_EQ(unexpected, 0);
  EXPECT_GE(complete, 1);
  EXPECT_LE(received.load(), kTinyBandwidth);
  // What the month counts is what was sent, once unsent prepaid bytes are refunded.
  EXPECT_TRUE(Eventually([&] { return Usage(token, "bandwidthBytesMonth") <= kTinyBandwidth; }));
  EXPECT_GE(Usage(token, "bandwidthBytesMonth"), static_cast<uint64_t>(complete.load()) * size);
}

// Last: it makes 127.0.0.1 a suspect address for the rest of the stack's life.
TEST_F(GatewayLimitsE2eTest, FailedLoginsFromOneAddressLockOutNoAccountThatHasNotFailed) {
  NewUser("guessed");
  NewUser("innocent");
  NewUser("proxied");
  NewUser("forger");
  // Guesses at made-up usernames, all from 127.0.0.1, past its suspect limit.
  for (int i = 0; i < 12; ++i) {
    const int code = Login(absl::StrCat("nobody-", i), "wrong-password").code;
    EXPECT_TRUE(code == 401 || code == 429) << code;
  }
  // Guesses at one real account from there: refused, and then its right password is too.
  for (int i = 0; i < 3; ++i) EXPECT_EQ(Login("guessed", "wrong-password").code, 429);
  Reply locked = Login("guessed", "correct-horse-1");
  EXPECT_EQ(locked.code, 429) << locked.body;
  EXPECT_FALSE(locked.headers["retry-after"].empty());
  // An account that never failed logs in from that same address.
  EXPECT_EQ(Login("innocent", "correct-horse-1").code, 200);

  // Behind the trusted proxy (127.0.0.1) clients are told apart by X-Forwarded-For.
  const std::string client1 = "-H 'X-Forwarded-For: 198.51.100.1'";
  const std::string client2 = "-H 'X-Forwarded-For: 198.51.100.2'";
  for (int i = 0; i < 3; ++i) EXPECT_EQ(Login("proxied", "wrong-password", {client1}).code, 401);
  EXPECT_EQ(Login("proxied", "correct-horse-1", {client1}).code, 429);
  EXPECT_EQ(Login("proxied", "correct-horse-1", {client2}).code, 200);

  // From an untrusted peer (127.0.0.2) the header is ignored: changing it does not reset the
  // count of (account, peer).
  for (int i = 0; i < 3; ++i) {
    const std::string forged = absl::StrCat("-H 'X-Forwarded-For: 203.0.113.", i, "'");
    EXPECT_EQ(Login("forger", "wrong-password", {"--interface 127.0.0.2", forged}).code, 401);
  }
  EXPECT_EQ(Login("forger", "correct-horse-1",
                  {"--interface 127.0.0.2", "-H 'X-Forwarded-For: 203.0.113.99'"})
                .code,
            429);
  EXPECT_EQ(Login("forger", "correct-horse-1", {"-H 'X-Forwarded-For: 198.51.100.50'"}).code, 200);
}

}  // namespace
}  // namespace datamesh
