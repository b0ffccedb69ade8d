// The gateway's public gRPC endpoint end to end: the whole stack (NATS, PostgreSQL, Redis,
// every service, six chunk-stores) started by TestStack, driven with the generated stubs as a
// gRPC client would: register and login, uploads (multi-segment and small), byte-identical
// downloads and ranges, listing, isolation between users, a client-supplied owner id that must
// be ignored, missing and logged-out tokens, internal and admin RPCs, the per-user API-call
// limit with its retry-after trailer, and a gRPC upload read back over REST.
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <memory>
#include <optional>
#include <random>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "datamesh/auth/v1/auth.grpc.pb.h"
#include "datamesh/file/v1/file.grpc.pb.h"
#include "datamesh/quota/v1/quota.grpc.pb.h"
#include "shared/testing/status_matchers.h"
#include "shared/testing/test_stack.h"
#include "tests/e2e/e2e_util.h"

namespace datamesh {
namespace {

using ::datamesh::testing::TestStack;
namespace fs = std::filesystem;
namespace av1 = auth::v1;
namespace fv1 = file::v1;

constexpr size_t kMiB = 1 << 20;

struct Account {
  std::string token;
  std::string user_id;
};

class GatewayGrpcE2eTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto stack = TestStack::Start({.services = true, .chunk_stores = 6});
    ASSERT_OK(stack);
    stack_ = stack->release();
    dir_ = new fs::path(fs::path(stack_->dir()) / "e2e-grpc");
    fs::create_directories(*dir_);
    const std::string addr = stack_->Env("DM_GATEWAY_GRPC_ADDR");
    ASSERT_FALSE(addr.empty());
    auto channel = grpc::CreateChannel(addr, grpc::InsecureChannelCredentials());
    files_ = fv1::FileService::NewStub(channel).release();
    auth_ = av1::AuthService::NewStub(channel).release();
    quota_ = quota::v1::QuotaService::NewStub(channel).release();
  }
  static void TearDownTestSuite() {
    delete files_;
    delete auth_;
    delete quota_;
    delete stack_;
    stack_ = nullptr;
    delete dir_;
  }

