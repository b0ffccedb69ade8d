// The S3 listener's router: every path, for GET (and HEAD), PUT, POST and DELETE, goes to one
// dispatcher that reads the bucket and key (path or virtual-host style), tells the operation
// (s3_request.h), verifies the SigV4 signature (s3/auth), applies the per-user API-call limit
// (503 SlowDown past it), answers NotImplemented for what is not served, and runs the
// operation's handler (s3_handlers.h). Every answer carries x-amz-request-id (the gateway's
// request id) and each request is logged like a REST one. The answers the HTTP server makes
// itself (a method no route takes, a body over the limit, a bad target, too many connections)
// are S3's XML too (RenderAsS3Error, s3_error.h).
//
// Bodies: every route is a transfer (RouteOptions::transfer, up to --max-upload-bytes), since a
// PUT of an object cannot be told from other requests by its path alone; handlers that expect
// a small XML body cap it themselves.
//
// Thread safety: `ctx` is read concurrently by the handlers and must outlive the router.
#pragma once

#include "services/gateway/http/router.h"
#include "services/gateway/s3/s3_context.h"

namespace datamesh::gateway::s3 {

http::Router MakeS3Router(const S3Context& ctx);

}  // namespace datamesh::gateway::s3
