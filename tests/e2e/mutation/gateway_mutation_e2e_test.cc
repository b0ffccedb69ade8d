// The gateway under mutated requests, against the whole stack (TestStack with every service).
// A corpus of valid raw HTTP/1.1 requests (corpus.h) is first checked to be answered as the
// contract says. Then every id in a path, query value and interpreted header value is replaced
// by each edge value, and every quoted string of a body by each JSON escape (sweep.h); and
// random requests are mutated with a fixed seed (mutator.h): bytes flipped, cut, repeated or
// inserted; methods, versions and parts replaced; headers added or dropped; some pipelined
// behind or before a valid request. Each goes on its own TCP connection (raw_http.h). Asserted:
// no 5xx answer except 503 with Retry-After (tally.h), the gateway still up and healthy,
// another user's files untouched, every service log line valid UTF-8 and JSON (log_check.h).
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <random>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "shared/testing/test_stack.h"
#include "tests/e2e/e2e_util.h"
#include "tests/e2e/mutation/case.h"
#include "tests/e2e/mutation/corpus.h"
#include "tests/e2e/mutation/log_check.h"
#include "tests/e2e/mutation/mutator.h"
#include "tests/e2e/mutation/raw_http.h"
#include "tests/e2e/mutation/request.h"
#include "tests/e2e/mutation/send_cases.h"
#include "tests/e2e/mutation/show.h"
#include "tests/e2e/mutation/sweep.h"
#include "tests/e2e/mutation/tally.h"

namespace datamesh::e2e::mutation {
namespace {

namespace fs = std::filesystem;

constexpr uint64_t kSeed = 0x5eed'da7a'3e5bULL;
constexpr int kRandomMutations = 2000;
constexpr auto kMutationBudget = std::chrono::seconds(120);
constexpr int kWorkers = 4;
constexpr size_t kMaxExamples = 20;
constexpr auto kSetupTimeout = std::chrono::seconds(30);  // for the requests that are not mutated

// The mutated requests, all made before any is sent: the sweep, then random ones; mixed, so
// that a run cut short by the time budget still covers every kind.
std::vector<Case> MutatedCases(const std::vector<CorpusRequest>& corpus) {
  std::vector<Case> cases = Sweep(corpus);
  Mutator mutator(kSeed);
  for (int i = 0; i < kRandomMutations; ++i) cases.push_back(mutator.Next(corpus));
  std::shuffle(cases.begin(), cases.end(), std::mt19937_64(kSeed));
  return cases;
}

class GatewayMutationE2eTest : public StackSuite {
 protected:
  // One valid request; its first answer (code 0 when there is none).
  static Reply Call(const Request& request) {
    Exchange ex = SendRaw(port_, Render(request), kSetupTimeout);
    Reply r;
    if (ex.answers.empty()) return r;
    r.code = ex.answers[0].status;
    r.body = ex.answers[0].body;
    r.headers = ex.answers[0].headers;
    return r;
  }

  static Reply Json(const std::string& method, const std::string& target, const std::string& body,
                    const std::string& token = "") {
    return Call(Make(method, target, token, body, "application/json"));
  }

  // Logs `name` in; returns {user id, token}.
  static std::pair<std::string, std::string> Login(const std::string& name,
                                                   const std::string& password) {
    Reply r = Json("POST", "/api/v1/auth/login",
                   absl::StrCat(R"({"username":")", name, R"(","password":")", password, R"("})"));
    EXPECT_EQ(r.code, 200) << r.body;
    return {Str(Obj(r.Json(), "user"), "id"), Str(r.Json(), "token")};
  }

  static std::pair<std::string, std::string> NewUser(const std::string& name) {
    Reply r = Json("POST", "/api/v1/auth/register",
                   absl::StrCat(R"({"username":")", name, R"(","email":")", name,
                                R"(@example.com","password":"correct-horse-1"})"));
    EXPECT_EQ(r.code, 201) << r.body;
    return Login(name, "correct-horse-1");
  }

  static std::string Upload(const std::string& token, const std::string& name,
                            const std::string& data) {
    Reply r = Call(Make("POST", "/api/v1/files?name=" + name, token, data, "text/plain"));
    EXPECT_EQ(r.code, 201) << r.body;
    return Str(Obj(r.Json(), "file"), "id");
  }

  // The ids of the caller's files.
  static std::set<std::string> FileIds(const std::string& token) {
    Reply r = Call(Make("GET", "/api/v1/files?limit=1000", token));
    EXPECT_EQ(r.code, 200) << r.body;
    std::set<std::string> ids;
    for (const google::protobuf::Struct& f : List(r.Json(), "files")) ids.insert(Str(f, "id"));
    return ids;
  }

  // Users A and B, the admin, and a spare session of A's (for the logout request); all with
  // unlimited API calls, so that mutated requests reach the handlers rather than the limit.
  static void MakeUsers(CorpusSubjects& s) {
    std::string admin_id;
    std::tie(s.a_id, s.a) = NewUser("mutant_a");
    std::tie(s.b_id, s.b) = NewUser("mutant_b");
    std::tie(admin_id, s.admin) = Login("admin", std::string(absl::StripAsciiWhitespace(ReadFile(
                                                     fs::path(stack_->dir()) / "admin-password"))));
    ASSERT_FALSE(s.a.empty() || s.b.empty() || s.admin.empty());
    s.a_spare = Login("mutant_a", "correct-horse-1").second;
    for (const std::string& id : {s.a_id, s.b_id, admin_id}) {
      Reply r = Json("PUT", "/api/v1/admin/users/" + id, R"({"tier":"enterprise"})", s.admin);
      ASSERT_EQ(r.code, 200) << r.body;
    }
  }

