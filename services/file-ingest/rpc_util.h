// Small conversions every gRPC-facing file of file-ingest needs.
#pragma once

#include <google/protobuf/timestamp.pb.h>
#include <grpcpp/grpcpp.h>

#include <cstdint>

#include "absl/status/status.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "services/file-ingest/buckets_store.h"  // kErrorCodePayload
#include "services/file-ingest/shard_backend.h"  // kStorageNodesPayload
#include "shared/status/grpc_status.h"

namespace datamesh::file_ingest {

// Marks quota's refusal of an upload, answered with `dm-error-code: QUOTA_EXCEEDED`.
inline constexpr char kQuotaRefusedPayload[] = "type.datamesh/file-ingest.quota-refused";

// The gRPC answer for `status`, with internals stripped from what the client sees.
inline grpc::Status Reply(const absl::Status& status) {
  return ToGrpcStatus(SanitizeForClient(status));
}

// As Reply, with the status's dm-error-code (kErrorCodePayload) as trailer.
inline grpc::Status ReplyWithCode(grpc::ServerContext* ctx, const absl::Status& status) {
  if (auto code = status.GetPayload(kErrorCodePayload); code.has_value()) {
    ctx->AddTrailingMetadata("dm-error-code", std::string(*code));
  }
  return Reply(status);
}

inline void SetTime(absl::Time t, google::protobuf::Timestamp* out) {
  const int64_t micros = absl::ToUnixMicros(t);
  out->set_seconds(micros / 1000000);
  out->set_nanos(static_cast<int32_t>(micros % 1000000) * 1000);
}

// Calls to other services end `timeout` from now.
inline void SetDeadline(grpc::ClientContext& ctx, absl::Duration timeout) {
  ctx.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
}

}  // namespace datamesh::file_ingest
