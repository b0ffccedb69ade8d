#include "services/gateway/upstream/upstream_clients.h"

#include <algorithm>

#include "shared/server/channels.h"

namespace datamesh::gateway {

namespace {

// The deadline of each retried release: quota answers a release in milliseconds when it can.
constexpr absl::Duration kReleaseRetryTimeout = absl::Seconds(10);

}  // namespace

UpstreamClients::UpstreamClients(const Addresses& addresses, prometheus::Registry* metrics)
    : auth_(auth::v1::AuthService::NewStub(server::ServiceChannel(addresses.auth))),
      quota_(quota::v1::QuotaService::NewStub(server::ServiceChannel(addresses.quota))),
      file_(file::v1::FileService::NewStub(server::ServiceChannel(addresses.file_ingest))),
      dht_(dht::v1::DhtService::NewStub(server::ServiceChannel(addresses.dht))) {
  auto release = [this](const std::string& reservation_id, const std::string& request_id) {
    grpc::ClientContext context;
    PrepareContext(context, request_id, kReleaseRetryTimeout);
    quota::v1::ReleaseRequest req;
    req.set_reservation_id(reservation_id);
    quota::v1::ReleaseResponse resp;
    return quota_->Release(&context, req, &resp);
  };
  releases_ =
      std::make_unique<ReservationReleases>(release, ReservationReleases::Options{}, metrics);
}

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
