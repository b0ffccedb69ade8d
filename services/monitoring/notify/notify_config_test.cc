#include "services/monitoring/notify/notify_config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "shared/testing/status_matchers.h"

namespace datamesh::monitoring::notify {
namespace {

using ::datamesh::testing::StatusIs;
using ::testing::HasSubstr;

SecretSource FakeSecrets() {
  SecretSource s;
  s.read_file = [](const std::string& path) -> absl::StatusOr<std::string> {
    if (path == "/run/secrets/hook") return std::string("s3cret\n");
    return absl::NotFoundError("no such file");
  };
  s.getenv = [](const std::string& name) -> std::optional<std::string> {
    if (name == "HOOK_SECRET") return std::string("from-env");
    return std::nullopt;
  };
  return s;
}

constexpr char kConfig[] = R"(global:
  external_url: https://datamesh.example
route:
  receiver: ops
  group_by: [alertname, zone]
  group_wait: 10s
  routes:
    - matchers: ['severity="critical"']
      receiver: pager
      repeat_interval: 30m
      routes:
        - matchers: ['zone=~"z[12]"']
          group_by: ['...']
receivers:
  - name: ops
    webhook_configs:
      - url: http://127.0.0.1:9000/hook
        hmac_secret_file: /run/secrets/hook
    email_configs:
      - smarthost: 127.0.0.1:2525
        from: alerts@datamesh.example
        to: [ops@example.com, oncall@example.com]
  - name: pager
    webhook_configs:
      - url: https://pager.example/hook
        hmac_secret_env: HOOK_SECRET
        send_resolved: false
        max_alerts: 5
escalation:
  - severity: critical
    renotify_interval: 10m
    escalate_after: 30m
    escalate_to: ops
delivery:
  queue_capacity: 10
  retry_deadline: 1m
)";

TEST(NotifyConfig, ReadsRoutesReceiversEscalationAndInheritance) {
  absl::StatusOr<NotifyConfig> c = ParseNotifyConfig(kConfig, "notify.yml", FakeSecrets());
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->external_url, "https://datamesh.example");
  EXPECT_EQ(c->route.receiver, "ops");
  EXPECT_EQ(c->route.group_by, (std::vector<std::string>{"alertname", "zone"}));
  EXPECT_EQ(c->route.group_wait, absl::Seconds(10));
  EXPECT_EQ(c->route.group_interval, absl::Minutes(5));  // Alertmanager's default
  ASSERT_EQ(c->route.routes.size(), 1u);
  const RouteConfig& pager = c->route.routes[0];
  EXPECT_EQ(pager.receiver, "pager");
  EXPECT_EQ(pager.group_wait, absl::Seconds(10));  // inherited
  EXPECT_EQ(pager.repeat_interval, absl::Minutes(30));
  ASSERT_EQ(pager.routes.size(), 1u);
  EXPECT_EQ(pager.routes[0].receiver, "pager");  // inherited
  EXPECT_EQ(pager.routes[0].repeat_interval, absl::Minutes(30));
  EXPECT_EQ(pager.routes[0].group_by, std::vector<std::string>{"..."});
  const ReceiverConfig* ops = c->FindReceiver("ops");
  ASSERT_NE(ops, nullptr);
  ASSERT_EQ(ops->webhooks.size(), 1u);
  ASSERT_NE(ops->webhooks[0].hmac_secret, nullptr);
  EXPECT_EQ(ops->webhooks[0].hmac_secret->view(), "s3cret");  // the file's newline dropped
  ASSERT_EQ(ops->emails.size(), 1u);
  EXPECT_EQ(ops->emails[0].to.size(), 2u);
  EXPECT_FALSE(ops->emails[0].send_resolved);
  const ReceiverConfig* p = c->FindReceiver("pager");
  EXPECT_EQ(p->webhooks[0].hmac_secret->view(), "from-env");
  EXPECT_FALSE(p->webhooks[0].send_resolved);
  EXPECT_EQ(p->webhooks[0].max_alerts, 5);
  const EscalationConfig* e = c->FindEscalation("critical");
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->escalate_to, "ops");
  EXPECT_EQ(e->escalate_after, absl::Minutes(30));
  EXPECT_EQ(c->delivery.queue_capacity, 10u);
}

// Each mistake is refused with the file, the line and the field.
TEST(NotifyConfig, MistakesNameTheLineAndTheField) {
  struct Case {
    std::string yaml;
    std::string expected;
  };
  const Case cases[] = {
      {"route:\n  receiver: nobody\n", "notify.yml:2: route: receiver \"nobody\" is not defined"},
      {"route:\n  receiver: a\n  group_wait: 5x\nreceivers: [{name: a}]\n",
       "notify.yml:3: route.group_wait"},
      {"route:\n  receiver: a\n  gruop_by: [x]\nreceivers: [{name: a}]\n",
       "notify.yml:3: route: unknown field \"gruop_by\""},
      {"route:\n  receiver: a\n  routes:\n    - matchers: ['sev']\nreceivers: [{name: a}]\n",
       "notify.yml:4: route.routes[0].matchers"},
      {"route: {receiver: a}\nreceivers:\n  - name: a\n  - name: a\n",
       "notify.yml:4: receivers[1]: receiver \"a\" is defined twice"},
      {"route: {receiver: a}\nreceivers:\n  - name: a\n    webhook_configs:\n"
       "      - url: http://x/\n        hmac_secret_env: MISSING\n",
       "notify.yml:6: receivers[0].webhook_configs[0].hmac_secret_env: environment variable "
       "MISSING is not set"},
      {"route: {receiver: a}\nreceivers:\n  - name: a\n    webhook_configs:\n      - url: "
       "ftp://x\n",
       "notify.yml:5: receivers[0].webhook_configs[0].url"},
      {"route: {receiver: a}\nreceivers: [{name: a}]\nescalation:\n  - severity: critical\n"
       "    escalate_after: 5m\n",
       "notify.yml:4: escalation[0]: escalate_after and escalate_to go together"},
      {"route: {receiver: a\n", "notify.yml:"},
      {"receivers: [{name: a}]\n", "route: the top-level route is required"},
  };
  for (const Case& c : cases) {
    absl::StatusOr<NotifyConfig> r = ParseNotifyConfig(c.yaml, "notify.yml", FakeSecrets());
    EXPECT_THAT(r.status(), StatusIs(absl::StatusCode::kInvalidArgument)) << c.yaml;
    EXPECT_THAT(std::string(r.status().message()), HasSubstr(c.expected)) << c.yaml;
  }
}

TEST(NotifyConfig, TheSecretNeverAppearsInAnError) {
  const std::string yaml =
      "route: {receiver: a}\nreceivers:\n  - name: a\n    webhook_configs:\n"
      "      - url: http://x/\n        hmac_secret_env: HOOK_SECRET\n        max_alerts: -1\n";
  absl::StatusOr<NotifyConfig> r = ParseNotifyConfig(yaml, "n.yml", FakeSecrets());
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("max_alerts"));
  EXPECT_THAT(std::string(r.status().message()), ::testing::Not(HasSubstr("from-env")));
}

TEST(NotifyConfig, TheDefaultHasNoExternalReceiver) {
  const NotifyConfig c = DefaultNotifyConfig();
  ASSERT_EQ(c.receivers.size(), 1u);
  EXPECT_TRUE(c.receivers[0].webhooks.empty());
  EXPECT_TRUE(c.receivers[0].emails.empty());
}

}  // namespace
}  // namespace datamesh::monitoring::notify
