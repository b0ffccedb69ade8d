// AdmissionResync: rebuilds dht's copy of governance's decisions about storage nodes from
// governance's own tables (the ListAdmissions RPC), at start and every --admission-resync.
//
// The durable events (admission_consumer.h) carry decisions as they happen; they cannot bring
// back what dht lost or never got: a new database, a consumer reset, events past the stream's
// retention. The re-sync reads every page of governance's listing and corrects what differs
// (AdmissionStore::ApplyListing): an operator's admission and node list, and vetting and
// disqualification (only ever turned on). It is idempotent with the events: a decision dht
// already holds is left untouched, and one an event made after the page was read wins over
// the page. An event written while a page was being read can be taken for older than the page
// and ignored; the next re-sync brings its decision back.
//
// Not owned: store and consumer must outlive this. RunOnce is not reentrant (one PeriodicTask
// drives it).
#pragma once

#include <functional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "datamesh/governance/v1/governance.pb.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/registry.h"
#include "services/dht/admission_consumer.h"
#include "services/dht/admission_store.h"

namespace datamesh::dht {

class AdmissionResync {
 public:
  // One page of governance's listing after `cursor` (empty: the first).
  using PageSource = std::function<absl::StatusOr<governance::v1::ListAdmissionsResponse>(
      const std::string& cursor)>;

  AdmissionResync(AdmissionStore& store, AdmissionConsumer& consumer, PageSource pages,
                  prometheus::Registry& metrics);

  // Reads every page and corrects dht's record, then refreshes the view when anything changed.
  // Returns how many corrections were made. UNAVAILABLE etc. from governance or PostgreSQL:
  // what was corrected before the error stays corrected.
  absl::StatusOr<int> RunOnce();

 private:
  absl::StatusOr<int> Run();

  AdmissionStore& store_;
  AdmissionConsumer& consumer_;
  const PageSource pages_;
  prometheus::Family<prometheus::Counter>& runs_;
  prometheus::Counter& corrections_;
};

}  // namespace datamesh::dht
