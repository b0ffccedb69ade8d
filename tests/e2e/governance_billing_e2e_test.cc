// Users pay, operators earn, on the whole stack: a user uploads and downloads (quota's billing
// record of the month accrues), the admin closes the month, the user's invoice carries the
// lines of quota's record priced by governance, a payment without funds is refused and moves
// nothing, a payment moves the tokens once (a second moves nothing) and the ledger's invariants
// hold; the stack's storage operator is paid for an epoch from its chunk-stores' heartbeats,
// with the held-back share in its held balance.
//
// The month is closed through the admin's POST /governance/billing/close (the monthly job would
// close it when it ends). The epoch's end is moved to now by SQL on the open epoch's row (what
// the clock would do a day later); governance's --tick-interval is 1 s and quota's
// --billing-interval 1 s (DM_TICK_INTERVAL, DM_BILLING_INTERVAL) so their workers look often.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <pqxx/pqxx>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "datamesh/quota/v1/quota.grpc.pb.h"
#include "shared/testing/status_matchers.h"
#include "shared/testing/test_stack.h"
#include "tests/e2e/e2e_util.h"

namespace datamesh::e2e {
namespace {

namespace fs = std::filesystem;
using google::protobuf::Struct;

int64_t Num(const Struct& s, const std::string& key) {
  int64_t n = 0;
  if (!absl::SimpleAtoi(Str(s, key), &n)) {
    auto it = s.fields().find(key);
    if (it != s.fields().end() && it->second.has_number_value()) {
      return static_cast<int64_t>(it->second.number_value());
    }
  }
  return n;
}

// a / b rounded half up to 6 decimal places, trailing zeros dropped (as invoices show it).
std::string SixPlaces(uint64_t a, uint64_t b) {
  const unsigned __int128 scaled = (static_cast<unsigned __int128>(a) * 1'000'000 + b / 2) / b;
  const uint64_t whole = static_cast<uint64_t>(scaled / 1'000'000);
  std::string frac = absl::StrCat(1'000'000 + static_cast<uint64_t>(scaled % 1'000'000)).substr(1);
  while (!frac.empty() && frac.back() == '0') frac.pop_back();
  return frac.empty() ? absl::StrCat(whole) : absl::StrCat(whole, ".", frac);
}

class GovernanceBillingE2eTest : public StackSuite {
 protected:
  static void SetUpTestSuite() {
    setenv("DM_TICK_INTERVAL", "1s", 1);     // governance's worker
    setenv("DM_BILLING_INTERVAL", "1s", 1);  // quota's billing tick (API calls from Redis)
    StackSuite::SetUpTestSuite();
  }

  void SetUp() override {
    ASSERT_NE(stack_, nullptr);
    dir_ = fs::path(stack_->dir()) / "governance-billing";
    fs::create_directories(dir_);
    quota_ = quota::v1::QuotaService::NewStub(
        grpc::CreateChannel(stack_->Env("DM_QUOTA_GRPC_ADDR"), grpc::InsecureChannelCredentials()));
  }

  Reply Api(const std::string& method, const std::string& path, const std::string& token,
            const std::string& body = "") {
    std::vector<std::string> args;
    if (!body.empty()) {
      WriteFile(dir_ / "req.json", body);
      args = {"-H 'Content-Type: application/json'",
              "--data-binary @" + Quote((dir_ / "req.json").string())};
    }
    return CurlHttp(dir_).Call(method, absl::StrCat("http://127.0.0.1:", port_, "/api/v1", path),
                               args, token);
  }
  std::string Login(const std::string& user, const std::string& password) {
    Reply r = Api("POST", "/auth/login", "",
                  absl::StrCat(R"({"username":")", user, R"(","password":")", password, R"("})"));
    EXPECT_EQ(r.code, 200) << r.body;
    return Str(r.Json(), "token");
  }
  // Registers a user; returns {id, token}.
  std::pair<std::string, std::string> NewUser(const std::string& name) {
    Reply reg = Api("POST", "/auth/register", "",
                    absl::StrCat(R"({"username":")", name, R"(","email":")", name,
                                 R"(@example.com","password":"correct-horse-1"})"));
    EXPECT_EQ(reg.code, 201) << reg.body;
    const std::string token = Login(name, "correct-horse-1");
    Reply me = Api("GET", "/governance/accounts/me", token);
    return {Str(Obj(me.Json(), "balance"), "accountId"), token};
  }
  std::string AdminToken() {
    return Login("admin", std::string(absl::StripAsciiWhitespace(
                              ReadFile(fs::path(stack_->dir()) / "admin-password"))));
  }
  int64_t Available(const std::string& token) {
    Reply r = Api("GET", "/governance/accounts/me", token);
    EXPECT_EQ(r.code, 200) << r.body;
    return Num(Obj(r.Json(), "balance"), "available");
  }
  quota::v1::BillingRecord Record(const std::string& user, const std::string& month) {
    grpc::ClientContext ctx;
    quota::v1::ListBillingRecordsRequest req;
    req.set_user_id(user);
    req.set_month(month);
    quota::v1::ListBillingRecordsResponse resp;
    EXPECT_TRUE(quota_->ListBillingRecords(&ctx, req, &resp).ok());
    return resp.records_size() > 0 ? resp.records(0) : quota::v1::BillingRecord();
  }
  void Sql(const std::string& sql) {
    pqxx::connection c(stack_->pg_url());
    pqxx::work w(c);
    w.exec(sql);
    w.commit();
  }

