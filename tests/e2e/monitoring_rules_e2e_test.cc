// Alert rules and the durability margin on the whole stack, as an admin drives them: the
// alert-rule REST routes (add, list, a bad rule refused with nothing stored, a taken name, a
// shipped rule neither edited nor deleted, delete), the same through `datamesh alerts rules
// list|add -f|rm`, and the durability margin file-ingest measures every two seconds
// (DM_DURABILITY_INTERVAL) in /monitoring/health: full after an upload, one spare shard less on
// every segment while a chunk-store is killed (DURABILITY_MARGIN warns), full again once it is
// back.
#include <google/protobuf/struct.pb.h>
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/strip.h"
#include "shared/testing/status_matchers.h"
#include "shared/testing/test_stack.h"
#include "shared/testing/wait_for.h"
#include "tests/e2e/e2e_util.h"

namespace datamesh {
namespace {

using ::datamesh::testing::RunCommand;
using ::datamesh::testing::TestStack;
using e2e::List;
using e2e::Obj;
using e2e::Quote;
using e2e::Reply;
using e2e::Str;
using google::protobuf::Struct;
namespace fs = std::filesystem;

constexpr char kVictim[] = "chunk-store-4";
constexpr char kShippedRule[] = "datamesh-durability/DataMeshFileLost";
constexpr char kRuleYaml[] = R"(alert: E2eRepairQueueDeep
expr: datamesh_file_ingest_repair_backlog_segments > 1000
for: 10m
labels: {severity: warning}
annotations: {summary: "{{ $labels.instance }} has a deep repair queue", remediation: "Add nodes."}
)";

struct CliRun {
  int code = -1;
  std::string out;
  std::string err;
};

// segments per spare shard count of shape m = 2, from a health answer's `durability`.
std::map<int, double> SparesOf(const Struct& durability) {
  std::map<int, double> out;
  for (const Struct& b : List(durability, "segments")) {
    if (b.fields().at("parityShards").number_value() != 2) continue;
    const int spare = static_cast<int>(b.fields().at("spareShards").number_value());
    out[spare] = std::stod(Str(b, "segments"));  // uint64: a string in proto JSON
  }
  return out;
}

class MonitoringRulesE2eTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    setenv("DM_SCRAPE_INTERVAL", "1s", 1);
    setenv("DM_FLUSH_INTERVAL", "2s", 1);
    setenv("DM_RULE_INTERVAL", "2s", 1);
    setenv("DM_DURABILITY_INTERVAL", "2s", 1);
    auto stack = TestStack::Start({.services = true, .chunk_stores = 6});
    ASSERT_OK(stack);
    stack_ = stack->release();
    dir_ = new fs::path(fs::path(stack_->dir()) / "e2e-rules");
    fs::create_directories(*dir_);
    password_ = new std::string(
        absl::StripAsciiWhitespace(e2e::ReadFile(fs::path(stack_->dir()) / "admin-password")));
    admin_ = new std::string(e2e::LoginAdminOnEnterpriseTier(*stack_, *dir_));
    ASSERT_FALSE(admin_->empty());
  }
  static void TearDownTestSuite() {
    delete stack_;
    stack_ = nullptr;
    delete dir_;
    delete admin_;
    delete password_;
  }

  static Reply Api(const std::string& method, const std::string& path, const std::string& token,
                   const std::vector<std::string>& args = {}) {
    return e2e::CurlHttp(*dir_).Call(method, stack_->Env("DM_GATEWAY_URL") + "/api/v1" + path, args,
                                     token);
  }

  // `text` as the body of `method path` with its content type.
  static Reply Send(const std::string& method, const std::string& path, const std::string& type,
                    const std::string& text) {
    e2e::WriteFile(*dir_ / "body", text);
    return Api(method, path, *admin_,
               {"-H " + Quote("Content-Type: " + type),
                "--data-binary @" + Quote((*dir_ / "body").string())});
  }

  // The rules listed by GET /monitoring/alert-rules, by name.
  static std::map<std::string, Struct> ListedRules() {
    Reply r = Api("GET", "/monitoring/alert-rules", *admin_);
    EXPECT_EQ(r.code, 200) << r.body;
    std::map<std::string, Struct> out;
    if (r.code != 200) return out;
    for (const Struct& rule : List(r.Json(), "rules")) out[Str(rule, "name")] = rule;
    return out;
  }

  // `datamesh <args>` as the admin (config folder "admin" under the suite's folder).
  static CliRun Cli(const std::vector<std::string>& args, const std::string& stdin_text = "") {
    const fs::path in = *dir_ / "stdin", out = *dir_ / "stdout", err = *dir_ / "stderr";
    e2e::WriteFile(in, stdin_text);
    std::string cmd = absl::StrCat("cd ", Quote(dir_->string()),
                                   " && DM_ENDPOINT=", Quote(stack_->Env("DM_GATEWAY_URL")),
                                   " DM_CONFIG_DIR=", Quote((*dir_ / "admin").string()), " ",
                                   Quote(TestStack::BinaryDir() + "/bin/datamesh"));
    for (const std::string& a : args) absl::StrAppend(&cmd, " ", Quote(a));
    absl::StrAppend(&cmd, " <", Quote(in.string()), " >", Quote(out.string()), " 2>",
                    Quote(err.string()));
    const int status = std::system(cmd.c_str());
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, e2e::ReadFile(out), e2e::ReadFile(err)};
  }

  // Polls /monitoring/health until `done(health)`; the last answer goes to `last`.
  template <typename F>
  static bool HealthUntil(F done, int seconds, std::string& last) {
    return testing::WaitFor(
        [&] {
          Reply h = Api("GET", "/monitoring/health", *admin_);
          last = h.body;
          return h.code == 200 && done(h.Json());
        },
        absl::Seconds(seconds), absl::Milliseconds(500));
  }

  static bool HasCheck(const Struct& health, const std::string& id, const std::string& severity) {
    for (const Struct& c : List(health, "checks")) {
      if (Str(c, "id") == id) return Str(c, "severity") == severity;
    }
    return false;
  }

  static TestStack* stack_;
  static fs::path* dir_;
  static std::string* admin_;
  static std::string* password_;
};
TestStack* MonitoringRulesE2eTest::stack_ = nullptr;
fs::path* MonitoringRulesE2eTest::dir_ = nullptr;
std::string* MonitoringRulesE2eTest::admin_ = nullptr;
std::string* MonitoringRulesE2eTest::password_ = nullptr;

