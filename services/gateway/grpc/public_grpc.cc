#include "services/gateway/grpc/public_grpc.h"

namespace datamesh::gateway::public_grpc {

void PublicGrpcServices::Register(server::Runtime& runtime) {
  runtime.AddGrpcService(&file_);
  runtime.AddGrpcService(&auth_);
  runtime.AddGrpcService(&quota_);
  runtime.AddGrpcService(&governance_);
}

}  // namespace datamesh::gateway::public_grpc
