// Proof that whoever claims a storage node holds the node's Ed25519 key: a signature over
// (challenge bytes || operator account id bytes). Binding the account into the message makes a
// proof useless to anyone else; the single-use challenge makes it useless a second time.
//
// A chunk-store's node id is random (services/chunk-store/node_id.h), not derived from a key,
// so a proof carries the public key and the registry binds the node id to the first key that
// proved it (operator_registry.h). Pure functions; thread-safe.
#pragma once

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace datamesh::governance::operators {

struct NodeProof {
  std::string node_id;     // 64 lowercase hex
  std::string public_key;  // 64 lowercase hex (32 bytes)
  std::string signature;   // 128 lowercase hex (64 bytes)
};

// Whether `s` is `n` lowercase hex characters.
bool IsLowerHex(const std::string& s, size_t n);

// INVALID_ARGUMENT unless the node id is 64 lowercase hex characters.
absl::Status ValidateNodeId(const std::string& node_id);

// The bytes a node signs: the challenge's raw 32 bytes, then the account id's bytes.
// INVALID_ARGUMENT when the challenge is not 64 lowercase hex characters.
absl::StatusOr<std::string> SignedMessage(const std::string& challenge_hex,
                                          const std::string& account_id);

// OK when `proof` is well formed and its signature verifies over SignedMessage(challenge,
// account). INVALID_ARGUMENT: malformed node id, key or signature; PERMISSION_DENIED: the
// signature does not verify.
absl::Status VerifyNodeProof(const NodeProof& proof, const std::string& challenge_hex,
                             const std::string& account_id);

}  // namespace datamesh::governance::operators
