// POST /api/v1/files: the raw request body streamed into FileService.Upload, 1 MiB at a time,
// never buffered whole. A declared Content-Length is reserved first with QuotaService.Reserve
// (403 QUOTA_EXCEEDED before a byte is sent) and the reservation travels in the upload header.
// A body that ends early or breaks cancels the stream, so file-ingest stores nothing; the
// answer is then 400 (or the body's own error).
//
// A `multipart/form-data` body is read through MultipartFileReader (one "file" part; its
// filename names the file unless ?name= / X-File-Name does, its Content-Type is kept). Options:
// ?encryption=client or X-DataMesh-Encryption: client marks client-encrypted content;
// ?uploadId= or X-Upload-Id (1-64 of [A-Za-z0-9_-]) correlates upload.progress events.
#pragma once

#include <string_view>

#include "services/gateway/routes/api_context.h"

namespace datamesh::gateway {

// True for 1-64 characters of [A-Za-z0-9_-].
bool IsValidUploadId(std::string_view id);

void HandleUpload(const ApiContext& ctx, const Caller& caller, const http::Request& request,
                  http::BodyReader& body, http::ResponseWriter& w);

}  // namespace datamesh::gateway
