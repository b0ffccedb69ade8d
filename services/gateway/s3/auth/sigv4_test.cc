#include "services/gateway/s3/auth/sigv4.h"

#include "gtest/gtest.h"

namespace datamesh::gateway::s3 {
namespace {

template <typename T>
std::string CodeOf(const S3Result<T>& result) {
  return std::holds_alternative<S3Error>(result) ? std::get<S3Error>(result).code : "OK";
}

TEST(SigV4Canonical, PathIsEncodedOnceWhateverTheClientEscaped) {
  EXPECT_EQ(CanonicalUri("/b/a b+c"), "/b/a%20b%2Bc");
  EXPECT_EQ(CanonicalUri("/b/a%20b%2bc"), "/b/a%20b%2Bc");
  EXPECT_EQ(CanonicalUri("/b/%2541"), "/b/%2541");            // "%41" literally: not decoded twice
  EXPECT_EQ(CanonicalUri("/b/x//./../y~"), "/b/x//./../y~");  // S3 does not normalise
  EXPECT_EQ(CanonicalUri(""), "/");
}

TEST(SigV4Canonical, QueryIsSortedEncodedAndValuelessKeysGetEquals) {
  EXPECT_EQ(CanonicalQuery("prefix=a%2Fb&list-type=2&acl"), "acl=&list-type=2&prefix=a%2Fb");
  EXPECT_EQ(CanonicalQuery("b=2&a=z&a=y"), "a=y&a=z&b=2");
  EXPECT_EQ(CanonicalQuery("X-Amz-Signature=ab&x=1", "X-Amz-Signature"), "x=1");
  EXPECT_EQ(CanonicalQuery("k=a b"), "k=a%20b");
}

TEST(SigV4Canonical, HeadersAreTrimmedCollapsedAndJoined) {
  Headers headers = {{"host", "h"}, {"x-amz-meta-a", "  one   two "}, {"x-amz-meta-a", "three"}};
  EXPECT_EQ(CanonicalHeaders(headers, {"host", "x-amz-meta-a"}),
            "host:h\nx-amz-meta-a:one two,three\n");
  EXPECT_EQ(CanonicalHeaders(headers, {"host", "range"}), std::nullopt);
}

TEST(SigV4Parse, AuthorizationHeaderFields) {
  auto claim = ParseAuthorizationHeader(
      "AWS4-HMAC-SHA256 Credential=DMKEY/20261206/us-east-1/s3/aws4_request,"
      "SignedHeaders=host;x-amz-date, Signature=" +
      std::string(64, 'a'));
  ASSERT_EQ(CodeOf(claim), "OK");
  const SignatureClaim& c = std::get<SignatureClaim>(claim);
  EXPECT_EQ(c.access_key_id, "DMKEY");
  EXPECT_EQ(c.scope.ToString(), "20261206/us-east-1/s3/aws4_request");
  EXPECT_EQ(c.signed_headers, (std::vector<std::string>{"host", "x-amz-date"}));
}

TEST(SigV4Parse, MalformedAuthorizationHeadersAreRefused) {
  const std::string sig = "Signature=" + std::string(64, 'a');
  for (
      const std::string& bad : std::vector<std::string>{
          "AWS4-HMAC-SHA256",
          "AWS4-HMAC-SHA512 Credential=K/20261206/us-east-1/s3/aws4_request, SignedHeaders=host, " +
              sig,
          "AWS4-HMAC-SHA256 Credential=K/2026126/us-east-1/s3/aws4_request, SignedHeaders=host, " +
              sig,
          "AWS4-HMAC-SHA256 Credential=K/20261206/us-east-1/s3/aws5_request, SignedHeaders=host, " +
              sig,
          "AWS4-HMAC-SHA256 Credential=K/20261206/us-east-1/s3/aws4_request, " + sig,
          "AWS4-HMAC-SHA256 Credential=K/20261206/us-east-1/s3/aws4_request, SignedHeaders=host, "
          "Signature=xyz",
          "AWS4-HMAC-SHA256 Credential=K/20261206/us-east-1/s3/aws4_request, SignedHeaders=host, " +
              sig + ", " + sig,
      }) {
    EXPECT_EQ(CodeOf(ParseAuthorizationHeader(bad)), "AuthorizationHeaderMalformed") << bad;
  }
}

TEST(SigV4Parse, PresignedExpiryIsBoundedToAWeek) {
  const std::string base =
      "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=K%2F20261206%2Fus-east-1%2Fs3%2F"
      "aws4_request&X-Amz-Date=20261206T120000Z&X-Amz-SignedHeaders=host&X-Amz-Signature=" +
      std::string(64, 'b') + "&X-Amz-Expires=";
  EXPECT_EQ(CodeOf(ParsePresignedQuery(base + "604800")), "OK");
  EXPECT_EQ(CodeOf(ParsePresignedQuery(base + "604801")), "AuthorizationQueryParametersError");
  EXPECT_EQ(CodeOf(ParsePresignedQuery(base + "0")), "AuthorizationQueryParametersError");
  EXPECT_EQ(CodeOf(ParsePresignedQuery(base + "soon")), "AuthorizationQueryParametersError");
}

TEST(SigV4Parse, Timestamps) {
  EXPECT_EQ(ParseAmzTimestamp("20261206T120000Z"),
            absl::FromCivil(absl::CivilSecond(2026, 12, 6, 12, 0, 0), absl::UTCTimeZone()));
  EXPECT_EQ(ParseAmzTimestamp("20261306T120000Z"), std::nullopt);
  EXPECT_EQ(ParseAmzTimestamp("2026-12-06T12:00:00Z"), std::nullopt);
  EXPECT_EQ(ParseHttpDate("Sun, 06 Dec 2026 12:00:00 GMT"), ParseAmzTimestamp("20261206T120000Z"));
  EXPECT_EQ(FormatAmzTimestamp(*ParseAmzTimestamp("20261206T010203Z")), "20261206T010203Z");
}

}  // namespace
}  // namespace datamesh::gateway::s3
