// Exit codes of the `datamesh` CLI and the mapping from errors to them.
//
// Every failure travels as an absl::Status; HTTP answers are turned into one by
// StatusFromHttp (using the API error body's code first, then the HTTP status), and the process
// exit code is derived from the status code alone, in one place. Stateless, thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace datamesh::cli {

enum ExitCode : int {
  kExitOk = 0,
  kExitError = 1,        // anything else (conflicts, local I/O problems, ...)
  kExitUsage = 2,        // bad arguments, or a request the server refused as invalid (400/416)
  kExitAuth = 3,         // not logged in, token refused (401), not allowed (403)
  kExitNotFound = 4,     // no such file / key / proposal (404), or a local path missing
  kExitLimit = 5,        // quota exceeded, rate limited (429), payload too large (413)
  kExitUnavailable = 6,  // server unreachable or a 5xx answer (501 "not built yet" included)
  kExitIntegrity = 7,    // e2e decryption failed: wrong key or tampered/truncated data
};

// The exit code for a status (kExitOk for OK).
ExitCode ExitCodeFor(const absl::Status& status);

// An error status for a non-2xx HTTP answer. `body` may hold the API error shape
// {"error":{"code","message"}}; its message is kept verbatim for the user. `retry_after` is the
// Retry-After header, mentioned in the message when present.
absl::Status StatusFromHttp(long http_status, std::string_view body,
                            std::string_view retry_after = "");

// The help text's table of exit codes.
std::string ExitCodeHelp();

}  // namespace datamesh::cli
