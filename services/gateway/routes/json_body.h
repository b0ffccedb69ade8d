// Request and response bodies: the canonical proto3 JSON mapping of the contract messages
// (docs/API.md). Parsing rejects unknown fields, malformed JSON, bodies over a size limit and
// nesting deeper than a depth limit, all as INVALID_ARGUMENT (400) — except the size, which is
// 413 PAYLOAD_TOO_LARGE. Printing keeps zero values (common.proto: always print primitive
// fields) and lowerCamelCase names.
//
// Thread safety: all functions are thread-safe.
#pragma once

#include <google/protobuf/message.h>

#include <cstddef>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "services/gateway/http/request.h"

namespace datamesh::gateway {

struct JsonLimits {
  size_t max_bytes = 64 * 1024;
  int max_depth = 32;
};

// The deepest nesting of objects and arrays in `json` (strings are skipped); -1 when brackets
// do not balance.
int JsonDepth(std::string_view json);

// Parses `json` into `message` (cleared first).
[[nodiscard]] absl::Status ParseJson(std::string_view json, const JsonLimits& limits,
                                     google::protobuf::Message* message);

// Reads the whole body (at most limits.max_bytes) into `*body`.
[[nodiscard]] absl::Status ReadBody(http::BodyReader& reader, size_t max_bytes, std::string* body);

// ReadBody + ParseJson. An empty body is INVALID_ARGUMENT.
[[nodiscard]] absl::Status ParseJsonBody(http::BodyReader& reader, const JsonLimits& limits,
                                         google::protobuf::Message* message);

// The canonical JSON of `message`.
std::string PrintJson(const google::protobuf::Message& message);

// Sends `message` as the JSON body with `status`.
void WriteJson(http::ResponseWriter& writer, int status, const google::protobuf::Message& message);

}  // namespace datamesh::gateway
