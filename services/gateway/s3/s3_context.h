// What the S3 edge's handlers share: the REST edge's context (upstream clients, the API-call
// limit, transfer slots, limits), the SigV4 authenticator, and the S3 options; and S3Call, one
// authenticated request as every handler receives it.
//
// Thread safety: an S3Context is read by every handler thread at once and must not change after
// the router is built; an S3Call belongs to the one thread handling its request.
#pragma once

#include <grpcpp/grpcpp.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "datamesh/file/v1/file.pb.h"
#include "services/gateway/http/request.h"
#include "services/gateway/routes/api_context.h"
#include "services/gateway/s3/auth/s3_authenticator.h"
#include "services/gateway/s3/s3_error.h"
#include "services/gateway/s3/s3_request.h"
#include "services/gateway/upstream/rpc_status.h"
#include "services/gateway/upstream/upstream_clients.h"

namespace datamesh::gateway::s3 {

struct S3Options {
  // Virtual-host style requests ({bucket}.{domain}); empty: path style only.
  std::string domain;
  // The one region this endpoint answers for (GetBucketLocation, x-amz-bucket-region).
  std::string region = "us-east-1";
};

struct S3Context {
  const ApiContext* api = nullptr;
  S3Authenticator* authenticator = nullptr;
  S3Options options;
};

// One authenticated, admitted S3 request. References live for the handler call.
struct S3Call {
  const S3Context& ctx;
  const http::Request& request;
  http::BodyReader& body;
  http::ResponseWriter& w;
  S3Principal& principal;
  S3Target target;

  const Caller& caller() const { return principal.caller; }
  const ApiContext& api() const { return *ctx.api; }

  void Fail(const S3Error& error) const { WriteS3Error(w, request, error); }
  // `status` as S3 maps it (s3_error.h), with Retry-After when it carries one.
  void Fail(const absl::Status& status, Subject subject, std::string_view dm_error_code = {}) const;
};

// The outcome of one unary call to a service: OK, or the mapped status with file-ingest's
// dm-error-code trailer (which tells BucketAlreadyExists from BucketAlreadyOwnedByYou).
struct RpcOutcome {
  absl::Status status;
  std::string dm_error_code;
  bool ok() const { return status.ok(); }
};

// Runs `call(grpc::ClientContext&)` with the request's id and the unary deadline.
template <typename Call>
RpcOutcome CallService(const S3Call& c, Call call) {
  grpc::ClientContext context;
  PrepareContext(context, c.request.request_id(), c.api().rpc_timeout);
  const grpc::Status rpc = call(context);
  if (rpc.ok()) return {};
  RpcOutcome outcome{StatusFromRpc(rpc, context), {}};
  const auto& trailers = context.GetServerTrailingMetadata();
  if (auto it = trailers.find("dm-error-code"); it != trailers.end()) {
    outcome.dm_error_code.assign(it->second.data(), it->second.size());
  }
  return outcome;
}

// The bucket named by the request, if it exists and is the caller's; otherwise answers
// NoSuchBucket / AccessDenied / the mapped error on `c.w` and returns nullopt.
std::optional<file::v1::Bucket> RequireOwnBucket(const S3Call& c, std::string_view name);

// The newest live file named "<bucket>/<key>" of the caller; NOT_FOUND when none.
RpcOutcome StatObject(const S3Call& c, std::string_view bucket, std::string_view key,
                      file::v1::File& file);

// "\"<md5>\"" for S3 puts, "\"<sha256>\"" for files that have no MD5 (uploaded by REST).
std::string EtagOf(const file::v1::File& file);
// The same without quotes.
std::string BareEtagOf(const file::v1::File& file);

// Records an S3 call that changed something in auth's audit log (best effort, like the admin
// routes' records): action "s3.<operation>", target the resource, outcome "ok".
void Audit(const S3Call& c, std::string_view action, std::string_view target);

// Reads a small request body (an XML document) of at most `limit` bytes, decoded through the
// aws-chunked decoder when the request streams one. An S3 error when it is larger or broken.
std::optional<S3Error> ReadSmallBody(const S3Call& c, size_t limit, std::string& out);

}  // namespace datamesh::gateway::s3
