// The upload path REST (POST /api/v1/files) and public gRPC (FileService.Upload) share: reserve
// storage with QuotaService.Reserve before the bytes go on, stream the header (carrying the
// reservation) and the data into FileService.Upload, and on any failure cancel the stream
// (file-ingest then stores nothing) and release the reservation. On success file-ingest commits
// the reservation to the new file before the file becomes visible.
//
// The reservation always covers every byte sent: a declared size is reserved before the first
// byte (QUOTA_EXCEEDED otherwise); past it, or without one (chunked REST bodies, multipart, gRPC
// without declared_size), it grows in steps of `kReserveStep` as bytes arrive — or by exactly
// what is missing when a whole step no longer fits. A growth quota refuses ends the upload with
// 403 QUOTA_EXCEEDED and nothing stored. quota reserves atomically per user, so parallel uploads
// of one user never pass the limit together. Only when quota cannot be reached at all does an
// upload go on unreserved (logged); file.stored then still counts it.
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

inline constexpr uint64_t kReserveStep = 64 << 20;

// Frees an uncommitted quota reservation (no-op for an empty id), retried in the background
// while quota cannot take it. Also used by the S3 multipart parts (s3/s3_multipart_parts.cc).
void ReleaseUpload(const ApiContext& ctx, const CallOrigin& origin, const std::string& reservation);

// Reserves `reserve_bytes`, then streams `header` and `source` into FileService.Upload. The
// header's reservation_id is always the gateway's (a client's is dropped). Returns the stored
// file, or the mapped error after cancelling the stream and releasing the reservation. The
// stream's deadline is the origin's (none for REST).
[[nodiscard]] absl::StatusOr<file::v1::UploadResponse> StreamUpload(
    const ApiContext& ctx, const Caller& caller, const CallOrigin& origin,
    file::v1::UploadHeader header, uint64_t reserve_bytes, UploadSource& source);

}  // namespace datamesh::gateway
