#include "services/monitoring/notify/payload.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace datamesh::monitoring::notify {
namespace {

Notification Sample() {
  Notification n;
  n.receiver = "ops";
  n.group_key = R"(route:{alertname="Down"})";
  n.group_labels = {{"alertname", "Down"}};
  for (const char* node : {"n1", "n2"}) {
    NotifyAlert a;
    a.id = std::string("id-") + node;
    a.labels =
        promql::MakeLabels({{"alertname", "Down"}, {"node", node}, {"severity", "critical"}});
    a.annotations = promql::MakeLabels(
        {{"summary", std::string(node) + " is down"}, {"remediation", "restart it"}});
    a.fingerprint = Fingerprint(a.labels);
    a.starts_at = absl::FromUnixSeconds(1'700'000'000);
    a.fired_at = a.starts_at + absl::Minutes(1);
    n.alerts.push_back(a);
  }
  n.alerts[1].resolved = true;
  n.alerts[1].ends_at = absl::FromUnixMillis(1'700'000'600'250);
  return n;
}

TEST(WebhookBody, HasAlertmanagersVersion4Shape) {
  const std::optional<std::string> body =
      WebhookBody(Sample(), {.external_url = "https://dm.example"});
  ASSERT_TRUE(body.has_value());
  const nlohmann::json j = nlohmann::json::parse(*body);
  EXPECT_EQ(j["version"], "4");
  EXPECT_EQ(j["status"], "firing");  // one still fires
  EXPECT_EQ(j["receiver"], "ops");
  EXPECT_EQ(j["groupKey"], R"(route:{alertname="Down"})");
  EXPECT_EQ(j["truncatedAlerts"], 0);
  EXPECT_EQ(j["groupLabels"], (nlohmann::json{{"alertname", "Down"}}));
  EXPECT_EQ(j["commonLabels"], (nlohmann::json{{"alertname", "Down"}, {"severity", "critical"}}));
  EXPECT_EQ(j["commonAnnotations"], (nlohmann::json{{"remediation", "restart it"}}));
  EXPECT_EQ(j["externalURL"], "https://dm.example");
  ASSERT_EQ(j["alerts"].size(), 2u);
  const nlohmann::json& first = j["alerts"][0];
  EXPECT_EQ(first["status"], "firing");
  EXPECT_EQ(first["startsAt"], "2023-11-14T22:13:20.000Z");
  EXPECT_EQ(first["endsAt"], "0001-01-01T00:00:00Z");
  EXPECT_EQ(first["fingerprint"], Fingerprint(Sample().alerts[0].labels));
  EXPECT_EQ(first["generatorURL"], "https://dm.example/alerts");
  EXPECT_EQ(first["annotations"]["summary"], "n1 is down");
  EXPECT_EQ(j["alerts"][1]["status"], "resolved");
  EXPECT_EQ(j["alerts"][1]["endsAt"], "2023-11-14T22:23:20.250Z");
}

TEST(WebhookBody, TruncatesAndLeavesResolvedOutWhenAsked) {
  std::optional<std::string> body = WebhookBody(Sample(), {.max_alerts = 1});
  ASSERT_TRUE(body.has_value());
  nlohmann::json j = nlohmann::json::parse(*body);
  EXPECT_EQ(j["alerts"].size(), 1u);
  EXPECT_EQ(j["truncatedAlerts"], 1);
  body = WebhookBody(Sample(), {.send_resolved = false});
  j = nlohmann::json::parse(*body);
  EXPECT_EQ(j["alerts"].size(), 1u);
  Notification only_resolved = Sample();
  only_resolved.alerts.erase(only_resolved.alerts.begin());
  EXPECT_FALSE(WebhookBody(only_resolved, {.send_resolved = false}).has_value());
  EXPECT_EQ(nlohmann::json::parse(*WebhookBody(only_resolved, {}))["status"], "resolved");
}

// RFC 4231 test case 2's key and data, signed with the timestamp in front: a receiver in any
// language recomputes it with its HMAC-SHA256 over "<timestamp>.<body>".
TEST(SignBody, IsHmacSha256OverTimestampDotBody) {
  absl::StatusOr<std::string> sig = SignBody("Jefe", 1700000000, "what do ya want for nothing?");
  ASSERT_TRUE(sig.ok());
  EXPECT_EQ(sig->substr(0, 7), "sha256=");
  EXPECT_EQ(sig->size(), 7u + 64u);
  // Another timestamp gives another MAC (a replayed body with a new time does not verify).
  EXPECT_NE(*sig, *SignBody("Jefe", 1700000001, "what do ya want for nothing?"));
  EXPECT_NE(*sig, *SignBody("jefe", 1700000000, "what do ya want for nothing?"));
}

TEST(EmailText, SaysWhatFiresWithLabelsAndAnnotations) {
  std::optional<EmailMessage> m = EmailText(Sample(), {.send_resolved = false});
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->subject, "[FIRING:1] alertname=Down");
  EXPECT_NE(m->body.find("node = n1"), std::string::npos);
  EXPECT_NE(m->body.find("remediation: restart it"), std::string::npos);
  EXPECT_EQ(m->body.find("n2"), std::string::npos);  // resolved, not asked for
}

}  // namespace
}  // namespace datamesh::monitoring::notify
