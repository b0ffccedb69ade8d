// The notification pipeline against real things: the notify tables on a real PostgreSQL, a real
// HTTP receiver started here (payload shape, HMAC signature, a retry after a 500), and a real
// SMTP sink (Debian's aiosmtpd writing a Maildir).
#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <deque>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "monitoring_migrations.h"
#include "prometheus/registry.h"
#include "services/monitoring/notify/notifier.h"
#include "services/monitoring/notify/senders.h"
#include "shared/crypto/compare.h"
#include "shared/testing/http_receiver.h"
#include "shared/testing/service_process.h"
#include "shared/testing/wait_for.h"
#include "shared/testing/with_test_stack.h"

namespace datamesh::monitoring::notify {
namespace {

using ::datamesh::testing::StatusIs;

using HttpReceiver = ::datamesh::testing::HttpReceiver;

// Debian's aiosmtpd on a free port, delivering into a Maildir.
class SmtpSink {
 public:
  explicit SmtpSink(std::filesystem::path dir) : dir_(std::move(dir)) {
    // A Maildir's three folders (aiosmtpd only creates them for a folder that does not exist).
    for (const char* sub : {"tmp", "new", "cur"}) std::filesystem::create_directories(dir_ / sub);
    port_ = testing::FreePort();
    pid_ = fork();
    if (pid_ == 0) {
      const std::string listen = absl::StrCat("127.0.0.1:", port_);
      execl("/usr/bin/python3", "python3", "-m", "aiosmtpd", "-n", "-l", listen.c_str(), "-c",
            "aiosmtpd.handlers.Mailbox", dir_.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
  }
  ~SmtpSink() {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  std::string smarthost() const { return absl::StrCat("127.0.0.1:", port_); }
  // True once it accepts connections.
  bool WaitReady() const {
    return testing::WaitFor(
        [this] {
          const int fd = socket(AF_INET, SOCK_STREAM, 0);
          sockaddr_in addr{};
          addr.sin_family = AF_INET;
          addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
          addr.sin_port = htons(port_);
          const bool ok = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
          close(fd);
          return ok;
        },
        absl::Seconds(30), absl::Milliseconds(100));
  }
  // Every message delivered so far.
  std::vector<std::string> Messages() const {
    std::vector<std::string> out;
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(dir_ / "new", ec)) {
      std::ifstream in(e.path());
      std::ostringstream text;
      text << in.rdbuf();
      out.push_back(text.str());
    }
    return out;
  }

 private:
  std::filesystem::path dir_;
  int port_ = 0;
  pid_t pid_ = -1;
};

double Outcomes(prometheus::Registry& r, const std::string& outcome) {
  double total = 0;
  for (const auto& family : r.Collect()) {
    if (family.name != "datamesh_monitoring_notifications_total") continue;
    for (const auto& m : family.metric) {
      for (const auto& l : m.label) {
        if (l.name == "outcome" && l.value == outcome) total += m.counter.value;
      }
    }
  }
  return total;
}

class NotifyIntegrationTest : public testing::WithTestStack {
 protected:
  void SetUp() override {
    WithTestStack::SetUp();
    pg::PoolOptions po;
    po.url = stack_->pg_url();
    auto pool = pg::Pool::Create(po);
    ASSERT_OK(pool);
    pool_ = std::move(*pool);
    ASSERT_OK(pg::ApplyMigrations(*pool_, "monitoring", monitoring_migrations()));
    ASSERT_OK(pool_->Transact([](pqxx::work& tx) {
      tx.exec("TRUNCATE monitoring.silences, monitoring.alert_acks, monitoring.notification_log");
      return absl::OkStatus();
    }));
    table_ = std::make_unique<NotifyTable>(*pool_);
  }

  std::unique_ptr<pg::Pool> pool_;
  std::unique_ptr<NotifyTable> table_;
};

TEST_F(NotifyIntegrationTest, TheTablesKeepSilencesAcksAndTheLog) {
  const absl::Time t = absl::FromUnixMillis(1'900'000'000'000);
  Silence s{"s-1",   {*Matcher::Parse("alertname=Down"), *Matcher::Parse("zone=~\"z[12]\"")},
            t,       t + absl::Hours(2),
            "admin", "maintenance ✓",
            t};
  ASSERT_OK(table_->CreateSilence(s));
  EXPECT_THAT(table_->CreateSilence(s), StatusIs(absl::StatusCode::kAlreadyExists));
  absl::StatusOr<std::vector<Silence>> listed = table_->ListSilences(t);
  ASSERT_OK(listed);
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].matchers[1].ToString(), R"(zone=~"z[12]")");
  EXPECT_EQ((*listed)[0].comment, "maintenance ✓");
  EXPECT_EQ((*listed)[0].ends_at, t + absl::Hours(2));
  ASSERT_OK(table_->ExpireSilence("s-1", t + absl::Minutes(5)));
  EXPECT_THAT(table_->ExpireSilence("s-1", t + absl::Minutes(6)),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(table_->ExpireSilence("nope", t), StatusIs(absl::StatusCode::kNotFound));
  listed = table_->ListSilences(t);
  ASSERT_OK(listed);
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].ends_at, t + absl::Minutes(5));
  EXPECT_FALSE((*listed)[0].ActiveAt(t + absl::Minutes(5)));

