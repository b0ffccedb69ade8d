// QuotaEventConsumer: feeds the ledger from events.
//
//  * file.stored / file.deleted arrive through the durable JetStream consumer "quota" on
//    DM_EVENTS (filter dm.v1.file.>). Each is applied in one PostgreSQL transaction together
//    with the insert of its event id into quota.processed_events, so a redelivery, a replay or a
//    restart changes nothing twice (QuotaStore::ApplyFile*).
//  * auth.user.updated tells the tier of each user, remembered for billing and GetLimits. It
//    arrives through a second durable consumer "<durable>-users" (filter dm.v1.auth.user.>), so
//    a tier change made while quota is down is applied when it returns. Remembering is
//    idempotent and ordered by the event's time: a late redelivery of an older change never
//    overwrites a newer one.
//
// Handle() is the whole decision and may be called directly (tests). Not owned: store and bus
// must outlive the consumer. Thread-safe.
#pragma once

#include <functional>
#include <memory>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "datamesh/events/v1/event.pb.h"
#include "services/quota/quota_store.h"
#include "shared/bus/bus.h"

namespace datamesh::quota {

class QuotaEventConsumer {
 public:
  QuotaEventConsumer(QuotaStore& store, std::function<absl::Time()> clock)
      : store_(store), clock_(std::move(clock)) {}
  ~QuotaEventConsumer() { Stop(); }

  // Declares DM_EVENTS and starts both durable consumers ("<durable>" and "<durable>-users").
  [[nodiscard]] absl::Status Start(bus::Bus& bus, const std::string& durable = "quota");
  // Stops deliveries; the durable position stays on the server. Idempotent.
  void Stop();

  // Applies one event. OK also for events that change nothing (repeats, other types, events
  // too malformed to ever apply — logged); an error means "retry later" (database down).
  [[nodiscard]] absl::Status Handle(const events::v1::Event& event);

 private:
  QuotaStore& store_;
  const std::function<absl::Time()> clock_;
  std::unique_ptr<bus::Consumer> consumer_;
  std::unique_ptr<bus::Consumer> user_updates_;
};

}  // namespace datamesh::quota
