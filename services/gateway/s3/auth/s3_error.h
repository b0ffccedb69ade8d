// S3Error: an S3 error answer (code, message, HTTP status) as the S3 edge renders it in XML.
// The auth layer returns these instead of absl::Status because S3 clients act on the exact code.
#pragma once

#include <string>

namespace datamesh::gateway::s3 {

struct S3Error {
  std::string code;     // e.g. "SignatureDoesNotMatch", "AccessDenied"
  std::string message;  // human-readable, safe to show the client
  int http_status = 403;
};

}  // namespace datamesh::gateway::s3
