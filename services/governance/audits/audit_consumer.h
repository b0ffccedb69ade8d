// AuditResultConsumer: turns file-ingest's file.audit.result events into node reputations
// (reputation.h) in governance.node_reputation, and acts on what they decide.
//
// Events arrive through the durable JetStream consumer "governance-audits" (filter
// dm.v1.file.audit.result). Each is handled in one transaction with the insert of its event id
// into governance.processed_events, so a redelivery changes nothing. In that transaction:
//   * the node's row is created (alpha = audit.weight / (1 - audit.lambda)) or locked, the
//     result applied with the current parameters, the row written;
//   * a node whose successful audits reach vetting.auditsRequired gets vetted_at and a
//     governance.node.vetted event (governance.outbox);
//   * a node whose score falls below audit.disqualifyBelow gets disqualified_at, a
//     governance.node.disqualified event (dht stops placing on it, file-ingest repairs its
//     shards elsewhere), and its operator's stake (staked + unbonding) is slashed by
//     audit.disqualifySlashPpm parts per million into the treasury, with the idempotency key
//     "disqualify/<node>" -- once per node, whatever happens later.
// Malformed events (a node id that is not 64 lowercase hex, an unknown outcome) are
// acknowledged and logged.
//
// Not owned: the pool and the bus outlive the consumer. Thread-safe.
#pragma once

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "datamesh/events/v1/event.pb.h"
#include "shared/bus/bus.h"
#include "shared/pg/pool.h"

namespace datamesh::governance::audits {

class AuditResultConsumer {
 public:
  // `source` names the publisher of the events it writes ("governance/<instance>").
  AuditResultConsumer(pg::Pool& pool, std::string source)
      : pool_(pool), source_(std::move(source)) {}
  ~AuditResultConsumer() { Stop(); }

  // Declares DM_EVENTS and starts the durable consumer.
  [[nodiscard]] absl::Status Start(bus::Bus& bus, const std::string& durable = "governance-audits");
  void Stop() { consumer_.reset(); }

  // Applies one event; OK for repeats and for events it ignores. An error means retry later.
  [[nodiscard]] absl::Status Handle(const events::v1::Event& event);

 private:
  pg::Pool& pool_;
  const std::string source_;
  std::unique_ptr<bus::Consumer> consumer_;
};

}  // namespace datamesh::governance::audits
