// A test S3KeyVerifier holding one access key's secret, as auth does: verifies a signature by
// deriving the scoped signing key itself. Counts calls so tests can see the cache at work.
#pragma once

#include <atomic>
#include <string>

#include "services/gateway/s3/auth/s3_key_verifier.h"
#include "shared/crypto/compare.h"

namespace datamesh::gateway::s3 {

class LocalKeyVerifier : public S3KeyVerifier {
 public:
  LocalKeyVerifier(std::string access_key_id, std::string secret)
      : access_key_id_(std::move(access_key_id)), secret_(std::move(secret)) {}

  std::variant<VerifiedKey, S3Error> Verify(const SignatureClaim& claim,
                                            std::string_view string_to_sign,
                                            std::string_view) override {
    ++calls_;
    if (claim.access_key_id != access_key_id_) {
      return S3Error{"InvalidAccessKeyId", "unknown key", 403};
    }
    std::string key = DeriveSigningKey(secret_, claim.scope);
    if (!crypto::ConstantTimeEquals(SignHex(key, string_to_sign), claim.signature)) {
      return S3Error{"SignatureDoesNotMatch", "mismatch", 403};
    }
    Caller caller;
    caller.user_id = "user-1";
    caller.credential_kind = "s3_key";
    return VerifiedKey{caller, key};
  }
  int calls() const { return calls_; }

 private:
  const std::string access_key_id_;
  const std::string secret_;
  std::atomic<int> calls_{0};
};

}  // namespace datamesh::gateway::s3
