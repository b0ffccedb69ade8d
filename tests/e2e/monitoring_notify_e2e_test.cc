// Alert notifications on the whole stack, driven through the gateway as an admin: monitoring
// started with a --notify-config (DM_NOTIFY_CONFIG) whose receivers are webhooks served by the
// test. A silence created over REST holds back a killed chunk-store's DataMeshChunkStoreDown
// alert; once expired the alert reaches the webhook (version 4 JSON, HMAC verified); left
// unacknowledged it is re-sent and escalated to a second receiver; an ack over REST stops that;
// resolved is sent when the store returns. The firing alert also reaches an admin's WebSocket
// session (monitoring:alert:triggered), silence or not: silences hold back receivers, not the
// live feed. Bad silences and acks are refused with 400/404.
#include <google/protobuf/struct.pb.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "shared/crypto/compare.h"
#include "shared/crypto/encoding.h"
#include "shared/crypto/hmac.h"
#include "shared/testing/http_receiver.h"
#include "shared/testing/status_matchers.h"
#include "shared/testing/test_stack.h"
#include "shared/testing/wait_for.h"
#include "tests/e2e/e2e_util.h"
#include "tests/e2e/ws_client.h"

namespace datamesh {
namespace {

using ::datamesh::testing::HttpReceiver;
using ::datamesh::testing::TestStack;
using e2e::List;
using e2e::Obj;
using e2e::Reply;
using e2e::Str;
using google::protobuf::Struct;
namespace fs = std::filesystem;

constexpr char kVictim[] = "chunk-store-5";
constexpr char kRule[] = "DataMeshChunkStoreDown";
constexpr char kSecret[] = "e2e-hook-secret";

class MonitoringNotifyE2eTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    receiver_ = new HttpReceiver();
    dir_ = new fs::path(fs::temp_directory_path() / absl::StrCat("dm-notify-e2e-", getpid()));
    fs::create_directories(*dir_);
    e2e::WriteFile(*dir_ / "hook-secret", kSecret);
    // Grouped per alert; re-sent every 4 s while a critical alert is unacknowledged, escalated
    // to "boss" after 8 s of firing.
    e2e::WriteFile(*dir_ / "notify.yml", absl::StrCat(R"(
route:
  receiver: ops
  group_by: [alertname, instance]
  group_wait: 0s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: ops
    webhook_configs:
      - url: )",
                                                      receiver_->Url("/ops"), R"(
        hmac_secret_file: )",
                                                      (*dir_ / "hook-secret").string(), R"(
  - name: boss
    webhook_configs:
      - url: )",
                                                      receiver_->Url("/boss"), R"(
escalation:
  - {severity: critical, renotify_interval: 4s, escalate_after: 8s, escalate_to: boss}
)"));
    setenv("DM_SCRAPE_INTERVAL", "1s", 1);
    setenv("DM_FLUSH_INTERVAL", "2s", 1);
    setenv("DM_RULE_INTERVAL", "2s", 1);
    setenv("DM_NOTIFY_CONFIG", (*dir_ / "notify.yml").c_str(), 1);
    auto stack = TestStack::Start({.services = true, .chunk_stores = 6});
    unsetenv("DM_NOTIFY_CONFIG");
    ASSERT_OK(stack);
    stack_ = stack->release();
    const std::string password(
        absl::StripAsciiWhitespace(e2e::ReadFile(fs::path(stack_->dir()) / "admin-password")));
    e2e::WriteFile(*dir_ / "login.json",
                   absl::StrCat(R"({"username":"admin","password":")", password, R"("})"));
    Reply r = Post("/auth/login", "login.json", "");
    ASSERT_EQ(r.code, 200) << r.body;
    admin_ = new std::string(Str(r.Json(), "token"));
    // This suite polls more than the free tier's API calls allow.
    e2e::WriteFile(*dir_ / "tier.json", R"({"tier":"enterprise"})");
    Reply tier = Api("PUT", "/admin/users/" + Str(Obj(r.Json(), "user"), "id"), *admin_,
                     {"-H 'Content-Type: application/json'",
                      "--data-binary @" + e2e::Quote((*dir_ / "tier.json").string())});
    ASSERT_EQ(tier.code, 200) << tier.body;
  }
  static void TearDownTestSuite() {
    delete stack_;
    stack_ = nullptr;
    delete receiver_;
    if (dir_ != nullptr) fs::remove_all(*dir_);
    delete dir_;
    delete admin_;
  }

  static Reply Api(const std::string& method, const std::string& path, const std::string& token,
                   const std::vector<std::string>& args = {}) {
    return e2e::CurlHttp(*dir_).Call(method, stack_->Env("DM_GATEWAY_URL") + "/api/v1" + path, args,
                                     token);
  }
  // POSTs the JSON file `file` (under dir_).
  static Reply Post(const std::string& path, const std::string& file, const std::string& token) {
    return Api("POST", path, token,
               {"-H 'Content-Type: application/json'",
                "--data-binary @" + e2e::Quote((*dir_ / file).string())});
  }

  // The webhook bodies about the victim's alert that reached `path`, in order.
  static std::vector<nlohmann::json> VictimPayloads(const std::string& path) {
    std::vector<nlohmann::json> out;
    for (const HttpReceiver::Request& r : receiver_->Received()) {
      if (r.path != path) continue;
      const nlohmann::json body = nlohmann::json::parse(r.body, nullptr, false);
      if (body.is_discarded()) continue;
      const nlohmann::json& g = body["groupLabels"];
      if (g.value("alertname", "") == kRule && g.value("instance", "") == kVictim) {
        out.push_back(body);
      }
    }
    return out;
  }

  static std::optional<Struct> VictimAlert() {
    Reply r = Api("GET", "/monitoring/alerts", *admin_);
    if (r.code != 200) return std::nullopt;
    for (const Struct& a : List(r.Json(), "alerts")) {
      if (Str(a, "rule") == kRule && Str(Obj(a, "labels"), "instance") == kVictim) return a;
    }
    return std::nullopt;
  }

  static bool Poll(const std::function<bool()>& done, int seconds) {
    return testing::WaitFor(done, absl::Seconds(seconds), absl::Milliseconds(500));
  }

  static TestStack* stack_;
  static HttpReceiver* receiver_;
  static fs::path* dir_;
  static std::string* admin_;
};
TestStack* MonitoringNotifyE2eTest::stack_ = nullptr;
HttpReceiver* MonitoringNotifyE2eTest::receiver_ = nullptr;
fs::path* MonitoringNotifyE2eTest::dir_ = nullptr;
std::string* MonitoringNotifyE2eTest::admin_ = nullptr;

