// Recovery codes: the secret a user keeps to set a new password without the old one.
//
// 160 random bits written as 32 Crockford base-32 characters in groups of four behind "dmr-"
// (dmr-7K2Q-...). Crockford's alphabet has no I, L, O or U, so a code copied by hand reads
// back: input is upper-cased, I and L read as 1, O as 0, spaces and dashes are ignored, and the
// prefix is optional.
// The normalized form (32 characters, no prefix) is what keys are sealed under.
//
// Stateless: thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace datamesh::auth {

struct RecoveryCode {
  std::string display;     // "dmr-XXXX-XXXX-..." as shown to the user
  std::string normalized;  // the 32 characters
};

// A fresh code from the system's random source.
[[nodiscard]] absl::StatusOr<RecoveryCode> NewRecoveryCode();

// The normalized form of a code as typed. INVALID_ARGUMENT: not 32 base-32 characters.
[[nodiscard]] absl::StatusOr<std::string> NormalizeRecoveryCode(std::string_view typed);

}  // namespace datamesh::auth
