// Storage side of QuotaStore: reservations, file events and stored bytes. Every method that
// changes a user's storage locks the user's usage row first (LockUsage); see quota_store.h.
#include "services/quota/quota_store.h"

#include "services/quota/quota_store_internal.h"

namespace datamesh::quota {

using internal::FromMicros;
using internal::ToMicros;

namespace internal {

int64_t ToMicros(absl::Time t) { return absl::ToUnixMicros(t); }
absl::Time FromMicros(int64_t micros) { return absl::FromUnixMicros(micros); }

UsageRow LockUsage(pqxx::work& tx, const std::string& user, absl::Time now) {
  constexpr char kLock[] = "SELECT stored_bytes, " DM_QUOTA_MICROS(
      "integrated_at") " FROM quota.usage WHERE user_id = $1 FOR UPDATE";
  // Nearly every call finds the row: one statement then. Only a user's first change inserts it
  // (a no-op when a concurrent first change won) and locks it with a second read.
  pqxx::result rows = tx.exec_params(kLock, user);
  if (rows.empty()) {
    tx.exec_params0("INSERT INTO quota.usage (user_id, integrated_at) VALUES ($1, " DM_QUOTA_TS(
                        2) ") ON CONFLICT (user_id) DO NOTHING",
                    user, ToMicros(now));
    rows = tx.exec_params(kLock, user);
  }
  const pqxx::row r = rows.at(0);
  return {r[0].as<uint64_t>(), FromMicros(r[1].as<int64_t>())};
}

void IntegrateLocked(pqxx::work& tx, const std::string& user, const UsageRow& row, absl::Time now) {
  if (now <= row.integrated_at) return;
  for (const MonthSlice& slice : IntegrateStorage(row.stored_bytes, row.integrated_at, now)) {
    tx.exec_params0(
        "INSERT INTO quota.billing (id, user_id, month, tier, storage_byte_seconds) "
        "VALUES (md5($1 || '/' || $2)::uuid::text, $1, $2, "
        "COALESCE((SELECT tier FROM quota.user_tiers WHERE user_id = $1), 'free'), $3::numeric) "
        "ON CONFLICT (user_id, month) DO UPDATE SET "
        "storage_byte_seconds = quota.billing.storage_byte_seconds + EXCLUDED.storage_byte_seconds,"
        " tier = EXCLUDED.tier",
        user, slice.month, ByteSecondsDecimal(slice.byte_micros));
  }
  tx.exec_params0("UPDATE quota.usage SET integrated_at = " DM_QUOTA_TS(2) " WHERE user_id = $1",
                  user, ToMicros(now));
}

uint64_t LiveReservedBytes(pqxx::work& tx, const std::string& user, absl::Time now) {
  return tx
      .exec_params1(
          "SELECT COALESCE(SUM(bytes), 0)::bigint FROM quota.reservations "
          "WHERE user_id = $1 AND state IN ('held', 'committed') AND expires_at > " DM_QUOTA_TS(2),
          user, ToMicros(now))[0]
      .as<uint64_t>();
}

bool MarkProcessed(pqxx::work& tx, const std::string& event_id) {
  return tx.exec_params(
               "INSERT INTO quota.processed_events (event_id) VALUES ($1) "
               "ON CONFLICT (event_id) DO NOTHING",
               event_id)
             .affected_rows() == 1;
}

}  // namespace internal

namespace {

constexpr char kSelectReservation[] =
    "SELECT id, user_id, tier, bytes, state, COALESCE(file_id, ''), " DM_QUOTA_MICROS(
        "expires_at") " FROM quota.reservations WHERE id = $1";

Reservation ToReservation(const pqxx::row& r) {
  return {r[0].as<std::string>(),        r[1].as<std::string>(), r[2].as<std::string>(),
          r[3].as<uint64_t>(),           r[4].as<std::string>(), r[5].as<std::string>(),
          FromMicros(r[6].as<int64_t>())};
}

std::optional<Reservation> FindReservation(pqxx::work& tx, const std::string& id) {
  pqxx::result rows = tx.exec_params(kSelectReservation, id);
  if (rows.empty()) return std::nullopt;
  return ToReservation(rows[0]);
}

// Whether `extra` more bytes fit for the (locked) user; fills the refusal numbers when not.
bool Fits(pqxx::work& tx, const std::string& user, const internal::UsageRow& usage,
          std::optional<uint64_t> limit, uint64_t extra, absl::Time now, ReserveOutcome* out) {
  out->used = usage.stored_bytes + internal::LiveReservedBytes(tx, user, now);
  if (Admits(limit, out->used, extra)) return true;
  out->limit = *limit;
  return false;
}

}  // namespace

absl::StatusOr<ReserveOutcome> QuotaStore::Reserve(const std::string& user, const std::string& tier,
                                                   std::optional<uint64_t> limit, uint64_t bytes,
                                                   const std::string& new_id,
                                                   const std::optional<std::string>& grow_id,
                                                   absl::Time now, absl::Time expires_at) {
  ReserveOutcome out;
  absl::Status status = pool_.Transact([&](pqxx::work& tx) -> absl::Status {
    out = ReserveOutcome{};
    const internal::UsageRow usage = internal::LockUsage(tx, user, now);
    std::optional<Reservation> existing;
    if (grow_id.has_value()) {
      existing = FindReservation(tx, *grow_id);
      if (!existing || existing->user_id != user || existing->state != "held" ||
          existing->expires_at <= now) {
        return absl::NotFoundError("reservation not found or expired");
      }
    }
    if (!Fits(tx, user, usage, limit, bytes, now, &out)) return absl::OkStatus();
    if (existing) {
      tx.exec_params0("UPDATE quota.reservations SET bytes = bytes + $2, expires_at = " DM_QUOTA_TS(
                          3) " WHERE id = $1",
                      *grow_id, bytes, ToMicros(expires_at));
      out.reservation = *existing;
      out.reservation.bytes += bytes;
    } else {
      tx.exec_params0(
          "INSERT INTO quota.reservations (id, user_id, tier, bytes, state, expires_at) "
          "VALUES ($1, $2, $3, $4, 'held', " DM_QUOTA_TS(5) ")",
          new_id, user, tier, bytes, ToMicros(expires_at));
      // The tier the caller came with, kept for billing in the same transaction (one commit
      // per reservation, not two).
      internal::RememberTierIn(tx, user, tier, now);
      out.reservation = {new_id, user, tier, bytes, "held", "", expires_at};
    }
    out.reservation.expires_at = expires_at;
    out.reserved = true;
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return out;
}

absl::StatusOr<ReserveOutcome> QuotaStore::Commit(const std::string& id, uint64_t actual,
                                                  const std::string& file_id, absl::Time now,
                                                  absl::Time expires_at) {
  ReserveOutcome out;
  absl::Status status = pool_.Transact([&](pqxx::work& tx) -> absl::Status {
    out = ReserveOutcome{};
    std::optional<Reservation> r = FindReservation(tx, id);
    if (!r) return absl::NotFoundError("reservation not found");
    const internal::UsageRow usage = internal::LockUsage(tx, r->user_id, now);
    r = FindReservation(tx, id);  // re-read under the user's lock
    if (!r) return absl::NotFoundError("reservation not found");
    out.reservation = *r;
    if (r->state != "held") {
      if (r->file_id != file_id) {
        return absl::FailedPreconditionError("reservation already committed to another file");
      }
      out.reserved = true;  // a repeat: nothing to do
      return absl::OkStatus();
    }
    if (r->expires_at <= now) return absl::NotFoundError("reservation expired");
    if (actual > r->bytes) {
      pqxx::result tier =
          tx.exec_params("SELECT storage_bytes FROM quota.tiers WHERE name = $1", r->tier);
      const std::optional<uint64_t> limit =
          tier.empty()           ? std::optional<uint64_t>(0)
          : tier[0][0].is_null() ? std::nullopt
                                 : std::optional<uint64_t>(tier[0][0].as<uint64_t>());
      // The reservation's own bytes are part of `used`; only the growth is requested.
      if (!Fits(tx, r->user_id, usage, limit, actual - r->bytes, now, &out)) {
        return absl::OkStatus();
      }
    }
    tx.exec_params0(
        "UPDATE quota.reservations SET bytes = $2, state = 'committed', file_id = $3, "
        "expires_at = " DM_QUOTA_TS(4) ", committed_at = " DM_QUOTA_TS(5) " WHERE id = $1",
        id, actual, file_id, ToMicros(expires_at), ToMicros(now));
    out.reserved = true;
    out.reservation.bytes = actual;
    out.reservation.state = "committed";
    out.reservation.file_id = file_id;
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return out;
}

absl::Status QuotaStore::Release(const std::string& id, absl::Time now) {
  return pool_.Transact([&](pqxx::work& tx) -> absl::Status {
    std::optional<Reservation> r = FindReservation(tx, id);
    if (!r) return absl::OkStatus();
    internal::LockUsage(tx, r->user_id, now);
    r = FindReservation(tx, id);
    if (!r || r->state == "retired" || r->expires_at <= now) return absl::OkStatus();
    if (r->state == "committed") {
      return absl::FailedPreconditionError("reservation already committed");
    }
    tx.exec_params0("DELETE FROM quota.reservations WHERE id = $1", id);
    return absl::OkStatus();
  });
}

absl::StatusOr<int64_t> QuotaStore::SweepReservations(absl::Time now, absl::Time retired_before) {
  int64_t removed = 0;
  absl::Status status = pool_.Transact([&](pqxx::work& tx) -> absl::Status {
    removed = tx.exec_params("DELETE FROM quota.reservations WHERE (state <> 'retired' AND "
                             "expires_at <= " DM_QUOTA_TS(1) ") OR (state = 'retired' AND "
                             "expires_at <= " DM_QUOTA_TS(2) ")",
                             ToMicros(now), ToMicros(retired_before))
                  .affected_rows();
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return removed;
}

absl::StatusOr<bool> QuotaStore::ApplyFileStored(const std::string& event_id,
                                                 const std::string& user,
                                                 const std::string& file_id, uint64_t size,
                                                 const std::string& reservation_id,
                                                 absl::Time now) {
  bool applied = false;
  absl::Status status = pool_.Transact([&](pqxx::work& tx) -> absl::Status {
    applied = false;
    const internal::UsageRow usage = internal::LockUsage(tx, user, now);
    if (!internal::MarkProcessed(tx, event_id)) return absl::OkStatus();
    applied = true;
    if (!reservation_id.empty()) {
      // Only the owner's reservation: an event naming someone else's changes nothing there.
      tx.exec_params0(
          "UPDATE quota.reservations SET state = 'retired', file_id = $3 "
          "WHERE id = $1 AND user_id = $2",
          reservation_id, user, file_id);
    }
    const bool counted = tx.exec_params(
                               "INSERT INTO quota.files (file_id, user_id, bytes) "
                               "VALUES ($1, $2, $3) ON CONFLICT (file_id) DO NOTHING",
                               file_id, user, size)
                             .affected_rows() == 1;
    if (!counted) return absl::OkStatus();  // already counted, or deleted before (tombstone)
    internal::IntegrateLocked(tx, user, usage, now);
    tx.exec_params0("UPDATE quota.usage SET stored_bytes = stored_bytes + $2 WHERE user_id = $1",
                    user, size);
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return applied;
}

absl::StatusOr<bool> QuotaStore::ApplyFileDeleted(const std::string& event_id,
                                                  const std::string& user,
                                                  const std::string& file_id, uint64_t size,
                                                  absl::Time now) {
  bool applied = false;
  absl::Status status = pool_.Transact([&](pqxx::work& tx) -> absl::Status {
    applied = false;
    const internal::UsageRow usage = internal::LockUsage(tx, user, now);
    if (!internal::MarkProcessed(tx, event_id)) return absl::OkStatus();
    applied = true;
    pqxx::result rows = tx.exec_params(
        "SELECT bytes, deleted FROM quota.files WHERE file_id = $1 AND user_id = $2 FOR UPDATE",
        file_id, user);
    if (rows.empty()) {
      tx.exec_params0(
          "INSERT INTO quota.files (file_id, user_id, bytes, deleted) "
          "VALUES ($1, $2, $3, true) ON CONFLICT (file_id) DO NOTHING",
          file_id, user, size);
      return absl::OkStatus();
    }
    if (rows[0][1].as<bool>()) return absl::OkStatus();
    const uint64_t counted = rows[0][0].as<uint64_t>();
    internal::IntegrateLocked(tx, user, usage, now);
    tx.exec_params0("UPDATE quota.files SET deleted = true WHERE file_id = $1", file_id);
    tx.exec_params0(
        "UPDATE quota.usage SET stored_bytes = GREATEST(stored_bytes - $2, 0) "
        "WHERE user_id = $1",
        user, counted);
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return applied;
}

absl::StatusOr<StorageUsage> QuotaStore::GetStorage(const std::string& user, absl::Time now) {
  StorageUsage usage;
  absl::Status status = pool_.Transact([&](pqxx::work& tx) -> absl::Status {
    pqxx::result rows =
        tx.exec_params("SELECT stored_bytes FROM quota.usage WHERE user_id = $1", user);
    usage.stored_bytes = rows.empty() ? 0 : rows[0][0].as<uint64_t>();
    usage.reserved_bytes = internal::LiveReservedBytes(tx, user, now);
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return usage;
}

}  // namespace datamesh::quota
