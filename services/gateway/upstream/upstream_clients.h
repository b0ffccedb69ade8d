// UpstreamClients: one gRPC channel and stub per service behind the gateway (auth, quota,
// file-ingest, dht), and the client contexts of calls made for a client's request: a per-call
// deadline and the request's id as `x-request-id` metadata, so every service logs the same id.
//
// Channels connect lazily and reconnect on their own; creating them never fails. Also owns the
// queue that retries reservation releases quota could not take (reservation_releases.h), and
// with it one worker thread, stopped on destruction.
// Thread-safe: stubs and channels may be used from any number of threads.
#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>
#include <string_view>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "datamesh/auth/v1/auth.grpc.pb.h"
#include "datamesh/dht/v1/dht.grpc.pb.h"
#include "datamesh/file/v1/file.grpc.pb.h"
#include "datamesh/quota/v1/quota.grpc.pb.h"
#include "prometheus/registry.h"
#include "services/gateway/upstream/reservation_releases.h"

namespace datamesh::gateway {

class UpstreamClients {
 public:
  struct Addresses {
    std::string auth;
    std::string quota;
    std::string file_ingest;
    std::string dht;
  };

  // `metrics` (may be null) receives the release queue's metrics (reservation_releases.h).
  explicit UpstreamClients(const Addresses& addresses, prometheus::Registry* metrics = nullptr);

  auth::v1::AuthService::StubInterface& auth() { return *auth_; }
  quota::v1::QuotaService::StubInterface& quota() { return *quota_; }
  file::v1::FileService::StubInterface& file() { return *file_; }
  dht::v1::DhtService::StubInterface& dht() { return *dht_; }
  // Retries releases of failed uploads' reservations that quota could not take at once.
  ReservationReleases& releases() { return *releases_; }

 private:
  std::unique_ptr<auth::v1::AuthService::StubInterface> auth_;
  std::unique_ptr<quota::v1::QuotaService::StubInterface> quota_;
  std::unique_ptr<file::v1::FileService::StubInterface> file_;
  std::unique_ptr<dht::v1::DhtService::StubInterface> dht_;
  std::unique_ptr<ReservationReleases> releases_;  // uses quota_: declared after it
};

// Prepares `context` for a call made on behalf of the HTTP request `request_id`: deadline now +
// `timeout` (none when `timeout` is infinite) and the `x-request-id` metadata.
void PrepareContext(grpc::ClientContext& context, std::string_view request_id,
                    absl::Duration timeout);

// Where a call to a service comes from: the request id to pass on and the deadline of the
// client's own call (a public gRPC call's; none for REST, whose client stalls are timed out by
// the HTTP server).
struct CallOrigin {
  std::string request_id;
  absl::Time deadline = absl::InfiniteFuture();
};

// As above, with the deadline the earlier of now + `timeout` and the origin's.
void PrepareContext(grpc::ClientContext& context, const CallOrigin& origin, absl::Duration timeout);

}  // namespace datamesh::gateway
