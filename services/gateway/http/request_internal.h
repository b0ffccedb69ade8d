// Library-internal: lets the connection code fill a Request. Not for handlers.
#pragma once

#include "services/gateway/http/request.h"

namespace datamesh::gateway::http::internal {

struct RequestAccess {
  static std::string& method(Request& r) { return r.method_; }
  static std::string& target(Request& r) { return r.target_; }
  static std::string& path(Request& r) { return r.path_; }
  static std::string& request_id(Request& r) { return r.request_id_; }
  static std::string& remote_address(Request& r) { return r.remote_address_; }
  static std::optional<uint64_t>& content_length(Request& r) { return r.content_length_; }
  static HeaderList& path_params(Request& r) { return r.path_params_; }
  static HeaderList& query(Request& r) { return r.query_; }
  static HeaderList& headers(Request& r) { return r.headers_; }
};

}  // namespace datamesh::gateway::http::internal
