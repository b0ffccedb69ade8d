// The `datamesh` CLI end to end: the real binary, run as a user would from a shell, against the
// whole stack (TestStack with every service): register, login, put (small, 6 MiB, a folder),
// ls with pagination, stat, get byte-identical and by range, mv, rm, usage, API keys, `--e2e`
// client-side encryption (the stored bytes are ciphertext), routes not built yet (501), exit
// codes, logout.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "shared/testing/status_matchers.h"
#include "shared/testing/test_stack.h"
#include "tests/e2e/e2e_util.h"

namespace datamesh {
namespace {

using ::datamesh::testing::TestStack;
using nlohmann::json;
namespace fs = std::filesystem;

using e2e::Quote;
using e2e::ReadFile;
using e2e::WriteFile;

struct CliRun {
  int code = -1;
  std::string out;
  std::string err;
  json Json() const {
    json j = json::parse(out, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << out << err;
    return j;
  }
};

using e2e::RandomBytes;

int Mode(const fs::path& p) {
  struct stat st {};
  return ::stat(p.c_str(), &st) == 0 ? static_cast<int>(st.st_mode & 07777) : -1;
}

class CliE2eTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto stack = TestStack::Start({.services = true, .chunk_stores = 6});
    ASSERT_OK(stack);
    stack_ = stack->release();
    work_ = new fs::path(fs::path(stack_->dir()) / "cli-e2e");
    fs::create_directories(*work_);
  }
  static void TearDownTestSuite() {
    delete stack_;
    stack_ = nullptr;
    delete work_;
  }

  // Runs `datamesh <args>` in the work folder with `config` as its config folder.
  static CliRun Cli(const std::string& config, const std::vector<std::string>& args,
                    const std::string& stdin_text = "") {
    const fs::path in = *work_ / "stdin", out = *work_ / "stdout", err = *work_ / "stderr";
    WriteFile(in, stdin_text);
    std::string cmd = absl::StrCat("cd ", Quote(work_->string()),
                                   " && DM_ENDPOINT=", Quote(stack_->Env("DM_GATEWAY_URL")),
                                   " DM_CONFIG_DIR=", Quote((*work_ / config).string()), " ",
                                   Quote(TestStack::BinaryDir() + "/bin/datamesh"));
    for (const std::string& a : args) absl::StrAppend(&cmd, " ", Quote(a));
    absl::StrAppend(&cmd, " <", Quote(in.string()), " >", Quote(out.string()), " 2>",
                    Quote(err.string()));
    const int status = std::system(cmd.c_str());
    CliRun r;
    r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r.out = ReadFile(out);
    r.err = ReadFile(err);
    return r;
  }

  // Registers and logs `user` in with config folder `user`.
  static void NewUser(const std::string& user) {
    CliRun reg = Cli(user, {"register", user, "--email", user + "@example.com", "--password-stdin"},
                     "correct-horse-1\n");
    ASSERT_EQ(reg.code, 0) << reg.err;
    CliRun login = Cli(user, {"login", user, "--password-stdin"}, "correct-horse-1\n");
    ASSERT_EQ(login.code, 0) << login.err;
  }

  static json Put(const std::string& user, const std::vector<std::string>& args) {
    std::vector<std::string> full = {"--json", "put"};
    full.insert(full.end(), args.begin(), args.end());
    CliRun r = Cli(user, full);
    EXPECT_EQ(r.code, 0) << r.err;
    return r.code == 0 ? r.Json()["files"] : json::array();
  }