  ASSERT_OK(table_->PutAck({"a-1", "0123456789abcdef", "admin", t, "on it"}));
  ASSERT_OK(table_->PutAck({"a-1", "0123456789abcdef", "root", t + absl::Minutes(1), "mine"}));
  absl::StatusOr<std::vector<Ack>> acks = table_->ListAcks();
  ASSERT_OK(acks);
  ASSERT_EQ(acks->size(), 1u);
  EXPECT_EQ((*acks)[0].by, "root");

  LogEntry e{{"f1", "f2"}, {"f3"}, t};
  ASSERT_OK(table_->SaveLogEntry("ops", "route:{}", e));
  absl::StatusOr<std::map<std::string, LogEntry>> log = table_->LoadLog();
  ASSERT_OK(log);
  ASSERT_EQ(log->count(Dispatcher::LogKey("ops", "route:{}")), 1u);
  EXPECT_EQ(log->at(Dispatcher::LogKey("ops", "route:{}")).firing, e.firing);
  EXPECT_EQ(log->at(Dispatcher::LogKey("ops", "route:{}")).sent_at, t);

  ASSERT_OK(table_->DeleteBefore(t + absl::Hours(1)));
  EXPECT_TRUE(table_->ListSilences(absl::InfinitePast())->empty());
  EXPECT_TRUE(table_->ListAcks()->empty());
  EXPECT_TRUE(table_->LoadLog()->empty());
}

alerts::Alert FiringAlert(std::string id, std::string name, absl::Time fired) {
  alerts::Alert a;
  a.id = std::move(id);
  a.labels = promql::MakeLabels({{"alertname", name}, {"severity", "critical"}, {"node", "n1"}});
  a.annotations = promql::MakeLabels({{"summary", name + " on n1"}, {"remediation", "restart"}});
  a.state = alerts::AlertState::kFiring;
  a.active_at = fired - absl::Minutes(1);
  a.fired_at = fired;
  return a;
}

// The notifier end to end: config from YAML, state in PostgreSQL, a webhook that fails once,
// a silence, an ack, and email through the SMTP sink.
TEST_F(NotifyIntegrationTest, WebhookIsSignedRetriedAfterA500AndSilencesHold) {
  HttpReceiver receiver;
  receiver.QueueStatus(500);
  SmtpSink smtp(std::filesystem::path(stack_->dir()) / "maildir");
  ASSERT_TRUE(smtp.WaitReady()) << "python3-aiosmtpd (tools/deps.sh) must be installed";
  const std::string yaml = absl::StrCat(R"(
global: {external_url: "https://dm.example"}
route:
  receiver: ops
  group_by: [alertname]
  group_wait: 0s
  group_interval: 1s
receivers:
  - name: ops
    webhook_configs:
      - url: )",
                                        receiver.Url("/hook"), R"(
        hmac_secret_env: TEST_HOOK_SECRET
    email_configs:
      - smarthost: )",
                                        smtp.smarthost(), R"(
        from: alerts@dm.example
        to: [ops@dm.example]
delivery: {initial_backoff: 50ms, max_backoff: 200ms, retry_deadline: 30s}
)");
  SecretSource secrets;
  secrets.read_file = [](const std::string&) -> absl::StatusOr<std::string> {
    return absl::NotFoundError("none");
  };
  secrets.getenv = [](const std::string&) -> std::optional<std::string> {
    return std::string("hook-secret");
  };
  absl::StatusOr<NotifyConfig> config = ParseNotifyConfig(yaml, "notify.yml", secrets);
  ASSERT_OK(config);

  const absl::Time now = absl::Now();
  std::vector<alerts::Alert> held = {FiringAlert("id-down", "NodeDown", now),
                                     FiringAlert("id-muted", "Muted", now)};
  std::mutex held_mu;
  prometheus::Registry metrics;
  int next_id = 0;
  Notifier::Deps deps;
  deps.store = table_.get();
  deps.leader = [] { return true; };
  deps.alerts = [&] {
    std::lock_guard<std::mutex> lock(held_mu);
    return held;
  };
  deps.clock = [] { return absl::Now(); };
  deps.new_id = [&] { return absl::StrCat("sil-", ++next_id); };
  Notifier notifier(*std::move(config), std::move(deps), metrics);

  // A silence for Muted; bad silences are refused and store nothing.
  Silence bad;
  bad.matchers = {*Matcher::Parse("alertname=~.*")};
  bad.ends_at = now + absl::Hours(1);
  bad.created_by = "admin";
  bad.comment = "all";
  EXPECT_THAT(notifier.CreateSilence(bad).status(), StatusIs(absl::StatusCode::kInvalidArgument));
  Silence mute = bad;
  mute.matchers = {*Matcher::Parse("alertname=Muted")};
  mute.comment = "known issue";
  absl::StatusOr<Silence> created = notifier.CreateSilence(mute);
  ASSERT_OK(created);
  ASSERT_EQ(notifier.ListSilences()->size(), 1u);

  notifier.Tick();
  // The first POST gets a 500; the retry is accepted.
  ASSERT_TRUE(testing::WaitFor([&] { return receiver.Received().size() >= 2; }, absl::Seconds(20)));
  ASSERT_TRUE(testing::WaitFor([&] { return Outcomes(metrics, "sent") >= 2; }, absl::Seconds(20)))
      << "webhook and email both delivered";
  EXPECT_EQ(Outcomes(metrics, "retried"), 1);
  const std::vector<HttpReceiver::Request> got = receiver.Received();
  ASSERT_EQ(got.size(), 2u) << "the silenced group is never sent";
  EXPECT_EQ(got[0].body.substr(0, 20), got[1].body.substr(0, 20));
  const HttpReceiver::Request& r = got[1];
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.path, "/hook");
  EXPECT_EQ(r.headers.at("content-type"), "application/json");
  // The receiver's check: HMAC-SHA256 over "<timestamp>.<body>".
  absl::StatusOr<std::string> expected =
      SignBody("hook-secret", std::stoll(r.headers.at("x-datamesh-timestamp")), r.body);
  ASSERT_OK(expected);
  EXPECT_TRUE(crypto::ConstantTimeEquals(*expected, r.headers.at("x-datamesh-signature")));
  const nlohmann::json body = nlohmann::json::parse(r.body);
  EXPECT_EQ(body["version"], "4");
  EXPECT_EQ(body["status"], "firing");
  EXPECT_EQ(body["receiver"], "ops");
  EXPECT_EQ(body["groupLabels"], (nlohmann::json{{"alertname", "NodeDown"}}));
  ASSERT_EQ(body["alerts"].size(), 1u);
  EXPECT_EQ(body["alerts"][0]["alertId"], "id-down");
  EXPECT_EQ(body["alerts"][0]["annotations"]["remediation"], "restart");
  ASSERT_TRUE(testing::WaitFor([&] { return !smtp.Messages().empty(); }, absl::Seconds(20)));
  const std::string mail = smtp.Messages()[0];
  EXPECT_THAT(mail, ::testing::HasSubstr("Subject: [FIRING:1] alertname=NodeDown"));
  EXPECT_THAT(mail, ::testing::HasSubstr("remediation: restart"));

  // The muted alert is listed as silenced; an ack is shown on its alert.
  EXPECT_EQ(notifier.Notes(held)["id-muted"].silenced_by, std::vector<std::string>{created->id});
  EXPECT_THAT(notifier.Acknowledge("nope", "admin", "").status(),
              StatusIs(absl::StatusCode::kNotFound));
  absl::StatusOr<Ack> ack = notifier.Acknowledge(Fingerprint(held[0].labels), "admin", "on it");
  ASSERT_OK(ack);
  EXPECT_EQ(ack->alert_id, "id-down");
  absl::SleepFor(absl::Milliseconds(1100));  // past the notes' one-second cache
  ASSERT_TRUE(notifier.Notes(held)["id-down"].ack.has_value());
  EXPECT_EQ(notifier.Notes(held)["id-down"].ack->comment, "on it");

  // Expiring the silence lets Muted go out at the next tick; the log keeps NodeDown from
  // going out again.
  ASSERT_OK(notifier.ExpireSilence(created->id));
  EXPECT_THAT(notifier.ExpireSilence(created->id), StatusIs(absl::StatusCode::kFailedPrecondition));
  notifier.Tick();
  ASSERT_TRUE(testing::WaitFor([&] { return receiver.Received().size() >= 3; }, absl::Seconds(20)));
  const nlohmann::json muted = nlohmann::json::parse(receiver.Received()[2].body);
  EXPECT_EQ(muted["groupLabels"]["alertname"], "Muted");
  EXPECT_EQ(table_->LoadLog()->size(), 2u);

  // Resolved: sent once.
  {
    std::lock_guard<std::mutex> lock(held_mu);
    held[0].state = alerts::AlertState::kInactive;
    held[0].resolved_at = absl::Now();
  }
  absl::SleepFor(absl::Milliseconds(1100));  // group_interval
  notifier.Tick();
  ASSERT_TRUE(testing::WaitFor([&] { return receiver.Received().size() >= 4; }, absl::Seconds(20)));
  const nlohmann::json resolved = nlohmann::json::parse(receiver.Received()[3].body);
  EXPECT_EQ(resolved["status"], "resolved");
  EXPECT_NE(resolved["alerts"][0]["endsAt"], "0001-01-01T00:00:00Z");
}

TEST_F(NotifyIntegrationTest, ADeadReceiverIsAnErrorThatCanBeRetried) {
  const int port = testing::FreePort();
  absl::Status s = PostWebhook(absl::StrCat("http://127.0.0.1:", port, "/"), "{}", nullptr,
                               absl::Now(), absl::Seconds(2));
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kUnavailable));
  HttpReceiver receiver;
  receiver.QueueStatus(404);
  s = PostWebhook(receiver.Url("/hook"), "{}", nullptr, absl::Now(), absl::Seconds(2));
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_TRUE(receiver.Received()[0].headers.count("x-datamesh-signature") == 0);
}

}  // namespace
}  // namespace datamesh::monitoring::notify
