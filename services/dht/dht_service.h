// The gRPC adapter of the dht service: DhtService (Place, Locate, ListNodes, GetNode) answered
// from this replica's Membership. Validates every request at the edge (INVALID_ARGUMENT, with
// nothing looked up) and converts between protobuf and the domain types.
//
// Error policy: FAILED_PRECONDITION from Place when fewer than n nodes are eligible (the caller
// may retry later or ask with allow_fewer); NOT_FOUND from GetNode for an unknown id.
//
// Every node answered carries governance's decisions (admitted, vetted, disqualified, operator)
// from the AdmissionView; Place considers only writable nodes and limits unvetted ones
// (placement.h).
//
// Thread-safe: gRPC calls handlers concurrently; Membership and AdmissionView are thread-safe.
// Both must outlive the service.
#pragma once

#include "datamesh/dht/v1/dht.grpc.pb.h"
#include "services/dht/admission.h"
#include "services/dht/membership.h"

namespace datamesh::dht {

// Largest n Place and Locate accept.
inline constexpr uint32_t kMaxNodesPerRequest = 64;

class DhtServiceImpl final : public v1::DhtService::Service {
 public:
  DhtServiceImpl(const Membership& membership, const AdmissionView& admission)
      : membership_(membership), admission_(admission) {}

  grpc::Status Place(grpc::ServerContext* context, const v1::PlaceRequest* request,
                     v1::PlaceResponse* response) override;
  grpc::Status Locate(grpc::ServerContext* context, const v1::LocateRequest* request,
                      v1::LocateResponse* response) override;
  grpc::Status ListNodes(grpc::ServerContext* context, const v1::ListNodesRequest* request,
                         v1::ListNodesResponse* response) override;
  grpc::Status GetNode(grpc::ServerContext* context, const v1::GetNodeRequest* request,
                       v1::GetNodeResponse* response) override;

 private:
  const Membership& membership_;
  const AdmissionView& admission_;
};

}  // namespace datamesh::dht
