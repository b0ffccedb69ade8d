// The upload path REST (POST /api/v1/files) and public gRPC (FileService.Upload) share: reserve
// the declared size with QuotaService.Reserve (QUOTA_EXCEEDED before a byte is sent), stream the
// header (carrying the reservation) and the data into FileService.Upload, and on any failure
// cancel the stream (file-ingest then stores nothing) and release the reservation. On success
// file-ingest commits the reservation to the new file, so the gateway never calls Commit.
//
// Thread safety: functions are thread-safe; an UploadSource serves one upload.
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "datamesh/file/v1/file.pb.h"
#include "services/gateway/identity/caller.h"
#include "services/gateway/routes/api_context.h"
#include "services/gateway/upstream/upstream_clients.h"

namespace datamesh::gateway {

// Where the bytes of an upload come from (an HTTP body, a client's gRPC stream).
class UploadSource {
 public:
  virtual ~UploadSource() = default;
  // Puts the next bytes into `message.chunk` (leaving the rest of `message` alone). True while
  // more may follow; false at the end (the chunk then holds the last bytes, possibly none). An
  // error when the source broke (the upload is then cancelled).
  virtual absl::StatusOr<bool> Next(file::v1::UploadRequest& message) = 0;
};

// Reserves `bytes` for `caller`. Empty id for 0 bytes, or when quota cannot be asked (file-ingest
// then reserves as bytes arrive); QUOTA_EXCEEDED and the like are returned.
[[nodiscard]] absl::StatusOr<std::string> ReserveUpload(const ApiContext& ctx, const Caller& caller,
                                                        const CallOrigin& origin, uint64_t bytes);

// Frees an uncommitted reservation (no-op for an empty id). Best effort: reservations expire.
void ReleaseUpload(const ApiContext& ctx, const CallOrigin& origin, const std::string& reservation);

// Reserves `reserve_bytes`, then streams `header` and `source` into FileService.Upload. The
// header's reservation_id is always the gateway's (a client's is dropped). Returns the stored
// file, or the mapped error after cancelling the stream and releasing the reservation. The
// stream's deadline is the origin's (none for REST).
[[nodiscard]] absl::StatusOr<file::v1::UploadResponse> StreamUpload(
    const ApiContext& ctx, const Caller& caller, const CallOrigin& origin,
    file::v1::UploadHeader header, uint64_t reserve_bytes, UploadSource& source);

}  // namespace datamesh::gateway
