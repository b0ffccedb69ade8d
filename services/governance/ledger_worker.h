// The ledger's and operator registry's part of the service's start and periodic work, and
// what its RPCs share: genesis at start, maturing unbonding stake and re-checking operator
// admission on every tick, publishing the outbox after a commit.
//
// Thread-safe (each call runs its own transactions); the pool and bus must outlive the calls.
#pragma once

#include <pqxx/pqxx>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/governance/operators/operator_registry.h"

namespace datamesh::bus {
class Bus;
}
namespace datamesh::pg {
class Pool;
}

namespace datamesh::governance {

// Issues the genesis supply (parameter genesis.supply) the first time the service starts.
absl::Status EnsureLedgerGenesis(pg::Pool& pg);

// The parameters admission.mode and stake.minimumOperator.
absl::StatusOr<operators::AdmissionRules> ReadAdmissionRules(pqxx::work& tx);

// The unbonding period (parameter stake.unbondingSeconds).
absl::StatusOr<absl::Duration> ReadUnbondingPeriod(pqxx::work& tx);

// One tick: releases unbonding lots due at `now`, then re-applies the admission rules to every
// operator (a parameter change or a slash may have moved them). Errors are logged; the next
// tick retries.
void RunLedgerTick(pg::Pool& pg, absl::Time now, const std::string& source);

// Publishes what waits in governance.outbox (durable events), logging a failure: the tick's
// drain sends it later.
void PublishOutbox(pg::Pool& pg, bus::Bus* bus);

}  // namespace datamesh::governance
