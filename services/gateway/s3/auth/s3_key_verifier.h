// S3KeyVerifier: the seam between SigV4 checking in the gateway and the S3 secrets in auth.
// The production implementation (auth_key_verifier.h) asks AuthService.VerifyS3Signature; tests
// use one that holds secrets locally.
//
// Implementations are thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <variant>

#include "services/gateway/identity/caller.h"
#include "services/gateway/s3/auth/s3_error.h"
#include "services/gateway/s3/auth/sigv4.h"

namespace datamesh::gateway::s3 {

// A signature that verified: who signed it, and the key that signs chunks under its scope.
struct VerifiedKey {
  Caller caller;
  std::string signing_key;  // 32 raw bytes; never logged
};

class S3KeyVerifier {
 public:
  virtual ~S3KeyVerifier() = default;
  // Checks `claim.signature` over `string_to_sign` with the secret of `claim.access_key_id`.
  // InvalidAccessKeyId (unknown or revoked key), SignatureDoesNotMatch, ServiceUnavailable.
  virtual std::variant<VerifiedKey, S3Error> Verify(const SignatureClaim& claim,
                                                    std::string_view string_to_sign,
                                                    std::string_view request_id) = 0;
};

}  // namespace datamesh::gateway::s3
