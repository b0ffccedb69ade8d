#include "services/governance/operators/node_proof.h"

#include "absl/status/statusor.h"
#include "shared/crypto/encoding.h"
#include "shared/crypto/signature.h"

namespace datamesh::governance::operators {

bool IsLowerHex(const std::string& s, size_t n) {
  if (s.size() != n) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

absl::Status ValidateNodeId(const std::string& node_id) {
  if (!IsLowerHex(node_id, 64)) {
    return absl::InvalidArgumentError("a node id is 64 lowercase hex characters");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> SignedMessage(const std::string& challenge_hex,
                                          const std::string& account_id) {
  if (!IsLowerHex(challenge_hex, 64)) {
    return absl::InvalidArgumentError("a challenge is 64 lowercase hex characters");
  }
  absl::StatusOr<std::string> raw = crypto::HexDecode(challenge_hex);
  if (!raw.ok()) return raw.status();
  return *raw + account_id;
}

absl::Status VerifyNodeProof(const NodeProof& proof, const std::string& challenge_hex,
                             const std::string& account_id) {
  if (absl::Status s = ValidateNodeId(proof.node_id); !s.ok()) return s;
  if (!IsLowerHex(proof.public_key, 64)) {
    return absl::InvalidArgumentError("node " + proof.node_id +
                                      ": the public key is 64 lowercase hex characters");
  }
  if (!IsLowerHex(proof.signature, 128)) {
    return absl::InvalidArgumentError("node " + proof.node_id +
                                      ": the signature is 128 lowercase hex characters");
  }
  absl::StatusOr<std::string> message = SignedMessage(challenge_hex, account_id);
  if (!message.ok()) return message.status();
  absl::StatusOr<std::string> key = crypto::HexDecode(proof.public_key);
  absl::StatusOr<std::string> signature = crypto::HexDecode(proof.signature);
  if (!key.ok() || !signature.ok()) return absl::InvalidArgumentError("malformed hex");
  if (!crypto::Ed25519Verify(*key, *message, *signature).ok()) {
    return absl::PermissionDeniedError("node " + proof.node_id +
                                       ": the signature does not verify for this challenge "
                                       "and account");
  }
  return absl::OkStatus();
}

}  // namespace datamesh::governance::operators
