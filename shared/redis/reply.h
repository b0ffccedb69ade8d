// A Redis reply as a plain value (RESP2: nil, integer, bulk string, array, status, error).
//
// Reply owns copies of everything it holds, so it outlives the connection it came from and can
// be copied and moved freely; no hiredis type appears in this header. Strings are binary-safe
// (may hold NUL bytes). Not synchronized: a Reply is read-only after construction and may be
// shared between threads that only read it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace datamesh::redis {

class Reply {
 public:
  enum class Type { kNil, kInteger, kString, kArray, kStatus, kError };

  Reply() = default;  // nil
  static Reply Nil() { return Reply(); }
  static Reply Integer(int64_t value);
  static Reply String(std::string value);  // bulk string
  static Reply Status(std::string value);  // simple string, e.g. "OK"
  static Reply Error(std::string message);
  static Reply Array(std::vector<Reply> elements);

  Type type() const { return type_; }
  bool is_nil() const { return type_ == Type::kNil; }
  bool is_error() const { return type_ == Type::kError; }

  // Raw accessors: the value when the type matches, else 0 / empty.
  int64_t integer() const { return integer_; }
  // The bytes of a string, the text of a status or the message of an error.
  const std::string& str() const { return str_; }
  const std::vector<Reply>& elements() const { return elements_; }

  // Checked accessors. AsInteger also parses a decimal string (Redis returns numbers stored
  // under a key as strings). FAILED_PRECONDITION when the reply has another type.
  absl::StatusOr<int64_t> AsInteger() const;
  absl::StatusOr<std::string> AsString() const;  // string or status

  // For logs and test failures; strings are escaped.
  std::string DebugString() const;

  friend bool operator==(const Reply& a, const Reply& b);
  friend bool operator!=(const Reply& a, const Reply& b) { return !(a == b); }

 private:
  Type type_ = Type::kNil;
  int64_t integer_ = 0;
  std::string str_;
  std::vector<Reply> elements_;
};

}  // namespace datamesh::redis
