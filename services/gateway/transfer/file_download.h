// GET and HEAD /api/v1/files/{id}: the FileService.Download stream written out as it arrives
// (a GET with a Range, and HEAD, first ask FileService.Stat for the size), with
// Content-Length, ETag (the SHA-256), Content-Type, Content-Disposition and Accept-Ranges. A
// single `Range` is served as 206 with Content-Range; an unsatisfiable one is 416 (see
// byte_range.h). An error after the headers went out cuts the response short (the connection
// closes), so a client never takes a truncated body for a whole one.
//
// Bandwidth: before a GET body starts, the bytes to send are admitted (403 QUOTA_EXCEEDED,
// nothing sent, when refused): by paying for them with QuotaService.RecordBandwidth when they
// fit in one step (kBandwidthStep), else by QuotaService.CheckBandwidth first; afterwards the
// bytes actually sent are what is counted. HEAD sends no body and counts nothing.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "datamesh/file/v1/file.pb.h"
#include "services/gateway/routes/api_context.h"
#include "services/gateway/transfer/byte_range.h"

namespace datamesh::gateway {

// `attachment; filename="<ascii fallback>"; filename*=UTF-8''<percent-encoded>` for the last
// path segment of `name`.
std::string ContentDisposition(std::string_view name);

// One download as both edges (REST here, S3 in s3/) stream it: the file, the part to send
// (kWhole or kPartial) and the file's size (0 when unknown: only a kWhole spec may leave it
// out); `set_headers` sets the answer's headers from the file once its first message arrived
// (status 206 and Content-Range are set before it for a partial range); `write_error` answers
// an error that comes before any byte (JSON or XML).
struct DownloadSpec {
  std::string file_id;
  RangeRequest range;
  uint64_t size = 0;
  std::function<void(const file::v1::File&, http::ResponseWriter&)> set_headers;
  std::function<void(const absl::Status&, http::ResponseWriter&)> write_error;
};

// Admits the bandwidth, takes a transfer slot and streams the bytes of `spec` (GET only).
void StreamFileDownload(const ApiContext& ctx, const Caller& caller, std::string_view request_id,
                        const DownloadSpec& spec, http::ResponseWriter& w);

void HandleDownload(const ApiContext& ctx, const Caller& caller, const http::Request& request,
                    http::ResponseWriter& w);

}  // namespace datamesh::gateway
