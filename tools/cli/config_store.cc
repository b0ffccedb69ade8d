#include "tools/cli/config_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "shared/crypto/secret.h"
#include "tools/cli/e2e_format.h"
#include "tools/cli/os_error.h"

namespace datamesh::cli {
namespace {

namespace fs = std::filesystem;

absl::StatusOr<std::string> ReadSmallFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return ErrnoStatus("cannot read", path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

absl::Status WriteFileAtomically(const std::string& path, const std::string& data, int mode) {
  const std::string tmp = absl::StrCat(path, ".tmp.", getpid());
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return ErrnoStatus("cannot create", tmp);
  // The umask may have narrowed the mode; secrets must end up exactly as asked.
  bool ok = ::fchmod(fd, mode) == 0;
  size_t written = 0;
  while (ok && written < data.size()) {
    const ssize_t n = ::write(fd, data.data() + written, data.size() - written);
    ok = n > 0;
    if (ok) written += static_cast<size_t>(n);
  }
  ok = ok && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
    absl::Status error = ErrnoStatus("cannot write", path);
    ::unlink(tmp.c_str());
    return error;
  }
  return absl::OkStatus();
}

absl::Status ConfigStore::EnsureDir() const {
  std::error_code ec;
  fs::create_directories(dir_, ec);
  if (ec)
    return absl::FailedPreconditionError(absl::StrCat("cannot create ", dir_, ": ", ec.message()));
  if (::chmod(dir_.c_str(), 0700) != 0) return ErrnoStatus("cannot restrict", dir_);
  return absl::OkStatus();
}

absl::StatusOr<std::optional<Credentials>> ConfigStore::LoadCredentials() const {
  const std::string path = dir_ + "/credentials";
  absl::StatusOr<std::string> text = ReadSmallFile(path);
  if (absl::IsNotFound(text.status())) return std::nullopt;
  if (!text.ok()) return text.status();
  nlohmann::json json = nlohmann::json::parse(*text, nullptr, false);
  if (!json.is_object() || !json.contains("token") || !json["token"].is_string()) {
    return absl::DataLossError(absl::StrCat(path, " is damaged; run 'datamesh login' again"));
  }
  Credentials c;
  c.token = json["token"];
  c.endpoint = json.value("endpoint", "");
  c.username = json.value("username", "");
  return c;
}

absl::Status ConfigStore::SaveCredentials(const Credentials& c) const {
  if (absl::Status s = EnsureDir(); !s.ok()) return s;
  nlohmann::json json = {{"endpoint", c.endpoint}, {"token", c.token}, {"username", c.username}};
  return WriteFileAtomically(dir_ + "/credentials", json.dump() + "\n", 0600);
}

absl::Status ConfigStore::DeleteCredentials() const {
  const std::string path = dir_ + "/credentials";
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) return ErrnoStatus("cannot delete", path);
  return absl::OkStatus();
}

absl::StatusOr<std::string> ConfigStore::LoadE2eKey(const std::string& key_file,
                                                    bool create) const {
  const std::string path = key_file.empty() ? dir_ + "/e2e.key" : key_file;
  absl::StatusOr<std::string> key = ReadSmallFile(path);
  if (absl::IsNotFound(key.status()) && key_file.empty() && create) {
    if (absl::Status s = EnsureDir(); !s.ok()) return s;
    absl::StatusOr<crypto::SecretBytes> fresh = crypto::SecretBytes::Random(kE2eKeySize);
    if (!fresh.ok()) return fresh.status();
    // Never replace an existing key (files sealed under it would be lost): link() publishes
    // the complete temporary file only if nobody created the key meanwhile.
    const std::string tmp = path + ".new";
    if (absl::Status s = WriteFileAtomically(tmp, std::string(fresh->view()), 0600); !s.ok()) {
      return s;
    }
    const bool published = ::link(tmp.c_str(), path.c_str()) == 0;
    const int link_errno = errno;
    ::unlink(tmp.c_str());
    if (published) return std::string(fresh->view());
    if (link_errno != EEXIST) {
      errno = link_errno;
      return ErrnoStatus("cannot create", path);
    }
    key = ReadSmallFile(path);  // another process won the race: use its key
  }
  if (absl::IsNotFound(key.status())) {
    return absl::NotFoundError(
        absl::StrCat("no e2e key at ", path, " (it is created by the first 'put --e2e')"));
  }
  if (!key.ok()) return key.status();
  if (key->size() != kE2eKeySize) {
    return absl::DataLossError(absl::StrCat(path, " is not a 32-byte e2e key"));
  }
  return key;
}

}  // namespace datamesh::cli
