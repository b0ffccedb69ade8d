#include "services/gateway/s3/s3_body.h"

#include <openssl/evp.h>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "services/gateway/s3/auth/absl_view.h"
#include "shared/crypto/encoding.h"
#include "shared/crypto/hash.h"

namespace datamesh::gateway::s3 {
namespace {

constexpr size_t kRawReadBytes = 256 * 1024;

bool IsHexDigest(std::string_view s) {
  if (s.size() != 64) return false;
  for (char c : s) {
    if (!absl::ascii_isxdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

}  // namespace

// SHA-256 of the signed payload and MD5 for Content-MD5, each only when checked.
struct S3Body::Hashers {
  std::optional<crypto::Sha256Hasher> sha256;
  EVP_MD_CTX* md5 = nullptr;
  ~Hashers() {
    if (md5 != nullptr) EVP_MD_CTX_free(md5);
  }
};

S3Error BodyReadError(const absl::Status& status) {
  if (status.code() == absl::StatusCode::kInvalidArgument) {
    return {"IncompleteBody",
            "You did not provide the number of bytes specified by the Content-Length HTTP header",
            400};
  }
  return S3ErrorFor(status, Subject::kNone);
}

S3Body::S3Body(http::BodyReader& body, ChunkedPayloadDecoder* chunked)
    : body_(body), chunked_(chunked), hashers_(std::make_unique<Hashers>()) {}

S3Body::~S3Body() = default;

std::variant<std::unique_ptr<S3Body>, S3Error> S3Body::Open(const S3Call& c) {
  std::unique_ptr<S3Body> b(new S3Body(c.body, c.principal.chunked.get()));
  if (IsHexDigest(c.principal.payload_hash)) {
    absl::StatusOr<crypto::Sha256Hasher> hasher = crypto::Sha256Hasher::Create();
    if (!hasher.ok()) return S3ErrorFor(hasher.status(), Subject::kNone);
    b->hashers_->sha256.emplace(*std::move(hasher));
    b->expected_sha256_hex_ = absl::AsciiStrToLower(c.principal.payload_hash);
  }
  if (std::optional<std::string_view> md5 = c.request.header("Content-MD5")) {
    std::string raw;
    if (!absl::Base64Unescape(absl::StripAsciiWhitespace(Av(*md5)), &raw) || raw.size() != 16) {
      return S3Error{"InvalidDigest", "The Content-MD5 you specified was invalid.", 400};
    }
    b->expected_md5_ = std::move(raw);
    b->hashers_->md5 = EVP_MD_CTX_new();
    if (b->hashers_->md5 == nullptr ||
        EVP_DigestInit_ex(b->hashers_->md5, EVP_md5(), nullptr) != 1) {
      return S3ErrorFor(absl::InternalError("md5 unavailable"), Subject::kNone);
    }
  }
  return b;
}

// Reads raw bytes until some payload bytes are pending or the body ended.
std::optional<S3Error> S3Body::Refill() {
  // Made only when the body starts, and not zero-filled: a stalled upload holds just the pages
  // its bytes touched.
  if (raw_ == nullptr) raw_.reset(new char[kRawReadBytes]);
  while (pending_at_ >= pending_.size() && !ended_) {
    absl::StatusOr<size_t> n = body_.Read(raw_.get(), kRawReadBytes);
    if (!n.ok()) return BodyReadError(n.status());
    pending_.clear();
    pending_at_ = 0;
    if (*n == 0) {
      ended_ = true;
      if (chunked_ != nullptr) {
        if (std::optional<S3Error> e = chunked_->Finish()) return e;
      }
      break;
    }
    const std::string_view got(raw_.get(), *n);
    // The signed hash is of the body as sent (for aws-chunked it is the streaming marker).
    if (hashers_->sha256) hashers_->sha256->Update(got);
    if (chunked_ == nullptr) {
      pending_.assign(got);
    } else {
      std::variant<std::string, S3Error> decoded = chunked_->Feed(got);
      if (auto* e = std::get_if<S3Error>(&decoded)) return *e;
      pending_ = std::get<std::string>(std::move(decoded));
    }
    if (hashers_->md5 != nullptr) EVP_DigestUpdate(hashers_->md5, pending_.data(), pending_.size());
  }
  return std::nullopt;
}

std::optional<S3Error> S3Body::Verify() {
  if (hashers_->sha256) {
    absl::StatusOr<crypto::Sha256Digest> digest = hashers_->sha256->Finish();
    if (!digest.ok()) return S3ErrorFor(digest.status(), Subject::kNone);
    if (crypto::HexEncode(crypto::AsStringView(*digest)) != expected_sha256_hex_) {
      return S3Error{"XAmzContentSHA256Mismatch",
                     "The provided 'x-amz-content-sha256' header does not match what was "
                     "computed.",
                     400};
    }
  }
  if (hashers_->md5 != nullptr) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_DigestFinal_ex(hashers_->md5, md, &len);
    const std::string got(reinterpret_cast<const char*>(md), len);
    md5_hex_ = crypto::HexEncode(got);
    if (got != expected_md5_) {
      return S3Error{"BadDigest", "The Content-MD5 you specified did not match what we received.",
                     400};
    }
  }
  return std::nullopt;
}

std::variant<size_t, S3Error> S3Body::Read(char* buffer, size_t size) {
  if (pending_at_ >= pending_.size()) {
    if (ended_) return size_t{0};
    if (std::optional<S3Error> e = Refill()) return *e;
    if (pending_at_ >= pending_.size()) {
      if (std::optional<S3Error> e = Verify()) return *e;
      return size_t{0};
    }
  }
  const size_t n = std::min(size, pending_.size() - pending_at_);
  std::copy_n(pending_.data() + pending_at_, n, buffer);
  pending_at_ += n;
  return n;
}

}  // namespace datamesh::gateway::s3
