// Client of the standard grpc.health.v1 service: asks whether a DataMesh instance (or one of
// its services) is SERVING. Used by the gateway's readiness, the dm-health probe tool and tests.
//
// Thread-safe: HealthClient keeps one channel and may be shared.
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace grpc {
class Channel;
}

namespace datamesh::server {

class HealthClient {
 public:
  explicit HealthClient(const std::string& address);
  explicit HealthClient(std::shared_ptr<grpc::Channel> channel);

  // OK when `service` ("" = whole server) answers SERVING; UNAVAILABLE when it answers
  // NOT_SERVING or cannot be reached within `timeout`; NOT_FOUND for an unknown service.
  absl::Status Check(const std::string& service, absl::Duration timeout) const;

  // Polls Check until it passes or `wait` elapses; returns the last result.
  absl::Status WaitUntilServing(const std::string& service, absl::Duration wait) const;

 private:
  std::shared_ptr<grpc::Channel> channel_;
};

}  // namespace datamesh::server
