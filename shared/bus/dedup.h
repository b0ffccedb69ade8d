// RecentIds: a bounded memory of recently seen event ids, for best-effort de-duplication.
//
// NATS may deliver an event more than once (a retried publish, a JetStream redelivery after a
// lost ack, a replica restart). Consumers are idempotent by event id (ARCHITECTURE.md §2):
//
//   * In-memory consumers of core NATS signals (heartbeats, progress, metric ticks) may use a
//     RecentIds to skip an id they have just handled. It is best effort: it forgets ids once
//     `capacity` newer ones arrived, and it forgets everything on restart.
//   * Durable (JetStream) consumers must NOT rely on it. They record each handled event id in
//     their own PostgreSQL (a processed-events table with the id as primary key), in the same
//     transaction as the effect of the event, and skip ids already there. Only that survives a
//     crash between the effect and the ack.
//
// Eviction is first-in first-out by first sighting: seeing an id again does not refresh it.
//
// Thread safety: all methods are thread-safe (one internal mutex).
#pragma once

#include <cstddef>
#include <deque>
#include <string>
#include <string_view>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_set.h"
#include "absl/synchronization/mutex.h"

namespace datamesh::bus {

class RecentIds {
 public:
  // Remembers at most `capacity` ids (a capacity of 0 is treated as 1).
  explicit RecentIds(size_t capacity);

  RecentIds(const RecentIds&) = delete;
  RecentIds& operator=(const RecentIds&) = delete;

  // True when `id` is not among the remembered ids, and remembers it (evicting the oldest id if
  // full). False when it was seen recently: the caller should skip the event.
  bool FirstTime(std::string_view id);

  size_t size() const;
  size_t capacity() const { return capacity_; }

 private:
  const size_t capacity_;
  mutable absl::Mutex mu_;
  // Insertion order; std::deque keeps the remaining strings in place on push_back/pop_front, so
  // the views in `seen_` stay valid until their own string is popped.
  std::deque<std::string> order_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_set<std::string_view> seen_ ABSL_GUARDED_BY(mu_);
};

}  // namespace datamesh::bus
