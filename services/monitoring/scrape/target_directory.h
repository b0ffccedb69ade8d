// TargetDirectory: the service instances heard from on dm.v1.service.heartbeat. Each one's
// metrics address is a scrape target; the serving monitoring instances among them are the
// replicas that share the targets (assignment.h).
//
// An instance silent for longer than the expiry (three heartbeat intervals in the service) is
// dropped: Expire returns it once, so its series can be marked stale.
//
// Thread-safe: heartbeats arrive on a NATS thread while the scraper reads.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "datamesh/events/v1/event.pb.h"

namespace datamesh::monitoring::scrape {

struct Target {
  std::string service;
  std::string instance_id;
  std::string metrics_address;  // host:port

  // "service/instance-id": unique per running instance.
  std::string key() const { return service + "/" + instance_id; }
  friend bool operator==(const Target&, const Target&) = default;
};

class TargetDirectory {
 public:
  // Instances of `replica_service` ("monitoring") that say they are serving are replicas.
  TargetDirectory(std::string replica_service, absl::Duration expiry)
      : replica_service_(std::move(replica_service)), expiry_(expiry) {}

  // Records a heartbeat received at `now`. False (and ignored) when it lacks a service,
  // instance id or metrics address.
  bool OnHeartbeat(const events::v1::ServiceHeartbeat& beat, absl::Time now);

  // Drops and returns the targets silent for longer than the expiry at `now`.
  std::vector<Target> Expire(absl::Time now);

  // Every known target, by key.
  std::vector<Target> Targets() const;

  // Instance ids of the replicas heard within the expiry whose last heartbeat said serving,
  // sorted.
  std::vector<std::string> LiveReplicas(absl::Time now) const;

 private:
  struct Entry {
    Target target;
    bool serving = false;
    absl::Time last_seen;
  };

  const std::string replica_service_;
  const absl::Duration expiry_;
  mutable absl::Mutex mu_;
  std::map<std::string, Entry> entries_ ABSL_GUARDED_BY(mu_);
};

}  // namespace datamesh::monitoring::scrape
