// ParamChangeConsumer: applies governance's executed parameter changes that file-ingest owns,
// live: erasure.dataShards / erasure.parityShards (the shape of new uploads) and
// audit.ratePerMinute.
//
// governance.proposal.executed arrives through the durable JetStream consumer
// "file-ingest-governance", so a change executed while file-ingest is down is applied when it
// returns. Other types and keys are ignored (no answer). A change file-ingest owns is checked
// whole, then applied whole or not at all, and answered with governance.change.applied
// {service "file-ingest", ok, reason}:
//   - k >= 1, m >= 1, k + m <= 64 (what dht places), m >= --write-tolerance;
//   - k + m <= the storage nodes dht knows (up or down, disqualified ones excluded): a shape
//     more nodes than could ever hold it would put several shards of a segment on one node,
//     which is not the durability the vote asked for;
//   - audit.ratePerMinute an integer 0..60000.
// Applying stores the values (files.live_parameters), swaps the codec of new uploads, sets the
// audit rate, and when the shape changed calls `on_shape_changed` (it starts the re-encode
// job). The event id goes into files.processed_events after the answer is published: a
// redelivery before that applies the same absolute values again and answers again.
//
// Not owned: everything given must outlive the consumer. Thread-safe.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "datamesh/events/v1/event.pb.h"
#include "services/file-ingest/live_params.h"
#include "shared/bus/bus.h"

namespace datamesh::file_ingest {

struct ParamChangeHooks {
  // Storage nodes that could hold shards (dht's up and down nodes, not disqualified).
  std::function<absl::StatusOr<int>()> count_nodes;
  // Applies a new audit rate (segments per minute, 0: off).
  std::function<void(int64_t)> set_audit_rate;
  // Called after a new shape took effect.
  std::function<void(const std::string& proposal_id)> on_shape_changed;
};

class ParamChangeConsumer {
 public:
  ParamChangeConsumer(LiveCodec& codec, LiveParamStore& store, ParamChangeHooks hooks,
                      int write_tolerance, std::string source)
      : codec_(codec),
        store_(store),
        hooks_(std::move(hooks)),
        write_tolerance_(write_tolerance),
        source_(std::move(source)) {}
  ~ParamChangeConsumer() { Stop(); }

  [[nodiscard]] absl::Status Start(bus::Bus& bus,
                                   const std::string& durable = "file-ingest-governance");
  void Stop() { consumer_.reset(); }

  // Applies one event and publishes the answer on `bus`. An error means retry later.
  [[nodiscard]] absl::Status Handle(bus::Bus& bus, const events::v1::Event& event);

 private:
  // The refusal's reason, or OK when `k`, `m` and `audit_rate` (-1: unchanged) may apply.
  absl::Status Check(int64_t k, int64_t m, bool shape_changes, int64_t audit_rate);

  LiveCodec& codec_;
  LiveParamStore& store_;
  const ParamChangeHooks hooks_;
  const int write_tolerance_;
  const std::string source_;
  std::unique_ptr<bus::Consumer> consumer_;
};

}  // namespace datamesh::file_ingest
