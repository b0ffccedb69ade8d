// GovernanceServiceImpl: the ledger and stake RPCs over ledger/ (balances, stake, unbonding,
// grants, transfers, statements, the invariant check).
#include <functional>
#include <string>

#include "services/governance/governance_service.h"
#include "services/governance/ledger/invariants.h"
#include "services/governance/ledger/ledger.h"
#include "services/governance/ledger/stake.h"
#include "services/governance/ledger/statement.h"
#include "services/governance/ledger_worker.h"
#include "services/governance/rpc_reply.h"
#include "shared/bus/event.h"
#include "shared/log/log.h"
#include "shared/pg/pool.h"
#include "shared/status/grpc_status.h"
#include "shared/status/status.h"

namespace datamesh::governance {
namespace {

namespace gv1 = governance::v1;

absl::StatusOr<int64_t> Amount(uint64_t amount) {
  if (amount == 0) return absl::InvalidArgumentError("amount must be positive");
  if (amount > static_cast<uint64_t>(INT64_MAX)) {
    return absl::InvalidArgumentError("amount is too large");
  }
  return static_cast<int64_t>(amount);
}

// The ledger key of a client call: scoped by operation and account so two accounts' keys never
// collide; a fresh one when the client sent none.
std::string LedgerKey(const char* op, const std::string& account, const std::string& client_key) {
  return std::string(op) + "/" + account + "/" +
         (client_key.empty() ? bus::NewUuidV4() : client_key);
}

uint64_t NonNegative(int64_t v) { return v > 0 ? static_cast<uint64_t>(v) : 0; }

void FillBalance(pqxx::work& tx, const std::string& account, gv1::Balance* out) {
  out->set_account_id(account);
  for (const pqxx::row& r : tx.exec_params(
           "SELECT bucket, amount FROM governance.balances WHERE account_id = $1", account)) {
    const std::string bucket = r[0].as<std::string>();
    const uint64_t amount = NonNegative(r[1].as<int64_t>());
    if (bucket == ledger::kAvailable) out->set_available(amount);
    if (bucket == ledger::kStaked) out->set_staked(amount);
    if (bucket == ledger::kUnbonding) out->set_unbonding(amount);
    if (bucket == ledger::kEscrow) out->set_escrow(amount);
    if (bucket == ledger::kHeld) out->set_held(amount);
  }
  for (const ledger::UnbondingLot& lot : ledger::OpenUnbondingLots(tx, account)) {
    gv1::UnbondingLot* l = out->add_unbonding_lots();
    l->set_amount(NonNegative(lot.amount));
    l->mutable_release_at()->set_seconds(absl::ToUnixSeconds(lot.release_at));
  }
}

int PageSize(const common::v1::PageRequest& page) {
  if (page.limit() == 0) return 100;
  return static_cast<int>(std::min<uint32_t>(page.limit(), 1000));
}

}  // namespace

namespace {

// A move between the caller's staked and other buckets, done by `move` inside one transaction
// with the operator admission it may change; answers the balance after it. Stake and Unstake
// differ only in `move`.
grpc::Status MoveStake(
    pg::Pool& pg, bus::Bus* bus, const std::string& source, const char* rpc,
    const std::string& account, uint64_t requested, const char* key_kind,
    const std::string& idempotency_key,
    const std::function<absl::Status(pqxx::work&, int64_t, const std::string&)>& move,
    gv1::Balance* out) {
  absl::StatusOr<int64_t> amount = Amount(requested);
  if (!amount.ok()) return Reply(amount.status(), rpc);
  if (absl::Status s = ledger::ValidateAccountId(account); !s.ok()) return Reply(s, rpc);
  const std::string key = LedgerKey(key_kind, account, idempotency_key);
  int admission_changes = 0;
  absl::Status s = pg.Transact([&](pqxx::work& tx) -> absl::Status {
    RETURN_IF_ERROR(move(tx, *amount, key));
    ASSIGN_OR_RETURN(operators::AdmissionRules rules, ReadAdmissionRules(tx));
    ASSIGN_OR_RETURN(admission_changes, operators::ReconcileAdmission(tx, account, rules, source));
    out->Clear();
    FillBalance(tx, account, out);
    return absl::OkStatus();
  });
  if (!s.ok()) return Reply(s, rpc);
  if (admission_changes > 0) PublishOutbox(pg, bus);
  return grpc::Status::OK;
}

}  // namespace

grpc::Status GovernanceServiceImpl::Stake(grpc::ServerContext*, const gv1::StakeRequest* req,
                                          gv1::StakeResponse* resp) {
  const std::string& account = req->account_id();
  return MoveStake(
      pg_, bus_, deps_.source, "Stake", account, req->amount(), "stake", req->idempotency_key(),
      [&](pqxx::work& tx, int64_t amount, const std::string& key) {
        return ledger::Stake(tx, account, amount, key);
      },
      resp->mutable_balance());
}

grpc::Status GovernanceServiceImpl::Unstake(grpc::ServerContext*, const gv1::UnstakeRequest* req,
                                            gv1::UnstakeResponse* resp) {
  const std::string& account = req->account_id();
  const absl::Time now = deps_.now();
  return MoveStake(
      pg_, bus_, deps_.source, "Unstake", account, req->amount(), "unbond",
      req->idempotency_key(),
      [&](pqxx::work& tx, int64_t amount, const std::string& key) -> absl::Status {
        ASSIGN_OR_RETURN(absl::Duration period, ReadUnbondingPeriod(tx));
        return ledger::Unbond(tx, account, amount, now, period, key);
      },
      resp->mutable_balance());
}

grpc::Status GovernanceServiceImpl::GetBalance(grpc::ServerContext*,
                                               const gv1::GetBalanceRequest* req,
                                               gv1::GetBalanceResponse* resp) {
  if (absl::Status s = ledger::ValidateAccountId(req->account_id()); !s.ok()) {
    return Reply(s, "GetBalance");
  }
  return Reply(pg_.Transact([&](pqxx::work& tx) {
    resp->Clear();
    FillBalance(tx, req->account_id(), resp->mutable_balance());
    return absl::OkStatus();
  }),
               "GetBalance");
}

grpc::Status GovernanceServiceImpl::ListLedgerEntries(grpc::ServerContext*,
                                                      const gv1::ListLedgerEntriesRequest* req,
                                                      gv1::ListLedgerEntriesResponse* resp) {
  if (absl::Status s = ledger::ValidateAccountId(req->account_id()); !s.ok()) {
    return Reply(s, "ListLedgerEntries");
  }
  return Reply(pg_.Transact([&](pqxx::work& tx) -> absl::Status {
    ASSIGN_OR_RETURN(
        ledger::StatementPage page,
        ledger::ListEntries(tx, req->account_id(), PageSize(req->page()), req->page().cursor()));
    resp->Clear();
    for (const ledger::StatementLine& l : page.lines) {
      gv1::LedgerEntry* e = resp->add_entries();
      e->set_id(std::to_string(l.entry_id));
      e->set_transaction_id(std::to_string(l.transaction_id));
      e->set_account_id(l.account_id);
      e->set_amount(l.amount);
      e->set_bucket(l.bucket);
      e->set_kind(l.kind);
      e->set_reason(l.reason);
      const int64_t micros = absl::ToUnixMicros(l.time);
      e->mutable_time()->set_seconds(micros / 1'000'000);
      e->mutable_time()->set_nanos(static_cast<int32_t>(micros % 1'000'000) * 1000);
    }
    if (page.next_cursor) resp->set_next_cursor(*page.next_cursor);
    return absl::OkStatus();
  }),
               "ListLedgerEntries");
}

grpc::Status GovernanceServiceImpl::Grant(grpc::ServerContext*, const gv1::GrantRequest* req,
                                          gv1::GrantResponse* resp) {
  if (!req->actor_is_admin()) {
    return Reply(absl::PermissionDeniedError("granting treasury tokens needs an admin"), "Grant");
  }
  absl::StatusOr<int64_t> amount = Amount(req->amount());
  if (!amount.ok()) return Reply(amount.status(), "Grant");
  const std::string account = req->account_id();
  if (absl::Status s = ledger::ValidateAccountId(account); !s.ok()) return Reply(s, "Grant");
  const std::string key = LedgerKey("grant", account, req->idempotency_key());
  const std::string reason = req->reason().empty() ? "grant by " + req->actor_id() : req->reason();
  return Reply(pg_.Transact([&](pqxx::work& tx) -> absl::Status {
    RETURN_IF_ERROR(ledger::Grant(tx, account, *amount, reason, key));
    resp->Clear();
    FillBalance(tx, account, resp->mutable_balance());
    return absl::OkStatus();
  }),
               "Grant");
}

grpc::Status GovernanceServiceImpl::Transfer(grpc::ServerContext*, const gv1::TransferRequest* req,
                                             gv1::TransferResponse* resp) {
  absl::StatusOr<int64_t> amount = Amount(req->amount());
  if (!amount.ok()) return Reply(amount.status(), "Transfer");
  const std::string from = req->from_account_id();
  const std::string to = req->to_account_id();
  const std::string key = LedgerKey("transfer", from, req->idempotency_key());
  return Reply(pg_.Transact([&](pqxx::work& tx) -> absl::Status {
    RETURN_IF_ERROR(ledger::Transfer(tx, from, to, *amount, req->reason(), key));
    resp->Clear();
    FillBalance(tx, from, resp->mutable_balance());
    return absl::OkStatus();
  }),
               "Transfer");
}

grpc::Status GovernanceServiceImpl::ExportStatement(grpc::ServerContext*,
                                                    const gv1::ExportStatementRequest* req,
                                                    gv1::ExportStatementResponse* resp) {
  if (absl::Status s = ledger::ValidateAccountId(req->account_id()); !s.ok()) {
    return Reply(s, "ExportStatement");
  }
  ledger::ExportFormat format;
  if (req->format() == "csv") {
    format = ledger::ExportFormat::kCsv;
    resp->set_content_type("text/csv");
  } else if (req->format() == "json") {
    format = ledger::ExportFormat::kJson;
    resp->set_content_type("application/json");
  } else {
    return Reply(absl::InvalidArgumentError("format must be \"csv\" or \"json\""),
                 "ExportStatement");
  }
  return Reply(pg_.Transact([&](pqxx::work& tx) {
    resp->set_text(ledger::ExportStatement(tx, req->account_id(), format));
    return absl::OkStatus();
  }),
               "ExportStatement");
}

grpc::Status GovernanceServiceImpl::VerifyLedger(grpc::ServerContext*,
                                                 const gv1::VerifyLedgerRequest* req,
                                                 gv1::VerifyLedgerResponse* resp) {
  if (!req->actor_is_admin()) {
    return Reply(absl::PermissionDeniedError("verifying the ledger needs an admin"),
                 "VerifyLedger");
  }
  ledger::InvariantReport report;
  absl::Status s = pg_.WithConnection([&](pqxx::connection& c) {
    // One snapshot for every query, so concurrent posts cannot look like a broken ledger.
    pqxx::work tx(c);
    tx.exec0("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY");
    report = ledger::VerifyInvariants(tx);
    tx.commit();
    return absl::OkStatus();
  });
  if (!s.ok()) return Reply(s, "VerifyLedger");
  if (!report.ok()) {
    log::Error("ledger invariants violated", {{"first", report.violations.front()}});
  }
  resp->set_ok(report.ok());
  for (const std::string& v : report.violations) resp->add_violations(v);
  resp->set_transactions(NonNegative(report.transactions));
  resp->set_entries(NonNegative(report.entries));
  resp->set_supply_issued(NonNegative(report.supply_issued));
  resp->set_mint_balance(report.mint_balance);
  return grpc::Status::OK;
}

}  // namespace datamesh::governance
