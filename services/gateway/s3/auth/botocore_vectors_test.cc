// SigV4 against botocore: testdata/sigv4_vectors.py signs requests with the AWS SDK's signer at
// test time; every one must verify here, and every tampered copy must fail with S3's code.
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "services/gateway/s3/auth/local_key_verifier_for_test.h"
#include "services/gateway/s3/auth/sigv4_authenticator.h"
#include "shared/crypto/encoding.h"
#include "shared/crypto/hash.h"

namespace datamesh::gateway::s3 {
namespace {

struct Vector {
  SignedRequest request;
  std::string body;
  absl::Time signed_at;
};

struct Vectors {
  std::string access_key_id;
  std::string secret;
  std::map<std::string, Vector> cases;
};

std::string Unhex(const std::string& text) {
  if (text == "-") return "";
  absl::StatusOr<std::string> bytes = crypto::HexDecode(text);
  EXPECT_TRUE(bytes.ok()) << text;
  return bytes.ok() ? *bytes : "";
}

// Runs the botocore script once per process.
const Vectors& LoadVectors() {
  static const Vectors* vectors = [] {
    auto* out = new Vectors;
    // ctest names both; run by hand, python3 and the source folder's script.
    const char* python = std::getenv("DM_PYTHON");
    const char* script = std::getenv("DM_SIGV4_VECTORS_SCRIPT");
    std::string command =
        std::string(python ? python : "python3") + " " +
        (script ? std::string(script)
                : std::string(DM_SIGV4_SOURCE_DIR) + "/testdata/sigv4_vectors.py");
    FILE* pipe = popen(command.c_str(), "r");
    if (!pipe) return out;
    std::string text;
    char buffer[65536];
    size_t n;
    while ((n = fread(buffer, 1, sizeof(buffer), pipe)) > 0) text.append(buffer, n);
    if (pclose(pipe) != 0) return out;
    Vector current;
    std::string name;
    for (absl::string_view line : absl::StrSplit(text, '\n', absl::SkipEmpty())) {
      std::vector<std::string> f = absl::StrSplit(line, ' ');
      if (f[0] == "key") {
        out->access_key_id = Unhex(f[1]);
        out->secret = Unhex(f[2]);
      } else if (f[0] == "case") {
        current = Vector();
        name = Unhex(f[1]);
      } else if (f[0] == "method") {
        current.request.method = Unhex(f[1]);
      } else if (f[0] == "path") {
        current.request.raw_path = Unhex(f[1]);
      } else if (f[0] == "query") {
        current.request.raw_query = Unhex(f[1]);
      } else if (f[0] == "header") {
        current.request.headers.emplace_back(Unhex(f[1]), Unhex(f[2]));
      } else if (f[0] == "body") {
        current.body = Unhex(f[1]);
      } else if (f[0] == "end") {
        std::string stamp;
        for (auto& [h, v] : current.request.headers) {
          if (h == "x-amz-date") stamp = v;
        }
        for (auto& [q, v] : SplitQuery(current.request.raw_query)) {
          if (q == "X-Amz-Date") stamp = v;
        }
        current.signed_at = ParseAmzTimestamp(stamp).value_or(absl::InfinitePast());
        out->cases[name] = current;
      }
    }
    return out;
  }();
  return *vectors;
}

class BotocoreVectors : public ::testing::Test {
 protected:
  void SetUp() override {
    const Vectors& vectors = LoadVectors();
    ASSERT_GE(vectors.cases.size(), 16u) << "botocore did not produce the vectors";
    verifier_ = std::make_unique<LocalKeyVerifier>(vectors.access_key_id, vectors.secret);
  }

  const Vector& Case(const std::string& name) { return LoadVectors().cases.at(name); }

  // Authenticates `request` at `now` with region us-east-1 (a fresh cache each time).
  std::variant<S3Principal, S3Error> Check(const SignedRequest& request, absl::Time now,
                                           std::string region = "us-east-1") {
    SigV4Authenticator::Options options;
    options.region = region;
    SigV4Authenticator authenticator(options, *verifier_, [now] { return now; });
    return authenticator.Authenticate(request);
  }

  std::string ErrorCode(const std::variant<S3Principal, S3Error>& result) {
    if (auto* error = std::get_if<S3Error>(&result)) return error->code;
    return "OK";
  }

