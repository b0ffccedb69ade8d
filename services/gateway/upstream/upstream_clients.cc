#include "services/gateway/upstream/upstream_clients.h"

#include <algorithm>

#include "shared/server/channels.h"

namespace datamesh::gateway {

UpstreamClients::UpstreamClients(const Addresses& addresses)
    : auth_(auth::v1::AuthService::NewStub(server::ServiceChannel(addresses.auth))),
      quota_(quota::v1::QuotaService::NewStub(server::ServiceChannel(addresses.quota))),
      file_(file::v1::FileService::NewStub(server::ServiceChannel(addresses.file_ingest))),
      dht_(dht::v1::DhtService::NewStub(server::ServiceChannel(addresses.dht))) {}

void PrepareContext(grpc::ClientContext& context, std::string_view request_id,
                    absl::Duration timeout) {
  if (timeout != absl::InfiniteDuration()) {
    context.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  }
  if (!request_id.empty()) context.AddMetadata("x-request-id", std::string(request_id));
}

void PrepareContext(grpc::ClientContext& context, const CallOrigin& origin,
                    absl::Duration timeout) {
  absl::Time deadline = origin.deadline;
  if (timeout != absl::InfiniteDuration()) deadline = std::min(deadline, absl::Now() + timeout);
  if (deadline != absl::InfiniteFuture()) context.set_deadline(absl::ToChronoTime(deadline));
  if (!origin.request_id.empty()) context.AddMetadata("x-request-id", origin.request_id);
}

}  // namespace datamesh::gateway
