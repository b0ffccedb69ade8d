// Alerting on the whole stack, as an admin sees it through the gateway: the shipped rules
// evaluated every two seconds (DM_RULE_INTERVAL) over what monitoring scrapes every second. A
// killed chunk-store's DataMeshChunkStoreDown alert turns pending and shows on
// /monitoring/alerts; monitoring restarted meanwhile restores it (same alert, its `for` progress
// kept); it fires after the rule's `for` (1 minute), shows in the Prometheus API, and resolves
// once the store is back. /monitoring/health shows the node down and the firing alert as an
// error.
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/time_util.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/mutex.h"
#include "shared/bus/bus.h"
#include "shared/testing/status_matchers.h"
#include "shared/testing/test_stack.h"
#include "shared/testing/wait_for.h"
#include "tests/e2e/e2e_util.h"

namespace datamesh {
namespace {

using ::datamesh::testing::TestStack;
using e2e::List;
using e2e::Obj;
using e2e::Reply;
using e2e::Str;
using google::protobuf::Struct;
namespace fs = std::filesystem;

constexpr char kVictim[] = "chunk-store-5";
constexpr char kRule[] = "DataMeshChunkStoreDown";

class MonitoringAlertsE2eTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    setenv("DM_SCRAPE_INTERVAL", "1s", 1);
    setenv("DM_FLUSH_INTERVAL", "2s", 1);
    setenv("DM_RULE_INTERVAL", "2s", 1);
    auto stack = TestStack::Start({.services = true, .chunk_stores = 6});
    ASSERT_OK(stack);
    stack_ = stack->release();
    dir_ = new fs::path(fs::path(stack_->dir()) / "e2e-alerts");
    fs::create_directories(*dir_);
    const std::string password(
        absl::StripAsciiWhitespace(e2e::ReadFile(fs::path(stack_->dir()) / "admin-password")));
    e2e::WriteFile(*dir_ / "login.json",
                   absl::StrCat(R"({"username":"admin","password":")", password, R"("})"));
    Reply r = Api("POST", "/auth/login", "",
                  {"-H 'Content-Type: application/json'",
                   "--data-binary @" + e2e::Quote((*dir_ / "login.json").string())});
    ASSERT_EQ(r.code, 200) << r.body;
    admin_ = new std::string(Str(r.Json(), "token"));
    // This suite polls more than the free tier's 100 API calls an hour allow.
    e2e::WriteFile(*dir_ / "tier.json", R"({"tier":"enterprise"})");
    Reply tier = Api("PUT", "/admin/users/" + Str(Obj(r.Json(), "user"), "id"), *admin_,
                     {"-H 'Content-Type: application/json'",
                      "--data-binary @" + e2e::Quote((*dir_ / "tier.json").string())});
    ASSERT_EQ(tier.code, 200) << tier.body;
  }
  static void TearDownTestSuite() {
    delete stack_;
    stack_ = nullptr;
    delete dir_;
    delete admin_;
  }

  static Reply Api(const std::string& method, const std::string& path, const std::string& token,
                   const std::vector<std::string>& args = {}) {
    return e2e::CurlHttp(*dir_).Call(method, stack_->Env("DM_GATEWAY_URL") + "/api/v1" + path, args,
                                     token);
  }

  template <typename F>
  static bool Poll(F done, int seconds) {
    return testing::WaitFor(done, absl::Seconds(seconds), absl::Milliseconds(500));
  }

  // The victim's alert of kRule in /monitoring/alerts, if listed.
  static std::optional<Struct> VictimAlert(const std::string& state = "") {
    Reply r = Api("GET", "/monitoring/alerts" + (state.empty() ? "" : "?state=" + state), *admin_);
    if (r.code != 200) {
      ADD_FAILURE() << r.code << " " << r.body;
      return std::nullopt;
    }
    for (const Struct& a : List(r.Json(), "alerts")) {
      if (Str(a, "rule") == kRule && Str(Obj(a, "labels"), "instance") == kVictim) return a;
    }
    return std::nullopt;
  }

  static absl::Time TimeOf(const Struct& a, const std::string& key) {
    google::protobuf::Timestamp ts;
    EXPECT_TRUE(google::protobuf::util::TimeUtil::FromString(Str(a, key), &ts)) << key;
    return absl::FromUnixMillis(google::protobuf::util::TimeUtil::TimestampToMilliseconds(ts));
  }

