// QuotaStore: the quota ledger in PostgreSQL (schema `quota`, migrations/): tiers, users'
// remembered tiers, stored bytes, reservations, counted files, bandwidth and billing rows.
//
// Every change to a user's storage (reserve, commit, release, file.stored, file.deleted,
// billing accrual) first locks the user's quota.usage row with SELECT ... FOR UPDATE, so the
// check "stored + live reservations + requested <= limit" and the write that follows are one
// atomic step: concurrent reservations of one user are serialized and can never together pass
// the limit. Before stored bytes change, the time since the last change is integrated into
// the user's billing rows (storage byte-seconds), so billing sees every step of the curve.
//
// Times are passed in (`now`) rather than read from a clock, so callers can inject one.
// Callers validate input first (quota_domain.h); SQL is parameterized throughout.
//
// Thread-safe: every method runs in its own pooled transaction. The pool must outlive the
// store.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/quota/quota_domain.h"
#include "shared/pg/pool.h"

namespace datamesh::quota {

struct Reservation {
  std::string id;
  std::string user_id;
  std::string tier;
  uint64_t bytes = 0;
  std::string state;  // "held", "committed" or "retired"
  std::string file_id;
  absl::Time expires_at;
};

// The outcome of a reservation attempt that is not an error: either reserved, or refused
// because the limit would be passed (with the numbers for quota.exceeded).
struct ReserveOutcome {
  bool reserved = false;
  Reservation reservation;
  uint64_t used = 0;   // stored + live reservations before the request
  uint64_t limit = 0;  // the limit that refused it (when !reserved)
};

struct StorageUsage {
  uint64_t stored_bytes = 0;    // counted files
  uint64_t reserved_bytes = 0;  // live reservations
};

struct BillingRow {
  std::string id;
  std::string user_id;
  std::string month;
  std::string tier;
  uint64_t storage_byte_hours = 0;
  uint64_t bandwidth_bytes = 0;
  uint64_t api_calls = 0;
};

struct BillingPage {
  std::vector<BillingRow> rows;
  std::optional<std::string> next_cursor;
};

// A file quota counts (quota.files, not deleted).
struct CountedFile {
  std::string file_id;
  std::string user_id;
  uint64_t bytes = 0;
};

// A reservation committed to a file, as the usage reconciliation sees it.
struct CommittedReservation {
  std::string id;
  std::string user_id;
  std::string file_id;
  uint64_t bytes = 0;
};

class QuotaStore {
 public:
  explicit QuotaStore(pg::Pool& pool) : pool_(pool) {}

  // Tiers. GetTier: NOT_FOUND for an unknown name. PutTier: NOT_FOUND (unknown, !create),
  // ALREADY_EXISTS (create, exists); records the change in quota.tier_history.
  absl::StatusOr<std::vector<TierDef>> ListTiers();
  absl::StatusOr<TierDef> GetTier(const std::string& name);
  absl::StatusOr<TierDef> PutTier(const TierDef& tier, bool create, const std::string& actor);
  // Remembers `tier` for `user` as of `as_of`; a value remembered as of a later time wins, so
  // out-of-order deliveries cannot undo a newer change.
  [[nodiscard]] absl::Status RememberTier(const std::string& user, const std::string& tier,
                                          absl::Time as_of);
  // The remembered tier, or nullopt when none was learned.
  absl::StatusOr<std::optional<std::string>> RememberedTier(const std::string& user);

  // Reserves `bytes` for `user` (new reservation with id `new_id`, or growing `grow_id`)
  // against `limit`; expiry becomes `expires_at`. A new reservation also remembers `tier` for
  // `user` (as RememberTier, in the same transaction). NOT_FOUND: `grow_id` unknown, not the
  // user's, not held, or expired.
  absl::StatusOr<ReserveOutcome> Reserve(const std::string& user, const std::string& tier,
                                         std::optional<uint64_t> limit, uint64_t bytes,
                                         const std::string& new_id,
                                         const std::optional<std::string>& grow_id, absl::Time now,
                                         absl::Time expires_at);
  // Binds a held reservation to `file_id` with `actual` bytes; growing checks the storage
  // limit of the reservation's tier (a tier deleted meanwhile admits no growth).
  // NOT_FOUND: unknown or expired. FAILED_PRECONDITION: committed to another file. A repeat
  // for the same file (or after file.stored retired it) is OK. Outcome as Reserve; its
  // reservation is filled in either case.
  absl::StatusOr<ReserveOutcome> Commit(const std::string& id, uint64_t actual,
                                        const std::string& file_id, absl::Time now,
                                        absl::Time expires_at);
  // Frees a held reservation; OK when unknown or expired. FAILED_PRECONDITION: committed.
  [[nodiscard]] absl::Status Release(const std::string& id, absl::Time now);
  // Deletes expired reservations and retired ones older than `retired_before`.
  absl::StatusOr<int64_t> SweepReservations(absl::Time now, absl::Time retired_before);

