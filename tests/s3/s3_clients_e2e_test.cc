// The S3 API end to end with the real clients from Debian (awscli, s3cmd, rclone, python3-boto3)
// against a whole stack: each client's script (beside this file) drives the S3 endpoint as a
// user would and compares every byte it reads back; boto3 also reaches presigned URLs,
// conditional requests, copies, listing edge cases, the error codes (also those the listener
// makes before an operation runs), ListBuckets paging, virtual-host style (the gateway runs with
// --s3-domain), and files shared with the REST API both ways. Two users (alice, bob) with S3 keys
// made through REST `/auth/s3-keys`. Each client's configuration and credentials live in a folder
// of the test's own.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "shared/testing/status_matchers.h"
#include "shared/testing/test_stack.h"
#include "tests/e2e/e2e_util.h"

namespace datamesh {
namespace {

using ::datamesh::testing::RunCommand;
using ::datamesh::testing::TestStack;
using e2e::Quote;
using e2e::Reply;
using e2e::Str;
namespace fs = std::filesystem;

constexpr char kS3Domain[] = "s3.datamesh.test";

struct S3User {
  std::string token;
  std::string key_id;
  std::string secret;
};

class S3ClientsE2eTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    // Virtual-host style for virtual_host_checks.py (the gateway reads its flag's variable);
    // path style keeps working for every other client.
    setenv("DM_S3_DOMAIN", kS3Domain, /*overwrite=*/1);
    auto stack = TestStack::Start({.services = true, .chunk_stores = 6});
    ASSERT_OK(stack);
    stack_ = stack->release();
    dir_ = new fs::path(fs::path(stack_->dir()) / "s3-clients");
    fs::create_directories(*dir_);
    alice_ = new S3User(NewUser("s3alice"));
    bob_ = new S3User(NewUser("s3bob"));
  }
  static void TearDownTestSuite() {
    delete alice_;
    delete bob_;
    delete stack_;
    stack_ = nullptr;
    delete dir_;
  }

  static Reply Json(const std::string& method, const std::string& path, const std::string& body,
                    const std::string& token = "") {
    const fs::path f = *dir_ / "req.json";
    e2e::WriteFile(f, body);
    return e2e::CurlHttp(*dir_).Call(
        method, stack_->Env("DM_GATEWAY_URL") + "/api/v1" + path,
        {"-H 'Content-Type: application/json'", "--data-binary @" + Quote(f.string())}, token);
  }

  static std::string Login(const std::string& name, const std::string& password) {
    Reply login =
        Json("POST", "/auth/login",
             absl::StrCat(R"({"username":")", name, R"(","password":")", password, "\"}"));
    EXPECT_EQ(login.code, 200) << login.body;
    return Str(login.Json(), "token");
  }

  // Registers `name`, moves them to the tier without an API-call limit (the clients make far
  // more than the free tier's 100 calls an hour), logs in and makes an S3 key for them.
  static S3User NewUser(const std::string& name) {
    S3User user;
    Reply reg = Json("POST", "/auth/register",
                     absl::StrCat(R"({"username":")", name, R"(","email":")", name,
                                  R"(@example.com","password":"correct-horse-1"})"));
    EXPECT_EQ(reg.code, 201) << reg.body;
    const std::string admin = Login("admin", std::string(absl::StripAsciiWhitespace(e2e::ReadFile(
                                                 fs::path(stack_->dir()) / "admin-password"))));
    Reply tier = Json("PUT", "/admin/users/" + Str(e2e::Obj(reg.Json(), "user"), "id"),
                      R"({"tier":"enterprise"})", admin);
    EXPECT_EQ(tier.code, 200) << tier.body;
    user.token = Login(name, "correct-horse-1");
    Reply key = Json("POST", "/auth/s3-keys", R"({"name":"e2e"})", user.token);
    EXPECT_EQ(key.code, 201) << key.body;
    user.key_id = Str(key.Json(), "accessKeyId");
    user.secret = Str(key.Json(), "secretAccessKey");
    return user;
  }

  // Runs one client script with alice's key (and bob's for boto3) in a fresh work folder;
  // returns its output, failing the test when it exits non-zero.
  static std::string RunClient(const std::string& script) {
    const fs::path work = *dir_ / script;
    fs::create_directories(work);
    const std::string env = absl::StrCat(
        "env DM_S3_ENDPOINT=", Quote(stack_->Env("DM_GATEWAY_S3_URL")),
        " DM_S3_KEY_ID=", Quote(alice_->key_id), " DM_S3_SECRET=", Quote(alice_->secret),
        " DM_S3_OTHER_KEY_ID=", Quote(bob_->key_id), " DM_S3_OTHER_SECRET=", Quote(bob_->secret),
        " DM_REST_URL=", Quote(stack_->Env("DM_GATEWAY_URL")),
        " DM_REST_TOKEN=", Quote(alice_->token), " WORK=", Quote(work.string()),
        " DM_S3_DOMAIN=", kS3Domain,
        // Never the user's own client settings.
        " AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null");
    const std::string path = TestStack::SourceDir() + "/tests/s3/" + script;
    absl::StatusOr<std::string> out = RunCommand(absl::StrCat(env, " ", Quote(path), " 2>&1"));
    EXPECT_TRUE(out.ok()) << out.status();
    return out.ok() ? *out : std::string(out.status().message());
  }

  static TestStack* stack_;
  static fs::path* dir_;
  static S3User* alice_;
  static S3User* bob_;
};
TestStack* S3ClientsE2eTest::stack_ = nullptr;
fs::path* S3ClientsE2eTest::dir_ = nullptr;
S3User* S3ClientsE2eTest::alice_ = nullptr;
S3User* S3ClientsE2eTest::bob_ = nullptr;

