// aws-chunked decoding. A chunk's bytes are held until its "\r\n" and signature arrive, so the
// largest chunk accepted bounds the memory one upload can pin (kMaxChunkSize; SDKs send 8-128
// KiB chunks).
#include "services/gateway/s3/auth/chunked_payload.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "services/gateway/s3/auth/absl_view.h"
#include "services/gateway/s3/auth/sigv4.h"
#include "shared/crypto/compare.h"
#include "shared/crypto/hash.h"

namespace datamesh::gateway::s3 {
namespace {

constexpr uint64_t kMaxChunkSize = 16 << 20;
constexpr size_t kMaxHeaderLine = 256;
constexpr char kChunkAlgorithm[] = "AWS4-HMAC-SHA256-PAYLOAD";
constexpr char kSignatureField[] = ";chunk-signature=";
// hex(sha256("")): the chunk string to sign's fixed "previous headers" hash.
constexpr char kEmptySha256[] = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

}  // namespace

ChunkedPayloadDecoder::ChunkedPayloadDecoder(std::string signing_key, std::string amz_date,
                                             std::string scope, std::string seed_signature,
                                             std::optional<uint64_t> decoded_length)
    : signing_key_(std::move(signing_key)),
      amz_date_(std::move(amz_date)),
      scope_(std::move(scope)),
      decoded_length_(decoded_length),
      previous_signature_(std::move(seed_signature)) {}

S3Error ChunkedPayloadDecoder::Fail(std::string code, std::string message, int status) {
  state_ = State::kFailed;
  pending_.clear();
  return S3Error{std::move(code), std::move(message), status};
}

std::optional<S3Error> ChunkedPayloadDecoder::ParseHeaderLine(std::string_view line) {
  size_t field = line.find(kSignatureField);
  if (field == std::string_view::npos) {
    return Fail("InvalidRequest", "aws-chunked chunk header has no chunk-signature", 400);
  }
  std::string_view size_hex = line.substr(0, field);
  std::string_view signature = line.substr(field + sizeof(kSignatureField) - 1);
  uint64_t size = 0;
  if (size_hex.empty() || size_hex.size() > 16 || !absl::SimpleHexAtoi(Av(size_hex), &size)) {
    return Fail("InvalidRequest", "aws-chunked chunk size is not hexadecimal", 400);
  }
  if (size > kMaxChunkSize) {
    return Fail("InvalidRequest",
                absl::StrCat("aws-chunked chunks may be at most ", kMaxChunkSize, " bytes"), 400);
  }
  if (signature.size() != 64) {
    return Fail("InvalidRequest", "aws-chunked chunk-signature is not 64 hex characters", 400);
  }
  chunk_size_ = size;
  chunk_signature_ = std::string(signature);
  return std::nullopt;
}

std::optional<S3Error> ChunkedPayloadDecoder::VerifyChunk(std::string_view data) {
  absl::StatusOr<std::string> data_hash = crypto::Sha256Hex(data);
  if (!data_hash.ok()) return Fail("InternalError", "hashing failed", 500);
  const std::string to_sign =
      absl::StrCat(kChunkAlgorithm, "\n", amz_date_, "\n", scope_, "\n", previous_signature_, "\n",
                   kEmptySha256, "\n", *data_hash);
  const std::string expected = SignHex(signing_key_, to_sign);
  if (!crypto::ConstantTimeEquals(expected, absl::AsciiStrToLower(chunk_signature_))) {
    return Fail("SignatureDoesNotMatch",
                "The chunk signature we calculated does not match the signature you provided.",
                403);
  }
  previous_signature_ = expected;
  return std::nullopt;
}

std::variant<std::string, S3Error> ChunkedPayloadDecoder::Feed(std::string_view bytes) {
  std::string out;
  while (!bytes.empty()) {
    switch (state_) {
      case State::kFailed:
        return S3Error{"InvalidRequest", "the aws-chunked body already failed", 400};
      case State::kDone:
        return Fail("InvalidRequest", "data after the final aws-chunked chunk", 400);
      case State::kHeader: {
        size_t end = bytes.find('\n');
        pending_.append(bytes.substr(0, end == std::string_view::npos ? bytes.size() : end + 1));
        bytes.remove_prefix(end == std::string_view::npos ? bytes.size() : end + 1);
        if (pending_.size() > kMaxHeaderLine) {
          return Fail("InvalidRequest", "aws-chunked chunk header too long", 400);
        }
        if (end == std::string_view::npos) break;
        if (!absl::EndsWith(pending_, "\r\n")) {
          return Fail("InvalidRequest", "aws-chunked chunk header not ended by CRLF", 400);
        }
        std::string line = pending_.substr(0, pending_.size() - 2);
        pending_.clear();
        if (auto error = ParseHeaderLine(line)) return *std::move(error);
        state_ = State::kData;
        if (chunk_size_ == 0) {
          // The final chunk: its signature covers the empty payload and ends the chain.
          if (auto error = VerifyChunk("")) return *std::move(error);
          state_ = State::kFinalCrlf;
        }
        break;
      }
      case State::kData: {
        size_t take = std::min<uint64_t>(bytes.size(), chunk_size_ - pending_.size());
        pending_.append(bytes.substr(0, take));
        bytes.remove_prefix(take);
        if (pending_.size() == chunk_size_) state_ = State::kDataCrlf;
        break;
      }
      case State::kDataCrlf:
      case State::kFinalCrlf: {
        // Two bytes "\r\n"; kept after the chunk data in pending_ until both are here.
        const size_t have = pending_.size() - (state_ == State::kDataCrlf ? chunk_size_ : 0);
        const size_t take = std::min<size_t>(bytes.size(), 2 - have);
        pending_.append(bytes.substr(0, take));
        bytes.remove_prefix(take);
        if (have + take < 2) break;
        if (!absl::EndsWith(pending_, "\r\n")) {
          return Fail("IncompleteBody", "aws-chunked chunk data not followed by CRLF", 400);
        }
        if (state_ == State::kFinalCrlf) {
          pending_.clear();
          state_ = State::kDone;
          break;
        }
        std::string_view data(pending_.data(), chunk_size_);
        if (auto error = VerifyChunk(data)) return *std::move(error);
        out.append(data);
        decoded_bytes_ += chunk_size_;
        pending_.clear();
        state_ = State::kHeader;
        if (decoded_length_ && decoded_bytes_ > *decoded_length_) {
          return Fail("IncompleteBody", "more bytes than x-amz-decoded-content-length", 400);
        }
        break;
      }
    }
  }
  return out;
}

std::optional<S3Error> ChunkedPayloadDecoder::Finish() {
  if (state_ == State::kFailed) {
    return S3Error{"InvalidRequest", "the aws-chunked body already failed", 400};
  }
  // A missing CRLF after the final zero-length chunk is tolerated: its signature verified.
  if (state_ != State::kDone && !(state_ == State::kFinalCrlf && pending_.empty())) {
    return Fail("IncompleteBody", "the aws-chunked body ended before its final chunk", 400);
  }
  if (decoded_length_ && decoded_bytes_ != *decoded_length_) {
    return Fail("IncompleteBody", "the body does not match x-amz-decoded-content-length", 400);
  }
  state_ = State::kDone;
  return std::nullopt;
}

}  // namespace datamesh::gateway::s3
