// GetObject and HeadObject (s3_handlers.h): the newest file of the key's name, its conditional
// headers (s3_conditions.h), one Range (transfer/byte_range.h), and the bytes streamed by the
// REST download path (transfer/file_download.h: bandwidth, transfer slots, cut on error).
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "services/gateway/s3/s3_conditions.h"
#include "services/gateway/s3/s3_handlers.h"
#include "services/gateway/s3/s3_metadata.h"
#include "services/gateway/s3/s3_names.h"
#include "services/gateway/transfer/byte_range.h"
#include "services/gateway/transfer/file_download.h"
#include "shared/text/utf8.h"

namespace datamesh::gateway::s3 {
namespace {

namespace fv1 = file::v1;

Conditions RequestConditions(const http::Request& r) {
  return Conditions{r.header("If-Match"), r.header("If-None-Match"), r.header("If-Modified-Since"),
                    r.header("If-Unmodified-Since")};
}

// 304 carries the validators, no body.
void NotModified(const S3Call& c, const fv1::File& file) {
  c.w.SetStatus(304);
  c.w.SetHeader("ETag", EtagOf(file));
  c.w.SetHeader("Last-Modified",
                FormatHttpDate(absl::FromUnixSeconds(file.created_at().seconds())));
  (void)c.w.WriteWhole("", "");
}

}  // namespace

void GetObject(const S3Call& c) {
  if (text::HasControlCharacter(c.target.key)) {
    // What S3 answers for a key with control characters in the URI (its parser refuses them).
    return c.Fail(S3Error{"InvalidURI", "Couldn't parse the specified URI.", 400});
  }
  if (!ValidateKey(c.target.bucket, c.target.key).ok()) {
    // A key that cannot name a file names no object.
    if (RequireOwnBucket(c, c.target.bucket)) c.Fail(NoSuchKey());
    return;
  }
  if (!RequireOwnBucket(c, c.target.bucket)) return;
  fv1::File file;
  RpcOutcome got = StatObject(c, c.target.bucket, c.target.key, file);
  if (!got.ok()) return c.Fail(got.status, Subject::kKey, got.dm_error_code);
  const absl::Time modified = absl::FromUnixSeconds(file.created_at().seconds());
  switch (Evaluate(RequestConditions(c.request), BareEtagOf(file), modified)) {
    case ConditionOutcome::kNotModified: return NotModified(c, file);
    case ConditionOutcome::kPreconditionFailed:
      return c.Fail(S3Error{"PreconditionFailed",
                            "At least one of the pre-conditions you specified did not hold", 412});
    case ConditionOutcome::kProceed: break;
  }
  const uint64_t size = file.size();
  const RangeRequest range = ParseRange(c.request.header("Range"), size);
  if (range.kind == RangeRequest::Kind::kUnsatisfiable) {
    c.w.SetHeader("Content-Range", absl::StrCat("bytes */", size));
    return c.Fail(S3Error{"InvalidRange", "The requested range is not satisfiable", 416});
  }
  const bool partial = range.kind == RangeRequest::Kind::kPartial;
  if (c.request.is_head()) {
    if (partial) {
      c.w.SetStatus(206);
      c.w.SetHeader("Content-Range", absl::StrCat("bytes ", range.offset, "-",
                                                  range.offset + range.length - 1, "/", size));
    }
    SetObjectHeaders(file, c.request, c.w);
    (void)c.w.BeginStream(partial ? range.length : size);
    return;
  }
  // The headers describe the file as it was stat'ed: a download of a file replaced meanwhile
  // streams the bytes of the id stat'ed, never a mix.
  DownloadSpec spec{
      .file_id = file.id(),
      .range = range,
      .size = size,
      .set_headers = [&](const fv1::File&,
                         http::ResponseWriter& w) { SetObjectHeaders(file, c.request, w); },
      .write_error = [&](const absl::Status& s,
                         http::ResponseWriter&) { c.Fail(s, Subject::kKey); }};
  StreamFileDownload(c.api(), c.caller(), c.request.request_id(), spec, c.w);
}

}  // namespace datamesh::gateway::s3
