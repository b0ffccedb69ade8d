#include "shared/server/channels.h"

namespace datamesh::server {

std::shared_ptr<grpc::Channel> ServiceChannel(const std::string& address) {
  return ServiceChannel(address, grpc::ChannelArguments());
}

std::shared_ptr<grpc::Channel> ServiceChannel(const std::string& address,
                                              grpc::ChannelArguments args) {
  args.SetMaxReceiveMessageSize(8 << 20);
  args.SetMaxSendMessageSize(8 << 20);
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 1000);
  return grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), args);
}

}  // namespace datamesh::server
