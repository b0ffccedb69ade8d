#include "services/gateway/upstream_clients.h"

namespace datamesh::gateway {
namespace {

std::shared_ptr<grpc::Channel> MakeChannel(const std::string& address) {
  grpc::ChannelArguments args;
  // Uploads send up to 1 MiB per message; downloads receive as much. The default 4 MiB receive
  // limit leaves room, but say so explicitly rather than rely on it.
  args.SetMaxReceiveMessageSize(8 << 20);
  args.SetMaxSendMessageSize(8 << 20);
  return grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), args);
}

}  // namespace

UpstreamClients::UpstreamClients(const Addresses& addresses)
    : auth_(auth::v1::AuthService::NewStub(MakeChannel(addresses.auth))),
      quota_(quota::v1::QuotaService::NewStub(MakeChannel(addresses.quota))),
      file_(file::v1::FileService::NewStub(MakeChannel(addresses.file_ingest))) {}

void PrepareContext(grpc::ClientContext& context, std::string_view request_id,
                    absl::Duration timeout) {
  if (timeout != absl::InfiniteDuration()) {
    context.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  }
  if (!request_id.empty()) context.AddMetadata("x-request-id", std::string(request_id));
}

}  // namespace datamesh::gateway
