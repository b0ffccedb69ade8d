#include "services/gateway/routes/json_body.h"

#include <google/protobuf/util/json_util.h>

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "services/gateway/http/api_error.h"

namespace datamesh::gateway {

int JsonDepth(std::string_view json) {
  int depth = 0;
  int max_depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < json.size(); ++i) {
    const char c = json[i];
    if (in_string) {
      if (c == '\\') {
        ++i;  // the escaped character cannot end the string
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      max_depth = std::max(max_depth, ++depth);
    } else if (c == '}' || c == ']') {
      if (--depth < 0) return -1;
    }
  }
  return depth == 0 && !in_string ? max_depth : -1;
}

absl::Status ParseJson(std::string_view json, const JsonLimits& limits,
                       google::protobuf::Message* message) {
  if (json.size() > limits.max_bytes) {
    return http::PayloadTooLarge(absl::StrCat("JSON body over ", limits.max_bytes, " bytes"));
  }
  const int depth = JsonDepth(json);
  if (depth < 0) return absl::InvalidArgumentError("malformed JSON body");
  if (depth > limits.max_depth) {
    return absl::InvalidArgumentError(
        absl::StrCat("JSON body nested deeper than ", limits.max_depth, " levels"));
  }
  message->Clear();
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  const auto status = google::protobuf::util::JsonStringToMessage(
      google::protobuf::StringPiece(json.data(), json.size()), message, options);
  if (!status.ok()) {
    // The parser's message names the offending field or position; it holds no secrets.
    return absl::InvalidArgumentError(absl::StrCat("invalid JSON body: ", status.ToString()));
  }
  return absl::OkStatus();
}

absl::Status ReadBody(http::BodyReader& reader, size_t max_bytes, std::string* body) {
  body->clear();
  char buffer[16 * 1024];
  while (true) {
    absl::StatusOr<size_t> n = reader.Read(buffer, sizeof(buffer));
    if (!n.ok()) return n.status();
    if (*n == 0) return absl::OkStatus();
    if (body->size() + *n > max_bytes) {
      return http::PayloadTooLarge(absl::StrCat("body over ", max_bytes, " bytes"));
    }
    body->append(buffer, *n);
  }
}

absl::Status ParseJsonBody(http::BodyReader& reader, const JsonLimits& limits,
                           google::protobuf::Message* message) {
  std::string body;
  if (absl::Status s = ReadBody(reader, limits.max_bytes, &body); !s.ok()) return s;
  if (body.empty()) return absl::InvalidArgumentError("a JSON body is required");
  return ParseJson(body, limits, message);
}

std::string PrintJson(const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.always_print_primitive_fields = true;
  options.preserve_proto_field_names = false;
  std::string out;
  // Printing a valid message cannot fail; an empty object is the safe fallback.
  if (!google::protobuf::util::MessageToJsonString(message, &out, options).ok()) out = "{}";
  return out;
}

void WriteJson(http::ResponseWriter& writer, int status, const google::protobuf::Message& message) {
  writer.SetStatus(status);
  (void)writer.WriteWhole(PrintJson(message), "application/json");
}

}  // namespace datamesh::gateway
