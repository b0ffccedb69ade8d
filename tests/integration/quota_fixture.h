// A fixture for the quota service's in-process integration tests: one real NATS + PostgreSQL +
// Redis per suite (WithTestStack), the quota schema migrated, and per test a fresh set of
// quota objects (store, limiter, tiers, service, consumer) over real pools and an injected
// clock the test moves.
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "quota_migrations.h"
#include "services/quota/quota_consumer.h"
#include "services/quota/quota_service.h"
#include "shared/bus/bus.h"
#include "shared/pg/pool.h"
#include "shared/redis/redis_pool.h"
#include "shared/testing/with_test_stack.h"

namespace datamesh::quota {

class QuotaFixture : public testing::WithTestStack {
 protected:
  void SetUp() override {
    WithTestStack::SetUp();
    pg::PoolOptions po;
    po.url = stack_->pg_url();
    po.size = 8;
    auto pool = pg::Pool::Create(po);
    ASSERT_OK(pool);
    pool_ = std::move(*pool);
    ASSERT_OK(pg::ApplyMigrations(*pool_, "quota", quota_migrations()));
    redis::RedisOptions ro;
    ro.url = stack_->redis_url();
    ro.pool_size = 8;
    auto redis = redis::RedisPool::Create(ro);
    ASSERT_OK(redis);
    redis_ = std::move(*redis);
    bus::BusOptions bo;
    bo.url = stack_->nats_url();
    bo.client_name = "quota-test";
    auto b = bus::Bus::Connect(bo);
    ASSERT_OK(b);
    bus_ = std::move(*b);
    MakeService();
  }

  void TearDown() override {
    consumer_.reset();
    service_.reset();
  }

  // (Re)creates the quota objects over the same pools, as a restarted process would.
  void MakeService() {
    consumer_.reset();
    service_.reset();
    tiers_.reset();
    limiter_.reset();
    store_ = std::make_unique<QuotaStore>(*pool_);
    limiter_ = std::make_unique<RateLimiter>(*redis_);
    tiers_ = std::make_unique<TierCatalog>(*store_);
    QuotaServiceOptions o;
    o.clock = Clock();
    o.source = "quota/test";
    service_ =
        std::make_unique<QuotaServiceImpl>(*store_, *limiter_, *tiers_, bus_.get(), nullptr, o);
    consumer_ = std::make_unique<QuotaEventConsumer>(*store_, Clock());
  }

  std::function<absl::Time()> Clock() {
    return [this] { return absl::FromUnixMicros(now_micros_.load()); };
  }
  absl::Time Now() const { return absl::FromUnixMicros(now_micros_.load()); }
  void Advance(absl::Duration d) { now_micros_ += absl::ToInt64Microseconds(d); }
  void SetNow(absl::Time t) { now_micros_ = absl::ToUnixMicros(t); }

  static std::string NewUser() { return "u-" + bus::NewUuidV4(); }

  std::unique_ptr<pg::Pool> pool_;
  std::unique_ptr<redis::RedisPool> redis_;
  std::unique_ptr<bus::Bus> bus_;
  std::unique_ptr<QuotaStore> store_;
  std::unique_ptr<RateLimiter> limiter_;
  std::unique_ptr<TierCatalog> tiers_;
  std::unique_ptr<QuotaServiceImpl> service_;
  std::unique_ptr<QuotaEventConsumer> consumer_;
  std::atomic<int64_t> now_micros_{absl::ToUnixMicros(absl::Now())};
};

}  // namespace datamesh::quota