  // A's files, a cursor into A's listing and two API keys of A's; B's files go to `b_files`.
  static void MakeFilesAndKeys(CorpusSubjects& s, std::set<std::string>& b_files) {
    const std::string content = kFileContent;
    s.a_file = Upload(s.a, "a/one.txt", content);
    s.a_file2 = Upload(s.a, "a/two.txt", content);
    s.a_victim = Upload(s.a, "a/victim.txt", content);
    b_files = {Upload(s.b, "b/mine.txt", content), Upload(s.b, "b/other.txt", content + content)};
    ASSERT_EQ(FileIds(s.b), b_files);
    Reply page = Call(Make("GET", "/api/v1/files?limit=1", s.a));
    s.cursor = PercentEncode(Str(page.Json(), "nextCursor"));
    ASSERT_FALSE(s.cursor.empty()) << page.body;
    Reply key = Json("POST", "/api/v1/auth/api-keys", R"({"name":"mutation-key"})", s.a);
    ASSERT_EQ(key.code, 201) << key.body;
    s.key_id = Str(key.Json(), "id");
    Reply key2 = Json("POST", "/api/v1/auth/api-keys", R"({"name":"mutation-key-2"})", s.a);
    ASSERT_EQ(key2.code, 201) << key2.body;
    s.api_key = Str(key2.Json(), "key");
  }

  // Each corpus request, unchanged, gets the status the contract says.
  static void ExpectCorpusAnswered(const std::vector<CorpusRequest>& corpus) {
    for (const CorpusRequest& c : corpus) {
      Exchange ex = SendRaw(port_, Render(c.request), kSetupTimeout);
      ASSERT_FALSE(ex.answers.empty())
          << c.name << ": no answer to " << Excerpt(Render(c.request), 500);
      EXPECT_EQ(ex.answers[0].status, c.expect)
          << c.name << ": " << Excerpt(Render(c.request), 500) << "\n=> " << Excerpt(ex.raw, 500);
    }
  }

  static void ExpectGatewayUp() {
    const std::string pid_text = ReadFile(fs::path(stack_->dir()) / "pids" / "gateway.pid");
    int pid = 0;
    ASSERT_TRUE(absl::SimpleAtoi(absl::StripAsciiWhitespace(pid_text), &pid)) << pid_text;
    EXPECT_EQ(::kill(pid, 0), 0) << "gateway pid " << pid << " is gone";
    EXPECT_EQ(Call(Make("GET", "/healthz")).code, 200);
  }
};

TEST_F(GatewayMutationE2eTest, MutatedRequestsGetNoServerErrors) {
  CorpusSubjects subjects;
  std::set<std::string> b_files;
  MakeUsers(subjects);
  if (HasFatalFailure()) return;
  MakeFilesAndKeys(subjects, b_files);
  if (HasFatalFailure()) return;
  const std::vector<CorpusRequest> corpus = BuildCorpus(subjects);
  ExpectCorpusAnswered(corpus);
  if (HasFatalFailure()) return;

  const std::vector<Case> cases = MutatedCases(corpus);
  const SentCases sent = SendCases(port_, cases, kWorkers, kMutationBudget);
  const Tally tally = CountAnswers(cases, sent, corpus);
  GTEST_LOG_(INFO) << tally.sent << " mutated requests (" << cases.size() - kRandomMutations
                   << " single replacements, " << kRandomMutations << " random with seed " << kSeed
                   << ") in " << sent.seconds << " s; " << Describe(tally);
  EXPECT_EQ(tally.refused, 0) << "connections refused: the gateway stopped listening";
  EXPECT_GE(tally.sent, static_cast<int>(cases.size() / 2))
      << "too few requests within " << kMutationBudget.count() << " s";
  for (const std::string& kind : ServerErrorKinds(tally)) ADD_FAILURE() << kind;
  for (const std::string& e : ServerErrorExamples(tally, cases, sent, kMaxExamples)) {
    ADD_FAILURE() << e;
  }

  ExpectGatewayUp();
  if (HasFatalFailure()) return;
  // B still has exactly its own files: nothing of A's, nothing a mutated request made.
  EXPECT_EQ(FileIds(subjects.b), b_files);
  EXPECT_EQ(Call(Make("GET", "/api/v1/files/" + subjects.a_file + "/metadata", subjects.b)).code,
            404);
}

// Runs after the mutations (gtest keeps the order of a file's tests): every line the services
// logged meanwhile is valid UTF-8 and a JSON object.
TEST_F(GatewayMutationE2eTest, ServiceLogLinesAreJson) {
  const fs::path logs = fs::path(stack_->dir()) / "logs";
  int files = 0;
  for (const fs::directory_entry& entry : fs::directory_iterator(logs)) {
    if (!IsServiceLog(entry.path().stem().string())) continue;
    ++files;
    const LogFileCheck check = CheckLogFile(entry.path());
    for (const std::string& bad : check.first_bad) ADD_FAILURE() << bad;
    EXPECT_EQ(check.bad, 0) << entry.path().filename().string() << ": " << check.bad << " of "
                            << check.lines << " lines are not valid log lines";
  }
  EXPECT_GE(files, 8) << "expected the logs of every service in " << logs;
}

}  // namespace
}  // namespace datamesh::e2e::mutation
