// Invoices through the governance RPCs over a real PostgreSQL: a month closed from billing
// records, the lines priced from the price.* parameters, who may see and pay what, a payment
// refused for want of funds (nothing moves), a payment (balances move, the ledger's invariants
// hold), a second payment that moves nothing, and a second close that writes nothing.
// quota's records come through the BillingRecordSource seam here; the whole-stack test reads
// them from the real quota service.
#include <gtest/gtest.h>

#include "governance_migrations.h"
#include "services/governance/governance_service.h"
#include "services/governance/ledger/ledger.h"
#include "services/governance/ledger_worker.h"
#include "shared/bus/event.h"
#include "shared/pg/migrations.h"
#include "shared/pg/pool.h"
#include "shared/testing/with_test_stack.h"

namespace datamesh::governance {
namespace {

namespace gv1 = governance::v1;

class InvoicesTest : public testing::WithTestStack {
 protected:
  void SetUp() override {
    ASSERT_NE(stack_, nullptr);
    pg::PoolOptions po;
    po.url = stack_->pg_url();
    auto pool = pg::Pool::Create(po);
    ASSERT_OK(pool);
    pool_ = std::move(*pool);
    ASSERT_OK(pg::ApplyMigrations(*pool_, "governance", governance_migrations()));
    ASSERT_OK(EnsureLedgerGenesis(*pool_));
    GovernanceDeps deps{
        "governance/test", [] { return kNow; },
        [this](const std::string& month) -> absl::StatusOr<std::vector<billing::MonthUsage>> {
          std::vector<billing::MonthUsage> out;
          for (const auto& r : records_) {
            if (r.month == month) out.push_back(r);
          }
          return out;
        }};
    service_ = std::make_unique<GovernanceServiceImpl>(*pool_, nullptr, std::move(deps));
  }

  gv1::CloseBillingMonthResponse CloseMonth(const std::string& month, grpc::StatusCode want) {
    gv1::CloseBillingMonthRequest req;
    req.set_month(month);
    req.set_actor_id("admin");
    req.set_actor_is_admin(true);
    gv1::CloseBillingMonthResponse resp;
    EXPECT_EQ(service_->CloseBillingMonth(nullptr, &req, &resp).error_code(), want);
    return resp;
  }

  gv1::Invoice OnlyInvoice(const std::string& user) {
    gv1::ListInvoicesRequest req;
    req.set_user_id(user);
    req.set_actor_id(user);
    gv1::ListInvoicesResponse resp;
    EXPECT_TRUE(service_->ListInvoices(nullptr, &req, &resp).ok());
    EXPECT_EQ(resp.invoices_size(), 1);
    return resp.invoices_size() > 0 ? resp.invoices(0) : gv1::Invoice();
  }

  grpc::Status Pay(const std::string& id, const std::string& actor, gv1::PayInvoiceResponse* out) {
    gv1::PayInvoiceRequest req;
    req.set_invoice_id(id);
    req.set_actor_id(actor);
    return service_->PayInvoice(nullptr, &req, out);
  }

  int64_t Balance(const std::string& account) {
    int64_t out = -1;
    EXPECT_OK(pool_->Transact([&](pqxx::work& tx) {
      out = ledger::BalanceOf(tx, account, ledger::kAvailable);
      return absl::OkStatus();
    }));
    return out;
  }

  void Grant(const std::string& account, uint64_t amount) {
    gv1::GrantRequest req;
    req.set_actor_id("admin");
    req.set_actor_is_admin(true);
    req.set_account_id(account);
    req.set_amount(amount);
    gv1::GrantResponse resp;
    ASSERT_TRUE(service_->Grant(nullptr, &req, &resp).ok());
  }

  bool LedgerConsistent() {
    gv1::VerifyLedgerRequest req;
    req.set_actor_id("admin");
    req.set_actor_is_admin(true);
    gv1::VerifyLedgerResponse resp;
    EXPECT_TRUE(service_->VerifyLedger(nullptr, &req, &resp).ok());
    return resp.ok();
  }

