// The gRPC adapter of the governance service: GovernanceService on top of the service's domain
// code (ledger/, operators/, params/, proposals/).
//
// RPCs that are not built yet are not overridden: the generated base class answers them with
// UNIMPLEMENTED, so no caller is ever told a made-up success.
//
// Thread-safe: gRPC calls handlers concurrently.
#pragma once

#include <functional>
#include <string>

#include "absl/time/time.h"
#include "datamesh/governance/v1/governance.grpc.pb.h"

namespace datamesh::bus {
class Bus;
}
namespace datamesh::pg {
class Pool;
}

namespace datamesh::governance {

struct GovernanceDeps {
  std::string source;  // event source, "governance/<instance>"
  std::function<absl::Time()> now = [] { return absl::Now(); };
};

class GovernanceServiceImpl final : public governance::v1::GovernanceService::Service {
 public:
  GovernanceServiceImpl(pg::Pool& pg, bus::Bus* bus, GovernanceDeps deps)
      : pg_(pg), bus_(bus), deps_(std::move(deps)) {}

  // --- Ledger, stake and operators (ledger_rpc.cc, operator_rpc.cc) ---

  // --- Proposals, votes and parameters (proposal_rpc.cc) ---

 private:
  pg::Pool& pg_;
  bus::Bus* bus_;  // null in unit tests that publish nothing
  GovernanceDeps deps_;
};

}  // namespace datamesh::governance
