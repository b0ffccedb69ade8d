// AdmissionStore: dht's PostgreSQL record of governance's decisions (tables dht.operators,
// dht.node_admission, dht.settings; migrations/0003_admission.sql) and the reads that rebuild
// an AdmissionView from it.
//
// Every Apply* call is one transaction that also records the event id in dht.processed_events,
// so an event delivered again (JetStream redelivers until acked) changes nothing twice and
// answers kDuplicate. Operator decisions carry the time governance made them: one older than
// the operator's recorded decision (a late redelivery overtaken by a newer event) is recorded
// as processed and otherwise ignored (kStale). Vetting and disqualification only ever turn a
// node's flags on, so their order does not matter.
//
// Thread-safe (the pool is); the Pool must outlive the store.
#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/dht/admission.h"
#include "shared/pg/pool.h"

namespace datamesh::dht {

// The key of the parameter dht owns and learns from governance.proposal.executed.
inline constexpr char kPlacementShareKey[] = "vetting.placementShare";

class AdmissionStore {
 public:
  explicit AdmissionStore(pg::Pool& pool) : pool_(pool) {}

  enum class Outcome { kApplied, kStale, kDuplicate };

  // An operator.admitted (admitted) or operator.removed (!admitted) event.
  struct OperatorDecision {
    std::string event_id;
    std::string operator_id;
    bool admitted = false;
    std::vector<NodeId> nodes;  // every node the operator runs now
    absl::Time decided_at;      // the event's time
  };
  absl::StatusOr<Outcome> ApplyOperator(const OperatorDecision& decision);

  absl::StatusOr<Outcome> MarkVetted(const std::string& event_id, const NodeId& node);
  absl::StatusOr<Outcome> MarkDisqualified(const std::string& event_id, const NodeId& node,
                                           const std::string& reason);

  // Whether `event_id` is recorded as processed; MarkProcessed records it. For events whose
  // effect is published rather than written (an answer to an executed proposal).
  absl::StatusOr<bool> Processed(const std::string& event_id);
  [[nodiscard]] absl::Status MarkProcessed(const std::string& event_id);

  // Records the placement share an executed proposal set (0..1, checked by the caller).
  [[nodiscard]] absl::Status SavePlacementShare(double share, const std::string& proposal_id);

  // Everything an AdmissionView needs.
  absl::StatusOr<AdmissionSnapshot> Load();

  // Re-sync from governance's own tables (admission_resync.h): one operator as governance's
  // listing showed it at `read_at` (governance's clock, as its events' times).
  struct ListedOperator {
    std::string operator_id;
    bool admitted = false;
    std::vector<NodeId> nodes;  // every node it runs
    std::vector<NodeId> vetted;
    std::vector<NodeId> disqualified;
  };
  // Makes dht's record agree with `listed`, one transaction per operator. An operator whose
  // recorded decision already agrees is left as it is; one that differs takes the listing,
  // unless an event newer than `read_at` decided it (that event is the later truth). Vetting
  // and disqualification only turn on, as with the events. Returns how many operators and
  // node flags were corrected. No event id is recorded: the events stay the events.
  absl::StatusOr<int> ApplyListing(const std::vector<ListedOperator>& listed,
                                   absl::Time read_at);
  // Turns off the operators dht records as admitted that governance's listing (the ids in
  // `listed`, read from `read_at` on) did not show at all, unless decided after `read_at`.
  // Returns how many.
  absl::StatusOr<int> RemoveUnlisted(const std::vector<std::string>& listed, absl::Time read_at);

 private:
  pg::Pool& pool_;
};

}  // namespace datamesh::dht
