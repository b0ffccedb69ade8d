// The authenticator's refusals that need no reference signer (botocore_vectors_test.cc has the
// signed requests).
#include "services/gateway/s3/auth/sigv4_authenticator.h"

#include "gtest/gtest.h"
#include "services/gateway/s3/auth/local_key_verifier_for_test.h"

namespace datamesh::gateway::s3 {
namespace {

std::string CodeOf(const std::variant<S3Principal, S3Error>& result) {
  return std::holds_alternative<S3Error>(result) ? std::get<S3Error>(result).code : "OK";
}

class SigV4AuthenticatorTest : public ::testing::Test {
 protected:
  LocalKeyVerifier verifier_{"DMKEY", "secret"};
  const absl::Time now_ = *ParseAmzTimestamp("20261206T120000Z");
  SigV4Authenticator authenticator_{{}, verifier_, [this] { return now_; }};
};

TEST_F(SigV4AuthenticatorTest, AnonymousRequestsAreDenied) {
  EXPECT_EQ(CodeOf(authenticator_.Authenticate({"GET", "/b/k", "", {{"host", "h"}}})),
            "AccessDenied");
}

TEST_F(SigV4AuthenticatorTest, SignatureVersionTwoIsRefusedClearly) {
  EXPECT_EQ(CodeOf(authenticator_.Authenticate(
                {"GET", "/b/k", "", {{"host", "h"}, {"authorization", "AWS DMKEY:abc="}}})),
            "InvalidRequest");
  EXPECT_EQ(CodeOf(authenticator_.Authenticate(
                {"GET", "/b/k", "AWSAccessKeyId=DMKEY&Expires=1&Signature=x", {}})),
            "InvalidRequest");
}

TEST_F(SigV4AuthenticatorTest, HeaderSignatureNeedsDateAndPayloadHash) {
  const std::string authorization =
      "AWS4-HMAC-SHA256 Credential=DMKEY/20261206/us-east-1/s3/aws4_request, "
      "SignedHeaders=host;x-amz-date, Signature=" +
      std::string(64, 'a');
  SignedRequest no_date{"GET", "/b/k", "", {{"host", "h"}, {"authorization", authorization}}};
  EXPECT_EQ(CodeOf(authenticator_.Authenticate(no_date)), "AccessDenied");
  SignedRequest no_hash = no_date;
  no_hash.headers.emplace_back("x-amz-date", "20261206T120000Z");
  EXPECT_EQ(CodeOf(authenticator_.Authenticate(no_hash)), "InvalidRequest");
  SignedRequest bad_hash = no_hash;
  bad_hash.headers.emplace_back("x-amz-content-sha256", "not-a-hash");
  EXPECT_EQ(CodeOf(authenticator_.Authenticate(bad_hash)), "InvalidArgument");
  SignedRequest streaming_without_length = no_hash;
  streaming_without_length.headers.emplace_back("x-amz-content-sha256", kStreamingPayload);
  EXPECT_EQ(CodeOf(authenticator_.Authenticate(streaming_without_length)), "MissingContentLength");
  EXPECT_EQ(verifier_.calls(), 0);
}

TEST_F(SigV4AuthenticatorTest, ScopeDateMustBeTheRequestDate) {
  SignedRequest request{"GET",
                        "/b/k",
                        "",
                        {{"host", "h"},
                         {"x-amz-date", "20261206T120000Z"},
                         {"x-amz-content-sha256", kUnsignedPayload},
                         {"authorization",
                          "AWS4-HMAC-SHA256 Credential=DMKEY/20261205/us-east-1/"
                          "s3/aws4_request, SignedHeaders=host, Signature=" +
                              std::string(64, 'a')}}};
  EXPECT_EQ(CodeOf(authenticator_.Authenticate(request)), "AuthorizationHeaderMalformed");
}

}  // namespace
}  // namespace datamesh::gateway::s3
