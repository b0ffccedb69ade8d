#include "services/gateway/s3/s3_error.h"

#include "absl/strings/str_cat.h"
#include "services/gateway/http/api_error.h"
#include "services/gateway/s3/auth/absl_view.h"
#include "services/gateway/s3/s3_xml.h"
#include "services/gateway/upstream/rpc_status.h"

namespace datamesh::gateway::s3 {
namespace {

constexpr char kInternalMessage[] = "We encountered an internal error. Please try again.";

S3Error ByDmCode(std::string_view dm_error_code, const absl::Status& status) {
  if (dm_error_code == "BUCKET_ALREADY_OWNED_BY_YOU") {
    return {"BucketAlreadyOwnedByYou",
            "Your previous request to create the named bucket succeeded and you already own it.",
            409};
  }
  if (dm_error_code == "BUCKET_ALREADY_EXISTS") {
    return {"BucketAlreadyExists",
            "The requested bucket name is not available. The bucket namespace is shared by all "
            "users of the system. Please select a different name and try again.",
            409};
  }
  if (dm_error_code == "BUCKET_NOT_EMPTY") {
    return {"BucketNotEmpty", "The bucket you tried to delete is not empty", 409};
  }
  // Multipart uploads (s3_multipart.h).
  if (dm_error_code == "NO_SUCH_UPLOAD") return NoSuchUpload();
  if (dm_error_code == "INVALID_PART") return InvalidPart();
  if (dm_error_code == "INVALID_PART_ORDER") return InvalidPartOrder();
  if (dm_error_code == "ENTITY_TOO_SMALL") {
    return {"EntityTooSmall",
            "Your proposed upload is smaller than the minimum allowed object size.", 400};
  }
  return {"", std::string(status.message()), 0};
}

// Errors the edge pinned to an HTTP status (http/api_error.h) before any S3 meaning was known.
S3Error ByEdgeCode(const http::ApiError& api) {
  if (api.code == "QUOTA_EXCEEDED") return {"QuotaExceeded", api.message, 403};
  if (api.code == "RATE_LIMITED" || api.http_status == 429) {
    return {"SlowDown", "Please reduce your request rate.", 503};
  }
  if (api.code == "PAYLOAD_TOO_LARGE") {
    return {"EntityTooLarge", "Your proposed upload exceeds the maximum allowed object size.", 400};
  }
  if (api.code == "RANGE_NOT_SATISFIABLE") {
    return {"InvalidRange", "The requested range is not satisfiable", 416};
  }
  if (api.code == "STORAGE_UNAVAILABLE") return {"ServiceUnavailable", api.message, 503};
  return {"", "", 0};
}

}  // namespace

S3Error NoSuchBucket() { return {"NoSuchBucket", "The specified bucket does not exist", 404}; }
S3Error NoSuchKey() { return {"NoSuchKey", "The specified key does not exist.", 404}; }
S3Error NoSuchUpload() {
  return {"NoSuchUpload",
          "The specified upload does not exist. The upload ID may be invalid, or the upload may "
          "have been aborted or completed.",
          404};
}
S3Error InvalidPart() {
  return {"InvalidPart",
          "One or more of the specified parts could not be found. The part may not have been "
          "uploaded, or the specified entity tag may not match the part's entity tag.",
          400};
}
S3Error InvalidPartOrder() {
  return {"InvalidPartOrder",
          "The list of parts was not in ascending order. Parts must be ordered by part number.",
          400};
}
S3Error AccessDenied(std::string_view message) {
  return {"AccessDenied", std::string(message), 403};
}
S3Error InvalidArgument(std::string_view message) {
  return {"InvalidArgument", std::string(message), 400};
}
S3Error InvalidBucketName(std::string_view message) {
  return {"InvalidBucketName", std::string(message), 400};
}
S3Error MalformedXml() {
  return {"MalformedXML",
          "The XML you provided was not well-formed or did not validate against our published "
          "schema",
          400};
}
S3Error NotImplemented(std::string_view what) {
  return {"NotImplemented",
          absl::StrCat(Av(what), " is not implemented by this server (docs/S3.md lists what is)"),
          501};
}

S3Error S3ErrorFor(const absl::Status& status, Subject subject, std::string_view dm_error_code) {
  if (S3Error e = ByDmCode(dm_error_code, status); !e.code.empty()) return e;
  const http::ApiError api = http::ApiErrorFor(status);
  if (S3Error e = ByEdgeCode(api); !e.code.empty()) return e;
  switch (status.code()) {
    case absl::StatusCode::kNotFound:
      if (subject == Subject::kBucket) return NoSuchBucket();
      if (subject == Subject::kKey) return NoSuchKey();
      return {"NoSuchKey", api.message, 404};
    case absl::StatusCode::kPermissionDenied:
    case absl::StatusCode::kUnauthenticated: return AccessDenied(api.message);
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kOutOfRange: return InvalidArgument(api.message);
    case absl::StatusCode::kAlreadyExists:
    case absl::StatusCode::kFailedPrecondition: return {"OperationAborted", api.message, 409};
    case absl::StatusCode::kDeadlineExceeded:
      // A body read that waited too long on the client; upstream deadlines look the same.
      return {"RequestTimeout",
              "Your socket connection to the server was not read from or written to within the "
              "timeout period.",
              400};
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kResourceExhausted:
      return {"ServiceUnavailable", "Please reduce your request rate.", 503};
    case absl::StatusCode::kUnimplemented: return NotImplemented("this operation");
    default: return {"InternalError", kInternalMessage, 500};
  }
}

S3Error S3ErrorForServer(const http::ServerError& error) {
  using Stage = http::ServerError::Stage;
  const http::ApiError api = http::ApiErrorFor(error.status);
  if (api.http_status == 405) {
    return {"MethodNotAllowed", "The specified method is not allowed against this resource.", 405};
  }
  if (api.http_status == 431) {
    return {"RequestHeaderSectionTooLarge",
            "Your request header section exceeds the maximum allowed size.", 400};
  }
  if (error.stage == Stage::kRequest) {
    if (api.http_status == 503) return {"SlowDown", "Please reduce your request rate.", 503};
    // No request line parsed: not HTTP a server can answer about any resource.
    if (error.target.empty() && api.http_status != 414) {
      return {"InvalidRequest", "The request is not a valid HTTP request.", 400};
    }
    return {"InvalidURI", absl::StrCat("Couldn't parse the specified URI: ", api.message), 400};
  }
  return S3ErrorFor(error.status, Subject::kNone);
}

http::RenderedError RenderAsS3Error(const http::ServerError& error) {
  const S3Error s3 = S3ErrorForServer(error);
  const std::string_view resource = error.target.substr(0, error.target.find('?'));
  return {s3.http_status,
          "application/xml",
          ErrorXml(s3, resource, error.request_id),
          {{"x-amz-request-id", std::string(error.request_id)}}};
}

std::string ErrorXml(const S3Error& error, std::string_view resource, std::string_view request_id) {
  XmlWriter xml;
  xml.Open("Error");
  xml.Element("Code", error.code);
  xml.Element("Message", error.message);
  xml.Element("Resource", resource);
  xml.Element("RequestId", request_id);
  return xml.Finish();
}

void WriteS3Error(http::ResponseWriter& w, const http::Request& request, const S3Error& error,
                  int retry_after_seconds) {
  if (w.headers_sent()) return;
  w.SetStatus(error.http_status);
  if (retry_after_seconds > 0) w.SetHeader("Retry-After", std::to_string(retry_after_seconds));
  // HEAD answers carry no body: clients read the status (and x-amz-request-id) alone.
  (void)w.WriteWhole(ErrorXml(error, request.path(), request.request_id()), "application/xml");
}

}  // namespace datamesh::gateway::s3
