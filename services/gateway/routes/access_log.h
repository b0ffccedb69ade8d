// Access logging: wraps a handler so that every request it serves logs one line
// ("http request": method, path without the query, status, response body bytes, duration in
// milliseconds) with the request id, which also tags every other line logged while the handler
// runs (log::ScopedRequestId).
//
// Thread safety: the wrapped handler is as thread-safe as the original.
#pragma once

#include "services/gateway/http/request.h"

namespace datamesh::gateway {

http::Handler WithAccessLog(http::Handler handler);

}  // namespace datamesh::gateway