  // A context with a deadline and, when `token` is set, the bearer metadata.
  static std::unique_ptr<grpc::ClientContext> Ctx(const std::string& token = "") {
    auto c = std::make_unique<grpc::ClientContext>();
    c->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(120));
    if (!token.empty()) c->AddMetadata("authorization", "Bearer " + token);
    return c;
  }

  static Account NewUser(const std::string& name) {
    av1::RegisterRequest reg;
    reg.set_username(name);
    reg.set_email(name + "@example.com");
    reg.set_password("correct-horse-1");
    av1::RegisterResponse reg_resp;
    grpc::Status s = auth_->Register(Ctx().get(), reg, &reg_resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
    av1::LoginRequest login;
    login.set_username(name);
    login.set_password("correct-horse-1");
    av1::LoginResponse login_resp;
    s = auth_->Login(Ctx().get(), login, &login_resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return {login_resp.token(), login_resp.user().id()};
  }

  // Uploads `data` in 1 MiB messages (the first also carries the header and data).
  static grpc::Status Upload(const std::string& token, const fv1::UploadHeader& header,
                             const std::string& data, fv1::File* file) {
    auto context = Ctx(token);
    fv1::UploadResponse resp;
    auto stream = files_->Upload(context.get(), &resp);
    fv1::UploadRequest message;
    *message.mutable_header() = header;
    size_t pos = 0;
    do {
      const size_t n = std::min(kMiB, data.size() - pos);
      message.set_chunk(data.substr(pos, n));
      pos += n;
      if (!stream->Write(message)) break;
      message.Clear();
    } while (pos < data.size());
    stream->WritesDone();
    grpc::Status s = stream->Finish();
    if (s.ok() && file != nullptr) *file = resp.file();
    return s;
  }

  static fv1::UploadHeader Header(const std::string& name, std::optional<size_t> size) {
    fv1::UploadHeader h;
    h.set_name(name);
    h.set_content_type("application/x-test");
    if (size) h.set_declared_size(*size);
    return h;
  }

  // The bytes of [offset, offset + length) (to the end without a length); *status the outcome.
  static std::string Download(const std::string& token, const std::string& id, uint64_t offset,
                              std::optional<uint64_t> length, grpc::Status* status) {
    fv1::DownloadRequest req;
    req.set_file_id(id);
    req.set_offset(offset);
    if (length) req.set_length(*length);
    auto context = Ctx(token);
    auto stream = files_->Download(context.get(), req);
    std::string out;
    fv1::DownloadResponse message;
    while (stream->Read(&message)) out += message.chunk();
    *status = stream->Finish();
    return out;
  }

  static grpc::Status Stat(const std::string& token, const std::string& id, fv1::File* file) {
    fv1::StatRequest req;
    req.set_file_id(id);
    fv1::StatResponse resp;
    grpc::Status s = files_->Stat(Ctx(token).get(), req, &resp);
    if (file != nullptr) *file = resp.file();
    return s;
  }

  static std::vector<std::string> ListIds(const std::string& token, grpc::Status* status) {
    fv1::ListRequest req;
    fv1::ListResponse resp;
    *status = files_->List(Ctx(token).get(), req, &resp);
    std::vector<std::string> ids;
    for (const fv1::File& f : resp.files()) ids.push_back(f.id());
    return ids;
  }

  static bool Contains(const std::vector<std::string>& ids, const std::string& id) {
    return std::find(ids.begin(), ids.end(), id) != ids.end();
  }

  static TestStack* stack_;
  static fs::path* dir_;
  static fv1::FileService::Stub* files_;
  static av1::AuthService::Stub* auth_;
  static quota::v1::QuotaService::Stub* quota_;
};
TestStack* GatewayGrpcE2eTest::stack_ = nullptr;
fs::path* GatewayGrpcE2eTest::dir_ = nullptr;
fv1::FileService::Stub* GatewayGrpcE2eTest::files_ = nullptr;
av1::AuthService::Stub* GatewayGrpcE2eTest::auth_ = nullptr;
quota::v1::QuotaService::Stub* GatewayGrpcE2eTest::quota_ = nullptr;

TEST_F(GatewayGrpcE2eTest, MissingOrBadTokenIsUnauthenticated) {
  grpc::Status s;
  ListIds("", &s);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  ListIds("not-a-token", &s);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  fv1::File file;
  EXPECT_EQ(Upload("", Header("x.bin", 3), "abc", &file).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  Download("", "some-id", 0, std::nullopt, &s);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(GatewayGrpcE2eTest, AnUnparsableRequestIsInvalidArgumentNotInternal) {
  const Account mel = NewUser("mel_grpc");
  // StatRequest with field 1 (file_id, a string) holding bytes that are not UTF-8: a client's
  // error, which gRPC's codec would otherwise answer with INTERNAL.
  grpc::GenericStub stub(
      grpc::CreateChannel(stack_->Env("DM_GATEWAY_GRPC_ADDR"), grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  context.AddMetadata("authorization", "Bearer " + mel.token);
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  grpc::Slice slice(std::string("\x0a\x03\xff\xfe\x41", 5));
  grpc::ByteBuffer request(&slice, 1);
  grpc::ByteBuffer response;
  std::promise<grpc::Status> done;
  stub.UnaryCall(&context, "/datamesh.file.v1.FileService/Stat", grpc::StubOptions(), &request,
                 &response, [&](grpc::Status s) { done.set_value(std::move(s)); });
  const grpc::Status s = done.get_future().get();
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << s.error_message();
}

TEST_F(GatewayGrpcE2eTest, InternalAndAdminRpcsAreRefused) {
  const Account dave = NewUser("dave_grpc");
  ASSERT_FALSE(dave.token.empty());
  av1::ValidateTokenRequest validate;
  validate.set_token(dave.token);
  av1::ValidateTokenResponse validated;
  grpc::Status s = auth_->ValidateToken(Ctx(dave.token).get(), validate, &validated);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNIMPLEMENTED);
  EXPECT_TRUE(validated.private_key().empty());
  quota::v1::ReserveRequest reserve;
  reserve.set_user_id(dave.user_id);
  reserve.set_bytes(1);
  quota::v1::ReserveResponse reserved;
  EXPECT_EQ(quota_->Reserve(Ctx(dave.token).get(), reserve, &reserved).error_code(),
            grpc::StatusCode::UNIMPLEMENTED);
  av1::ListUsersRequest users;
  av1::ListUsersResponse users_resp;
  EXPECT_EQ(auth_->ListUsers(Ctx(dave.token).get(), users, &users_resp).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  // The caller's own quota figures are served.
  quota::v1::GetUsageRequest usage;
  usage.set_user_id("someone-else");
  quota::v1::GetUsageResponse usage_resp;
  s = quota_->GetUsage(Ctx(dave.token).get(), usage, &usage_resp);
  EXPECT_TRUE(s.ok()) << s.error_message();
}

TEST_F(GatewayGrpcE2eTest, ApiCallsAreLimitedPerUserWithRetryAfter) {
  const Account limited = NewUser("rate_a_grpc");
  const Account other = NewUser("rate_b_grpc");
  ASSERT_FALSE(limited.token.empty() || other.token.empty());
  // The Free tier allows 100 API calls an hour; REST and gRPC count against the same limit.
  grpc::Status last;
  std::unique_ptr<grpc::ClientContext> context;
  int admitted = 0;
  for (int i = 0; i < 150; ++i) {
    context = Ctx(limited.token);
    quota::v1::GetUsageResponse usage;
    last = quota_->GetUsage(context.get(), quota::v1::GetUsageRequest(), &usage);
    if (!last.ok()) break;
    ++admitted;
  }
  EXPECT_EQ(last.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << last.error_message();
  EXPECT_GE(admitted, 90);
  EXPECT_LE(admitted, 100);
  const auto& meta = context->GetServerTrailingMetadata();
  auto retry = meta.find("retry-after");
  ASSERT_NE(retry, meta.end());
  EXPECT_GT(std::atoi(std::string(retry->second.data(), retry->second.size()).c_str()), 0);
  auto code = meta.find("dm-error-code");
  ASSERT_NE(code, meta.end());
  EXPECT_EQ(std::string(code->second.data(), code->second.size()), "RATE_LIMITED");
  // Another user is not affected.
  quota::v1::GetUsageResponse usage;
  EXPECT_TRUE(quota_->GetUsage(Ctx(other.token).get(), quota::v1::GetUsageRequest(), &usage).ok());
}

TEST_F(GatewayGrpcE2eTest, AdminRpcsServeAdmins) {
  const Account gina = NewUser("gina_grpc");
  av1::LoginRequest login;
  login.set_username("admin");
  login.set_password(std::string(
      absl::StripAsciiWhitespace(e2e::ReadFile(fs::path(stack_->dir()) / "admin-password"))));
  av1::LoginResponse admin;
  grpc::Status s = auth_->Login(Ctx().get(), login, &admin);
  ASSERT_TRUE(s.ok()) << s.error_message();
  av1::ListUsersRequest req;
  req.set_actor_id(gina.user_id);  // ignored: the actor is the caller
  req.mutable_page()->set_limit(1000);
  av1::ListUsersResponse users;
  s = auth_->ListUsers(Ctx(admin.token()).get(), req, &users);
  ASSERT_TRUE(s.ok()) << s.error_message();
  bool found = false;
  for (const av1::User& u : users.users()) {
    if (u.id() == gina.user_id) found = u.has_usage();
  }
  EXPECT_TRUE(found) << "gina (with usage) is missing from the listing";
  // The same RPC with the user's own token is refused.
  EXPECT_EQ(auth_->ListUsers(Ctx(gina.token).get(), req, &users).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
}

TEST_F(GatewayGrpcE2eTest, RequestIdIsEchoed) {
  const Account erin = NewUser("erin_grpc");
  auto context = Ctx(erin.token);
  context->AddMetadata("x-request-id", "grpc-e2e-req-1");
  fv1::ListRequest req;
  fv1::ListResponse resp;
  grpc::Status s = files_->List(context.get(), req, &resp);
  ASSERT_TRUE(s.ok()) << s.error_message();
  const auto& initial = context->GetServerInitialMetadata();
  auto it = initial.find("x-request-id");
  ASSERT_NE(it, initial.end());
  EXPECT_EQ(std::string(it->second.data(), it->second.size()), "grpc-e2e-req-1");
}

TEST_F(GatewayGrpcE2eTest, FilesRoundTripAndIsolation) {
  const Account alice = NewUser("alice_grpc");
  const Account bob = NewUser("bob_grpc");
  ASSERT_FALSE(alice.token.empty());
  ASSERT_FALSE(bob.token.empty());

  const std::string big = e2e::RandomBytes(9 * kMiB + 123, 7);
  fv1::File big_file;
  grpc::Status s = Upload(alice.token, Header("big.bin", big.size()), big, &big_file);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(big_file.size(), big.size());
  const std::string small = "hello over public gRPC";
  fv1::File small_file;
  s = Upload(alice.token, Header("small.txt", std::nullopt), small, &small_file);
  ASSERT_TRUE(s.ok()) << s.error_message();

  // Whole and ranged downloads are byte-identical.
  EXPECT_TRUE(Download(alice.token, big_file.id(), 0, std::nullopt, &s) == big);
  EXPECT_TRUE(s.ok()) << s.error_message();
  const uint64_t offset = kMiB + 3;
  const uint64_t length = 2 * kMiB + 5;
  EXPECT_TRUE(Download(alice.token, big_file.id(), offset, length, &s) ==
              big.substr(offset, length));
  EXPECT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(Download(alice.token, small_file.id(), 0, std::nullopt, &s), small);

  // The gRPC upload reads back over REST, byte-identical.
  e2e::Reply rest = e2e::CurlHttp(*dir_).Call(
      "GET", stack_->Env("DM_GATEWAY_URL") + "/api/v1/files/" + big_file.id(), {}, alice.token);
  EXPECT_EQ(rest.code, 200);
  EXPECT_TRUE(rest.body == big) << "REST body of " << rest.body.size() << " bytes differs";

  fv1::File stat;
  ASSERT_TRUE(Stat(alice.token, big_file.id(), &stat).ok());
  EXPECT_EQ(stat.name(), "big.bin");
  EXPECT_EQ(stat.size(), big.size());
  std::vector<std::string> ids = ListIds(alice.token, &s);
  EXPECT_TRUE(Contains(ids, big_file.id()));
  EXPECT_TRUE(Contains(ids, small_file.id()));

  // Bob sees none of it, whichever RPC he uses.
  const grpc::StatusCode kNotFound = grpc::StatusCode::NOT_FOUND;
  EXPECT_EQ(Stat(bob.token, big_file.id(), nullptr).error_code(), kNotFound);
  Download(bob.token, big_file.id(), 0, std::nullopt, &s);
  EXPECT_EQ(s.error_code(), kNotFound);
  fv1::UpdateMetadataRequest rename;
  rename.set_file_id(big_file.id());
  rename.set_owner_id(alice.user_id);  // naming the owner does not help
  rename.set_name("stolen.bin");
  fv1::UpdateMetadataResponse renamed;
  EXPECT_EQ(files_->UpdateMetadata(Ctx(bob.token).get(), rename, &renamed).error_code(), kNotFound);
  fv1::GetHealthRequest health;
  health.set_file_id(big_file.id());
  fv1::GetHealthResponse health_resp;
  EXPECT_EQ(files_->GetHealth(Ctx(bob.token).get(), health, &health_resp).error_code(), kNotFound);
  fv1::DeleteRequest del;
  del.set_file_id(big_file.id());
  del.set_owner_id(alice.user_id);
  fv1::DeleteResponse deleted;
  EXPECT_EQ(files_->Delete(Ctx(bob.token).get(), del, &deleted).error_code(), kNotFound);
  EXPECT_FALSE(Contains(ListIds(bob.token, &s), big_file.id()));
  ASSERT_TRUE(Stat(alice.token, big_file.id(), &stat).ok());
  EXPECT_EQ(stat.name(), "big.bin");

  // The owner's own calls work; a deleted file is gone.
  s = files_->GetHealth(Ctx(alice.token).get(), health, &health_resp);
  EXPECT_TRUE(s.ok()) << s.error_message();
  del.set_file_id(small_file.id());
  s = files_->Delete(Ctx(alice.token).get(), del, &deleted);
  EXPECT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(Stat(alice.token, small_file.id(), nullptr).error_code(), kNotFound);
}

TEST_F(GatewayGrpcE2eTest, ClientSuppliedOwnerIsIgnored) {
  const Account carol = NewUser("carol_grpc");
  const Account victim = NewUser("victim_grpc");
  fv1::UploadHeader header = Header("planted.txt", 7);
  header.set_owner_id(victim.user_id);
  header.set_owner_tier("enterprise");
  fv1::File file;
  grpc::Status s = Upload(carol.token, header, "planted", &file);
  ASSERT_TRUE(s.ok()) << s.error_message();
  // It is the caller's file, not the named owner's.
  EXPECT_TRUE(Stat(carol.token, file.id(), nullptr).ok());
  EXPECT_TRUE(Contains(ListIds(carol.token, &s), file.id()));
  EXPECT_EQ(Stat(victim.token, file.id(), nullptr).error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_FALSE(Contains(ListIds(victim.token, &s), file.id()));
  EXPECT_EQ(Download(carol.token, file.id(), 0, std::nullopt, &s), "planted");
}

TEST_F(GatewayGrpcE2eTest, LoggedOutTokenIsRefused) {
  const Account frank = NewUser("frank_grpc");
  grpc::Status s;
  ListIds(frank.token, &s);
  ASSERT_TRUE(s.ok()) << s.error_message();
  av1::LogoutRequest logout;
  logout.set_token("some-other-token");  // ignored: the caller's own token ends
  av1::LogoutResponse logged_out;
  s = auth_->Logout(Ctx(frank.token).get(), logout, &logged_out);
  ASSERT_TRUE(s.ok()) << s.error_message();
  ListIds(frank.token, &s);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED);
}

}  // namespace
}  // namespace datamesh
