#include "services/gateway/routes/json_body.h"

#include <google/protobuf/util/json_util.h>

#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "services/gateway/http/api_error.h"
#include "shared/text/utf8.h"

namespace datamesh::gateway {
namespace {

namespace pb = google::protobuf;

// True if every string field (repeated, map and nested ones too) holds valid UTF-8. JSON escapes
// such as a lone "\ud800" decode to bytes a protobuf string may not hold.
bool StringsAreUtf8(const pb::Message& message) {
  const pb::Reflection* reflection = message.GetReflection();
  std::vector<const pb::FieldDescriptor*> fields;
  reflection->ListFields(message, &fields);
  for (const pb::FieldDescriptor* field : fields) {
    const bool is_string = field->type() == pb::FieldDescriptor::TYPE_STRING;
    const bool is_message = field->cpp_type() == pb::FieldDescriptor::CPPTYPE_MESSAGE;
    if (!is_string && !is_message) continue;
    const int n = field->is_repeated() ? reflection->FieldSize(message, field) : 1;
    for (int i = 0; i < n; ++i) {
      if (is_string) {
        std::string scratch;
        const std::string& value =
            field->is_repeated()
                ? reflection->GetRepeatedStringReference(message, field, i, &scratch)
                : reflection->GetStringReference(message, field, &scratch);
        if (!text::IsValidUtf8(value)) return false;
      } else {
        const pb::Message& nested = field->is_repeated()
                                        ? reflection->GetRepeatedMessage(message, field, i)
                                        : reflection->GetMessage(message, field);
        if (!StringsAreUtf8(nested)) return false;
      }
    }
  }
  return true;
}

}  // namespace

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
  if (!text::IsValidUtf8(json)) return absl::InvalidArgumentError("JSON body is not valid UTF-8");
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
  if (!StringsAreUtf8(*message)) {
    return absl::InvalidArgumentError("JSON body: a string escapes to invalid UTF-8");
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
