// Admin operations and the audit log of the auth domain against real PostgreSQL, Redis and
// NATS: the first admin, user listing and updates, audit records (append-only, filtered,
// paginated, published) and the file.deleted consumer.
#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>
#include <set>

#include "tests/integration/auth_test_util.h"

namespace datamesh::auth::testing {
namespace {

using ::datamesh::testing::StatusIs;
using Code = absl::StatusCode;

class AuthAdminAuditTest : public AuthStackTest {
 protected:
  std::string AdminId() {
    auto admin = core_->accounts().Login("admin", kAdminPassword, "10.9.0.1");
    EXPECT_OK(admin);
    return admin.ok() ? admin->user.id : "";
  }
};

// Collects events of one subject.
class EventLog {
 public:
  EventLog(bus::Bus& bus, const std::string& type) {
    auto sub = bus.SubscribeEvents(bus::SubjectFor(type), "", [this](const events::v1::Event& e) {
      std::lock_guard<std::mutex> lock(mu_);
      events_.push_back(e);
      cv_.notify_all();
    });
    EXPECT_OK(sub);
    if (sub.ok()) sub_ = std::move(*sub);
  }
  // Waits (bounded) for an event matching `pred`.
  bool WaitFor(const std::function<bool(const events::v1::Event&)>& pred) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, std::chrono::seconds(20), [&] {
      for (const auto& e : events_) {
        if (pred(e)) return true;
      }
      return false;
    });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<events::v1::Event> events_;
  std::unique_ptr<bus::Subscription> sub_;
};

TEST_F(AuthAdminAuditTest, FirstAdminComesFromTheFlagOnceAndOnlyOnce) {
  std::string admin_id = AdminId();
  ASSERT_FALSE(admin_id.empty());
  EXPECT_EQ(Scalar("SELECT count(*) FROM auth.users WHERE role = $1", "admin"), "1");
  // A second start (another replica, or a restart with another password) changes nothing.
  auto again = AuthCore::Create(Options("another-password"), *pg_, *redis_, nullptr, "auth/t2");
  ASSERT_OK(again);
  ASSERT_OK((*again)->Start());
  auto generated = core_->accounts().EnsureFirstAdmin("");
  ASSERT_OK(generated);
  EXPECT_FALSE(generated->has_value());
  EXPECT_EQ(Scalar("SELECT count(*) FROM auth.users WHERE role = $1", "admin"), "1");
  EXPECT_THAT(core_->accounts().Login("admin", "another-password", "10.9.0.2"),
              StatusIs(Code::kUnauthenticated));
  EXPECT_EQ(AdminId(), admin_id);
}

TEST_F(AuthAdminAuditTest, AdminListsUsersInPages) {
  std::string admin = AdminId();
  for (int i = 0; i < 3; ++i) MakeUser(Unique("list"));
  std::set<std::string> seen;
  std::string cursor;
  int pages = 0;
  do {
    auto page = core_->accounts().ListUsers(admin, 2, cursor);
    ASSERT_OK(page);
    EXPECT_LE(page->items.size(), 2u);
    for (const UserRecord& u : page->items) EXPECT_TRUE(seen.insert(u.id).second) << u.id;
    cursor = page->next_cursor.value_or("");
    ++pages;
  } while (!cursor.empty() && pages < 1000);
  EXPECT_EQ(std::to_string(seen.size()), Scalar("SELECT count(*)::text FROM auth.users "
                                                "WHERE $1::text = $1::text",
                                                "x"));
  EXPECT_GE(pages, 2);
  UserRecord plain = MakeUser(Unique("notadmin"));
  EXPECT_THAT(core_->accounts().ListUsers(plain.id, 10, ""), StatusIs(Code::kPermissionDenied));
  EXPECT_THAT(core_->accounts().ListUsers("nobody", 10, ""), StatusIs(Code::kPermissionDenied));
  EXPECT_THAT(core_->accounts().ListUsers(admin, 10, "%%bad%%"), StatusIs(Code::kInvalidArgument));
}

TEST_F(AuthAdminAuditTest, AdminChangesRoleAndTierWithEventAndAudit) {
  std::string admin = AdminId();
  UserRecord user = MakeUser(Unique("upd"));
  std::string token = Login(user.username);
  ASSERT_OK(core_->credentials().Validate(token));  // cached as "free"
  EventLog updates(*bus_, "auth.user.updated");
  auto updated = core_->accounts().UpdateUser(admin, user.id, std::nullopt, std::string("premium"),
                                              "10.9.0.3");
  ASSERT_OK(updated);
  EXPECT_EQ(updated->tier, "premium");
  auto c = core_->credentials().Validate(token);
  ASSERT_OK(c);
  EXPECT_EQ((*c)->tier, "premium");  // cache dropped on change
  EXPECT_TRUE(updates.WaitFor([&](const events::v1::Event& e) {
    return e.user_updated().user_id() == user.id && e.user_updated().tier() == "premium" &&
           e.user_updated().actor_id() == admin;
  }));
  EXPECT_THAT(core_->accounts().UpdateUser(user.id, admin, std::string("user"), std::nullopt, ""),
              StatusIs(Code::kPermissionDenied));
  EXPECT_THAT(core_->accounts().UpdateUser(admin, user.id, std::string("root"), std::nullopt, ""),
              StatusIs(Code::kInvalidArgument));
  EXPECT_THAT(core_->accounts().UpdateUser(admin, user.id, std::nullopt, std::string("Gold!"), ""),
              StatusIs(Code::kInvalidArgument));
  EXPECT_THAT(core_->accounts().UpdateUser(admin, user.id, std::nullopt, std::nullopt, ""),
              StatusIs(Code::kInvalidArgument));
  EXPECT_THAT(core_->accounts().UpdateUser(admin, "00000000-0000-4000-8000-000000000000",
                                           std::string("admin"), std::nullopt, ""),
              StatusIs(Code::kNotFound));
  // The only admin cannot demote itself.
  EXPECT_THAT(core_->accounts().UpdateUser(admin, admin, std::string("user"), std::nullopt, ""),
              StatusIs(Code::kFailedPrecondition));
  auto audit = core_->audit().Query({.user = user.id, .action = "auth.user.update", .limit = 10});
  ASSERT_OK(audit);
  ASSERT_FALSE(audit->items.empty());
  EXPECT_EQ(audit->items[0].actor, admin);
  EXPECT_EQ(audit->items[0].source_ip, "10.9.0.3");
}

TEST_F(AuthAdminAuditTest, AuditIsWrittenFilteredPaginatedAndPublished) {
  std::string name = Unique("audited");
  UserRecord user = MakeUser(name);
  EXPECT_THAT(core_->accounts().Login(name, "wrong-password", "10.8.0.1"),
              StatusIs(Code::kUnauthenticated));
  std::string token = Login(name);
  ASSERT_OK(core_->credentials().Logout(token, "10.8.0.2"));
  auto all = core_->audit().Query({.user = user.id, .limit = 100});
  ASSERT_OK(all);
  std::multiset<std::string> outcomes;
  for (const AuditEntry& e : all->items) outcomes.insert(e.action + "/" + e.outcome);
  EXPECT_EQ(outcomes.count("auth.register/success"), 1u);
  EXPECT_EQ(outcomes.count("auth.login/failure:bad_credentials"), 1u);
  EXPECT_EQ(outcomes.count("auth.login/success"), 1u);
  EXPECT_EQ(outcomes.count("auth.logout/success"), 1u);
  for (size_t i = 1; i < all->items.size(); ++i) {
    EXPECT_GE(all->items[i - 1].time, all->items[i].time);  // newest first
  }
  // Pages of one follow the cursor through the same records.
  std::vector<std::string> paged;
  AuditQuery q{.user = user.id, .action = "auth.", .limit = 1};
  for (int guard = 0; guard < 100; ++guard) {
    auto page = core_->audit().Query(q);
    ASSERT_OK(page);
    for (const AuditEntry& e : page->items) paged.push_back(e.id);
    if (!page->next_cursor) break;
    q.cursor = *page->next_cursor;
  }
  ASSERT_EQ(paged.size(), all->items.size());
  for (size_t i = 0; i < paged.size(); ++i) EXPECT_EQ(paged[i], all->items[i].id);
  auto logins = core_->audit().Query({.user = user.id, .action = "auth.login", .limit = 100});
  ASSERT_OK(logins);
  EXPECT_EQ(logins->items.size(), 2u);
  absl::Time t = all->items.back().time;  // the registration
  auto later = core_->audit().Query({.user = user.id, .from = t + absl::Microseconds(1)});
  ASSERT_OK(later);
  EXPECT_EQ(later->items.size(), all->items.size() - 1);
  auto earlier = core_->audit().Query({.user = user.id, .to = t + absl::Microseconds(1)});
  ASSERT_OK(earlier);
  ASSERT_EQ(earlier->items.size(), 1u);
  EXPECT_EQ(earlier->items[0].action, "auth.register");
  EXPECT_THAT(core_->audit().Query({.from = t, .to = t - absl::Seconds(1)}),
              StatusIs(Code::kInvalidArgument));
  EXPECT_THAT(core_->audit().Query({.cursor = "not-a-cursor"}), StatusIs(Code::kInvalidArgument));

  EventLog recorded(*bus_, "audit.recorded");
  auto id = core_->audit().Record(
      {.actor = "gateway", .action = "admin.maintenance", .target = "job-1", .outcome = "success"});
  ASSERT_OK(id);
  EXPECT_TRUE(recorded.WaitFor([&](const events::v1::Event& e) {
    return e.audit_recorded().id() == *id && e.audit_recorded().action() == "admin.maintenance";
  }));
  EXPECT_THAT(core_->audit().Record({.actor = "gateway", .action = "", .outcome = "success"}),
              StatusIs(Code::kInvalidArgument));
}

TEST_F(AuthAdminAuditTest, AuditLogRefusesUpdateAndDelete) {
  auto id =
      core_->audit().Record({.actor = "system", .action = "test.append", .outcome = "success"});
  ASSERT_OK(id);
  for (const char* sql : {"UPDATE auth.audit_log SET outcome = 'x' WHERE id = $1",
                          "DELETE FROM auth.audit_log WHERE id = $1"}) {
    absl::Status s = pg_->Transact([&](pqxx::work& w) {
      w.exec_params(sql, *id);
      return absl::OkStatus();
    });
    EXPECT_FALSE(s.ok()) << sql;
  }
  EXPECT_EQ(Scalar("SELECT outcome FROM auth.audit_log WHERE id = $1", *id), "success");
}

TEST_F(AuthAdminAuditTest, FileDeletedEventsBecomeOneAuditRecordEach) {
  events::v1::Event e = bus::NewEvent("file.deleted", "file-ingest/test");
  auto* d = e.mutable_file_deleted();
  d->set_file_id("file-" + Unique("f"));
  d->set_owner_id("owner-1");
  d->set_actor_id("actor-1");
  ASSERT_OK(bus_->PublishDurable(e));
  auto count = [&] {
    return Scalar(
        "SELECT count(*) FROM auth.audit_log WHERE target = $1 AND action = "
        "'file.delete'",
        d->file_id());
  };
  for (int i = 0; i < 400 && count() != "1"; ++i) absl::SleepFor(absl::Milliseconds(50));
  ASSERT_EQ(count(), "1");
  // A redelivery (same event id) changes nothing.
  ASSERT_OK(core_->audit().OnFileDeleted(e));
  ASSERT_OK(core_->audit().OnFileDeleted(e));
  EXPECT_EQ(count(), "1");
  EXPECT_EQ(Scalar("SELECT actor FROM auth.audit_log WHERE target = $1", d->file_id()), "actor-1");
}

TEST_F(AuthAdminAuditTest, AMultipartPartLeavingIsNotAFileDeletion) {
  events::v1::Event e = bus::NewEvent("file.deleted", "file-ingest/test");
  auto* d = e.mutable_file_deleted();
  d->set_file_id("part-" + Unique("p"));
  d->set_owner_id("owner-1");
  d->set_actor_id("owner-1");
  d->set_multipart_part(true);
  ASSERT_OK(core_->audit().OnFileDeleted(e));
  EXPECT_EQ(Scalar("SELECT count(*) FROM auth.audit_log WHERE target = $1", d->file_id()), "0");
}

}  // namespace
}  // namespace datamesh::auth::testing
