// The admission listing: every operator with its admission state and nodes (vetted,
// disqualified), paged by operator id, read from governance's own tables. dht rebuilds its copy
// of governance's decisions from it when its own was lost or diverged (services/dht/README.md,
// "Re-sync"); the durable events announce the same facts as they happen.
//
// Takes the caller's transaction. Thread safety: as the pqxx::work passed in.
#pragma once

#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace datamesh::governance::operators {

struct ListedNode {
  std::string node_id;
  bool vetted = false;        // node_reputation.vetted_at is set
  bool disqualified = false;  // node_reputation.disqualified_at is set (final)
};

struct OperatorAdmissionRow {
  std::string operator_id;
  bool admitted = false;          // state "admitted"
  std::vector<ListedNode> nodes;  // ordered by node id
};

struct AdmissionPage {
  std::vector<OperatorAdmissionRow> operators;
  std::optional<std::string> next_cursor;  // the last operator id of a full page
  absl::Time read_at;                      // `now` of the call
};

// Operators with id > cursor (all when empty), at most page_size (1-1000, else
// INVALID_ARGUMENT). `now` is governance's clock (the one its events carry), read before the
// transaction began: what committed before it is listed.
absl::StatusOr<AdmissionPage> ListAdmissions(pqxx::work& tx, int page_size,
                                             const std::string& cursor, absl::Time now);

}  // namespace datamesh::governance::operators
