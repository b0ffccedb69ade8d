#include "services/chunk-store/chunk_store_service.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "absl/strings/str_cat.h"

namespace datamesh::chunk_store {
namespace {

class Parts : public server::ServiceParts {
 public:
  ChunkServiceImpl service;
};

}  // namespace

void RegisterFlags(config::FlagSet& flags, ChunkStoreOptions& options) {
  flags.AddString("data-dir", &options.data_dir, "folder holding this node's shards");
  flags.AddString("zone", &options.zone, "failure-domain label (placement spreads over zones)");
  flags.AddInt("capacity-bytes", &options.capacity_bytes,
               "bytes this node may store (0: the disk's free space)");
}

absl::Status CheckDataDir(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return absl::FailedPreconditionError(absl::StrCat("cannot create ", dir, ": ", ec.message()));
  // A real write, not just a permission check: a full or read-only disk must fail readiness.
  std::string probe = absl::StrCat(dir, "/.probe-", getpid());
  int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fd < 0 || ::write(fd, "ok", 2) != 2 || ::fsync(fd) != 0) {
    int err = errno;
    if (fd >= 0) ::close(fd);
    ::unlink(probe.c_str());
    return absl::UnavailableError(absl::StrCat("data folder not writable: ", std::strerror(err)));
  }
  ::close(fd);
  ::unlink(probe.c_str());
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<server::ServiceParts>> Build(server::Runtime& runtime,
                                                            const ChunkStoreOptions& options) {
  if (options.capacity_bytes < 0) return absl::InvalidArgumentError("--capacity-bytes must be >= 0");
  if (absl::Status s = CheckDataDir(options.data_dir); !s.ok()) return s;
  auto parts = std::make_unique<Parts>();
  runtime.AddGrpcService(&parts->service);
  runtime.readiness().Add("disk", [dir = options.data_dir] { return CheckDataDir(dir); });
  return parts;
}

}  // namespace datamesh::chunk_store
