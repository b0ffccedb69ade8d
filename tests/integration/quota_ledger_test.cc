// The quota service's storage ledger against real PostgreSQL, Redis and NATS: atomic
// reservations under concurrency, commit/release/expiry, file events counted exactly once
// (including a real second JetStream delivery) and usage that survives a restart.
#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "tests/integration/quota_fixture.h"

namespace datamesh::quota {
namespace {

using ::datamesh::testing::StatusIs;

using quota::v1::CommitRequest;
using quota::v1::ReserveRequest;

constexpr uint64_t kFreeLimit = 5'000'000'000;

class QuotaLedgerTest : public QuotaFixture {
 protected:
  absl::StatusOr<quota::v1::ReserveResponse> Reserve(const std::string& user, uint64_t bytes,
                                                     const std::string& grow = "") {
    ReserveRequest req;
    req.set_user_id(user);
    req.set_tier("free");
    req.set_bytes(bytes);
    if (!grow.empty()) req.set_reservation_id(grow);
    return service_->DoReserve(req);
  }
  absl::Status Commit(const std::string& id, uint64_t bytes, const std::string& file) {
    CommitRequest req;
    req.set_reservation_id(id);
    req.set_actual_bytes(bytes);
    req.set_file_id(file);
    return service_->DoCommit(req);
  }
  quota::v1::GetUsageResponse Usage(const std::string& user) {
    auto u = service_->DoGetUsage(user);
    EXPECT_OK(u);
    return u.ok() ? *u : quota::v1::GetUsageResponse();
  }
  static events::v1::Event Stored(const std::string& user, const std::string& file, uint64_t size,
                                  const std::string& reservation = "") {
    events::v1::Event e = bus::NewEvent("file.stored", "file-ingest/test");
    e.set_subject_user(user);
    auto* p = e.mutable_file_stored();
    p->set_owner_id(user);
    p->set_file_id(file);
    p->set_size(size);
    p->set_reservation_id(reservation);
    return e;
  }
  static events::v1::Event Deleted(const std::string& user, const std::string& file,
                                   uint64_t size) {
    events::v1::Event e = bus::NewEvent("file.deleted", "file-ingest/test");
    auto* p = e.mutable_file_deleted();
    p->set_owner_id(user);
    p->set_file_id(file);
    p->set_size(size);
    return e;
  }
  // Waits until `durable` acknowledged every event of DM_EVENTS its filter matches.
  void WaitConsumed(const std::string& durable) {
    for (int i = 0; i < 400; ++i) {
      auto consumer = bus_->GetConsumerState(bus::kDurableEventsStreamName, durable);
      if (consumer.ok() && consumer->pending == 0 && consumer->ack_pending == 0) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    FAIL() << "consumer " << durable << " did not catch up";
  }
};

TEST_F(QuotaLedgerTest, TwoConcurrentReservationsOverTheLimitAdmitExactlyOne) {
  for (int round = 0; round < 15; ++round) {
    const std::string user = NewUser();
    std::atomic<int> ready{0};
    absl::Status results[2];
    std::vector<std::thread> threads;
    for (int i = 0; i < 2; ++i) {
      threads.emplace_back([&, i] {
        ++ready;
        while (ready.load() < 2) {
        }
        results[i] = Reserve(user, 3'000'000'000).status();
      });
    }
    for (auto& t : threads) t.join();
    const int ok = results[0].ok() + results[1].ok();
    ASSERT_EQ(ok, 1) << results[0] << " / " << results[1];
    for (const absl::Status& s : results) {
      if (!s.ok()) {
        EXPECT_THAT(s, StatusIs(absl::StatusCode::kResourceExhausted));
      }
    }
    EXPECT_EQ(Usage(user).usage().storage_bytes(), 3'000'000'000u);
  }
}

TEST_F(QuotaLedgerTest, ManyConcurrentReservationsFillTheLimitExactly) {
  const std::string user = NewUser();
  std::atomic<int> admitted{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      if (Reserve(user, 1'000'000'000).ok()) ++admitted;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(admitted.load(), 5);
  EXPECT_EQ(Usage(user).usage().storage_bytes(), kFreeLimit);
}

TEST_F(QuotaLedgerTest, GrowingAReservationStopsAtTheLimit) {
  const std::string user = NewUser();
  auto r = Reserve(user, 0);
  ASSERT_OK(r);
  auto grown = Reserve(user, kFreeLimit, r->reservation_id());
  ASSERT_OK(grown);
  EXPECT_EQ(grown->reserved_bytes(), kFreeLimit);
  EXPECT_THAT(Reserve(user, 1, r->reservation_id()),
              StatusIs(absl::StatusCode::kResourceExhausted));
  // Another user cannot grow it: NOT_FOUND, as if it did not exist.
  EXPECT_THAT(Reserve(NewUser(), 1, r->reservation_id()), StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(QuotaLedgerTest, ReservationsExpireAndFreeTheirBytes) {
  const std::string user = NewUser();
  auto r = Reserve(user, kFreeLimit);
  ASSERT_OK(r);
  EXPECT_THAT(Reserve(user, 1), StatusIs(absl::StatusCode::kResourceExhausted));
  Advance(absl::Hours(1) + absl::Seconds(1));
  EXPECT_EQ(Usage(user).usage().storage_bytes(), 0u);
  EXPECT_THAT(Commit(r->reservation_id(), 10, "f1"), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_OK(Reserve(user, kFreeLimit));
}

TEST_F(QuotaLedgerTest, CommitReleaseAndFileStoredCountBytesExactlyOnce) {
  const std::string user = NewUser();
  auto r = Reserve(user, 1000);
  ASSERT_OK(r);
  ASSERT_OK(Commit(r->reservation_id(), 800, "file-a"));
  EXPECT_OK(Commit(r->reservation_id(), 800, "file-a"));  // idempotent
  EXPECT_THAT(Commit(r->reservation_id(), 800, "file-b"),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  grpc::ServerContext ctx;
  quota::v1::ReleaseRequest rel;
  quota::v1::ReleaseResponse rel_resp;
  rel.set_reservation_id(r->reservation_id());
  EXPECT_EQ(service_->Release(&ctx, &rel, &rel_resp).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
  auto u = Usage(user);
  EXPECT_EQ(u.usage().storage_bytes(), 800u);
  EXPECT_EQ(u.reserved_bytes(), 800u);

  ASSERT_OK(consumer_->Handle(Stored(user, "file-a", 800, r->reservation_id())));
  u = Usage(user);
  EXPECT_EQ(u.usage().storage_bytes(), 800u);  // moved from reservation to stored, not doubled
  EXPECT_EQ(u.reserved_bytes(), 0u);
  EXPECT_OK(Commit(r->reservation_id(), 800, "file-a"));  // late repeat after retirement

  auto held = Reserve(user, 100);
  ASSERT_OK(held);
  rel.set_reservation_id(held->reservation_id());
  EXPECT_TRUE(service_->Release(&ctx, &rel, &rel_resp).ok());
  EXPECT_TRUE(service_->Release(&ctx, &rel, &rel_resp).ok());  // idempotent
  EXPECT_EQ(Usage(user).usage().storage_bytes(), 800u);

  ASSERT_OK(consumer_->Handle(Deleted(user, "file-a", 800)));
  EXPECT_EQ(Usage(user).usage().storage_bytes(), 0u);
}

TEST_F(QuotaLedgerTest, CommitAboveTheReservationGrowsOnlyWithinTheLimit) {
  const std::string user = NewUser();
  auto a = Reserve(user, 4'000'000'000);
  auto b = Reserve(user, 1'000);
  ASSERT_OK(a);
  ASSERT_OK(b);
  EXPECT_THAT(Commit(b->reservation_id(), 1'000'000'001, "big"),
              StatusIs(absl::StatusCode::kResourceExhausted));
  EXPECT_OK(Commit(b->reservation_id(), 1'000'000'000, "big"));
  EXPECT_EQ(Usage(user).usage().storage_bytes(), kFreeLimit);
}

TEST_F(QuotaLedgerTest, DeletedBeforeStoredNeverCounts) {
  const std::string user = NewUser();
  ASSERT_OK(consumer_->Handle(Deleted(user, "late", 500)));
  ASSERT_OK(consumer_->Handle(Stored(user, "late", 500)));
  EXPECT_EQ(Usage(user).usage().storage_bytes(), 0u);
}

TEST_F(QuotaLedgerTest, SameFileStoredEventDeliveredTwiceCountsOnce) {
  const std::string user = NewUser();
  ASSERT_OK(consumer_->Start(*bus_, "quota-test"));
  const events::v1::Event event = Stored(user, "file-" + bus::NewUuidV4(), 12345);
  ASSERT_OK(bus_->PublishDurable(event));
  ASSERT_OK(bus_->PublishDurable(event));  // a retried publish: the stream keeps one
  WaitConsumed("quota-test");
  EXPECT_EQ(Usage(user).usage().storage_bytes(), 12345u);

  // The same event again at the consumer: directly, and through a second JetStream delivery
  // (another durable replays the whole stream into the same ledger).
  ASSERT_OK(consumer_->Handle(event));
  QuotaEventConsumer replay(*store_, Clock());
  ASSERT_OK(replay.Start(*bus_, "quota-test-replay"));
  WaitConsumed("quota-test-replay");
  replay.Stop();
  EXPECT_EQ(Usage(user).usage().storage_bytes(), 12345u);

  // A different event about the same file (a new id) does not count it twice either.
  ASSERT_OK(consumer_->Handle(Stored(user, event.file_stored().file_id(), 12345)));
  EXPECT_EQ(Usage(user).usage().storage_bytes(), 12345u);
}

TEST_F(QuotaLedgerTest, UsageSurvivesARestartAndRedeliveryAfterIt) {
  const std::string user = NewUser();
  ASSERT_OK(consumer_->Start(*bus_, "quota-restart"));
  const events::v1::Event first = Stored(user, "f-" + bus::NewUuidV4(), 1000);
  ASSERT_OK(bus_->PublishDurable(first));
  WaitConsumed("quota-restart");
  auto held = Reserve(user, 50);
  ASSERT_OK(held);

  MakeService();  // a new process: new objects over the same PostgreSQL
  EXPECT_EQ(Usage(user).usage().storage_bytes(), 1050u);
  ASSERT_OK(consumer_->Start(*bus_, "quota-restart"));
  ASSERT_OK(bus_->PublishDurable(Stored(user, "f-" + bus::NewUuidV4(), 7)));
  WaitConsumed("quota-restart");
  ASSERT_OK(consumer_->Handle(first));  // redelivered after the restart
  auto u = Usage(user);
  EXPECT_EQ(u.usage().storage_bytes(), 1057u);
  EXPECT_EQ(u.reserved_bytes(), 50u);
}

TEST_F(QuotaLedgerTest, TierChangesArriveDurablyAndAnOlderOneNeverWins) {
  const std::string user = NewUser();
  const absl::Time t0 = absl::Now();
  auto tier_change = [&](const std::string& tier, absl::Time at) {
    events::v1::Event e = bus::NewEvent("auth.user.updated", "auth/test");
    e.mutable_time()->set_seconds(absl::ToUnixSeconds(at));
    e.mutable_user_updated()->set_user_id(user);
    e.mutable_user_updated()->set_tier(tier);
    return e;
  };
  quota::v1::GetLimitsRequest limits;
  limits.set_user_id(user);
  ASSERT_EQ(service_->DoGetLimits(limits)->tier(), "free");

  // Published while no quota process runs: the durable consumer applies it when one starts.
  ASSERT_OK(bus_->EnsureStream(bus::DurableEventsStream()));
  ASSERT_OK(bus_->PublishDurable(tier_change("premium", t0 + absl::Seconds(10))));
  ASSERT_OK(consumer_->Start(*bus_, "quota-tiers"));
  WaitConsumed("quota-tiers-users");
  EXPECT_EQ(service_->DoGetLimits(limits)->tier(), "premium");

  // A late delivery of an older change leaves the newer tier in place.
  ASSERT_OK(bus_->PublishDurable(tier_change("enterprise", t0)));
  WaitConsumed("quota-tiers-users");
  EXPECT_EQ(service_->DoGetLimits(limits)->tier(), "premium");
  ASSERT_OK(consumer_->Handle(tier_change("enterprise", t0 + absl::Seconds(20))));
  EXPECT_EQ(service_->DoGetLimits(limits)->tier(), "enterprise");
}

}  // namespace
}  // namespace datamesh::quota
