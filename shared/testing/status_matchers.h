// GoogleTest matchers for absl::Status and absl::StatusOr, named like later Abseil's
// (absl_testing::IsOk / StatusIs) so an upgrade is a rename.
#pragma once

#include <gmock/gmock.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace datamesh::testing {

inline const absl::Status& GetStatus(const absl::Status& s) { return s; }
template <typename T>
const absl::Status& GetStatus(const absl::StatusOr<T>& s) {
  return s.status();
}

MATCHER(IsOk, "is OK") {
  const absl::Status& s = GetStatus(arg);
  if (!s.ok()) *result_listener << "status is " << s;
  return s.ok();
}

MATCHER_P(StatusIs, code, "has status code " + absl::StatusCodeToString(code)) {
  const absl::Status& s = GetStatus(arg);
  *result_listener << "status is " << s;
  return s.code() == code;
}

}  // namespace datamesh::testing

#define ASSERT_OK(expr) ASSERT_THAT((expr), ::datamesh::testing::IsOk())
#define EXPECT_OK(expr) EXPECT_THAT((expr), ::datamesh::testing::IsOk())
