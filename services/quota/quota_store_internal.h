// Helpers shared by the .cc files of QuotaStore; each runs inside the caller's transaction.
// Not part of the service's API.
#pragma once

#include <cstdint>
#include <pqxx/pqxx>
#include <string>

#include "absl/time/time.h"

namespace datamesh::quota::internal {

// Times cross SQL as microseconds since the Unix epoch.
int64_t ToMicros(absl::Time t);
absl::Time FromMicros(int64_t micros);

// SQL fragments converting a $n microseconds parameter to timestamptz and back.
#define DM_QUOTA_TS(n) "to_timestamp($" #n "::double precision / 1000000)"
#define DM_QUOTA_MICROS(col) "(extract(epoch FROM " col ") * 1000000)::bigint"

struct UsageRow {
  uint64_t stored_bytes = 0;
  absl::Time integrated_at;
};

// Creates the user's usage row when missing and locks it for the rest of the transaction.
UsageRow LockUsage(pqxx::work& tx, const std::string& user, absl::Time now);

// Adds the storage held since row.integrated_at to the user's billing rows and moves
// integrated_at to `now` (no-op when `now` is not later). Requires LockUsage first.
void IntegrateLocked(pqxx::work& tx, const std::string& user, const UsageRow& row, absl::Time now);

// Bytes held by the user's live (held or committed, unexpired) reservations.
uint64_t LiveReservedBytes(pqxx::work& tx, const std::string& user, absl::Time now);

// Records `tier` as the user's as of `as_of` (kept when a later tier is already recorded).
void RememberTierIn(pqxx::work& tx, const std::string& user, const std::string& tier,
                    absl::Time as_of);

// Marks `event_id` processed; false when it already was.
bool MarkProcessed(pqxx::work& tx, const std::string& event_id);

}  // namespace datamesh::quota::internal
