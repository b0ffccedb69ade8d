#include "services/gateway/s3/auth/chunked_payload.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "gtest/gtest.h"
#include "services/gateway/s3/auth/sigv4.h"
#include "shared/crypto/hash.h"

namespace datamesh::gateway::s3 {
namespace {

constexpr char kDate[] = "20261206T120000Z";
constexpr char kScope[] = "20261206/us-east-1/s3/aws4_request";
const std::string kSeed(64, '0');

std::string Key() { return DeriveSigningKey("secret", {"20261206", "us-east-1", "s3"}); }

// An aws-chunked body of `chunks`, signed in a chain from kSeed.
std::string Encode(const std::vector<std::string>& chunks) {
  std::string body, previous = kSeed;
  for (const std::string& chunk : chunks) {
    std::string to_sign =
        absl::StrCat("AWS4-HMAC-SHA256-PAYLOAD\n", kDate, "\n", kScope, "\n", previous, "\n",
                     *crypto::Sha256Hex(""), "\n", *crypto::Sha256Hex(chunk));
    previous = SignHex(Key(), to_sign);
    absl::StrAppend(&body, absl::StrFormat("%x", chunk.size()), ";chunk-signature=", previous,
                    "\r\n", chunk, "\r\n");
  }
  return body;
}

ChunkedPayloadDecoder Decoder(std::optional<uint64_t> length) {
  return ChunkedPayloadDecoder(Key(), kDate, kScope, kSeed, length);
}

TEST(ChunkedPayload, DecodesVerifiedChunks) {
  auto decoder = Decoder(6);
  auto out = decoder.Feed(Encode({"abc", "def", ""}));
  ASSERT_TRUE(std::holds_alternative<std::string>(out));
  EXPECT_EQ(std::get<std::string>(out), "abcdef");
  EXPECT_EQ(decoder.Finish(), std::nullopt);
}

TEST(ChunkedPayload, RefusesBadFramingAndDataAfterTheEnd) {
  for (const std::string& bad : std::vector<std::string>{
           std::string("zz;chunk-signature=") + std::string(64, 'a') + "\r\n",
           std::string("3;chunk-signature=short\r\n"), std::string("3\r\n"),
           Encode({"abc"}).substr(0, 80) + "XY", Encode({""}) + "extra", std::string(300, '1')}) {
    auto decoder = Decoder(std::nullopt);
    auto out = decoder.Feed(bad);
    EXPECT_TRUE(std::holds_alternative<S3Error>(out) || decoder.Finish().has_value()) << bad;
  }
}

TEST(ChunkedPayload, FailedDecoderStaysFailed) {
  auto decoder = Decoder(std::nullopt);
  std::string body = Encode({"abc", ""});
  body[body.find("\r\n") + 3] = 'X';
  EXPECT_TRUE(std::holds_alternative<S3Error>(decoder.Feed(body)));
  EXPECT_TRUE(std::holds_alternative<S3Error>(decoder.Feed(Encode({""}))));
  EXPECT_TRUE(decoder.Finish().has_value());
}

TEST(ChunkedPayload, DecodedLengthMustMatch) {
  auto decoder = Decoder(7);
  ASSERT_TRUE(std::holds_alternative<std::string>(decoder.Feed(Encode({"abc", "def", ""}))));
  auto error = decoder.Finish();
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->code, "IncompleteBody");
}

}  // namespace
}  // namespace datamesh::gateway::s3