  std::unique_ptr<LocalKeyVerifier> verifier_;
};

void SetHeader(SignedRequest& request, const std::string& name, const std::string& value) {
  for (auto& [h, v] : request.headers) {
    if (h == name) v = value;
  }
}

TEST_F(BotocoreVectors, EveryHeaderSignedRequestVerifies) {
  for (const char* name :
       {"get_object", "list_v2", "put_with_body", "put_odd_chars", "unicode_key", "create_bucket",
        "bucket_subresource", "virtual_host", "unsigned_payload_https"}) {
    const Vector& v = Case(name);
    auto result = Check(v.request, v.signed_at);
    EXPECT_EQ(ErrorCode(result), "OK")
        << name << ": "
        << (std::holds_alternative<S3Error>(result) ? std::get<S3Error>(result).message : "");
  }
}

TEST_F(BotocoreVectors, SignedBodyHashIsReportedForTheEdgeToCheck) {
  const Vector& v = Case("put_with_body");
  auto result = Check(v.request, v.signed_at);
  ASSERT_EQ(ErrorCode(result), "OK");
  EXPECT_EQ(std::get<S3Principal>(result).payload_hash, *crypto::Sha256Hex(v.body));
  EXPECT_EQ(std::get<S3Principal>(result).caller.user_id, "user-1");
  const Vector& u = Case("unsigned_payload_https");
  auto unsigned_result = Check(u.request, u.signed_at);
  ASSERT_EQ(ErrorCode(unsigned_result), "OK");
  EXPECT_EQ(std::get<S3Principal>(unsigned_result).payload_hash, kUnsignedPayload);
}

TEST_F(BotocoreVectors, EveryPresignedUrlVerifiesUntilItExpires) {
  for (const char* name : {"presigned_get", "presigned_put", "presigned_query"}) {
    const Vector& v = Case(name);
    EXPECT_EQ(ErrorCode(Check(v.request, v.signed_at)), "OK") << name;
    EXPECT_EQ(ErrorCode(Check(v.request, v.signed_at + absl::Seconds(590))), "OK") << name;
  }
  const Vector& v = Case("presigned_get");  // X-Amz-Expires=3600
  auto expired = Check(v.request, v.signed_at + absl::Seconds(3601));
  ASSERT_EQ(ErrorCode(expired), "AccessDenied");
  EXPECT_EQ(std::get<S3Error>(expired).message, "Request has expired");
  EXPECT_EQ(ErrorCode(Check(v.request, v.signed_at - absl::Minutes(16))), "AccessDenied");
}

TEST_F(BotocoreVectors, TamperedHeaderPathOrQueryDoesNotMatch) {
  SignedRequest header = Case("put_with_body").request;
  SetHeader(header, "x-amz-meta-colour", "red");
  EXPECT_EQ(ErrorCode(Check(header, Case("put_with_body").signed_at)), "SignatureDoesNotMatch");

  SignedRequest path = Case("get_object").request;
  path.raw_path = "/photos/dog.jpg";
  EXPECT_EQ(ErrorCode(Check(path, Case("get_object").signed_at)), "SignatureDoesNotMatch");

  SignedRequest query = Case("list_v2").request;
  query.raw_query += "&marker=z";
  EXPECT_EQ(ErrorCode(Check(query, Case("list_v2").signed_at)), "SignatureDoesNotMatch");

  SignedRequest presigned = Case("presigned_get").request;
  presigned.raw_path = "/photos/other.jpg";
  EXPECT_EQ(ErrorCode(Check(presigned, Case("presigned_get").signed_at)), "SignatureDoesNotMatch");

  SignedRequest method = Case("presigned_put").request;
  method.method = "DELETE";
  EXPECT_EQ(ErrorCode(Check(method, Case("presigned_put").signed_at)), "SignatureDoesNotMatch");
}

TEST_F(BotocoreVectors, ChangedBodyHashDoesNotMatch) {
  SignedRequest request = Case("put_with_body").request;
  SetHeader(request, "x-amz-content-sha256", *crypto::Sha256Hex("another body"));
  EXPECT_EQ(ErrorCode(Check(request, Case("put_with_body").signed_at)), "SignatureDoesNotMatch");
  SetHeader(request, "x-amz-content-sha256", kUnsignedPayload);
  EXPECT_EQ(ErrorCode(Check(request, Case("put_with_body").signed_at)), "SignatureDoesNotMatch");
}

TEST_F(BotocoreVectors, SkewedClockIsRefusedBeforeTheSignatureIsChecked) {
  const Vector& v = Case("get_object");
  EXPECT_EQ(ErrorCode(Check(v.request, v.signed_at + absl::Minutes(14))), "OK");
  EXPECT_EQ(ErrorCode(Check(v.request, v.signed_at + absl::Minutes(16))), "RequestTimeTooSkewed");
  EXPECT_EQ(ErrorCode(Check(v.request, v.signed_at - absl::Minutes(16))), "RequestTimeTooSkewed");
  EXPECT_EQ(verifier_->calls(), 1);
}

TEST_F(BotocoreVectors, WrongKeyRegionOrServiceIsRefused) {
  const Vector& v = Case("get_object");
  LocalKeyVerifier other_secret(LoadVectors().access_key_id, "not the secret at all");
  SigV4Authenticator with_other({}, other_secret, [&] { return v.signed_at; });
  auto wrong_secret = with_other.Authenticate(v.request);
  EXPECT_EQ(ErrorCode(wrong_secret), "SignatureDoesNotMatch");

  LocalKeyVerifier other_key("DMSOMEONEELSE0000000", LoadVectors().secret);
  SigV4Authenticator with_unknown({}, other_key, [&] { return v.signed_at; });
  EXPECT_EQ(ErrorCode(with_unknown.Authenticate(v.request)), "InvalidAccessKeyId");

  EXPECT_EQ(ErrorCode(Check(v.request, v.signed_at, "eu-central-1")),
            "AuthorizationHeaderMalformed");
  const Vector& iam = Case("wrong_service");
  EXPECT_EQ(ErrorCode(Check(iam.request, iam.signed_at)), "AuthorizationHeaderMalformed");
  EXPECT_EQ(ErrorCode(Check(Case("presigned_get").request, Case("presigned_get").signed_at,
                            "eu-central-1")),
            "AuthorizationQueryParametersError");
}

TEST_F(BotocoreVectors, CachedSigningKeyVerifiesWithoutAskingAgainAndStillRefusesTampering) {
  const Vector& v = Case("get_object");
  SigV4Authenticator authenticator({}, *verifier_, [&] { return v.signed_at; });
  EXPECT_EQ(ErrorCode(authenticator.Authenticate(v.request)), "OK");
  EXPECT_EQ(ErrorCode(authenticator.Authenticate(Case("list_v2").request)), "OK");
  EXPECT_EQ(verifier_->calls(), 1);
  SignedRequest tampered = v.request;
  tampered.raw_path = "/photos/secret.jpg";
  EXPECT_EQ(ErrorCode(authenticator.Authenticate(tampered)), "SignatureDoesNotMatch");
  authenticator.ForgetAccessKey(LoadVectors().access_key_id);
  EXPECT_EQ(ErrorCode(authenticator.Authenticate(v.request)), "OK");
  EXPECT_EQ(verifier_->calls(), 2);
}

// Feeds `body` to the principal's decoder in pieces of `step` bytes.
std::variant<std::string, S3Error> Decode(S3Principal& principal, std::string_view body,
                                          size_t step) {
  std::string out;
  for (size_t i = 0; i < body.size(); i += step) {
    auto piece = principal.chunked->Feed(body.substr(i, step));
    if (auto* error = std::get_if<S3Error>(&piece)) return *error;
    out += std::get<std::string>(piece);
  }
  if (auto error = principal.chunked->Finish()) return *error;
  return out;
}

TEST_F(BotocoreVectors, ChunkedUploadDecodesInAnySplit) {
  for (const char* name : {"chunked_put", "chunked_exact", "chunked_empty"}) {
    const Vector& v = Case(name);
    for (size_t step : {size_t{1}, size_t{7}, size_t{8192}, v.body.size() + 1}) {
      auto result = Check(v.request, v.signed_at);
      ASSERT_EQ(ErrorCode(result), "OK") << name;
      S3Principal& principal = std::get<S3Principal>(result);
      ASSERT_NE(principal.chunked, nullptr);
      auto decoded = Decode(principal, v.body, step);
      ASSERT_TRUE(std::holds_alternative<std::string>(decoded))
          << name << " step " << step << ": " << std::get<S3Error>(decoded).message;
      std::string expected;
      if (std::string(name) == "chunked_put") {
        for (int i = 0; i < 300; ++i) {
          for (int b = 0; b < 256; ++b) expected.push_back(static_cast<char>(b));
        }
      } else if (std::string(name) == "chunked_exact") {
        expected = std::string(4096, 'a');
      }
      EXPECT_EQ(std::get<std::string>(decoded), expected) << name;
    }
  }
}

TEST_F(BotocoreVectors, TamperedChunkedBodyFails) {
  const Vector& v = Case("chunked_put");
  auto fresh = [&] { return std::get<S3Principal>(Check(v.request, v.signed_at)); };

  std::string flipped = v.body;
  flipped[flipped.find("\r\n") + 100] ^= 1;  // a byte of the first chunk's data
  S3Principal a = fresh();
  auto result = Decode(a, flipped, 4096);
  ASSERT_TRUE(std::holds_alternative<S3Error>(result));
  EXPECT_EQ(std::get<S3Error>(result).code, "SignatureDoesNotMatch");

  // Without the final zero-length chunk the body is incomplete.
  std::string truncated = v.body.substr(0, v.body.rfind("0;chunk-signature="));
  S3Principal b = fresh();
  auto cut = Decode(b, truncated, 4096);
  ASSERT_TRUE(std::holds_alternative<S3Error>(cut));
  EXPECT_EQ(std::get<S3Error>(cut).code, "IncompleteBody");

  // A chunk dropped from the middle breaks the chain.
  size_t second = v.body.find("\r\n", v.body.find("\r\n") + 2 + 8192) + 2;
  size_t third = v.body.find("\r\n", v.body.find("\r\n", second) + 2 + 8192) + 2;
  std::string dropped = v.body.substr(0, second) + v.body.substr(third);
  S3Principal c = fresh();
  auto chain = Decode(c, dropped, 4096);
  ASSERT_TRUE(std::holds_alternative<S3Error>(chain));
  EXPECT_EQ(std::get<S3Error>(chain).code, "SignatureDoesNotMatch");

  // The decoded length must match x-amz-decoded-content-length.
  SignedRequest lying = v.request;
  SetHeader(lying, "x-amz-decoded-content-length", "5");
  EXPECT_EQ(ErrorCode(Check(lying, v.signed_at)), "SignatureDoesNotMatch");
}

}  // namespace
}  // namespace datamesh::gateway::s3
