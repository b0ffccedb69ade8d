// AuthKeyVerifier: the production S3KeyVerifier, through AuthService.VerifyS3Signature.
//
// Thread-safe. `clients` must outlive it.
#pragma once

#include "absl/time/time.h"
#include "services/gateway/s3/auth/s3_key_verifier.h"
#include "services/gateway/upstream/upstream_clients.h"

namespace datamesh::gateway::s3 {

// Verifies through AuthService.VerifyS3Signature. `clients` must outlive it.
class AuthKeyVerifier : public S3KeyVerifier {
 public:
  AuthKeyVerifier(UpstreamClients& clients, absl::Duration rpc_timeout)
      : clients_(clients), rpc_timeout_(rpc_timeout) {}
  std::variant<VerifiedKey, S3Error> Verify(const SignatureClaim& claim,
                                            std::string_view string_to_sign,
                                            std::string_view request_id) override;

 private:
  UpstreamClients& clients_;
  const absl::Duration rpc_timeout_;
};

}  // namespace datamesh::gateway::s3