TEST_F(MonitoringRulesE2eTest, AlertRuleRoutesAddListRefuseAndDelete) {
  std::map<std::string, Struct> before = ListedRules();
  ASSERT_TRUE(before.contains("DataMeshFileLost"));
  EXPECT_TRUE(before["DataMeshFileLost"].fields().at("readOnly").bool_value());
  EXPECT_EQ(Str(before["DataMeshFileLost"], "id"), kShippedRule);
  EXPECT_TRUE(before.contains("DataMeshSegmentsAtLastSpareShard"));
  ASSERT_FALSE(before.contains("E2eRepairQueueDeep"));

  Reply added = Send("POST", "/monitoring/alert-rules", "application/yaml", kRuleYaml);
  ASSERT_EQ(added.code, 201) << added.body;
  const std::string id = Str(added.Json(), "id");
  ASSERT_FALSE(id.empty());
  EXPECT_EQ(Str(added.Json(), "severity"), "warning");
  std::map<std::string, Struct> listed = ListedRules();
  ASSERT_TRUE(listed.contains("E2eRepairQueueDeep"));
  EXPECT_EQ(Str(listed["E2eRepairQueueDeep"], "id"), id);
  EXPECT_EQ(listed.size(), before.size() + 1);
  Reply one = Api("GET", "/monitoring/alert-rules/" + id, *admin_);
  ASSERT_EQ(one.code, 200) << one.body;
  EXPECT_EQ(Str(one.Json(), "expr"), "datamesh_file_ingest_repair_backlog_segments > 1000");

  // A rule whose expression does not parse: 400 with the reason, nothing stored.
  Reply bad = Send("POST", "/monitoring/alert-rules", "application/yaml",
                   "alert: E2eBroken\nexpr: sum(rate(x[5m])\nlabels: {severity: warning}\n");
  EXPECT_EQ(bad.code, 400) << bad.body;
  EXPECT_NE(bad.body.find("parse error"), std::string::npos) << bad.body;
  listed = ListedRules();
  EXPECT_FALSE(listed.contains("E2eBroken"));
  EXPECT_EQ(listed.size(), before.size() + 1);
  // The same name again, or a shipped rule's name: 409.
  EXPECT_EQ(Send("POST", "/monitoring/alert-rules", "application/yaml", kRuleYaml).code, 409);
  // A shipped rule is read-only: neither replaced nor deleted, and unchanged after.
  const std::string shipped = "/monitoring/alert-rules/datamesh-durability%2FDataMeshFileLost";
  Reply edit = Send("PUT", shipped, "application/yaml",
                    "alert: DataMeshFileLost\nexpr: vector(1)\nlabels: {severity: info}\n");
  EXPECT_EQ(edit.code, 409) << edit.body;
  EXPECT_EQ(Api("DELETE", shipped, *admin_).code, 409);
  Reply still = Api("GET", shipped, *admin_);
  ASSERT_EQ(still.code, 200) << still.body;
  EXPECT_EQ(Str(still.Json(), "severity"), "critical");

  EXPECT_EQ(Api("DELETE", "/monitoring/alert-rules/" + id, *admin_).code, 204);
  EXPECT_EQ(Api("GET", "/monitoring/alert-rules/" + id, *admin_).code, 404);
  EXPECT_EQ(Api("DELETE", "/monitoring/alert-rules/" + id, *admin_).code, 404);
  EXPECT_EQ(ListedRules().size(), before.size());
}

