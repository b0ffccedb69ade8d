// ChangeAppliedConsumer: records the owning services' answers to executed proposals.
//
// governance.change.applied arrives through the durable JetStream consumer
// "governance-applied" (filter dm.v1.governance.change.applied), so an answer sent while
// governance is down is recorded when it returns. Each is recorded in one transaction with the
// insert of its event id into governance.processed_events: a redelivery changes nothing. An
// answer for an unknown proposal, or a malformed one, is acknowledged and logged.
//
// Not owned: the pool and the bus must outlive the consumer. Thread-safe.
#pragma once

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "datamesh/events/v1/event.pb.h"
#include "shared/bus/bus.h"
#include "shared/pg/pool.h"

namespace datamesh::governance::proposals {

class ChangeAppliedConsumer {
 public:
  explicit ChangeAppliedConsumer(pg::Pool& pool) : pool_(pool) {}
  ~ChangeAppliedConsumer() { Stop(); }

  // Declares DM_EVENTS and starts the durable consumer.
  [[nodiscard]] absl::Status Start(bus::Bus& bus,
                                   const std::string& durable = "governance-applied");
  void Stop() { consumer_.reset(); }

  // Records one event; OK for repeats and for events it ignores. An error means retry later.
  [[nodiscard]] absl::Status Handle(const events::v1::Event& event);

 private:
  pg::Pool& pool_;
  std::unique_ptr<bus::Consumer> consumer_;
};

}  // namespace datamesh::governance::proposals
