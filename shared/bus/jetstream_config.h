// JetStream stream and consumer definitions used by Bus::EnsureStream and Bus::ConsumeDurable,
// and the one standard stream every DataMesh service declares the same way.
//
// Plain value types; thread-compatible.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/time/time.h"

namespace datamesh::bus {

// A JetStream stream with limits retention: messages stay until max_age (or max_bytes), and
// every durable consumer keeps its own position, so several services can read the same facts.
struct StreamConfig {
  std::string name;                   // e.g. "DM_EVENTS"; no '.', '*', '>' or spaces
  std::vector<std::string> subjects;  // subjects (wildcards allowed) the stream captures
  absl::Duration max_age = absl::Hours(7 * 24);
  // A publish repeating a Nats-Msg-Id seen within this window is acknowledged but not stored
  // again. Bounded because the server keeps every id of the window in memory.
  absl::Duration duplicate_window = absl::Minutes(5);
  int64_t max_bytes = -1;    // -1: unlimited (up to the server's max_file_store)
  bool file_storage = true;  // false: memory storage (lost on server restart)
  int replicas = 1;          // 3 in a clustered deployment
};

// A durable pull consumer. Replicas of one service bind to the same durable name and share the
// work: each event is handed to one of them.
struct ConsumerConfig {
  std::string stream;          // stream name, e.g. "DM_EVENTS"
  std::string durable;         // e.g. "quota"; no '.', '*', '>' or spaces
  std::string filter_subject;  // e.g. "dm.v1.file.>"; empty: every subject of the stream
  // An event delivered but neither acked nor nak'ed within ack_wait is redelivered (e.g. after
  // a crash mid-handler). Must exceed the handler's worst-case run time.
  absl::Duration ack_wait = absl::Seconds(30);
  // Deliveries per event before the server gives up on it for this consumer; -1: unlimited.
  // Unlimited by default: a fact that must not be lost keeps being retried (and counted as a
  // handler failure) until the handler is fixed.
  int max_deliver = -1;
  int batch_size = 32;  // events fetched per pull request
  // How long one pull request waits for events. Also bounds how long stopping the consumer
  // takes, since an outstanding pull is allowed to finish rather than be abandoned.
  absl::Duration fetch_wait = absl::Seconds(1);
  // Delay before an event whose handler failed is redelivered; doubles with each delivery up to
  // max_nak_delay.
  absl::Duration nak_delay = absl::Milliseconds(500);
  absl::Duration max_nak_delay = absl::Seconds(30);
  // A durable created for the first time starts at the oldest retained event, or (when true)
  // only with events published after its creation. An existing durable resumes where it was.
  bool deliver_new_only = false;
};

// A snapshot of a stream's state (js stream info).
struct StreamState {
  uint64_t messages = 0;
  uint64_t bytes = 0;
  uint64_t first_sequence = 0;
  uint64_t last_sequence = 0;
  int64_t consumers = 0;
};

// A snapshot of a durable consumer's state (js consumer info).
struct ConsumerState {
  uint64_t delivered_stream_sequence = 0;  // last stream sequence handed out
  uint64_t ack_floor_stream_sequence = 0;  // every event up to here is acknowledged
  int64_t ack_pending = 0;                 // delivered, not yet acknowledged
  int64_t redelivered = 0;                 // events delivered more than once
  uint64_t pending = 0;                    // matching events not yet delivered
};

inline constexpr char kDurableEventsStreamName[] = "DM_EVENTS";

// The standard durable stream "DM_EVENTS". It captures the facts that must not be lost:
//   dm.v1.file.>        file stored/deleted: quota usage and billing follow from them
//   dm.v1.audit.>       the audit trail
//   dm.v1.governance.>  proposals, votes and executed parameter changes
//   dm.v1.quota.>       quota exceeded (billing records, user notices)
//   dm.v1.auth.user.>   account changes (role, tier) that quota and others follow
// Ephemeral signals (node/service heartbeats, upload progress, metric ticks, alerts, logins)
// stay on core NATS: a lost one is superseded by the next, and storing them would only fill the
// stream. Core NATS subscribers still see events published durably (a JetStream publish is an
// ordinary publish the stream also captures), so the gateway's WebSocket relay needs no stream.
//
// Durability on disk is the server's setting, not the stream's: nats-server 2.10+ syncs every
// JetStream write with `sync_interval: always` (devstack, compose and the Helm notes ask for
// it); 2.9 cannot, and syncs on its own schedule, so an acknowledged event can be lost on power
// failure. docs/RELIABILITY.md lists what the consumers then rely on.
StreamConfig DurableEventsStream(int replicas = 1);

}  // namespace datamesh::bus
