// S3 error answers: the one mapping from what the services (and the edge's own limits) answer
// to S3's error codes, and the XML error body every S3 client parses:
//
//   <Error><Code>NoSuchKey</Code><Message>..</Message><Resource>/b/k</Resource>
//          <RequestId>..</RequestId></Error>
//
// Mapping (docs/S3.md lists it): NOT_FOUND is NoSuchBucket or NoSuchKey by what was looked up;
// PERMISSION_DENIED AccessDenied; INVALID_ARGUMENT InvalidArgument; ALREADY_EXISTS and
// FAILED_PRECONDITION by file-ingest's dm-error-code (BucketAlreadyOwnedByYou,
// BucketAlreadyExists, BucketNotEmpty; NoSuchUpload, InvalidPart, InvalidPartOrder,
// EntityTooSmall for multipart uploads); the edge's 403 QUOTA_EXCEEDED is 403 QuotaExceeded (as
// Ceph RGW answers); 429 RATE_LIMITED and 429 transfer slots are 503 SlowDown (what the AWS SDKs
// retry with back-off); 413 EntityTooLarge; 503 and UNAVAILABLE ServiceUnavailable; a client
// that stalls RequestTimeout; anything else 500 InternalError with a generic message.
//
// Thread safety: pure functions, except WriteS3Error which uses the one writer it is given.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "services/gateway/http/request.h"
#include "services/gateway/http/router.h"
#include "services/gateway/s3/auth/s3_error.h"

namespace datamesh::gateway::s3 {

// What a NOT_FOUND answer was about.
enum class Subject { kBucket, kKey, kNone };

// The S3 error for a non-OK `status` (as StatusFromRpc maps services' answers, or an edge
// limit), refined by file-ingest's `dm_error_code` when set.
S3Error S3ErrorFor(const absl::Status& status, Subject subject,
                   std::string_view dm_error_code = {});

S3Error NoSuchBucket();
S3Error NoSuchKey();
// Multipart uploads: NO_SUCH_UPLOAD, INVALID_PART and INVALID_PART_ORDER of file-ingest.
S3Error NoSuchUpload();
S3Error InvalidPart();
S3Error InvalidPartOrder();
S3Error AccessDenied(std::string_view message = "Access Denied");
S3Error InvalidArgument(std::string_view message);
S3Error InvalidBucketName(std::string_view message);
S3Error MalformedXml();
S3Error NotImplemented(std::string_view what);

// The <Error> document for `error`; `resource` is the request's path.
std::string ErrorXml(const S3Error& error, std::string_view resource, std::string_view request_id);

// The S3 error for an answer the HTTP server makes itself, before or around a handler
// (http::ServerError), so that S3 clients get S3's document for those too: 405 MethodNotAllowed;
// a body over --max-upload-bytes EntityTooLarge (400); a header block over the limit
// RequestHeaderSectionTooLarge (400); a target with dot segments, bad percent escapes or over
// the length limit InvalidURI (400); a request that is not HTTP InvalidRequest (400); too many
// connections SlowDown (503); otherwise as S3ErrorFor (a stalled body: RequestTimeout, 400).
S3Error S3ErrorForServer(const http::ServerError& error);

// The S3 listener's http::ErrorRenderer: S3ErrorForServer as the <Error> document, with the
// target's path as the resource.
http::RenderedError RenderAsS3Error(const http::ServerError& error);

// Sends `error` (with Retry-After when `retry_after_seconds` > 0); for HEAD, headers only.
void WriteS3Error(http::ResponseWriter& w, const http::Request& request, const S3Error& error,
                  int retry_after_seconds = 0);

}  // namespace datamesh::gateway::s3
