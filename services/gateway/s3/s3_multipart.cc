#include "services/gateway/s3/s3_multipart.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "services/gateway/s3/auth/absl_view.h"
#include "services/gateway/s3/s3_names.h"

namespace datamesh::gateway::s3 {

namespace fv1 = file::v1;

std::variant<uint32_t, S3Error> ParsePartNumber(std::optional<std::string_view> value) {
  uint32_t n = 0;
  if (!value || !absl::SimpleAtoi(Av(*value), &n) || n < 1 || n > kMaxPartNumber) {
    return InvalidArgument("Part number must be an integer between 1 and 10000, inclusive");
  }
  return n;
}

std::variant<CopyRange, S3Error> ParseCopySourceRange(std::optional<std::string_view> value,
                                                      uint64_t size) {
  if (!value) return CopyRange{0, size};
  const S3Error malformed = InvalidArgument(
      "The x-amz-copy-source-range value must be of the form bytes=first-last where first and "
      "last are the zero-based offsets of the first and last bytes to copy");
  absl::string_view spec = Av(*value);
  if (!absl::ConsumePrefix(&spec, "bytes=")) return malformed;
  const size_t dash = spec.find('-');
  uint64_t first = 0, last = 0;
  if (dash == absl::string_view::npos || !absl::SimpleAtoi(spec.substr(0, dash), &first) ||
      !absl::SimpleAtoi(spec.substr(dash + 1), &last) || first > last) {
    return malformed;
  }
  if (last >= size) {
    return S3Error{"InvalidRange",
                   absl::StrCat("The x-amz-copy-source-range lies beyond the source object's ",
                                size, " bytes"),
                   416};
  }
  return CopyRange{first, last - first + 1};
}

std::optional<std::string> RequireUpload(const S3Call& c, bool or_finished) {
  const std::string upload_id(c.request.query_param("uploadId").value_or(""));
  if (upload_id.empty()) {
    c.Fail(NoSuchUpload());
    return std::nullopt;
  }
  // One part is enough to learn the upload's name: an upload of another key is not this one.
  fv1::ListPartsRequest req;
  req.set_owner_id(c.caller().user_id);
  req.set_upload_id(upload_id);
  req.set_max_parts(1);
  fv1::ListPartsResponse resp;
  RpcOutcome got = CallService(c, [&](grpc::ClientContext& ctx) {
    return c.api().clients->file().ListParts(&ctx, req, &resp);
  });
  if (or_finished && got.dm_error_code == "NO_SUCH_UPLOAD") return upload_id;
  if (!got.ok()) {
    c.Fail(got.status, Subject::kNone, got.dm_error_code);
    return std::nullopt;
  }
  if (resp.name() != FileName(c.target.bucket, c.target.key)) {
    c.Fail(NoSuchUpload());
    return std::nullopt;
  }
  return upload_id;
}

UploadOwner OwnerOf(const S3Call& c) { return {c.caller().user_id, c.caller().username}; }

}  // namespace datamesh::gateway::s3
