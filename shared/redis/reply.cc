#include "shared/redis/reply.h"

#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace datamesh::redis {
namespace {

const char* TypeName(Reply::Type type) {
  switch (type) {
    case Reply::Type::kNil: return "nil";
    case Reply::Type::kInteger: return "integer";
    case Reply::Type::kString: return "string";
    case Reply::Type::kArray: return "array";
    case Reply::Type::kStatus: return "status";
    case Reply::Type::kError: return "error";
  }
  return "unknown";
}

}  // namespace

Reply Reply::Integer(int64_t value) {
  Reply r;
  r.type_ = Type::kInteger;
  r.integer_ = value;
  return r;
}

Reply Reply::String(std::string value) {
  Reply r;
  r.type_ = Type::kString;
  r.str_ = std::move(value);
  return r;
}

Reply Reply::Status(std::string value) {
  Reply r = String(std::move(value));
  r.type_ = Type::kStatus;
  return r;
}

Reply Reply::Error(std::string message) {
  Reply r = String(std::move(message));
  r.type_ = Type::kError;
  return r;
}

Reply Reply::Array(std::vector<Reply> elements) {
  Reply r;
  r.type_ = Type::kArray;
  r.elements_ = std::move(elements);
  return r;
}

absl::StatusOr<int64_t> Reply::AsInteger() const {
  if (type_ == Type::kInteger) return integer_;
  int64_t value = 0;
  if (type_ == Type::kString && absl::SimpleAtoi(str_, &value)) return value;
  return absl::FailedPreconditionError(
      absl::StrCat("redis: expected an integer reply, got ", DebugString()));
}

absl::StatusOr<std::string> Reply::AsString() const {
  if (type_ == Type::kString || type_ == Type::kStatus) return str_;
  return absl::FailedPreconditionError(
      absl::StrCat("redis: expected a string reply, got ", DebugString()));
}

std::string Reply::DebugString() const {
  switch (type_) {
    case Type::kNil: return "(nil)";
    case Type::kInteger: return absl::StrCat("(integer) ", integer_);
    case Type::kArray:
      return absl::StrCat("[",
                          absl::StrJoin(elements_, ", ",
                                        [](std::string* out, const Reply& r) {
                                          absl::StrAppend(out, r.DebugString());
                                        }),
                          "]");
    default: return absl::StrCat("(", TypeName(type_), ") \"", absl::CEscape(str_), "\"");
  }
}

bool operator==(const Reply& a, const Reply& b) {
  return a.type_ == b.type_ && a.integer_ == b.integer_ && a.str_ == b.str_ &&
         a.elements_ == b.elements_;
}

}  // namespace datamesh::redis
