// S3 access keys end to end, against the whole stack (devstack gives auth a server key): the
// `datamesh s3-keys` CLI creates, lists and revokes them through REST, and boto3 (the AWS SDK
// for Python) signs S3 requests with them against the gateway's S3 endpoint — accepted while
// the key lives, refused with InvalidAccessKeyId once revoked, with a wrong secret refused with
// SignatureDoesNotMatch.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "shared/testing/status_matchers.h"
#include "shared/testing/test_stack.h"
#include "shared/testing/wait_for.h"
#include "tests/e2e/e2e_util.h"

namespace datamesh {
namespace {

using ::datamesh::testing::TestStack;
using e2e::Quote;
using e2e::ReadFile;
using e2e::WriteFile;
using nlohmann::json;
namespace fs = std::filesystem;

struct ShellRun {
  int code = -1;
  std::string out;
  std::string err;
};

// Lists buckets with boto3 and prints "ok" or the S3 error code.
constexpr char kListBuckets[] = R"(
import sys, boto3, botocore
s3 = boto3.client("s3", endpoint_url=sys.argv[1], aws_access_key_id=sys.argv[2],
                  aws_secret_access_key=sys.argv[3], region_name="us-east-1",
                  config=botocore.config.Config(retries={"max_attempts": 1}))
try:
    s3.list_buckets()
    print("ok")
except botocore.exceptions.ClientError as e:
    print(e.response["Error"]["Code"])
)";

class S3KeysE2eTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto stack = TestStack::Start({.services = true, .chunk_stores = 3});
    ASSERT_OK(stack);
    stack_ = stack->release();
    work_ = new fs::path(fs::path(stack_->dir()) / "s3-keys-e2e");
    fs::create_directories(*work_);
    WriteFile(*work_ / "list_buckets.py", kListBuckets);
  }
  static void TearDownTestSuite() {
    delete stack_;
    stack_ = nullptr;
    delete work_;
  }

  static ShellRun Shell(const std::string& command, const std::string& stdin_text = "") {
    const fs::path in = *work_ / "stdin", out = *work_ / "stdout", err = *work_ / "stderr";
    WriteFile(in, stdin_text);
    const std::string full =
        absl::StrCat("cd ", Quote(work_->string()), " && ", command, " <", Quote(in.string()), " >",
                     Quote(out.string()), " 2>", Quote(err.string()));
    const int status = std::system(full.c_str());
    return ShellRun{WIFEXITED(status) ? WEXITSTATUS(status) : -1, ReadFile(out), ReadFile(err)};
  }

  static ShellRun Cli(const std::string& user, const std::vector<std::string>& args,
                      const std::string& stdin_text = "") {
    std::string cmd = absl::StrCat("DM_ENDPOINT=", Quote(stack_->Env("DM_GATEWAY_URL")),
                                   " DM_CONFIG_DIR=", Quote((*work_ / user).string()), " ",
                                   Quote(TestStack::BinaryDir() + "/bin/datamesh"));
    for (const std::string& a : args) absl::StrAppend(&cmd, " ", Quote(a));
    return Shell(cmd, stdin_text);
  }

  // "ok" or the S3 error code boto3 saw.
  static std::string ListBuckets(const std::string& access_key_id, const std::string& secret) {
    ShellRun r =
        Shell(absl::StrCat("python3 list_buckets.py ", Quote(stack_->Env("DM_GATEWAY_S3_URL")), " ",
                           Quote(access_key_id), " ", Quote(secret)));
    EXPECT_EQ(r.code, 0) << r.err;
    std::string out = r.out;
    while (!out.empty() && out.back() == '\n') out.pop_back();
    return out;
  }

  static TestStack* stack_;
  static fs::path* work_;
};
TestStack* S3KeysE2eTest::stack_ = nullptr;
fs::path* S3KeysE2eTest::work_ = nullptr;

TEST_F(S3KeysE2eTest, CliKeySignsS3RequestsUntilRevoked) {
  ASSERT_EQ(Cli("erin", {"register", "erin", "--email", "erin@example.com", "--password-stdin"},
                "correct-horse-1\n")
                .code,
            0);
  ASSERT_EQ(Cli("erin", {"login", "erin", "--password-stdin"}, "correct-horse-1\n").code, 0);
  EXPECT_EQ(Cli("erin", {"s3-keys", "frob"}).code, 2);
  EXPECT_EQ(Cli("erin", {"s3-keys", "revoke", "DMNOSUCHKEY000000000"}).code, 4);

  ShellRun create = Cli("erin", {"--json", "s3-keys", "create", "backup"});
  ASSERT_EQ(create.code, 0) << create.err;
  const json key = json::parse(create.out);
  const std::string id = key.value("accessKeyId", "");
  const std::string secret = key.value("secretAccessKey", "");
  ASSERT_EQ(id.size(), 20u) << create.out;
  ASSERT_EQ(secret.size(), 40u);

  ShellRun list = Cli("erin", {"--json", "s3-keys", "list"});
  ASSERT_EQ(list.code, 0) << list.err;
  const json listed = json::parse(list.out)["s3Keys"];
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0]["accessKeyId"], id);
  EXPECT_EQ(list.out.find(secret), std::string::npos);

  EXPECT_EQ(ListBuckets(id, secret), "ok");
  EXPECT_EQ(ListBuckets(id, std::string(40, 'x')), "SignatureDoesNotMatch");
  EXPECT_EQ(ListBuckets("DMNOSUCHKEY000000000", secret), "InvalidAccessKeyId");

  ASSERT_EQ(Cli("erin", {"s3-keys", "revoke", id}).code, 0);
  // The revocation event empties every gateway's signing-key cache; its TTL is the fallback.
  EXPECT_TRUE(datamesh::testing::WaitFor(
      [&] { return ListBuckets(id, secret) == "InvalidAccessKeyId"; }, absl::Seconds(40)));
  EXPECT_EQ(json::parse(Cli("erin", {"--json", "s3-keys", "list"}).out)["s3Keys"].size(), 0u);
}

}  // namespace
}  // namespace datamesh
