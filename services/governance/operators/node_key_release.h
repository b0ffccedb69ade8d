// Releasing a node's key binding. A node id is bound to the first Ed25519 key that proved
// possession of it (governance.node_keys, trust on first use); a claim of the id with another
// key is refused (PERMISSION_DENIED, logged with both keys). Only an admin can undo a binding,
// e.g. when a node lost its key: the node then leaves its operator (dht stops placing shards
// on it) and the next valid claim binds whatever key it proves. Each release is recorded in
// governance.node_key_releases with the actor and the reason.
//
// Takes the caller's transaction; the admin check is the caller's. Thread safety: as the
// pqxx::work passed in.
#pragma once

#include <pqxx/pqxx>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace datamesh::governance::operators {

struct KeyRelease {
  std::string node_id;
  std::string actor_id;
  std::string reason;  // 1-500 characters
};

// Deletes the binding and the node's claim, records the release and, when the operator that
// held the node is admitted, writes its new admission (without the node) to the outbox.
// Returns the released key. INVALID_ARGUMENT: malformed node id, empty or long reason.
// NOT_FOUND: no key is bound to the node.
absl::StatusOr<std::string> ReleaseNodeKey(pqxx::work& tx, const KeyRelease& release,
                                           absl::Time now, const std::string& source);

}  // namespace datamesh::governance::operators
