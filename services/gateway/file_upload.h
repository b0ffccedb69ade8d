// POST /api/v1/files: the raw request body streamed into FileService.Upload, 1 MiB at a time,
// never buffered whole. A declared Content-Length is reserved first with QuotaService.Reserve
// (403 QUOTA_EXCEEDED before a byte is sent) and the reservation travels in the upload header.
// A body that ends early or breaks cancels the stream, so file-ingest stores nothing; the
// answer is then 400 (or the body's own error).
#pragma once

#include "services/gateway/api_context.h"

namespace datamesh::gateway {

void HandleUpload(const ApiContext& ctx, const Caller& caller, const http::Request& request,
                  http::BodyReader& body, http::ResponseWriter& w);

}  // namespace datamesh::gateway