  static TestStack* stack_;
  static fs::path* work_;
};
TestStack* CliE2eTest::stack_ = nullptr;
fs::path* CliE2eTest::work_ = nullptr;

TEST_F(CliE2eTest, HelpAndUsageErrors) {
  CliRun help = Cli("nobody", {"--help"});
  EXPECT_EQ(help.code, 0);
  EXPECT_NE(help.out.find("Exit codes"), std::string::npos);
  for (const char* command : {"login", "put", "get", "ls", "keys", "proposals"}) {
    CliRun r = Cli("nobody", {command, "--help"});
    EXPECT_EQ(r.code, 0) << command;
    EXPECT_NE(r.out.find(std::string("datamesh ") + command), std::string::npos) << command;
  }
  EXPECT_EQ(Cli("nobody", {"frobnicate"}).code, 2);
  EXPECT_EQ(Cli("nobody", {"put"}).code, 2);
  EXPECT_EQ(Cli("nobody", {"ls", "--bogus"}).code, 2);
  EXPECT_EQ(Cli("nobody", {"get", "x", "--range", "9-1"}).code, 2);
  EXPECT_EQ(Cli("nobody", {"whoami"}).code, 3);  // not logged in
  CliRun unreachable =
      Cli("nobody", {"--endpoint", "http://127.0.0.1:1", "login", "x", "--password-stdin"}, "pw\n");
  EXPECT_EQ(unreachable.code, 6) << unreachable.err;
  CliRun wrong = Cli("nobody", {"login", "nosuchuser", "--password-stdin"}, "wrong-password\n");
  EXPECT_EQ(wrong.code, 3) << wrong.err;
}

TEST_F(CliE2eTest, FileLifecycle) {
  ASSERT_NO_FATAL_FAILURE(NewUser("alice"));
  EXPECT_EQ(Mode(*work_ / "alice"), 0700);
  EXPECT_EQ(Mode(*work_ / "alice" / "credentials"), 0600);
  CliRun who = Cli("alice", {"whoami"});
  EXPECT_EQ(who.code, 0) << who.err;
  EXPECT_NE(who.out.find("alice"), std::string::npos);

  const std::string small = "hello, datamesh\n", big = RandomBytes(6 << 20, 1);
  WriteFile(*work_ / "small.txt", small);
  WriteFile(*work_ / "big.bin", big);
  json files = Put("alice", {"small.txt", "--tags", "k:v,color:red"});
  ASSERT_EQ(files.size(), 1u);
  const std::string small_id = files[0]["id"];
  EXPECT_EQ(files[0]["name"], "small.txt");
  files = Put("alice", {"big.bin", "--name", "data/big.bin"});
  ASSERT_EQ(files.size(), 1u);
  const std::string big_id = files[0]["id"];

  CliRun ls = Cli("alice", {"--json", "ls"});
  ASSERT_EQ(ls.code, 0) << ls.err;
  EXPECT_EQ(ls.Json()["files"].size(), 2u);
  CliRun page = Cli("alice", {"ls", "--limit", "1"});
  EXPECT_EQ(page.code, 0);
  EXPECT_NE(page.err.find("more files"), std::string::npos) << page.err;
  CliRun all = Cli("alice", {"--json", "ls", "--limit", "1", "--all"});
  EXPECT_EQ(all.Json()["files"].size(), 2u);
  EXPECT_EQ(Cli("alice", {"--json", "ls", "--prefix", "data/"}).Json()["files"].size(), 1u);

  CliRun st = Cli("alice", {"--json", "stat", small_id});
  ASSERT_EQ(st.code, 0) << st.err;
  EXPECT_EQ(st.Json()["name"], "small.txt");
  EXPECT_EQ(st.Json()["tags"]["color"], "red");
  EXPECT_EQ(Cli("alice", {"--json", "stat", "data/big.bin"}).Json()["id"], big_id);

  // Downloads: whole (by id and by name), byte-identical; a range.
  CliRun get = Cli("alice", {"get", big_id, "-o", "big.out"});
  ASSERT_EQ(get.code, 0) << get.err;
  EXPECT_TRUE(ReadFile(*work_ / "big.out") == big);
  ASSERT_EQ(Cli("alice", {"get", "small.txt", "-o", "small.out"}).code, 0);
  EXPECT_EQ(ReadFile(*work_ / "small.out"), small);
  CliRun part = Cli("alice", {"get", big_id, "-o", "part.out", "--range", "1000-4999999"});
  ASSERT_EQ(part.code, 0) << part.err;
  EXPECT_TRUE(ReadFile(*work_ / "part.out") == big.substr(1000, 4999000));
  EXPECT_EQ(Cli("alice", {"get", big_id, "-o", "-"}).out.size(), big.size());

  CliRun mv = Cli("alice", {"mv", small_id, "docs/renamed.txt"});
  ASSERT_EQ(mv.code, 0) << mv.err;
  EXPECT_EQ(Cli("alice", {"--json", "stat", small_id}).Json()["name"], "docs/renamed.txt");

  // Folders: recursive, named by relative path.
  WriteFile(*work_ / "tree" / "a" / "b.txt", "b");
  WriteFile(*work_ / "tree" / "c.txt", "c");
  files = Put("alice", {"tree"});
  ASSERT_EQ(files.size(), 2u);
  EXPECT_EQ(files[0]["name"], "tree/a/b.txt");
  EXPECT_EQ(files[1]["name"], "tree/c.txt");

  // Usage catches up with the stored bytes (quota counts them from file events). The free
  // tier allows 100 API calls an hour, so the polling is sparse.
  uint64_t stored = 0;
  std::string last_usage;
  for (int i = 0; i < 20 && stored < big.size() + small.size(); ++i) {
    CliRun usage = Cli("alice", {"--json", "usage"});
    ASSERT_EQ(usage.code, 0) << usage.err;
    last_usage = usage.out;
    const json bytes = usage.Json()["usage"].value("storageBytes", json(0));
    stored = bytes.is_string() ? std::stoull(bytes.get<std::string>()) : bytes.get<uint64_t>();
    if (stored < big.size()) std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  EXPECT_GE(stored, big.size() + small.size()) << last_usage;

  // Delete: gone everywhere, exit 4, no output file.
  CliRun rm = Cli("alice", {"rm", big_id});
  ASSERT_EQ(rm.code, 0) << rm.err;
  EXPECT_EQ(Cli("alice", {"stat", big_id}).code, 4);
  EXPECT_EQ(Cli("alice", {"get", big_id, "-o", "gone.out"}).code, 4);
  EXPECT_FALSE(fs::exists(*work_ / "gone.out"));
  EXPECT_EQ(Cli("alice", {"rm", big_id}).code, 4);

  // Another user sees none of it.
  ASSERT_NO_FATAL_FAILURE(NewUser("mallory"));
  EXPECT_EQ(Cli("mallory", {"get", small_id, "-o", "stolen"}).code, 4);
  EXPECT_EQ(Cli("mallory", {"--json", "ls"}).Json()["files"].size(), 0u);

  // Logout: the token is gone and refused.
  EXPECT_EQ(Cli("alice", {"logout"}).code, 0);
  EXPECT_FALSE(fs::exists(*work_ / "alice" / "credentials"));
  EXPECT_EQ(Cli("alice", {"whoami"}).code, 3);
}

TEST_F(CliE2eTest, ApiKeys) {
  ASSERT_NO_FATAL_FAILURE(NewUser("carol"));
  CliRun empty = Cli("carol", {"--json", "keys", "list"});
  ASSERT_EQ(empty.code, 0) << empty.err;
  EXPECT_EQ(empty.Json().value("apiKeys", json::array()).size(), 0u);
  EXPECT_EQ(Cli("carol", {"keys", "revoke", "no-such-key"}).code, 4);
  EXPECT_EQ(Cli("carol", {"keys", "frob"}).code, 2);

  CliRun create = Cli("carol", {"--json", "keys", "create", "ci"});
  ASSERT_EQ(create.code, 0) << create.err;
  const std::string id = create.Json()["id"];
  EXPECT_FALSE(create.Json()["key"].get<std::string>().empty());
  CliRun list = Cli("carol", {"--json", "keys", "list"});
  ASSERT_EQ(list.code, 0) << list.err;
  ASSERT_EQ(list.Json()["apiKeys"].size(), 1u);
  EXPECT_EQ(list.Json()["apiKeys"][0]["id"], id);
  // The key works as a bearer secret, and stops working once revoked.
  const std::string key = create.Json()["key"];
  auto status_with_key = [&] {
    auto code = testing::RunCommand(absl::StrCat(
        "curl -s -o /dev/null -w '%{http_code}' -H ", Quote("Authorization: Bearer " + key), " ",
        Quote(stack_->Env("DM_GATEWAY_URL") + "/api/v1/files")));
    return code.ok() ? *code : code.status().ToString();
  };
  EXPECT_EQ(status_with_key(), "200");
  EXPECT_EQ(Cli("carol", {"keys", "revoke", id}).code, 0);
  std::string after = status_with_key();
  for (int i = 0; i < 100 && after != "401"; ++i) {  // revocation reaches every gateway cache
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    after = status_with_key();
  }
  EXPECT_EQ(after, "401");
  EXPECT_EQ(Cli("carol", {"--json", "keys", "list"}).Json().value("apiKeys", json::array()).size(),
            0u);
}

TEST_F(CliE2eTest, RecoveryCodeReplacesAForgottenPasswordAndFilesStayReadable) {
  ASSERT_NO_FATAL_FAILURE(NewUser("dora"));
  const std::string kept = "stored before the password was forgotten\n";
  WriteFile(*work_ / "kept.txt", kept);
  json files = Put("dora", {"kept.txt"});
  ASSERT_EQ(files.size(), 1u);
  CliRun none = Cli("dora", {"--json", "recovery-code", "status"});
  ASSERT_EQ(none.code, 0) << none.err;
  EXPECT_FALSE(none.Json().value("exists", true));
  EXPECT_NE(Cli("dora", {"recovery-code", "create", "--password-stdin"}, "not-my-password\n").code,
            0);
  CliRun made = Cli("dora", {"--json", "recovery-code", "create", "--password-stdin"},
                    "correct-horse-1\n");
  ASSERT_EQ(made.code, 0) << made.err;
  const std::string code = made.Json()["recoveryCode"];
  EXPECT_EQ(code.rfind("dmr-", 0), 0u) << code;
  EXPECT_TRUE(Cli("dora", {"--json", "recovery-code", "status"}).Json().value("exists", false));

  // From another machine (a fresh config folder), with the code and a new password.
  CliRun reset = Cli("dora-elsewhere", {"reset-password", "dora", "--password-stdin"},
                     code + "\nbrand-new-horse\n");
  ASSERT_EQ(reset.code, 0) << reset.err;
  EXPECT_NE(Cli("dora", {"login", "dora", "--password-stdin"}, "correct-horse-1\n").code, 0);
  ASSERT_EQ(Cli("dora", {"login", "dora", "--password-stdin"}, "brand-new-horse\n").code, 0);
  ASSERT_EQ(Cli("dora", {"get", "kept.txt", "-o", "kept.out"}).code, 0);
  EXPECT_EQ(ReadFile(*work_ / "kept.out"), kept);
  // The code is used up.
  EXPECT_NE(Cli("dora-elsewhere", {"reset-password", "dora", "--password-stdin"},
                code + "\nthird-horse-1\n")
                .code,
            0);
}

TEST_F(CliE2eTest, EndToEndEncryption) {
  ASSERT_NO_FATAL_FAILURE(NewUser("dave"));
  const std::string plain = RandomBytes((2 << 20) + 12345, 2);  // three e2e chunks
  WriteFile(*work_ / "secret.bin", plain);
  json files = Put("dave", {"secret.bin", "--e2e"});
  ASSERT_EQ(files.size(), 1u);
  const std::string id = files[0]["id"];
  EXPECT_EQ(Mode(*work_ / "dave" / "e2e.key"), 0600);
  EXPECT_EQ(files[0]["encryption"], "client") << "the gateway did not mark the file";

  // What the server stores (fetched raw over REST) is not the plaintext.
  const std::string token = json::parse(ReadFile(*work_ / "dave" / "credentials"))["token"];
  const fs::path raw = *work_ / "raw.bin";
  auto curl = testing::RunCommand(absl::StrCat(
      "curl -sS -f -o ", Quote(raw.string()), " -H ", Quote("Authorization: Bearer " + token), " ",
      Quote(stack_->Env("DM_GATEWAY_URL") + "/api/v1/files/" + id)));
  ASSERT_OK(curl);
  const std::string stored = ReadFile(raw);
  EXPECT_GT(stored.size(), plain.size());
  EXPECT_EQ(stored.find(plain.substr(0, 64)), std::string::npos);
  EXPECT_EQ(Cli("dave", {"get", id, "-o", "raw2.bin", "--raw"}).code, 0);
  EXPECT_TRUE(ReadFile(*work_ / "raw2.bin") == stored);

  // get decrypts with the key.
  CliRun get = Cli("dave", {"--json", "get", id, "-o", "secret.out"});
  ASSERT_EQ(get.code, 0) << get.err;
  EXPECT_EQ(get.Json()["decrypted"], true);
  EXPECT_TRUE(ReadFile(*work_ / "secret.out") == plain);

  // A wrong key: exit 7 and no output file.
  WriteFile(*work_ / "other.key", RandomBytes(32, 3));
  CliRun wrong = Cli("dave", {"get", id, "-o", "wrong.out", "--key-file", "other.key"});
  EXPECT_EQ(wrong.code, 7) << wrong.err;
  EXPECT_NE(wrong.err.find("different e2e key"), std::string::npos) << wrong.err;
  EXPECT_FALSE(fs::exists(*work_ / "wrong.out"));
  // Ranges of ciphertext are refused rather than returned undecrypted.
  EXPECT_EQ(Cli("dave", {"get", id, "-o", "r.out", "--range", "0-9"}).code, 2);
}

TEST_F(CliE2eTest, AdminOnlyRoutesFailCleanlyForOthers) {
  ASSERT_NO_FATAL_FAILURE(NewUser("erin"));
  for (std::vector<std::string> args :
       std::vector<std::vector<std::string>>{
           {"health"}, {"alerts"}, {"analytics"}, {"metrics", "up"}, {"metrics", "up", "--range", "1h"}}) {
    CliRun r = Cli("erin", args);
    EXPECT_EQ(r.code, 3) << args[0] << ": " << r.err;
    EXPECT_NE(r.err.find("PERMISSION_DENIED"), std::string::npos) << r.err;
    EXPECT_TRUE(r.out.empty()) << r.out;
  }
  CliRun j = Cli("erin", {"--json", "health"});
  EXPECT_EQ(j.code, 3);
  EXPECT_EQ(json::parse(j.err, nullptr, false)["error"]["exitCode"], 3) << j.err;
}

}  // namespace
}  // namespace datamesh
