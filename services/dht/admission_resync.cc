#include "services/dht/admission_resync.h"

#include <optional>
#include <vector>

#include "absl/strings/str_cat.h"
#include "shared/log/log.h"
#include "shared/status/status.h"

namespace datamesh::dht {
namespace {

constexpr int kMaxPages = 10'000;  // 10 million operators at governance's largest page

absl::Time ReadAt(const governance::v1::ListAdmissionsResponse& page) {
  return absl::FromUnixSeconds(page.read_at().seconds()) +
         absl::Nanoseconds(page.read_at().nanos());
}

// The page as the store takes it; INVALID_ARGUMENT names the first malformed node id.
absl::StatusOr<std::vector<AdmissionStore::ListedOperator>> FromPage(
    const governance::v1::ListAdmissionsResponse& page) {
  std::vector<AdmissionStore::ListedOperator> out;
  for (const governance::v1::OperatorAdmission& op : page.operators()) {
    if (op.operator_id().empty()) return absl::InvalidArgumentError("an operator without an id");
    AdmissionStore::ListedOperator listed{op.operator_id(), op.admitted(), {}, {}, {}};
    for (const governance::v1::AdmittedNode& n : op.nodes()) {
      absl::StatusOr<NodeId> id = ParseNodeId(n.node_id());
      if (!id.ok())
        return absl::InvalidArgumentError(absl::StrCat("node id \"", n.node_id(), "\""));
      listed.nodes.push_back(*id);
      if (n.vetted()) listed.vetted.push_back(*id);
      if (n.disqualified()) listed.disqualified.push_back(*id);
    }
    out.push_back(std::move(listed));
  }
  return out;
}

}  // namespace

AdmissionResync::AdmissionResync(AdmissionStore& store, AdmissionConsumer& consumer,
                                 PageSource pages, prometheus::Registry& metrics)
    : store_(store),
      consumer_(consumer),
      pages_(std::move(pages)),
      runs_(prometheus::BuildCounter()
                .Name("datamesh_dht_admission_resyncs_total")
                .Help("re-syncs of node admission from governance's tables, by outcome (ok, "
                      "failed)")
                .Register(metrics)),
      corrections_(prometheus::BuildCounter()
                       .Name("datamesh_dht_admission_resync_corrections_total")
                       .Help("operators and node flags a re-sync found different from "
                             "governance's tables and corrected")
                       .Register(metrics)
                       .Add({})) {}

absl::StatusOr<int> AdmissionResync::RunOnce() {
  absl::StatusOr<int> corrected = Run();
  runs_.Add({{"outcome", corrected.ok() ? "ok" : "failed"}}).Increment();
  if (!corrected.ok()) return corrected.status();
  if (*corrected > 0) {
    corrections_.Increment(*corrected);
    log::Warn("node admission re-synced from governance: dht's record differed",
              {{"corrections", static_cast<int64_t>(*corrected)}});
    RETURN_IF_ERROR(consumer_.Refresh());
  }
  return corrected;
}

absl::StatusOr<int> AdmissionResync::Run() {
  int corrected = 0;
  std::vector<std::string> listed_ids;
  std::optional<absl::Time> first_read;
  std::string cursor;
  for (int pages = 0; pages < kMaxPages; ++pages) {
    ASSIGN_OR_RETURN(governance::v1::ListAdmissionsResponse page, pages_(cursor));
    ASSIGN_OR_RETURN(std::vector<AdmissionStore::ListedOperator> listed, FromPage(page));
    if (!first_read) first_read = ReadAt(page);
    ASSIGN_OR_RETURN(int n, store_.ApplyListing(listed, ReadAt(page)));
    corrected += n;
    for (const auto& op : listed) listed_ids.push_back(op.operator_id);
    if (!page.has_next_cursor()) {
      // An operator absent from every page is unknown to governance since the first read.
      ASSIGN_OR_RETURN(int removed, store_.RemoveUnlisted(listed_ids, *first_read));
      return corrected + removed;
    }
    if (page.next_cursor() <= cursor) {
      return absl::InternalError("governance's admission listing did not advance its cursor");
    }
    cursor = page.next_cursor();
  }
  return absl::ResourceExhaustedError("governance's admission listing has too many pages");
}

}  // namespace datamesh::dht