TEST_F(MonitoringNotifyE2eTest, BadSilencesAndAcksAreRefusedAndStoreNothing) {
  const std::pair<const char*, const char*> kBad[] = {
      {R"({"matchers":[],"endsAt":"2999-01-01T00:00:00Z","comment":"x"})", "no matcher"},
      {R"({"matchers":[{"name":"alertname","op":"=~","value":".*"}],"endsAt":"2999-01-01T00:00:00Z","comment":"x"})",
       "mutes everything"},
      {R"({"matchers":[{"name":"alertname","op":"==","value":"X"}],"endsAt":"2999-01-01T00:00:00Z","comment":"x"})",
       "bad op"},
      {R"({"matchers":[{"name":"alertname","op":"=","value":"X"}],"endsAt":"2001-01-01T00:00:00Z","comment":"x"})",
       "in the past"},
      {R"({"matchers":[{"name":"alertname","op":"=","value":"X"}],"endsAt":"2999-01-01T00:00:00Z"})",
       "no comment"},
      {R"({"matchers":[{"name":"alertname","op":"=~","value":"("}],"endsAt":"2999-01-01T00:00:00Z","comment":"x"})",
       "bad regex"},
  };
  for (const auto& [body, why] : kBad) {
    e2e::WriteFile(*dir_ / "bad.json", body);
    Reply r = Post("/monitoring/silences", "bad.json", *admin_);
    EXPECT_EQ(r.code, 400) << why << ": " << r.body;
  }
  Reply list = Api("GET", "/monitoring/silences", *admin_);
  ASSERT_EQ(list.code, 200) << list.body;
  EXPECT_TRUE(List(list.Json(), "silences").empty());
  EXPECT_EQ(Api("DELETE", "/monitoring/silences/no-such-id", *admin_).code, 404);
  EXPECT_EQ(Api("POST", "/monitoring/alerts/no-such-alert/ack", *admin_).code, 404);
  // Not for users: the routes are admin-only.
  EXPECT_EQ(Api("GET", "/monitoring/silences", "").code, 401);
}

TEST_F(MonitoringNotifyE2eTest, SilenceEscalationAckAndResolvedReachTheWebhook) {
  // A silence for the alert about to fire.
  e2e::WriteFile(*dir_ / "silence.json",
                 absl::StrCat(R"({"matchers":[{"name":"alertname","op":"=","value":")", kRule,
                              R"("},{"name":"instance","op":"=","value":")", kVictim,
                              R"("}],"endsAt":"2999-01-01T00:00:00Z","comment":"planned"})"));
  Reply created = Post("/monitoring/silences", "silence.json", *admin_);
  ASSERT_EQ(created.code, 201) << created.body;
  const std::string silence_id = Str(created.Json(), "id");
  EXPECT_EQ(Str(created.Json(), "createdBy"), "admin");
  EXPECT_EQ(Str(created.Json(), "state"), "active");

  // An admin's live feed, read from before the store goes until the end.
  const std::string url = stack_->Env("DM_GATEWAY_URL");
  uint32_t port = 0;
  ASSERT_TRUE(absl::SimpleAtoi(url.substr(url.rfind(':') + 1), &port)) << url;
  e2e::WsRecorder feed(static_cast<uint16_t>(port), "/api/v1/ws", "Bearer " + *admin_);
  ASSERT_TRUE(feed.opened());

  ASSERT_OK(stack_->Devstack(absl::StrCat("kill-instance ", kVictim)));
  // The rule's `for` is one minute.
  ASSERT_TRUE(Poll(
      [&] {
        std::optional<Struct> a = VictimAlert();
        return a && Str(*a, "state") == "firing";
      },
      180))
      << "the alert never fired";
  std::optional<Struct> alert = VictimAlert();
  ASSERT_TRUE(alert.has_value());
  const std::string alert_id = Str(*alert, "id");
  ASSERT_EQ(alert->fields().count("silencedBy"), 1u) << "a muted alert is listed with its silence";
  const auto& silenced_by = alert->fields().at("silencedBy").list_value();
  ASSERT_EQ(silenced_by.values_size(), 1);
  EXPECT_EQ(silenced_by.values(0).string_value(), silence_id);
  // The live feed relays the firing alert as monitoring's alert.triggered event.
  auto is_victim = [&](const Struct& data) {
    return Str(data, "rule") == kRule && Str(Obj(data, "labels"), "instance") == kVictim;
  };
  ASSERT_TRUE(Poll([&] { return feed.Find("monitoring:alert:triggered", is_victim).has_value(); },
                   30))
      << "the alert never reached the admin's WebSocket";
  const Struct triggered = Obj(*feed.Find("monitoring:alert:triggered", is_victim), "data");
  EXPECT_EQ(Str(triggered, "alertId"), alert_id);
  EXPECT_EQ(Str(triggered, "severity"), "critical");
  EXPECT_FALSE(Str(Obj(triggered, "annotations"), "remediation").empty());
  // Several notifier ticks (1 s each) pass while the alert fires silenced: nothing is sent. (An
  // absence can only be observed over a span.)
  absl::SleepFor(absl::Seconds(3));
  EXPECT_TRUE(VictimPayloads("/ops").empty()) << "a silenced alert was sent";

  ASSERT_EQ(Api("DELETE", "/monitoring/silences/" + silence_id, *admin_).code, 204);
  ASSERT_TRUE(Poll([&] { return !VictimPayloads("/ops").empty(); }, 30))
      << "the alert never reached the webhook after the silence ended";
  // The payload as Alertmanager's receivers read it, and signed.
  const nlohmann::json first = VictimPayloads("/ops")[0];
  EXPECT_EQ(first["version"], "4");
  EXPECT_EQ(first["status"], "firing");
  EXPECT_EQ(first["receiver"], "ops");
  ASSERT_EQ(first["alerts"].size(), 1u);
  EXPECT_EQ(first["alerts"][0]["alertId"], alert_id);
  EXPECT_EQ(first["alerts"][0]["labels"]["severity"], "critical");
  EXPECT_FALSE(first["alerts"][0]["annotations"].value("remediation", "").empty());
  for (const HttpReceiver::Request& r : receiver_->Received()) {
    if (r.path != "/ops") continue;
    const std::string signed_text = r.headers.at("x-datamesh-timestamp") + "." + r.body;
    absl::StatusOr<crypto::Sha256Digest> mac = crypto::HmacSha256(kSecret, signed_text);
    ASSERT_OK(mac);
    EXPECT_TRUE(
        crypto::ConstantTimeEquals("sha256=" + crypto::HexEncode(crypto::AsStringView(*mac)),
                                   r.headers.at("x-datamesh-signature")));
  }

  // Unacknowledged: re-sent every 4 s and escalated to boss.
  ASSERT_TRUE(Poll([&] { return VictimPayloads("/ops").size() >= 2; }, 30)) << "no re-notification";
  ASSERT_TRUE(Poll([&] { return !VictimPayloads("/boss").empty(); }, 30)) << "no escalation";

  // The ack, by fingerprint, over REST: shown on the alert, and nothing more is sent.
  e2e::WriteFile(*dir_ / "ack.json", R"({"comment":"replacing the disk"})");
  const std::string fingerprint = first["alerts"][0]["fingerprint"];
  Reply ack = Post("/monitoring/alerts/" + fingerprint + "/ack", "ack.json", *admin_);
  ASSERT_EQ(ack.code, 200) << ack.body;
  EXPECT_EQ(Str(ack.Json(), "alertId"), alert_id);
  ASSERT_TRUE(Poll(
      [&] {
        std::optional<Struct> a = VictimAlert();
        return a && Str(Obj(*a, "acknowledgement"), "by") == "admin";
      },
      10));
  EXPECT_EQ(Str(Obj(*VictimAlert(), "acknowledgement"), "comment"), "replacing the disk");
  // Let a message queued before the ack land, then count: more than two renotify intervals
  // later, nothing was added.
  absl::SleepFor(absl::Seconds(2));
  const size_t ops_after_ack = VictimPayloads("/ops").size();
  const size_t boss_after_ack = VictimPayloads("/boss").size();
  absl::SleepFor(absl::Seconds(10));
  EXPECT_EQ(VictimPayloads("/ops").size(), ops_after_ack) << "re-sent after the ack";
  EXPECT_EQ(VictimPayloads("/boss").size(), boss_after_ack) << "escalated after the ack";

  // Back: resolved is sent once.
  ASSERT_OK(stack_->Devstack(
      absl::StrCat("start-instance --bin ", TestStack::BinaryDir(), "/bin ", kVictim)));
  ASSERT_TRUE(Poll(
      [&] {
        std::vector<nlohmann::json> p = VictimPayloads("/ops");
        return !p.empty() && p.back()["status"] == "resolved";
      },
      120))
      << "resolved never reached the webhook";
  EXPECT_NE(VictimPayloads("/ops").back()["alerts"][0]["endsAt"], "0001-01-01T00:00:00Z");
}

}  // namespace
}  // namespace datamesh
