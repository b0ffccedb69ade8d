// Client channels from one service to another inside the cluster.
//
// gRPC's default reconnect back-off grows to two minutes: after a peer restarts, calls on a
// channel that saw it fail keep failing at once until the next attempt, long after the peer is
// back. Peers here are on a fast network and restart in seconds, so their channels retry the
// connection within a second at most. Message limits are raised to 8 MiB each way (streams send
// up to 1 MiB per message; a limit below that would fail calls, not slow them).
#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

namespace datamesh::server {

std::shared_ptr<grpc::Channel> ServiceChannel(const std::string& address);
// The same, on top of `args` (e.g. flow-control settings of a byte-path channel).
std::shared_ptr<grpc::Channel> ServiceChannel(const std::string& address,
                                              grpc::ChannelArguments args);

}  // namespace datamesh::server