  fs::path dir_;
  std::unique_ptr<quota::v1::QuotaService::Stub> quota_;
};

TEST_F(GovernanceBillingE2eTest, AUserIsInvoicedForTheMonthAndPaysOnce) {
  auto [user, token] = NewUser("payer");
  const size_t size = 300 * 1024;
  WriteFile(dir_ / "upload.bin", RandomBytes(size, 7));
  Reply up = CurlHttp(dir_).Call(
      "POST", absl::StrCat("http://127.0.0.1:", port_, "/api/v1/files?name=bill.bin"),
      {"--data-binary @" + Quote((dir_ / "upload.bin").string())}, token);
  ASSERT_EQ(up.code, 201) << up.body;
  const std::string file_id = Str(Obj(up.Json(), "file"), "id");
  ASSERT_EQ(Api("GET", "/files/" + file_id, token).code, 200);

  // quota's record of this month shows the download and counted API calls.
  const std::string month = absl::FormatTime("%Y-%m", absl::Now(), absl::UTCTimeZone());
  ASSERT_TRUE(Eventually(
      [&] {
        quota::v1::BillingRecord r = Record(user, month);
        return r.bandwidth_bytes() >= size && r.api_calls() > 0;
      },
      std::chrono::seconds(60)));

  const std::string admin = AdminToken();
  Reply closed = Api("POST", "/governance/billing/close", admin,
                     absl::StrCat(R"({"month":")", month, R"("})"));
  ASSERT_EQ(closed.code, 200) << closed.body;
  EXPECT_GE(Num(closed.Json(), "invoicesWritten"), 1);
  // Users may not close months.
  EXPECT_EQ(Api("POST", "/governance/billing/close", token, "{}").code, 403);

  Reply listed = Api("GET", "/governance/invoices", token);
  ASSERT_EQ(listed.code, 200) << listed.body;
  std::vector<Struct> invoices = List(listed.Json(), "invoices");
  ASSERT_EQ(invoices.size(), 1u) << listed.body;
  const std::string id = Str(invoices[0], "id");
  Reply got = Api("GET", "/governance/invoices/" + id, token);
  ASSERT_EQ(got.code, 200) << got.body;
  const Struct invoice = Obj(got.Json(), "invoice");
  EXPECT_EQ(Str(invoice, "month"), month);
  EXPECT_EQ(Str(invoice, "tier"), "free");
  std::vector<Struct> lines = List(invoice, "lines");
  ASSERT_EQ(lines.size(), 4u);
  // The egress line: exactly the bytes downloaded (one download), 7000 per GB, half up.
  const quota::v1::BillingRecord record = Record(user, month);
  EXPECT_EQ(Str(lines[1], "kind"), "egress");
  EXPECT_GE(record.bandwidth_bytes(), size);
  EXPECT_EQ(Str(lines[1], "quantity"), SixPlaces(record.bandwidth_bytes(), 1'000'000'000));
  EXPECT_EQ(Num(lines[1], "amount"),
            static_cast<int64_t>((record.bandwidth_bytes() * 7000 + 500'000'000) / 1'000'000'000));
  EXPECT_EQ(Str(lines[2], "kind"), "api_calls");
  EXPECT_EQ(Num(lines[2], "unitPrice"), 500);
  EXPECT_EQ(Str(lines[3], "kind"), "subscription");
  EXPECT_EQ(Num(lines[3], "amount"), 0);  // the free tier
  int64_t sum = 0;
  for (const Struct& l : lines) sum += Num(l, "amount");
  const int64_t total = Num(invoice, "total");
  EXPECT_EQ(total, sum);
  ASSERT_GT(total, 0);

  // Someone else sees nothing of it.
  auto [other, other_token] = NewUser("bystander");
  EXPECT_EQ(Api("GET", "/governance/invoices/" + id, other_token).code, 404);
  EXPECT_EQ(Api("POST", "/governance/invoices/" + id + "/pay", other_token).code, 404);

  // No tokens: 409, nothing moves.
  Reply broke = Api("POST", "/governance/invoices/" + id + "/pay", token);
  EXPECT_EQ(broke.code, 409) << broke.body;
  EXPECT_EQ(Available(token), 0);

  ASSERT_EQ(Api("POST", "/governance/grants", admin,
                absl::StrCat(R"({"accountId":")", user,
                             R"(","amount":"1000000","reason":"pay the invoice"})"))
                .code,
            200);
  Reply paid = Api("POST", "/governance/invoices/" + id + "/pay", token);
  ASSERT_EQ(paid.code, 200) << paid.body;
  EXPECT_EQ(Str(Obj(paid.Json(), "invoice"), "state"), "paid");
  EXPECT_EQ(Available(token), 1'000'000 - total);
  Reply again = Api("POST", "/governance/invoices/" + id + "/pay", token);
  ASSERT_EQ(again.code, 200) << again.body;
  EXPECT_EQ(again.Json().fields().at("alreadyPaid").bool_value(), true);
  EXPECT_EQ(Available(token), 1'000'000 - total);

  Reply verify = Api("POST", "/governance/ledger/verify", admin);
  ASSERT_EQ(verify.code, 200) << verify.body;
  EXPECT_TRUE(verify.Json().fields().at("ok").bool_value()) << verify.body;
}

TEST_F(GovernanceBillingE2eTest, TheStackOperatorIsPaidForAnEpochWithTheShareHeldBack) {
  const std::string admin = AdminToken();
  Reply ops = Api("GET", "/governance/operators?limit=100", admin);
  ASSERT_EQ(ops.code, 200) << ops.body;
  std::vector<Struct> operators = List(ops.Json(), "operators");
  ASSERT_FALSE(operators.empty()) << ops.body;
  const std::string op = Str(operators[0], "id");
  // Something stored, so the nodes report used bytes.
  auto [uploader, upload_token] = NewUser("storer");
  WriteFile(dir_ / "stored.bin", RandomBytes(200 * 1024, 11));
  Reply up = CurlHttp(dir_).Call(
      "POST", absl::StrCat("http://127.0.0.1:", port_, "/api/v1/files?name=stored.bin"),
      {"--data-binary @" + Quote((dir_ / "stored.bin").string())}, upload_token);
  ASSERT_EQ(up.code, 201) << up.body;

  // Let the chunk-stores' heartbeats be recorded for a few seconds, then end the epoch now.
  ASSERT_TRUE(Eventually(
      [&] {
        pqxx::connection c(stack_->pg_url());
        pqxx::work w(c);
        return w.exec1(
                    "SELECT count(*) FROM governance.node_epoch_usage e "
                    "JOIN governance.epochs p ON p.number = e.epoch AND p.state = 'open' "
                    "WHERE e.byte_seconds > 0")[0]
                   .as<int>() > 0;
      },
      std::chrono::seconds(60)));
  Sql("UPDATE governance.epochs SET ends_at = GREATEST(starts_at + interval '1 second', now()) "
      "WHERE state = 'open'");

  Struct stub;
  ASSERT_TRUE(Eventually(
      [&] {
        Reply r = Api("GET", "/governance/operators/" + op + "/paystubs", admin);
        std::vector<Struct> stubs = List(r.Json(), "paystubs");
        if (stubs.empty()) return false;
        stub = stubs[0];
        return true;
      },
      std::chrono::seconds(60)));
  const int64_t earned = Num(stub, "earned"), held = Num(stub, "held");
  EXPECT_GT(earned, 0);
  EXPECT_EQ(held, earned * 3 / 4);  // rewards.heldBackPpm 75% in an operator's first epochs
  EXPECT_EQ(Num(stub, "paid"), earned - held);
  Reply me = Api("GET", "/governance/accounts/me", admin);  // the stack operator's account
  EXPECT_GE(Num(Obj(me.Json(), "balance"), "held"), held);

  Reply epochs = Api("GET", "/governance/epochs", admin);
  ASSERT_EQ(epochs.code, 200) << epochs.body;
  std::vector<Struct> list = List(epochs.Json(), "epochs");
  ASSERT_GE(list.size(), 2u);
  EXPECT_EQ(Str(list[0], "state"), "open");
  EXPECT_EQ(Str(list[1], "state"), "closed");
  // Another user may not read the operator's pay.
  auto [user, token] = NewUser("curious");
  EXPECT_EQ(Api("GET", "/governance/operators/" + op + "/paystubs", token).code, 403);
  Reply verify = Api("POST", "/governance/ledger/verify", admin);
  EXPECT_TRUE(verify.Json().fields().at("ok").bool_value()) << verify.body;
}

}  // namespace
}  // namespace datamesh::e2e
