#include "services/governance/ledger_worker.h"

#include "services/governance/ledger/ledger.h"
#include "services/governance/ledger/stake.h"
#include "services/governance/params/parameters.h"
#include "services/governance/proposals/lifecycle.h"
#include "shared/bus/bus.h"
#include "shared/log/log.h"
#include "shared/pg/outbox.h"
#include "shared/pg/pool.h"
#include "shared/status/status.h"

namespace datamesh::governance {

absl::Status EnsureLedgerGenesis(pg::Pool& pg) {
  return pg.Transact([](pqxx::work& tx) -> absl::Status {
    ASSIGN_OR_RETURN(int64_t supply, params::IntParam(tx, "genesis.supply"));
    return ledger::EnsureGenesis(tx, supply);
  });
}

absl::StatusOr<operators::AdmissionRules> ReadAdmissionRules(pqxx::work& tx) {
  operators::AdmissionRules rules;
  ASSIGN_OR_RETURN(rules.mode, params::StringParam(tx, "admission.mode"));
  ASSIGN_OR_RETURN(rules.minimum_stake, params::IntParam(tx, "stake.minimumOperator"));
  return rules;
}

absl::StatusOr<absl::Duration> ReadUnbondingPeriod(pqxx::work& tx) {
  ASSIGN_OR_RETURN(int64_t seconds, params::IntParam(tx, "stake.unbondingSeconds"));
  return absl::Seconds(seconds);
}

void RunLedgerTick(pg::Pool& pg, absl::Time now, const std::string& source) {
  absl::Status matured = pg.Transact(
      [&](pqxx::work& tx) -> absl::Status { return ledger::MatureUnbonding(tx, now).status(); });
  if (!matured.ok()) log::Warn("maturing unbonding stake failed", {{"error", matured.ToString()}});
  absl::Status admission = pg.Transact([&](pqxx::work& tx) -> absl::Status {
    ASSIGN_OR_RETURN(operators::AdmissionRules rules, ReadAdmissionRules(tx));
    return operators::ReconcileAdmission(tx, "", rules, source).status();
  });
  if (!admission.ok()) {
    log::Warn("re-checking operator admission failed", {{"error", admission.ToString()}});
  }
}

void PublishOutbox(pg::Pool& pg, bus::Bus* bus) {
  if (bus == nullptr) return;
  absl::StatusOr<int> sent =
      pg::DrainOutbox(pg, proposals::kOutboxTable, 100, [bus](const std::string& bytes) {
        events::v1::Event e;
        if (!e.ParseFromString(bytes)) return absl::OkStatus();  // never publishable: drop
        return bus->PublishDurable(e);
      });
  if (!sent.ok()) log::Warn("outbox publish failed", {{"error", sent.status().ToString()}});
}

}  // namespace datamesh::governance
