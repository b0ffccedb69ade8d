// The CLI's local state under the config folder (default ~/.config/datamesh, mode 0700):
//   credentials  JSON {"endpoint","token","username"} of the last login, mode 0600
//   e2e.key      the 32-byte key of `put --e2e`, raw, mode 0600, created on first use
//
// Files are written to a temporary name with the final mode and renamed, so a reader never sees
// a half-written file or one with looser permissions. Not thread-safe (one process, one call).
#pragma once

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace datamesh::cli {

struct Credentials {
  std::string endpoint;
  std::string token;
  std::string username;
};

class ConfigStore {
 public:
  explicit ConfigStore(std::string dir) : dir_(std::move(dir)) {}

  // nullopt when not logged in; kDataLoss for an unreadable file.
  [[nodiscard]] absl::StatusOr<std::optional<Credentials>> LoadCredentials() const;
  [[nodiscard]] absl::Status SaveCredentials(const Credentials& credentials) const;
  // OK also when there was nothing to delete.
  [[nodiscard]] absl::Status DeleteCredentials() const;

  // The e2e key from `key_file` when given (kNotFound if missing), else the folder's e2e.key,
  // generated there on first use when `create` is true (kNotFound when false and missing).
  // kDataLoss for a key file that is not exactly 32 bytes.
  [[nodiscard]] absl::StatusOr<std::string> LoadE2eKey(const std::string& key_file,
                                                       bool create) const;

  const std::string& dir() const { return dir_; }

 private:
  absl::Status EnsureDir() const;
  std::string dir_;
};

// Writes `data` to `path` atomically with the given mode (temporary file, fsync, rename).
[[nodiscard]] absl::Status WriteFileAtomically(const std::string& path, const std::string& data,
                                               int mode);

}  // namespace datamesh::cli
