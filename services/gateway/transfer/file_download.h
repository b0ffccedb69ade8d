// GET and HEAD /api/v1/files/{id}: FileService.Stat for the size and headers, then (GET) the
// FileService.Download stream written out as it arrives, with Content-Length, ETag (the
// SHA-256), Content-Type, Content-Disposition and Accept-Ranges. A single `Range` is served as
// 206 with Content-Range; an unsatisfiable one is 416 (see byte_range.h). An error after the
// headers went out cuts the response short (the connection closes), so a client never takes a
// truncated body for a whole one.
//
// Bandwidth: before a GET body starts, QuotaService.CheckBandwidth admits the bytes to send
// (403 QUOTA_EXCEEDED, nothing sent, when refused); afterwards RecordBandwidth counts the bytes
// actually sent. HEAD sends no body and counts nothing.
#pragma once

#include <string>
#include <string_view>

#include "services/gateway/routes/api_context.h"

namespace datamesh::gateway {

// `attachment; filename="<ascii fallback>"; filename*=UTF-8''<percent-encoded>` for the last
// path segment of `name`.
std::string ContentDisposition(std::string_view name);

void HandleDownload(const ApiContext& ctx, const Caller& caller, const http::Request& request,
                    http::ResponseWriter& w);

}  // namespace datamesh::gateway