TEST_F(S3ClientsE2eTest, UsersHaveS3Keys) {
  EXPECT_EQ(alice_->key_id.size(), 20u);
  EXPECT_EQ(alice_->secret.size(), 40u);
  EXPECT_NE(alice_->key_id, bob_->key_id);
}

TEST_F(S3ClientsE2eTest, AwsCliS3AndS3api) {
  const std::string out = RunClient("aws_cli_checks.sh");
  EXPECT_TRUE(absl::StrContains(out, "ALL AWS CLI CHECKS PASSED")) << out;
}

TEST_F(S3ClientsE2eTest, S3cmd) {
  const std::string out = RunClient("s3cmd_checks.sh");
  EXPECT_TRUE(absl::StrContains(out, "ALL S3CMD CHECKS PASSED")) << out;
}

TEST_F(S3ClientsE2eTest, Rclone) {
  const std::string out = RunClient("rclone_checks.sh");
  EXPECT_TRUE(absl::StrContains(out, "ALL RCLONE CHECKS PASSED")) << out;
}

TEST_F(S3ClientsE2eTest, Boto3PresignedConditionalCopyListingErrorsAndRest) {
  const std::string out = RunClient("boto3_checks.py");
  EXPECT_TRUE(absl::StrContains(out, "ALL BOTO3 CHECKS PASSED")) << out;
}

TEST_F(S3ClientsE2eTest, MultipartBoto3PartsCompleteErrorsAbortQuotaAndCopy) {
  const std::string out = RunClient("multipart_boto3_checks.py");
  EXPECT_TRUE(absl::StrContains(out, "ALL BOTO3 MULTIPART CHECKS PASSED")) << out;
}

// The listener's own answers (405, 413, bad targets, oversize headers, quota, the call limit)
// as S3 errors, REST's unchanged, and ListBuckets paging with raw signed requests.
TEST_F(S3ClientsE2eTest, EdgeErrorsAreS3ErrorsAndListBucketsPages) {
  const std::string out = RunClient("s3_edge_checks.py");
  EXPECT_TRUE(absl::StrContains(out, "ALL S3 EDGE CHECKS PASSED")) << out;
}

TEST_F(S3ClientsE2eTest, Boto3InVirtualHostStyle) {
  const std::string out = RunClient("virtual_host_checks.py");
  EXPECT_TRUE(absl::StrContains(out, "ALL VIRTUAL HOST CHECKS PASSED")) << out;
}

}  // namespace
}  // namespace datamesh
