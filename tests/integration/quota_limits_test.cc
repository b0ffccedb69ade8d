// The quota service's rate, bandwidth, tier and billing rules against real PostgreSQL, Redis
// and NATS, and its refusal of malformed input (INVALID_ARGUMENT, nothing changed).
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

#include "absl/time/civil_time.h"
#include "services/quota/rate_limiter.h"
#include "tests/integration/quota_fixture.h"

namespace datamesh::quota {
namespace {

using ::datamesh::testing::StatusIs;

using quota::v1::Tier;

class QuotaLimitsTest : public QuotaFixture {
 protected:
  // A tier of its own per test: tiny limits make the rules visible.
  std::string MakeTier(uint64_t storage, uint64_t bandwidth, uint64_t calls) {
    const std::string name = "t" + bus::NewUuidV4().substr(0, 8);
    quota::v1::UpdateTierRequest req;
    req.set_actor_id("admin-1");
    req.set_create(true);
    Tier* t = req.mutable_tier();
    t->set_name(name);
    t->set_display_name("Test");
    t->mutable_limits()->set_storage_bytes(storage);
    t->mutable_limits()->set_bandwidth_bytes_month(bandwidth);
    t->mutable_limits()->set_api_calls_hour(calls);
    t->set_monthly_fee_micros(1'000'000);
    t->set_storage_gb_month_micros(720'000);  // 1000 micros per GB-hour
    t->set_bandwidth_gb_micros(50'000);
    t->set_currency("EUR");
    EXPECT_OK(service_->DoUpdateTier(req));
    return name;
  }
  absl::StatusOr<quota::v1::CheckApiCallResponse> Call(const std::string& user,
                                                       const std::string& tier) {
    quota::v1::CheckApiCallRequest req;
    req.set_user_id(user);
    req.set_tier(tier);
    return service_->DoCheckApiCall(req);
  }
  absl::StatusOr<quota::v1::CheckBandwidthResponse> CheckBw(const std::string& user,
                                                            const std::string& tier,
                                                            uint64_t bytes) {
    quota::v1::CheckBandwidthRequest req;
    req.set_user_id(user);
    req.set_tier(tier);
    req.set_bytes(bytes);
    return service_->DoCheckBandwidth(req);
  }
  grpc::Status RecordBw(const std::string& user, uint64_t bytes, const std::string& record) {
    quota::v1::RecordBandwidthRequest req;
    req.set_user_id(user);
    req.set_bytes(bytes);
    req.set_record_id(record);
    return RecordBw(req);
  }
  grpc::Status RecordBw(const quota::v1::RecordBandwidthRequest& req) {
    grpc::ServerContext ctx;
    quota::v1::RecordBandwidthResponse resp;
    return service_->RecordBandwidth(&ctx, &req, &resp);
  }
  // Pays for `bytes` of a download within the tier's limit, or refunds them.
  grpc::Status PayBw(const std::string& user, const std::string& tier, uint64_t bytes,
                     bool refund = false) {
    quota::v1::RecordBandwidthRequest req;
    req.set_user_id(user);
    req.set_tier(tier);
    req.set_bytes(bytes);
    req.set_within_limit(!refund);
    req.set_refund(refund);
    return RecordBw(req);
  }
  int64_t Count(const std::string& sql) {
    int64_t n = -1;
    EXPECT_OK(pool_->Transact([&](pqxx::work& tx) {
      n = tx.exec1(sql)[0].as<int64_t>();
      return absl::OkStatus();
    }));
    return n;
  }
};

TEST_F(QuotaLimitsTest, SeededTiersMatchTheSpecification) {
  grpc::ServerContext ctx;
  quota::v1::ListTiersRequest req;
  quota::v1::ListTiersResponse resp;
  ASSERT_TRUE(service_->ListTiers(&ctx, &req, &resp).ok());
  std::map<std::string, Tier> by_name;
  for (const Tier& t : resp.tiers()) by_name[t.name()] = t;
  ASSERT_EQ(by_name.count("free"), 1u);
  EXPECT_EQ(by_name["free"].limits().storage_bytes(), 5'000'000'000u);
  EXPECT_EQ(by_name["free"].limits().bandwidth_bytes_month(), 50'000'000'000u);
  EXPECT_EQ(by_name["free"].limits().api_calls_hour(), 100u);
  EXPECT_EQ(by_name["premium"].limits().storage_bytes(), 100'000'000'000u);
  EXPECT_EQ(by_name["premium"].limits().bandwidth_bytes_month(), 1'000'000'000'000u);
  EXPECT_EQ(by_name["premium"].limits().api_calls_hour(), 10'000u);
  const auto& ent = by_name["enterprise"].limits();
  EXPECT_FALSE(ent.has_storage_bytes() || ent.has_bandwidth_bytes_month() ||
               ent.has_api_calls_hour());
  EXPECT_DOUBLE_EQ(by_name["enterprise"].sla_percent(), 99.9);
}

TEST_F(QuotaLimitsTest, UpdateTierChangesLimitsAndRefusesWrongCreateFlags) {
  const std::string tier = MakeTier(10, 10, 10);
  quota::v1::UpdateTierRequest req;
  req.set_actor_id("admin-1");
  req.mutable_tier()->set_name(tier);
  req.mutable_tier()->mutable_limits()->set_api_calls_hour(1);
  auto updated = service_->DoUpdateTier(req);
  ASSERT_OK(updated);
  EXPECT_FALSE(updated->tier().limits().has_storage_bytes());  // absent now = unlimited
  const std::string user = NewUser();
  EXPECT_TRUE(Call(user, tier)->allowed());
  EXPECT_FALSE(Call(user, tier)->allowed());
  req.set_create(true);
  EXPECT_THAT(service_->DoUpdateTier(req), StatusIs(absl::StatusCode::kAlreadyExists));
  req.set_create(false);
  req.mutable_tier()->set_name("no-such-tier");
  EXPECT_THAT(service_->DoUpdateTier(req), StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(QuotaLimitsTest, ApiCallsSlideOverOneHourWithRetryAfter) {
  const std::string tier = MakeTier(0, 0, 3);
  const std::string user = NewUser();
  std::mutex mu;
  std::vector<events::v1::QuotaExceeded> seen;
  auto sub = bus_->SubscribeEvents("dm.v1.quota.exceeded", "", [&](const events::v1::Event& e) {
    std::lock_guard<std::mutex> lock(mu);
    if (e.quota_exceeded().user_id() == user) seen.push_back(e.quota_exceeded());
  });
  ASSERT_OK(sub);
  for (int i = 0; i < 3; ++i) {
    auto r = Call(user, tier);
    ASSERT_OK(r);
    EXPECT_TRUE(r->allowed());
    EXPECT_EQ(r->remaining(), static_cast<uint64_t>(2 - i));
    EXPECT_EQ(r->limit(), 3u);
    Advance(absl::Minutes(10));
  }
  auto denied = Call(user, tier);  // at t+30min: the first call leaves the window at t+60min
  ASSERT_OK(denied);
  EXPECT_FALSE(denied->allowed());
  EXPECT_EQ(denied->retry_after_seconds(), 30u * 60u);
  EXPECT_EQ(Call(user, tier)->allowed(), false);  // denied calls are not counted
  Advance(absl::Minutes(30));
  EXPECT_TRUE(Call(user, tier)->allowed());
  EXPECT_FALSE(Call(user, tier)->allowed());
  EXPECT_EQ(service_->DoGetUsage(user)->usage().api_calls_hour(), 3u);
  for (int i = 0; i < 400; ++i) {
    {
      std::lock_guard<std::mutex> lock(mu);
      if (!seen.empty()) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  std::lock_guard<std::mutex> lock(mu);
  ASSERT_FALSE(seen.empty());
  EXPECT_EQ(seen[0].resource(), "api_calls");
  EXPECT_EQ(seen[0].limit(), 3u);
  EXPECT_EQ(seen[0].requested(), 1u);
}

TEST_F(QuotaLimitsTest, UnlimitedTierAlwaysAllowsAndReportsNoLimit) {
  auto r = Call(NewUser(), "enterprise");
  ASSERT_OK(r);
  EXPECT_TRUE(r->allowed());
  EXPECT_FALSE(r->has_limit());
  EXPECT_FALSE(r->has_remaining());
}

TEST_F(QuotaLimitsTest, CallsAGatewayAdmittedItselfAreCountedWhateverTheAnswer) {
  const std::string tier = MakeTier(0, 0, 5);
  const std::string user = NewUser();
  auto ask = [&](uint64_t made, bool report_only) {
    quota::v1::CheckApiCallRequest req;
    req.set_user_id(user);
    req.set_tier(tier);
    req.set_made_calls(made);
    req.set_report_only(report_only);
    return service_->DoCheckApiCall(req);
  };
  // Two calls reported alone: counted, nothing asked.
  auto reported = ask(2, true);
  ASSERT_OK(reported);
  EXPECT_TRUE(reported->allowed());
  EXPECT_EQ(reported->remaining(), 3u);
  // Two more made, and one asked about: five in all, the last allowed.
  auto asked = ask(2, false);
  ASSERT_OK(asked);
  EXPECT_TRUE(asked->allowed());
  EXPECT_EQ(asked->remaining(), 0u);
  // Calls made past the limit are still counted (billing sees every call); the asked one is not.
  auto over = ask(1, false);
  ASSERT_OK(over);
  EXPECT_FALSE(over->allowed());
  EXPECT_GT(over->retry_after_seconds(), 0u);
  EXPECT_EQ(service_->DoGetUsage(user)->usage().api_calls_hour(), 6u);
  // A report too large to be believed is refused and counts nothing.
  auto absurd = ask(RateLimiter::kMaxMadeCalls + 1, true);
  EXPECT_EQ(absurd.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(service_->DoGetUsage(user)->usage().api_calls_hour(), 6u);
}

TEST_F(QuotaLimitsTest, BandwidthIsRefusedBeforeADownloadThatWouldPassTheMonth) {
  SetNow(absl::FromCivil(absl::CivilSecond(2031, 3, 31, 12, 0, 0), absl::UTCTimeZone()));
  const std::string tier = MakeTier(0, 1000, 0);
  const std::string user = NewUser();
  EXPECT_TRUE(CheckBw(user, tier, 1000)->allowed());
  ASSERT_TRUE(RecordBw(user, 600, "dl-1#0").ok());
  ASSERT_TRUE(RecordBw(user, 600, "dl-1#0").ok());  // the same record counts once
  auto refused = CheckBw(user, tier, 401);
  ASSERT_OK(refused);
  EXPECT_FALSE(refused->allowed());
  EXPECT_EQ(refused->remaining_bytes(), 400u);
  EXPECT_TRUE(CheckBw(user, tier, 400)->allowed());
  EXPECT_EQ(service_->DoGetUsage(user)->usage().bandwidth_bytes_month(), 600u);
  Advance(absl::Hours(12));  // April: a new calendar month
  EXPECT_TRUE(CheckBw(user, tier, 1000)->allowed());
}

TEST_F(QuotaLimitsTest, PaidBandwidthNeverPassesTheLimitEvenInParallelAndRefundsSettle) {
  SetNow(absl::FromCivil(absl::CivilSecond(2031, 5, 10, 12, 0, 0), absl::UTCTimeZone()));
  const std::string tier = MakeTier(0, 10000, 0);
  const std::string user = NewUser();
  // 16 downloads pay 1000 bytes each at once: exactly ten fit.
  std::atomic<int> paid{0};
  std::atomic<int> refused{0};
  std::vector<std::thread> downloads;
  for (int i = 0; i < 16; ++i) {
    downloads.emplace_back([&] {
      grpc::Status s = PayBw(user, tier, 1000);
      if (s.ok()) {
        ++paid;
      } else if (s.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED) {
        ++refused;
      }
    });
  }
  for (auto& t : downloads) t.join();
  EXPECT_EQ(paid, 10);
  EXPECT_EQ(refused, 6);
  EXPECT_EQ(service_->DoGetUsage(user)->usage().bandwidth_bytes_month(), 10000u);
  // A download that paid for bytes it never sent takes them back; refunds never go below zero.
  ASSERT_TRUE(PayBw(user, tier, 400, /*refund=*/true).ok());
  EXPECT_EQ(service_->DoGetUsage(user)->usage().bandwidth_bytes_month(), 9600u);
  EXPECT_TRUE(PayBw(user, tier, 400).ok());
  EXPECT_EQ(PayBw(user, tier, 1).error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  ASSERT_TRUE(PayBw(user, tier, 1 << 30, /*refund=*/true).ok());
  EXPECT_EQ(service_->DoGetUsage(user)->usage().bandwidth_bytes_month(), 0u);
  // Both at once is a malformed request.
  quota::v1::RecordBandwidthRequest both;
  both.set_user_id(user);
  both.set_tier(tier);
  both.set_bytes(1);
  both.set_within_limit(true);
  both.set_refund(true);
  EXPECT_EQ(RecordBw(both).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(QuotaLimitsTest, BillingIntegratesStorageAcrossMonthsAndPricesFromTheTier) {
  const absl::TimeZone utc = absl::UTCTimeZone();
  SetNow(absl::FromCivil(absl::CivilSecond(2030, 1, 31, 22, 0, 0), utc));
  const std::string tier = MakeTier(0, 0, 100);
  const std::string user = NewUser();
  events::v1::Event who = bus::NewEvent("auth.user.updated", "auth/test");
  who.mutable_user_updated()->set_user_id(user);
  who.mutable_user_updated()->set_tier(tier);
  ASSERT_OK(consumer_->Handle(who));
  events::v1::Event stored = bus::NewEvent("file.stored", "file-ingest/test");
  stored.mutable_file_stored()->set_owner_id(user);
  stored.mutable_file_stored()->set_file_id("bill-" + bus::NewUuidV4());
  stored.mutable_file_stored()->set_size(2'000'000'000);
  ASSERT_OK(consumer_->Handle(stored));
  Advance(absl::Hours(4));  // 2 h in January, 2 h in February
  ASSERT_TRUE(RecordBw(user, 3'000'000'000, "").ok());
  ASSERT_TRUE(Call(user, tier)->allowed());
  ASSERT_TRUE(Call(user, tier)->allowed());

  quota::v1::ListBillingRecordsRequest req;
  req.set_user_id(user);
  auto page = service_->DoListBilling(req);
  ASSERT_OK(page);
  ASSERT_EQ(page->records_size(), 2);
  const auto& feb = page->records(0);
  const auto& jan = page->records(1);
  EXPECT_EQ(feb.month(), "2030-02");
  EXPECT_FALSE(feb.finalized());
  EXPECT_EQ(feb.tier(), tier);
  EXPECT_EQ(feb.storage_byte_hours(), 4'000'000'000u);
  EXPECT_EQ(feb.bandwidth_bytes(), 3'000'000'000u);
  EXPECT_EQ(feb.api_calls(), 2u);
  // 1.000000 fee + 4 GB-hours * 1000 + 3 GB * 50000 = 1'000'000 + 4'000 + 150'000
  EXPECT_EQ(feb.amount_micros(), 1'154'000);
  EXPECT_EQ(feb.currency(), "EUR");
  EXPECT_EQ(jan.month(), "2030-01");
  EXPECT_TRUE(jan.finalized());
  EXPECT_EQ(jan.storage_byte_hours(), 4'000'000'000u);
  EXPECT_EQ(jan.amount_micros(), 1'004'000);

  req.set_month("2030-01");
  req.mutable_page()->set_limit(1);
  page = service_->DoListBilling(req);
  ASSERT_OK(page);
  ASSERT_EQ(page->records_size(), 1);
  EXPECT_FALSE(page->has_next_cursor());
  req.clear_month();
  page = service_->DoListBilling(req);
  ASSERT_OK(page);
  ASSERT_TRUE(page->has_next_cursor());
  req.mutable_page()->set_cursor(page->next_cursor());
  page = service_->DoListBilling(req);
  ASSERT_OK(page);
  ASSERT_EQ(page->records_size(), 1);
  EXPECT_EQ(page->records(0).month(), "2030-01");
}

TEST_F(QuotaLimitsTest, GetLimitsUsesThePassedOrRememberedTier) {
  const std::string user = NewUser();
  quota::v1::GetLimitsRequest req;
  req.set_user_id(user);
  EXPECT_EQ(service_->DoGetLimits(req)->tier(), "free");
  events::v1::Event who = bus::NewEvent("auth.user.updated", "auth/test");
  who.mutable_user_updated()->set_user_id(user);
  who.mutable_user_updated()->set_tier("enterprise");
  ASSERT_OK(consumer_->Handle(who));
  auto limits = service_->DoGetLimits(req);
  ASSERT_OK(limits);
  EXPECT_EQ(limits->tier(), "enterprise");
  EXPECT_FALSE(limits->limits().has_storage_bytes());
  req.set_tier("premium");
  EXPECT_EQ(service_->DoGetLimits(req)->limits().api_calls_hour(), 10'000u);
  req.set_tier("gold-unknown");
  EXPECT_THAT(service_->DoGetLimits(req), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(QuotaLimitsTest, MalformedInputIsRefusedAndChangesNothing) {
  const std::string counts =
      "SELECT (SELECT count(*) FROM quota.reservations) * 1000000 + "
      "(SELECT count(*) FROM quota.usage) * 10000 + (SELECT count(*) FROM quota.billing) * 100 + "
      "(SELECT count(*) FROM quota.tiers) + (SELECT count(*) FROM quota.bandwidth_records)";
  const int64_t before = Count(counts);
  const std::vector<std::string> bad_users = {"",
                                              "x'; DROP TABLE quota.usage; --",
                                              std::string(129, 'a'),
                                              std::string("a\0b", 3),
                                              "\xff\xfe",
                                              "a b"};
  const auto invalid = StatusIs(absl::StatusCode::kInvalidArgument);
  for (const std::string& user : bad_users) {
    quota::v1::ReserveRequest r;
    r.set_user_id(user);
    r.set_tier("free");
    r.set_bytes(1);
    EXPECT_THAT(service_->DoReserve(r), invalid) << user;
    EXPECT_THAT(Call(user, "free"), invalid);
    EXPECT_THAT(CheckBw(user, "free", 1), invalid);
    EXPECT_EQ(RecordBw(user, 1, "r").error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_THAT(service_->DoGetUsage(user), invalid);
  }
  const std::string user = NewUser();
  quota::v1::ReserveRequest r;
  r.set_user_id(user);
  r.set_tier("free");
  r.set_bytes(UINT64_MAX);
  EXPECT_THAT(service_->DoReserve(r), invalid);
  r.set_bytes(1);
  r.set_tier("");
  EXPECT_THAT(service_->DoReserve(r), invalid);
  r.set_tier("FREE'--");
  EXPECT_THAT(service_->DoReserve(r), invalid);
  r.set_tier("free");
  r.set_reservation_id("1; DELETE FROM quota.reservations");
  EXPECT_THAT(service_->DoReserve(r), invalid);
  EXPECT_THAT(CheckBw(user, "free", UINT64_MAX), invalid);
  EXPECT_EQ(RecordBw(user, UINT64_MAX, "r").error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(RecordBw(user, 1, std::string(200, 'r')).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  quota::v1::CommitRequest c;
  c.set_reservation_id("not-a-uuid");
  c.set_file_id("f");
  EXPECT_THAT(service_->DoCommit(c), invalid);
  quota::v1::ListBillingRecordsRequest lb;
  lb.set_month("2024-13");
  EXPECT_THAT(service_->DoListBilling(lb), invalid);
  lb.set_month("");
  lb.mutable_page()->set_cursor("!!not base64!!");
  EXPECT_THAT(service_->DoListBilling(lb), invalid);
  quota::v1::UpdateTierRequest ut;
  ut.set_actor_id("admin-1");
  ut.set_create(true);
  ut.mutable_tier()->set_name("Bad Name");
  EXPECT_THAT(service_->DoUpdateTier(ut), invalid);
  ut.mutable_tier()->set_name("okname");
  ut.mutable_tier()->set_monthly_fee_micros(-5);
  EXPECT_THAT(service_->DoUpdateTier(ut), invalid);
  ut.mutable_tier()->set_monthly_fee_micros(0);
  ut.mutable_tier()->mutable_limits()->set_storage_bytes(UINT64_MAX);
  EXPECT_THAT(service_->DoUpdateTier(ut), invalid);
  EXPECT_EQ(Count(counts), before);
}

}  // namespace
}  // namespace datamesh::quota
