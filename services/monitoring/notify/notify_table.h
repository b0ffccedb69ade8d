// The SQL of notifications (migrations/0004_notifications.sql): silences, acknowledgements and
// the notification log.
//
// Errors: UNAVAILABLE / DEADLINE_EXCEEDED from the pool; DATA_LOSS for a row that does not
// decode. Thread-safe (the pool is); the pool must outlive the table.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/monitoring/notify/dispatcher.h"
#include "services/monitoring/notify/silence.h"
#include "shared/pg/pool.h"

namespace datamesh::monitoring::notify {

// The seam the notifier keeps its state behind: PostgreSQL in the service, memory in tests.
class NotifyStore {
 public:
  virtual ~NotifyStore() = default;
  // ALREADY_EXISTS when the id is taken.
  virtual absl::Status CreateSilence(const Silence& s) = 0;
  // Silences that end after `ended_after`, newest first.
  virtual absl::StatusOr<std::vector<Silence>> ListSilences(absl::Time ended_after) = 0;
  // Ends the silence at `now`. NOT_FOUND: no such silence; FAILED_PRECONDITION: already ended.
  virtual absl::Status ExpireSilence(const std::string& id, absl::Time now) = 0;
  // Records (or replaces) the ack of an alert episode.
  virtual absl::Status PutAck(const Ack& ack) = 0;
  virtual absl::StatusOr<std::vector<Ack>> ListAcks() = 0;
  virtual absl::Status SaveLogEntry(const std::string& receiver, const std::string& group_key,
                                    const LogEntry& entry) = 0;
  // By Dispatcher::LogKey.
  virtual absl::StatusOr<std::map<std::string, LogEntry>> LoadLog() = 0;
  // Deletes silences that ended, acks made, and log entries sent before `cutoff`.
  virtual absl::Status DeleteBefore(absl::Time cutoff) = 0;
};

class NotifyTable final : public NotifyStore {
 public:
  explicit NotifyTable(pg::Pool& pool) : pool_(pool) {}

  absl::Status CreateSilence(const Silence& s) override;
  absl::StatusOr<std::vector<Silence>> ListSilences(absl::Time ended_after) override;
  absl::Status ExpireSilence(const std::string& id, absl::Time now) override;
  absl::Status PutAck(const Ack& ack) override;
  absl::StatusOr<std::vector<Ack>> ListAcks() override;
  absl::Status SaveLogEntry(const std::string& receiver, const std::string& group_key,
                            const LogEntry& entry) override;
  absl::StatusOr<std::map<std::string, LogEntry>> LoadLog() override;
  absl::Status DeleteBefore(absl::Time cutoff) override;

 private:
  pg::Pool& pool_;
};

}  // namespace datamesh::monitoring::notify
