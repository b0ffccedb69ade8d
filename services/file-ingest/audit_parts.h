// The audits' part of file-ingest's wiring: the audit worker at --audit-rate, and the durable
// consumer "file-ingest-disqualified" of governance.node.disqualified, which records the node
// (files.disqualified_nodes) and asks for a repair pass at once. The maintenance workers see
// disqualified nodes through DisqualifiedAwareAdmin (audit_grpc.h): not live, so their shards
// are rebuilt elsewhere.
//
// Only file_ingest.cc calls this. Stop() ends the worker and the consumer; the objects it was
// given must outlive it.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/file-ingest/audit.h"
#include "services/file-ingest/audit_grpc.h"
#include "services/file-ingest/audit_store.h"
#include "services/file-ingest/maintenance.h"
#include "shared/bus/bus.h"
#include "shared/server/periodic_task.h"
#include "shared/server/runtime.h"

namespace datamesh::file_ingest {

struct AuditFlags {
  int64_t rate_per_minute = 6;  // segments audited per minute; 0: no audits
  int64_t stripe_bytes = 4096;
  absl::Duration timeout = absl::Seconds(5);
};

// INVALID_ARGUMENT for a negative or absurd rate, stripe size or timeout.
[[nodiscard]] absl::Status ValidateAuditFlags(const AuditFlags& flags);

class AuditParts {
 public:
  ~AuditParts() { Stop(); }
  void Stop();

  // The store must exist before maintenance starts (DisqualifiedAwareAdmin reads it).
  static std::unique_ptr<AuditParts> Create(pg::Pool& pool);
  AuditStore& store() { return *store_; }

  // Starts the worker (unless the rate is 0) and the disqualification consumer.
  [[nodiscard]] absl::Status Start(server::Runtime& rt, const AuditFlags& flags, ChunkStubs& stubs,
                                   MaintenanceRunner& runner);
  // Audits `rate_per_minute` segments per minute from now on (0: none); governance's
  // audit.ratePerMinute. Call after Start.
  void SetRate(int64_t rate_per_minute);

 private:
  std::unique_ptr<AuditStore> store_;
  std::unique_ptr<GrpcStripeReader> reader_;
  std::unique_ptr<AuditWorker> worker_;
  std::mutex mu_;  // guards timer_ against SetRate and Stop racing
  std::unique_ptr<server::PeriodicTask> timer_;
  std::unique_ptr<bus::Consumer> disqualified_;
};

}  // namespace datamesh::file_ingest