  static TestStack* stack_;
  static fs::path* dir_;
  static std::string* admin_;
};
TestStack* MonitoringAlertsE2eTest::stack_ = nullptr;
fs::path* MonitoringAlertsE2eTest::dir_ = nullptr;
std::string* MonitoringAlertsE2eTest::admin_ = nullptr;

TEST_F(MonitoringAlertsE2eTest, RulesAreListedAndEvaluated) {
  ASSERT_TRUE(Poll(
      [&] {
        Reply r = Api("GET", "/monitoring/rules", *admin_);
        if (r.code != 200) return false;
        for (const Struct& g : List(r.Json(), "groups")) {
          for (const Struct& rule : List(g, "rules")) {
            if (Str(rule, "name") == kRule) return Str(rule, "health") == "ok";
          }
        }
        return false;
      },
      60));
  Reply prom = Api("GET", "/monitoring/prometheus/api/v1/rules?type=alert", *admin_);
  ASSERT_EQ(prom.code, 200) << prom.body;
  EXPECT_EQ(Str(prom.Json(), "status"), "success");
  bool recording = false;
  for (const Struct& g : List(Obj(prom.Json(), "data"), "groups")) {
    for (const Struct& rule : List(g, "rules")) recording |= Str(rule, "type") == "recording";
  }
  EXPECT_FALSE(recording) << "type=alert lists alerting rules only";
  EXPECT_EQ(Api("GET", "/monitoring/alerts?state=active", *admin_).code, 400);

  // Health: every chunk-store answering and every node up once all have heartbeated.
  Struct health;
  std::string body;
  EXPECT_TRUE(Poll(
      [&] {
        Reply h = Api("GET", "/monitoring/health", *admin_);
        body = h.body;
        if (h.code != 200) return false;
        health = h.Json();
        int up = 0;
        for (const Struct& n : List(health, "nodes")) up += Str(n, "state") == "up";
        for (const Struct& s : List(health, "services")) {
          if (Str(s, "name") == "chunk-store") {
            return up == 6 && s.fields().at("healthy").number_value() == 6;
          }
        }
        return false;
      },
      60))
      << body;
  // The durability margin is file-ingest's (monitoring_rules_e2e_test follows it through a
  // kill); it may take a scrape to appear, and is never invented meanwhile.
  const Struct& durability = Obj(health, "durability");
  EXPECT_TRUE(durability.fields().at("available").bool_value() ||
              !Str(durability, "reason").empty())
      << body;
}

