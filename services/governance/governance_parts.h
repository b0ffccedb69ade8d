// Wiring of the governance service: builds its parts from the Runtime (gRPC service, background
// workers) and registers the service. Only main.cc and integration tests call this.
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "shared/config/flags.h"
#include "shared/server/service_main.h"

namespace datamesh::governance {

struct GovernanceFlags {
  // How often background work (closing and executing proposals, maturing unbonding stake) runs.
  absl::Duration tick_interval = absl::Seconds(5);
  // quota's gRPC address: billing records for invoices. Empty: no invoices are written.
  std::string quota_addr;
  // file-ingest's gRPC address: what it stores by erasure shape, for the impact of erasure
  // proposals. Empty: bytes to re-encode are shown as not known.
  std::string file_ingest_addr;
};

void RegisterFlags(config::FlagSet& flags, GovernanceFlags& options);

absl::StatusOr<std::unique_ptr<server::ServiceParts>> Build(server::Runtime& runtime,
                                                            const GovernanceFlags& options);

}  // namespace datamesh::governance
