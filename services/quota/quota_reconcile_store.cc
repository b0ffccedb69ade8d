// QuotaStore: the corrections of the usage reconciliation (usage_reconciler.h).
#include "services/quota/quota_store.h"
#include "services/quota/quota_store_internal.h"

namespace datamesh::quota {

absl::StatusOr<std::vector<CountedFile>> QuotaStore::ListCountedFiles(const std::string& after,
                                                                      int limit) {
  std::vector<CountedFile> out;
  absl::Status status = pool_.Transact([&](pqxx::work& tx) -> absl::Status {
    out.clear();
    pqxx::result rows = tx.exec_params(
        "SELECT file_id, user_id, bytes FROM quota.files WHERE NOT deleted AND file_id > $1 "
        "ORDER BY file_id LIMIT $2",
        after, limit);
    for (const pqxx::row& row : rows) {
      out.push_back({row[0].as<std::string>(), row[1].as<std::string>(), row[2].as<uint64_t>()});
    }
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return out;
}

absl::StatusOr<bool> QuotaStore::CountMissedFile(const std::string& user,
                                                 const std::string& file_id, uint64_t size,
                                                 absl::Time now) {
  bool counted = false;
  absl::Status status = pool_.Transact([&](pqxx::work& tx) -> absl::Status {
    const internal::UsageRow usage = internal::LockUsage(tx, user, now);
    counted = tx.exec_params(
                    "INSERT INTO quota.files (file_id, user_id, bytes) "
                    "VALUES ($1, $2, $3) ON CONFLICT (file_id) DO NOTHING",
                    file_id, user, size)
                  .affected_rows() == 1;
    if (!counted) return absl::OkStatus();
    // The upload's committed reservation waited for this very event: it stops counting now.
    tx.exec_params0(
        "UPDATE quota.reservations SET state = 'retired' "
        "WHERE file_id = $1 AND user_id = $2 AND state = 'committed'",
        file_id, user);
    internal::IntegrateLocked(tx, user, usage, now);
    tx.exec_params0("UPDATE quota.usage SET stored_bytes = stored_bytes + $2 WHERE user_id = $1",
                    user, size);
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return counted;
}

absl::StatusOr<bool> QuotaStore::UncountVanishedFile(const std::string& user,
                                                     const std::string& file_id, absl::Time now) {
  bool uncounted = false;
  absl::Status status = pool_.Transact([&](pqxx::work& tx) -> absl::Status {
    const internal::UsageRow usage = internal::LockUsage(tx, user, now);
    pqxx::result rows = tx.exec_params(
        "UPDATE quota.files SET deleted = true WHERE file_id = $1 AND user_id = $2 AND NOT deleted "
        "RETURNING bytes",
        file_id, user);
    uncounted = !rows.empty();
    if (!uncounted) return absl::OkStatus();
    internal::IntegrateLocked(tx, user, usage, now);
    tx.exec_params0(
        "UPDATE quota.usage SET stored_bytes = GREATEST(stored_bytes - $2, 0) WHERE user_id = $1",
        user, rows[0][0].as<uint64_t>());
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return uncounted;
}

absl::StatusOr<std::vector<CommittedReservation>> QuotaStore::ListSettledCommits(
    const std::string& after, const std::string& upto, absl::Time committed_before,
    absl::Time now) {
  std::vector<CommittedReservation> out;
  absl::Status status = pool_.Transact([&](pqxx::work& tx) -> absl::Status {
    out.clear();
    // Rows committed before committed_at existed count from their creation, which is earlier.
    pqxx::result rows = tx.exec_params(
        "SELECT id, user_id, file_id, bytes FROM quota.reservations "
        "WHERE state = 'committed' AND file_id > $1 AND ($2 = '' OR file_id <= $2) "
        "AND COALESCE(committed_at, created_at) < " DM_QUOTA_TS(3) " AND expires_at > " DM_QUOTA_TS(
            4) " ORDER BY file_id",
        after, upto, internal::ToMicros(committed_before), internal::ToMicros(now));
    for (const pqxx::row& row : rows) {
      out.push_back({row[0].as<std::string>(), row[1].as<std::string>(), row[2].as<std::string>(),
                     row[3].as<uint64_t>()});
    }
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return out;
}

absl::StatusOr<bool> QuotaStore::RetireOrphanedCommit(const std::string& id, absl::Time now) {
  bool retired = false;
  absl::Status status = pool_.Transact([&](pqxx::work& tx) -> absl::Status {
    retired = false;
    pqxx::result owner = tx.exec_params("SELECT user_id FROM quota.reservations WHERE id = $1", id);
    if (owner.empty()) return absl::OkStatus();
    internal::LockUsage(tx, owner[0][0].as<std::string>(), now);
    retired = tx.exec_params(
                    "UPDATE quota.reservations SET state = 'retired' "
                    "WHERE id = $1 AND state = 'committed'",
                    id)
                  .affected_rows() == 1;
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return retired;
}

absl::StatusOr<QuotaStore::Recount> QuotaStore::RecountStoredBytes(absl::Time now) {
  // Candidates first, without locks; each is then checked again under its user's lock.
  std::vector<std::string> users;
  absl::Status status = pool_.Transact([&](pqxx::work& tx) -> absl::Status {
    users.clear();
    pqxx::result rows = tx.exec(
        "SELECT u.user_id FROM quota.usage u LEFT JOIN (SELECT user_id, sum(bytes) AS total "
        "FROM quota.files WHERE NOT deleted GROUP BY user_id) f ON f.user_id = u.user_id "
        "WHERE u.stored_bytes <> COALESCE(f.total, 0)");
    for (const pqxx::row& row : rows) users.push_back(row[0].as<std::string>());
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  Recount out;
  for (const std::string& user : users) {
    status = pool_.Transact([&](pqxx::work& tx) -> absl::Status {
      const internal::UsageRow usage = internal::LockUsage(tx, user, now);
      const int64_t total = tx.exec_params1(
                                  "SELECT COALESCE(sum(bytes), 0)::bigint FROM quota.files "
                                  "WHERE user_id = $1 AND NOT deleted",
                                  user)[0]
                                .as<int64_t>();
      const int64_t held = static_cast<int64_t>(usage.stored_bytes);
      if (total == held) return absl::OkStatus();
      internal::IntegrateLocked(tx, user, usage, now);
      tx.exec_params0("UPDATE quota.usage SET stored_bytes = $2 WHERE user_id = $1", user, total);
      ++out.users;
      out.drift += total - held;
      return absl::OkStatus();
    });
    if (!status.ok()) return status;
  }
  return out;
}

}  // namespace datamesh::quota
