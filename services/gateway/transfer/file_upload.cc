#include "services/gateway/transfer/file_upload.h"

#include <memory>
#include <optional>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "services/gateway/transfer/multipart_reader.h"
#include "services/gateway/transfer/tag_query.h"
#include "services/gateway/transfer/upload_stream.h"
#include "services/gateway/upstream/rpc_status.h"
#include "services/gateway/upstream/unary_call.h"
#include "shared/log/log.h"
#include "shared/text/utf8.h"

namespace datamesh::gateway {
namespace {

namespace fv1 = file::v1;
constexpr size_t kChunkBytes = 1 << 20;

bool IsPrintableAscii(std::string_view s) {
  for (unsigned char c : s) {
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

// The query parameter `query`, else the header `header`.
std::optional<std::string_view> QueryOrHeader(const http::Request& r, std::string_view query,
                                              std::string_view header) {
  std::optional<std::string_view> value = r.query_param(query);
  return value ? value : r.header(header);
}

// ?encryption= / X-DataMesh-Encryption and ?uploadId= / X-Upload-Id into `h`.
absl::Status ApplyUploadOptions(const http::Request& r, fv1::UploadHeader& h) {
  if (auto encryption = QueryOrHeader(r, "encryption", "X-DataMesh-Encryption")) {
    if (*encryption != "client" && *encryption != "server") {
      return absl::InvalidArgumentError("encryption must be \"client\" or \"server\"");
    }
    h.set_client_encrypted(*encryption == "client");
  }
  if (auto upload_id = QueryOrHeader(r, "uploadId", "X-Upload-Id")) {
    if (!IsValidUploadId(*upload_id)) {
      return absl::InvalidArgumentError("upload id must be 1-64 characters of [A-Za-z0-9_-]");
    }
    h.set_upload_id(std::string(*upload_id));
  }
  return absl::OkStatus();
}

// The upload header from the request's query and headers. INVALID_ARGUMENT for bad tags,
// encryption or upload id.
absl::StatusOr<fv1::UploadHeader> MakeHeader(const Caller& caller, const http::Request& r) {
  fv1::UploadHeader h;
  h.set_owner_id(caller.user_id);
  h.set_owner_tier(caller.tier);
  h.set_owner_public_key(caller.public_key);
  h.set_owner_key_version(caller.key_version);
  h.set_name(std::string(QueryOrHeader(r, "name", "X-File-Name").value_or("")));
  // Query values are checked by the server; a header may carry any byte.
  if (!text::IsValidUtf8(h.name())) {
    return absl::InvalidArgumentError(
        "X-File-Name is not valid UTF-8 (percent-encode the name in "
        "?name= instead)");
  }
  h.set_content_type(std::string(r.header("Content-Type").value_or("")));
  if (!IsPrintableAscii(h.content_type())) {
    return absl::InvalidArgumentError("Content-Type must be printable ASCII");
  }
  if (std::optional<std::string_view> tags = r.query_param("tags")) {
    absl::StatusOr<std::map<std::string, std::string>> parsed = ParseTagQuery(*tags);
    if (!parsed.ok()) return parsed.status();
    h.mutable_tags()->insert(parsed->begin(), parsed->end());
  }
  if (absl::Status s = ApplyUploadOptions(r, h); !s.ok()) return s;
  if (r.content_length()) h.set_declared_size(*r.content_length());
  return h;
}

// For a multipart body: positions `multipart` at the file's bytes and takes the name (unless
// the request named the file) and type from its part. The declared size is the whole body's,
// not the file's, so it is dropped (the reservation still uses it as an upper bound).
absl::Status StartMultipart(const http::Request& r, MultipartFileReader& multipart,
                            fv1::UploadHeader& h) {
  if (absl::Status s = multipart.Start(); !s.ok()) return s;
  if (!QueryOrHeader(r, "name", "X-File-Name")) h.set_name(multipart.filename());
  h.set_content_type(multipart.content_type());
  if (!text::IsValidUtf8(h.name())) {
    return absl::InvalidArgumentError("the file part's filename is not valid UTF-8");
  }
  if (!IsPrintableAscii(h.content_type())) {
    return absl::InvalidArgumentError("the file part's Content-Type must be printable ASCII");
  }
  h.clear_declared_size();
  return absl::OkStatus();
}

// An HTTP body as an upload source, read 1 MiB per message.
class BodyUploadSource : public UploadSource {
 public:
  explicit BodyUploadSource(http::BodyReader& body) : body_(body) {}

  absl::StatusOr<bool> Next(fv1::UploadRequest& message) override {
    // Not zero-filled and made only when the body starts: a stalled upload then holds just the
    // pages its bytes touched, not a whole chunk.
    if (buffer_ == nullptr) buffer_.reset(new char[kChunkBytes]);
    // A socket read returns what one TCP read delivered (often tens of KiB); gather a whole
    // chunk first, since every gRPC message costs a write, a wake-up and a copy downstream.
    size_t filled = 0;
    while (filled < kChunkBytes) {
      absl::StatusOr<size_t> n = body_.Read(buffer_.get() + filled, kChunkBytes - filled);
      if (!n.ok()) return n.status();
      if (*n == 0) break;
      filled += *n;
    }
    message.set_chunk(buffer_.get(), filled);
    return filled > 0;
  }

 private:
  http::BodyReader& body_;
  std::unique_ptr<char[]> buffer_;
};

}  // namespace

bool IsValidUploadId(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-') return false;
  }
  return true;
}

void HandleUpload(const ApiContext& ctx, const Caller& caller, const http::Request& r,
                  http::BodyReader& body, http::ResponseWriter& w) {
  absl::StatusOr<fv1::UploadHeader> header = MakeHeader(caller, r);
  if (!header.ok()) return WriteApiError(w, header.status());
  absl::StatusOr<TransferSlots::Slot> slot = ctx.transfers->Acquire(caller.user_id);
  if (!slot.ok()) return WriteApiError(w, slot.status());
  const std::string_view content_type = r.header("Content-Type").value_or("");
  std::optional<MultipartFileReader> multipart;
  http::BodyReader* source = &body;
  if (absl::StartsWithIgnoreCase(absl::string_view(content_type.data(), content_type.size()),
                                 "multipart/")) {
    absl::StatusOr<std::string> boundary = MultipartBoundary(content_type);
    if (!boundary.ok()) return WriteApiError(w, boundary.status());
    multipart.emplace(body, *std::move(boundary));
    if (absl::Status s = StartMultipart(r, *multipart, *header); !s.ok()) {
      return WriteApiError(w, s);
    }
    source = &*multipart;
  }
  BodyUploadSource upload_source(*source);
  // A multipart body's declared size is the whole body's: still a fine upper bound to reserve.
  absl::StatusOr<fv1::UploadResponse> stored =
      StreamUpload(ctx, caller, CallOrigin{std::string(r.request_id())}, *std::move(header),
                   r.content_length().value_or(0), upload_source);
  if (!stored.ok()) return WriteApiError(w, stored.status());
  WriteJson(w, 201, *stored);
}

}  // namespace datamesh::gateway