TEST_F(MonitoringAlertsE2eTest, AKilledStoreAlertsSurvivesAMonitoringRestartAndResolves) {
  ASSERT_TRUE(Poll(
      [&] {
        Reply r = Api("GET",
                      "/monitoring/prometheus/api/v1/query?query=up%7Binstance%3D%22" +
                          std::string(kVictim) + "%22%7D%3D%3D1",
                      *admin_);
        return r.code == 200 && !List(Obj(r.Json(), "data"), "result").empty();
      },
      60));
  ASSERT_FALSE(VictimAlert().has_value()) << "no alert while the store is up";
  // The events an alert's changes publish, as the gateway's live feed receives them.
  absl::Mutex mu;
  std::vector<std::string> events;  // "<type> <alert id>"
  auto bus = bus::Bus::Connect({.url = stack_->nats_url(), .client_name = "alerts-e2e"});
  ASSERT_OK(bus);
  std::vector<std::unique_ptr<bus::Subscription>> subs;
  for (const char* type : {"alert.triggered", "alert.resolved"}) {
    auto sub = (*bus)->SubscribeEvents(bus::SubjectFor(type), "", [&](const events::v1::Event& e) {
      absl::MutexLock lock(&mu);
      events.push_back(e.type() + " " +
                       (e.has_alert_triggered() ? e.alert_triggered().alert_id()
                                                : e.alert_resolved().alert_id()));
    });
    ASSERT_OK(sub);
    subs.push_back(*std::move(sub));
  }
  auto seen = [&](const std::string& event) {
    absl::MutexLock lock(&mu);
    return std::count(events.begin(), events.end(), event);
  };
  ASSERT_OK(stack_->Devstack(absl::StrCat("kill-instance ", kVictim)));

  // Pending within a few evaluations (the `for` of the shipped rule is a minute).
  std::optional<Struct> pending;
  ASSERT_TRUE(Poll([&] { return (pending = VictimAlert("pending")).has_value(); }, 30));
  EXPECT_EQ(Str(*pending, "severity"), "critical");
  EXPECT_EQ(Str(Obj(*pending, "labels"), "service"), "chunk-store");
  EXPECT_FALSE(Str(Obj(*pending, "annotations"), "remediation").empty());
  const std::string id = Str(*pending, "id");
  const absl::Time started = TimeOf(*pending, "startedAt");
  // Health shows the node down once its heartbeats are three intervals old.
  std::string health;
  EXPECT_TRUE(Poll(
      [&] {
        Reply h = Api("GET", "/monitoring/health", *admin_);
        health = h.body;
        if (h.code != 200) return false;
        bool node_down = false;
        for (const Struct& n : List(h.Json(), "nodes")) node_down |= Str(n, "state") == "down";
        for (const Struct& c : List(h.Json(), "checks")) {
          if (Str(c, "id") == "NODES_DOWN") return node_down && Str(c, "severity") == "ERR";
        }
        return false;
      },
      30))
      << health;

  // Monitoring restarts while the alert is pending: the same alert comes back, still pending.
  ASSERT_OK(stack_->Devstack("kill-instance monitoring"));
  ASSERT_OK(stack_->Devstack(
      absl::StrCat("start-instance --bin ", TestStack::BinaryDir(), "/bin monitoring")));
  std::optional<Struct> restored;
  ASSERT_TRUE(Poll(
      [&] {
        Reply r = Api("GET", "/monitoring/alerts", *admin_);
        if (r.code != 200) return false;  // 503 while monitoring starts
        restored = VictimAlert();
        return restored.has_value();
      },
      60));
  EXPECT_EQ(Str(*restored, "id"), id) << "a restart must not start a new episode";
  // The outage does not count towards `for`: the start moves later by at most the outage.
  EXPECT_GE(TimeOf(*restored, "startedAt"), started);

  // It fires once pending for the rule's `for`, with the same id.
  std::optional<Struct> firing;
  ASSERT_TRUE(Poll([&] { return (firing = VictimAlert("firing")).has_value(); }, 150));
  EXPECT_EQ(Str(*firing, "id"), id);
  EXPECT_GE(TimeOf(*firing, "firedAt") - TimeOf(*firing, "startedAt"), absl::Minutes(1));
  Reply prom = Api("GET", "/monitoring/prometheus/api/v1/alerts", *admin_);
  ASSERT_EQ(prom.code, 200) << prom.body;
  bool listed = false;
  for (const Struct& a : List(Obj(prom.Json(), "data"), "alerts")) {
    listed |= Str(Obj(a, "labels"), "alertname") == kRule &&
              Str(Obj(a, "labels"), "instance") == kVictim && Str(a, "state") == "firing";
  }
  EXPECT_TRUE(listed) << prom.body;
  EXPECT_TRUE(Poll([&] { return seen("alert.triggered " + id) > 0; }, 30));
  // Health names the firing alert as an error check.
  Reply firing_health = Api("GET", "/monitoring/health", *admin_);
  ASSERT_EQ(firing_health.code, 200) << firing_health.body;
  EXPECT_NE(Str(firing_health.Json(), "status"), "ok");
  EXPECT_LT(firing_health.Json().fields().at("score").number_value(), 100);
  std::set<std::string> checks;
  for (const Struct& c : List(firing_health.Json(), "checks")) {
    checks.insert(Str(c, "id") + ":" + Str(c, "severity"));
  }
  EXPECT_TRUE(checks.contains(std::string(kRule) + ":ERR")) << firing_health.body;

  // The store comes back: the alert resolves and stays listed as resolved.
  ASSERT_OK(stack_->Devstack(
      absl::StrCat("start-instance --bin ", TestStack::BinaryDir(), "/bin ", kVictim)));
  std::optional<Struct> resolved;
  ASSERT_TRUE(Poll([&] { return (resolved = VictimAlert("resolved")).has_value(); }, 60));
  EXPECT_EQ(Str(*resolved, "id"), id);
  EXPECT_FALSE(Str(*resolved, "resolvedAt").empty());
  EXPECT_TRUE(Poll([&] { return seen("alert.resolved " + id) > 0; }, 30));
  EXPECT_EQ(seen("alert.triggered " + id), 1) << "one trigger per episode, restart or not";
  subs.clear();
}

}  // namespace
}  // namespace datamesh