TEST_F(MonitoringRulesE2eTest, CliListsAddsAndRemovesRules) {
  CliRun login = Cli({"login", "admin", "--password-stdin"}, *password_ + "\n");
  ASSERT_EQ(login.code, 0) << login.err;
  CliRun list = Cli({"alerts", "rules", "list"});
  ASSERT_EQ(list.code, 0) << list.err;
  EXPECT_NE(list.out.find(kShippedRule), std::string::npos) << list.out;
  EXPECT_NE(list.out.find("shipped (datamesh-durability)"), std::string::npos) << list.out;

  e2e::WriteFile(*dir_ / "rule.yml", absl::StrReplaceAll(kRuleYaml, {{"E2eRepair", "CliRepair"}}));
  CliRun add = Cli({"alerts", "rules", "add", "-f", "rule.yml"});
  ASSERT_EQ(add.code, 0) << add.err;
  EXPECT_NE(add.out.find("rule CliRepairQueueDeep added (id "), std::string::npos) << add.out;
  const size_t at = add.out.find("(id ") + 4;
  const std::string id = add.out.substr(at, add.out.find(',', at) - at);
  CliRun listed = Cli({"alerts", "rules", "list"});
  EXPECT_NE(listed.out.find("CliRepairQueueDeep"), std::string::npos) << listed.out;

  e2e::WriteFile(*dir_ / "bad.yml", "alert: CliBroken\nexpr: up ==\n");
  CliRun bad = Cli({"alerts", "rules", "add", "-f", "bad.yml"});
  EXPECT_NE(bad.code, 0);
  EXPECT_NE(bad.err.find("parse error"), std::string::npos) << bad.err;
  EXPECT_EQ(Cli({"alerts", "rules", "list"}).out.find("CliBroken"), std::string::npos);

  CliRun rm = Cli({"alerts", "rules", "rm", id});
  ASSERT_EQ(rm.code, 0) << rm.err;
  EXPECT_NE(rm.out.find("rule " + id + " deleted"), std::string::npos) << rm.out;
  EXPECT_EQ(Cli({"alerts", "rules", "list"}).out.find("CliRepairQueueDeep"), std::string::npos);
  EXPECT_NE(Cli({"alerts", "rules", "rm", id}).code, 0) << "already gone";
}

TEST_F(MonitoringRulesE2eTest, AKilledStoreCostsEverySegmentASpareShardUntilItIsBack) {
  // 10 MiB: three segments, each with one shard on each of the six stores.
  e2e::WriteFile(*dir_ / "file.bin", e2e::RandomBytes(10 << 20, 11));
  Reply up = Api("POST", "/files?name=margin.bin", *admin_,
                 {"-H 'Content-Type: application/octet-stream'",
                  "--data-binary @" + Quote((*dir_ / "file.bin").string())});
  ASSERT_TRUE(up.code == 200 || up.code == 201) << up.body;

  std::string last;
  ASSERT_TRUE(HealthUntil(
      [](const Struct& h) {
        const Struct& d = Obj(h, "durability");
        const auto spares = SparesOf(d);
        return d.fields().at("available").bool_value() && spares.contains(2) &&
               spares.at(2) >= 3 && spares.at(1) == 0 && spares.at(0) == 0;
      },
      90, last))
      << last;
  const Struct healthy = e2e::ParseJson(last);
  const double segments = SparesOf(Obj(healthy, "durability")).at(2);
  EXPECT_EQ(Str(Obj(healthy, "durability"), "filesLost"), "0");
  EXPECT_EQ(Str(Obj(healthy, "durability"), "segmentsLost"), "0");
  EXPECT_FALSE(Str(Obj(healthy, "durability"), "measuredAt").empty());
  EXPECT_FALSE(HasCheck(healthy, "DURABILITY_MARGIN", "WARN"));

  ASSERT_OK(stack_->Devstack(absl::StrCat("kill-instance ", kVictim)));
  // Once dht marks the store down, every segment is at k+m-1 live shards: a warning.
  ASSERT_TRUE(HealthUntil(
      [&](const Struct& h) {
        const auto spares = SparesOf(Obj(h, "durability"));
        return spares.contains(1) && spares.at(1) == segments && spares.at(2) == 0 &&
               HasCheck(h, "DURABILITY_MARGIN", "WARN");
      },
      120, last))
      << last;

  ASSERT_OK(RunCommand(absl::StrCat(TestStack::SourceDir(),
                                    "/tools/devstack/devstack start-instance --dir '",
                                    stack_->dir(), "' --bin '", TestStack::BinaryDir(), "/bin' ",
                                    kVictim))
                .status());
  ASSERT_TRUE(HealthUntil(
      [&](const Struct& h) {
        const auto spares = SparesOf(Obj(h, "durability"));
        bool listed = false;
        for (const Struct& c : List(h, "checks")) listed |= Str(c, "id") == "DURABILITY_MARGIN";
        return spares.contains(2) && spares.at(2) == segments && spares.at(1) == 0 && !listed;
      },
      120, last))
      << last;
}

}  // namespace
}  // namespace datamesh