  // Applies a file event once: false when `event_id` was processed before (nothing changed).
  absl::StatusOr<bool> ApplyFileStored(const std::string& event_id, const std::string& user,
                                       const std::string& file_id, uint64_t size,
                                       const std::string& reservation_id, absl::Time now);
  absl::StatusOr<bool> ApplyFileDeleted(const std::string& event_id, const std::string& user,
                                        const std::string& file_id, uint64_t size, absl::Time now);

  absl::StatusOr<StorageUsage> GetStorage(const std::string& user, absl::Time now);

  // Bandwidth of the calendar month of `now`.
  absl::StatusOr<uint64_t> MonthBandwidth(const std::string& user, absl::Time now);
  // How RecordBandwidth counts: added without a check, added only within `limit`
  // (RESOURCE_EXHAUSTED and nothing added when it would pass), or subtracted (a refund).
  struct BandwidthChange {
    uint64_t bytes = 0;
    bool refund = false;
    bool checked = false;
    std::optional<uint64_t> limit;  // with `checked`; nullopt = unlimited
  };
  // Changes the month's bandwidth; a repeated non-empty `record_id` of the user changes nothing.
  [[nodiscard]] absl::Status RecordBandwidth(const std::string& user, const BandwidthChange& change,
                                             const std::string& record_id, absl::Time now);

  // Integrates the user's stored bytes up to `now` into billing (unknown users: nothing).
  [[nodiscard]] absl::Status Accrue(const std::string& user, absl::Time now);
  // Users holding stored bytes (whose billing grows with time).
  absl::StatusOr<std::vector<std::string>> UsersWithStorage();
  // Raises the month's API-call counts to the given totals (never lowers them).
  [[nodiscard]] absl::Status MergeApiCalls(const std::string& month,
                                           const std::map<std::string, uint64_t>& calls);
  // Billing rows, newest month first then by user; `user`/`month` empty = all.
  // INVALID_ARGUMENT: undecodable cursor.
  absl::StatusOr<BillingPage> ListBilling(const std::string& user, const std::string& month,
                                          int limit, const std::string& cursor);

  // Usage reconciliation (quota_reconcile_store.cc). Each correction takes the user's usage
  // lock and is idempotent, so two reconciliations running at once cannot count twice.
  // Counted files whose id sorts after `after`, in id order.
  absl::StatusOr<std::vector<CountedFile>> ListCountedFiles(const std::string& after, int limit);
  // A committed file quota never counted (its file.stored was lost): counted as that event would
  // have, and the committed reservation bound to it retired. False when it was counted (or
  // deleted) meanwhile.
  absl::StatusOr<bool> CountMissedFile(const std::string& user, const std::string& file_id,
                                       uint64_t size, absl::Time now);
  // A counted file no manifest has (its file.deleted was lost): uncounted as that event would
  // have. False when it was uncounted meanwhile.
  absl::StatusOr<bool> UncountVanishedFile(const std::string& user, const std::string& file_id,
                                           absl::Time now);
  // Live committed reservations whose file id lies in (`after`, `upto`] (`upto` empty: no
  // upper end), committed before `committed_before`, in file-id order.
  absl::StatusOr<std::vector<CommittedReservation>> ListSettledCommits(const std::string& after,
                                                                       const std::string& upto,
                                                                       absl::Time committed_before,
                                                                       absl::Time now);
  // Retires a committed reservation whose file no manifest has (file-ingest died between
  // quota's commit and its own): its bytes stop counting. False when it was retired, released
  // or swept meanwhile.
  absl::StatusOr<bool> RetireOrphanedCommit(const std::string& id, absl::Time now);
  struct Recount {
    uint64_t users = 0;  // users whose total was corrected
    int64_t drift = 0;   // bytes added minus bytes removed
  };
  // Sets each user's stored bytes to the sum of its counted files where the two differ.
  absl::StatusOr<Recount> RecountStoredBytes(absl::Time now);

 private:
  pg::Pool& pool_;
};

}  // namespace datamesh::quota