  static inline const absl::Time kNow = absl::FromUnixSeconds(1'900'000'000);  // 2030-03
  std::vector<billing::MonthUsage> records_;
  std::unique_ptr<pg::Pool> pool_;
  std::unique_ptr<GovernanceServiceImpl> service_;
};

TEST_F(InvoicesTest, InvoicesAMonthAndIsPaidOnce) {
  const std::string user = "user-" + bus::NewUuidV4();
  // 2 GB for a whole month, 3 GB downloaded, 2500 API calls, premium.
  records_.push_back({user, "2030-02", "premium", 2 * 720'000'000'000ull, 3'000'000'000ull, 2500});
  gv1::CloseBillingMonthResponse closed = CloseMonth("2030-02", grpc::StatusCode::OK);
  EXPECT_GE(closed.invoices_written(), 1u);

  gv1::Invoice listed = OnlyInvoice(user);
  gv1::GetInvoiceRequest get;
  get.set_invoice_id(listed.id());
  get.set_actor_id(user);
  gv1::GetInvoiceResponse got;
  ASSERT_TRUE(service_->GetInvoice(nullptr, &get, &got).ok());
  const gv1::Invoice& inv = got.invoice();
  ASSERT_EQ(inv.lines_size(), 4);
  // Seeded prices: 4000 per GB-month, 7000 per GB, 500 per thousand calls, premium 9.99.
  EXPECT_EQ(inv.lines(0).kind(), "storage");
  EXPECT_EQ(inv.lines(0).quantity(), "2");
  EXPECT_EQ(inv.lines(0).amount(), 8000u);
  EXPECT_EQ(inv.lines(1).amount(), 21'000u);
  EXPECT_EQ(inv.lines(2).quantity(), "2.5");
  EXPECT_EQ(inv.lines(2).amount(), 1250u);
  EXPECT_EQ(inv.lines(3).amount(), 9'990'000u);
  const uint64_t total = 8000 + 21'000 + 1250 + 9'990'000;
  EXPECT_EQ(inv.total(), total);
  EXPECT_EQ(inv.state(), "open");

  // Another user sees nothing of it.
  get.set_actor_id("someone-else");
  EXPECT_EQ(service_->GetInvoice(nullptr, &get, &got).error_code(), grpc::StatusCode::NOT_FOUND);

  // Without funds: refused, nothing moves.
  gv1::PayInvoiceResponse paid;
  const int64_t rewards = Balance(ledger::kRewardsPool), fees = Balance(ledger::kFees);
  EXPECT_EQ(Pay(inv.id(), user, &paid).error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(Balance(ledger::kRewardsPool), rewards);
  EXPECT_EQ(OnlyInvoice(user).state(), "open");

  Grant(user, 20'000'000);
  ASSERT_TRUE(Pay(inv.id(), user, &paid).ok());
  EXPECT_FALSE(paid.already_paid());
  EXPECT_EQ(paid.invoice().state(), "paid");
  EXPECT_EQ(paid.balance().available(), 20'000'000 - total);
  const int64_t to_rewards = static_cast<int64_t>(total) * 8 / 10;  // fees.rewardsSharePpm 80%
  EXPECT_EQ(Balance(ledger::kRewardsPool), rewards + to_rewards);
  EXPECT_EQ(Balance(ledger::kFees), fees + static_cast<int64_t>(total) - to_rewards);
  EXPECT_TRUE(LedgerConsistent());

  // Twice: nothing moves.
  ASSERT_TRUE(Pay(inv.id(), user, &paid).ok());
  EXPECT_TRUE(paid.already_paid());
  EXPECT_EQ(Balance(user), 20'000'000 - static_cast<int64_t>(total));
  EXPECT_EQ(Balance(ledger::kRewardsPool), rewards + to_rewards);

  // Closing the month again writes no second invoice.
  EXPECT_EQ(CloseMonth("2030-02", grpc::StatusCode::OK).invoices_written(), 0u);
  EXPECT_EQ(OnlyInvoice(user).id(), inv.id());
  EXPECT_TRUE(LedgerConsistent());
}

TEST_F(InvoicesTest, RefusesWhatIsNotAllowedOrMalformed) {
  CloseMonth("2030-13", grpc::StatusCode::INVALID_ARGUMENT);
  CloseMonth("2031-01", grpc::StatusCode::INVALID_ARGUMENT);  // not begun at kNow
  gv1::CloseBillingMonthRequest close;
  close.set_month("2030-01");
  close.set_actor_id("user");
  gv1::CloseBillingMonthResponse closed;
  EXPECT_EQ(service_->CloseBillingMonth(nullptr, &close, &closed).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  gv1::ListInvoicesRequest list;
  list.set_actor_id("user");  // everyone's: admins only
  gv1::ListInvoicesResponse listed;
  EXPECT_EQ(service_->ListInvoices(nullptr, &list, &listed).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  gv1::PayInvoiceResponse paid;
  EXPECT_EQ(Pay("inv-none", "user", &paid).error_code(), grpc::StatusCode::NOT_FOUND);
}

}  // namespace
}  // namespace datamesh::governance
