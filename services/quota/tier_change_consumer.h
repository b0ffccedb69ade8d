// TierChangeConsumer: applies tier limits and prices changed by governance, live.
//
// governance.proposal.executed arrives through the durable JetStream consumer
// "<durable>" (default "quota-governance", filter dm.v1.governance.proposal.executed), so a
// change executed while quota is down is applied when it returns. quota owns the keys
//   tier.<name>.storageBytes | bandwidthBytesMonth | apiCallsHour   (integer, null = unlimited)
//   tier.<name>.monthlyFee | storageGbMonthPrice | bandwidthGbPrice  (micro-units)
// and ignores the rest of a change (and other proposal types). Its keys are applied together
// through the TierCatalog (the UpdateTier path: validated, recorded in quota.tier_history with
// the actor "governance:<proposal id>", the tier cache dropped so the next Reserve sees it), then
// answered with governance.change.applied {ok, reason}. The event's id goes into
// quota.processed_events after the answer is published: a redelivery before that applies the
// same absolute values again and answers again; one after it changes nothing.
//
// A change quota cannot apply (an unknown tier, a value of the wrong type) is answered with
// ok = false and its reason, and nothing of it is applied.
//
// Not owned: catalog, pool and bus must outlive the consumer. Thread-safe.
#pragma once

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "datamesh/events/v1/event.pb.h"
#include "services/quota/tier_catalog.h"
#include "shared/bus/bus.h"
#include "shared/pg/pool.h"

namespace datamesh::quota {

class TierChangeConsumer {
 public:
  TierChangeConsumer(TierCatalog& tiers, pg::Pool& pool, std::string source)
      : tiers_(tiers), pool_(pool), source_(std::move(source)) {}
  ~TierChangeConsumer() { Stop(); }

  [[nodiscard]] absl::Status Start(bus::Bus& bus, const std::string& durable = "quota-governance");
  void Stop() { consumer_.reset(); }

  // Applies one event and publishes the answer on `bus`. An error means retry later.
  [[nodiscard]] absl::Status Handle(bus::Bus& bus, const events::v1::Event& event);

 private:
  TierCatalog& tiers_;
  pg::Pool& pool_;
  const std::string source_;
  std::unique_ptr<bus::Consumer> consumer_;
};

}  // namespace datamesh::quota
