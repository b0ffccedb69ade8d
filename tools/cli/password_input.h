// Reads a password for `login` / `register`: the first line of stdin (--password-stdin), or a
// prompt on the controlling terminal with echo turned off. Never from the command line, where
// other users could see it in the process list.
#pragma once

#include <string>

#include "absl/status/statusor.h"

namespace datamesh::cli {

// kInvalidArgument when there is neither --password-stdin nor a terminal to prompt on, or the
// password is empty.
[[nodiscard]] absl::StatusOr<std::string> ReadPassword(bool from_stdin, const std::string& prompt);

}  // namespace datamesh::cli
