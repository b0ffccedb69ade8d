// SigV4Authenticator: the S3Authenticator of the gateway's S3 edge. Checks the request's shape
// here (scope, region, service, clock skew, presigned expiry, signed headers), builds the string
// to sign, and checks the signature with a cached scoped signing key or, on a miss, through an
// S3KeyVerifier (auth). Revoked keys leave the cache on auth.credential.revoked.
//
// Thread-safe. `verifier` must outlive the authenticator.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "services/gateway/s3/auth/s3_authenticator.h"
#include "services/gateway/s3/auth/s3_key_verifier.h"
#include "services/gateway/s3/auth/signing_key_cache.h"
#include "shared/bus/bus.h"

namespace datamesh::gateway::s3 {

class SigV4Authenticator : public S3Authenticator {
 public:
  struct Options {
    std::string region = "us-east-1";             // the only region scopes may name
    absl::Duration max_skew = absl::Minutes(15);  // header signatures' clock tolerance
    SigningKeyCache::Options cache;
  };
  using Clock = std::function<absl::Time()>;

  SigV4Authenticator(
      Options options, S3KeyVerifier& verifier, Clock clock = [] { return absl::Now(); });

  std::variant<S3Principal, S3Error> Authenticate(const SignedRequest& request) override;

  // Subscribes to auth.credential.revoked (drops a revoked access key's signing keys) and
  // auth.user.updated (drops the user's cached role and tier). Lives as long as this object.
  [[nodiscard]] absl::Status SubscribeRevocations(bus::Bus& bus);

  // Drops the cached signing keys of `access_key_id` (tests, and the revocation handler).
  void ForgetAccessKey(const std::string& access_key_id) { cache_.EraseAccessKey(access_key_id); }

 private:
  std::variant<S3Principal, S3Error> AuthenticateHeader(const SignedRequest& request,
                                                        std::string_view authorization);
  std::variant<S3Principal, S3Error> AuthenticatePresigned(const SignedRequest& request);
  std::optional<S3Error> CheckScope(const SignatureClaim& claim, std::string_view timestamp,
                                    bool presigned) const;
  // Checks the claim's signature over `string_to_sign`; fills the principal's caller and key.
  std::variant<VerifiedKey, S3Error> Verify(const SignatureClaim& claim,
                                            const std::string& string_to_sign,
                                            std::string_view request_id);

  const Options options_;
  S3KeyVerifier& verifier_;
  const Clock clock_;
  SigningKeyCache cache_;
  std::unique_ptr<bus::Subscription> revocations_;
  std::unique_ptr<bus::Subscription> user_updates_;
};

}  // namespace datamesh::gateway::s3
