// AdmissionConsumer: learns governance's decisions about storage nodes through the durable
// JetStream consumer "dht-admission" (stream DM_EVENTS, filter dm.v1.governance.>), so a
// decision made while dht is down is applied when it returns. Replicas share the durable: each
// event is handled by one of them, which writes it to PostgreSQL (AdmissionStore); every
// replica rebuilds its AdmissionView from there (Refresh, after each handled event and
// periodically, driven by the owner).
//
// Events and what they do:
//   governance.operator.admitted  the operator's nodes (the event lists all) may receive shards
//   governance.operator.removed   they receive no new shards
//   governance.node.vetted        the node leaves the vetting share (placement.h)
//   governance.node.disqualified  the node never receives shards again (final)
//   governance.proposal.executed  a parameter_change of vetting.placementShare (0..1, owned by
//                                 dht) is stored and answered with governance.change.applied
// Other governance events are acknowledged and ignored. Malformed ones (no operator id, a node
// id that is not 64 hex characters) are counted, logged and acknowledged: retrying them cannot
// help. A database or bus error leaves the event unacknowledged, so it comes again.
//
// Not owned: store, view and bus must outlive the consumer. Thread-safe.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "datamesh/events/v1/event.pb.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/registry.h"
#include "services/dht/admission.h"
#include "services/dht/admission_store.h"
#include "shared/bus/bus.h"

namespace datamesh::dht {

class AdmissionConsumer {
 public:
  // Publishes one event durably (Bus::PublishDurable in the service).
  using Publisher = std::function<absl::Status(const events::v1::Event&)>;

  AdmissionConsumer(AdmissionStore& store, AdmissionView& view, Publisher publish,
                    std::string source, prometheus::Registry& metrics);
  ~AdmissionConsumer() { Stop(); }

  [[nodiscard]] absl::Status Start(bus::Bus& bus, const std::string& durable = "dht-admission");
  void Stop() { consumer_.reset(); }

  // Applies one event; an error means "deliver it again later".
  [[nodiscard]] absl::Status Handle(const events::v1::Event& event);

  // Replaces the view with the store's current state.
  [[nodiscard]] absl::Status Refresh();

 private:
  absl::Status HandleOperator(const events::v1::Event& event);
  absl::Status HandleNode(const events::v1::Event& event);
  absl::Status HandleProposal(const events::v1::Event& event);
  void Count(const std::string& event, const std::string& outcome);

  AdmissionStore& store_;
  AdmissionView& view_;
  // One refresh at a time: a read that began before an event's commit must not replace the
  // view after a read that began after it.
  absl::Mutex refresh_mu_;
  const Publisher publish_;
  const std::string source_;
  prometheus::Family<prometheus::Counter>& events_;
  std::unique_ptr<bus::Consumer> consumer_;
};

}  // namespace datamesh::dht
