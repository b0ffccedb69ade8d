// Tier, bandwidth and billing side of QuotaStore (see quota_store.h).
#include <algorithm>
#include <optional>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "services/quota/quota_domain.h"
#include "services/quota/quota_store.h"
#include "services/quota/quota_store_internal.h"
#include "shared/status/status.h"

namespace datamesh::quota {
namespace {

using internal::ToMicros;

constexpr char kTierColumns[] =
    "name, display_name, storage_bytes, bandwidth_bytes_month, api_calls_hour, sla_percent, "
    "monthly_fee_micros, storage_gb_month_micros, bandwidth_gb_micros, currency";

std::optional<uint64_t> NullableU64(const pqxx::field& f) {
  if (f.is_null()) return std::nullopt;
  return f.as<uint64_t>();
}

// Unlimited crosses SQL as -1 and is stored as NULL (NULLIF).
int64_t LimitParam(std::optional<uint64_t> v) { return v ? static_cast<int64_t>(*v) : -1; }

TierDef ToTier(const pqxx::row& r) {
  TierDef t;
  t.name = r[0].as<std::string>();
  t.display_name = r[1].as<std::string>();
  t.limits = {NullableU64(r[2]), NullableU64(r[3]), NullableU64(r[4])};
  t.sla_percent = r[5].as<double>();
  t.monthly_fee_micros = r[6].as<int64_t>();
  t.storage_gb_month_micros = r[7].as<int64_t>();
  t.bandwidth_gb_micros = r[8].as<int64_t>();
  t.currency = r[9].as<std::string>();
  return t;
}

std::string TierHistoryText(const TierDef& t) {
  auto limit = [](std::optional<uint64_t> v) { return v ? std::to_string(*v) : "unlimited"; };
  return absl::StrCat("storage=", limit(t.limits.storage_bytes),
                      " bandwidth=", limit(t.limits.bandwidth_bytes_month),
                      " api_calls=", limit(t.limits.api_calls_hour), " sla=", t.sla_percent,
                      " fee=", t.monthly_fee_micros, " storage_price=", t.storage_gb_month_micros,
                      " bandwidth_price=", t.bandwidth_gb_micros, " currency=", t.currency);
}

// Billing cursors: web-safe base64 of "<month>\n<user_id>" of the last row returned.
std::string EncodeCursor(const BillingRow& last) {
  return absl::WebSafeBase64Escape(absl::StrCat(last.month, "\n", last.user_id));
}

absl::Status DecodeCursor(const std::string& cursor, std::string* month, std::string* user) {
  std::string raw;
  if (!absl::WebSafeBase64Unescape(cursor, &raw)) return absl::InvalidArgumentError("bad cursor");
  std::vector<std::string> parts = absl::StrSplit(raw, '\n');
  if (parts.size() != 2 || !ValidateMonth(parts[0], true).ok() || !ValidateId("c", parts[1]).ok()) {
    return absl::InvalidArgumentError("bad cursor");
  }
  *month = parts[0];
  *user = parts[1];
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::vector<TierDef>> QuotaStore::ListTiers() {
  std::vector<TierDef> tiers;
  absl::Status status = pool_.Transact([&](pqxx::work& tx) -> absl::Status {
    tiers.clear();
    for (const pqxx::row& r :
         tx.exec(absl::StrCat("SELECT ", kTierColumns, " FROM quota.tiers ORDER BY name"))) {
      tiers.push_back(ToTier(r));
    }
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return tiers;
}

absl::StatusOr<TierDef> QuotaStore::GetTier(const std::string& name) {
  TierDef tier;
  absl::Status status = pool_.Transact([&](pqxx::work& tx) -> absl::Status {
    pqxx::result rows = tx.exec_params(
        absl::StrCat("SELECT ", kTierColumns, " FROM quota.tiers WHERE name = $1"), name);
    if (rows.empty()) return absl::NotFoundError(absl::StrCat("unknown tier ", name));
    tier = ToTier(rows[0]);
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return tier;
}

absl::StatusOr<TierDef> QuotaStore::PutTier(const TierDef& t, bool create,
                                            const std::string& actor) {
  absl::Status status = pool_.Transact([&](pqxx::work& tx) -> absl::Status {
    const bool exists =
        !tx.exec_params("SELECT 1 FROM quota.tiers WHERE name = $1 FOR UPDATE", t.name).empty();
    if (exists && create) return absl::AlreadyExistsError("tier exists");
    if (!exists && !create) return absl::NotFoundError("unknown tier");
    tx.exec_params0(
        "INSERT INTO quota.tiers (name, display_name, storage_bytes, bandwidth_bytes_month, "
        "api_calls_hour, sla_percent, monthly_fee_micros, storage_gb_month_micros, "
        "bandwidth_gb_micros, currency, updated_at) VALUES ($1, $2, NULLIF($3::bigint, -1), "
        "NULLIF($4::bigint, -1), NULLIF($5::bigint, -1), $6, $7, $8, $9, $10, now()) "
        "ON CONFLICT (name) DO UPDATE SET display_name = EXCLUDED.display_name, "
        "storage_bytes = EXCLUDED.storage_bytes, "
        "bandwidth_bytes_month = EXCLUDED.bandwidth_bytes_month, "
        "api_calls_hour = EXCLUDED.api_calls_hour, sla_percent = EXCLUDED.sla_percent, "
        "monthly_fee_micros = EXCLUDED.monthly_fee_micros, "
        "storage_gb_month_micros = EXCLUDED.storage_gb_month_micros, "
        "bandwidth_gb_micros = EXCLUDED.bandwidth_gb_micros, currency = EXCLUDED.currency, "
        "updated_at = now()",
        t.name, t.display_name, LimitParam(t.limits.storage_bytes),
        LimitParam(t.limits.bandwidth_bytes_month), LimitParam(t.limits.api_calls_hour),
        t.sla_percent, t.monthly_fee_micros, t.storage_gb_month_micros, t.bandwidth_gb_micros,
        t.currency);
    tx.exec_params0(
        "INSERT INTO quota.tier_history (tier, actor_id, definition) VALUES ($1, $2, $3)", t.name,
        actor, TierHistoryText(t));
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return GetTier(t.name);
}

namespace internal {

void RememberTierIn(pqxx::work& tx, const std::string& user, const std::string& tier,
                    absl::Time as_of) {
  tx.exec_params0(
      "INSERT INTO quota.user_tiers (user_id, tier, updated_at) "
      "VALUES ($1, $2, " DM_QUOTA_TS(3) ") "
      "ON CONFLICT (user_id) DO UPDATE SET tier = EXCLUDED.tier, updated_at = "
      "EXCLUDED.updated_at WHERE quota.user_tiers.updated_at <= EXCLUDED.updated_at",
      user, tier, ToMicros(as_of));
}

}  // namespace internal

absl::Status QuotaStore::RememberTier(const std::string& user, const std::string& tier,
                                      absl::Time as_of) {
  return pool_.Transact([&](pqxx::work& tx) -> absl::Status {
    internal::RememberTierIn(tx, user, tier, as_of);
    return absl::OkStatus();
  });
}

absl::StatusOr<std::optional<std::string>> QuotaStore::RememberedTier(const std::string& user) {
  std::optional<std::string> tier;
  absl::Status status = pool_.Transact([&](pqxx::work& tx) -> absl::Status {
    pqxx::result rows =
        tx.exec_params("SELECT tier FROM quota.user_tiers WHERE user_id = $1", user);
    if (!rows.empty()) tier = rows[0][0].as<std::string>();
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return tier;
}

absl::StatusOr<uint64_t> QuotaStore::MonthBandwidth(const std::string& user, absl::Time now) {
  uint64_t bytes = 0;
  absl::Status status = pool_.Transact([&](pqxx::work& tx) -> absl::Status {
    pqxx::result rows = tx.exec_params(
        "SELECT bandwidth_bytes FROM quota.billing WHERE user_id = $1 AND month = $2", user,
        MonthOf(now));
    bytes = rows.empty() ? 0 : rows[0][0].as<uint64_t>();
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return bytes;
}

absl::Status QuotaStore::RecordBandwidth(const std::string& user, const BandwidthChange& change,
                                         const std::string& record_id, absl::Time now) {
  return pool_.Transact([&](pqxx::work& tx) -> absl::Status {
    if (!record_id.empty() &&
        tx.exec_params("INSERT INTO quota.bandwidth_records (user_id, record_id) VALUES ($1, $2) "
                       "ON CONFLICT DO NOTHING",
                       user, record_id)
                .affected_rows() == 0) {
      return absl::OkStatus();  // counted before
    }
    const std::string month = MonthOf(now);
    // The month's row exists and is locked before it is read, so checked additions of one user
    // are serialised and never pass the limit together. No conflict target: two first records of
    // a month racing collide on the id (derived from user and month) as well, which a
    // (user_id, month) target would answer with a unique violation instead of nothing.
    tx.exec_params0(
        "INSERT INTO quota.billing (id, user_id, month, tier, bandwidth_bytes) "
        "VALUES (md5($1 || '/' || $2)::uuid::text, $1, $2, "
        "COALESCE((SELECT tier FROM quota.user_tiers WHERE user_id = $1), 'free'), 0) "
        "ON CONFLICT DO NOTHING",
        user, month);
    const uint64_t used = tx.exec_params1(
                                "SELECT bandwidth_bytes FROM quota.billing WHERE user_id = $1 AND "
                                "month = $2 FOR UPDATE",
                                user, month)[0]
                              .as<uint64_t>();
    if (change.refund) {
      tx.exec_params0(
          "UPDATE quota.billing SET bandwidth_bytes = $3 WHERE user_id = $1 AND month = $2", user,
          month, used - std::min(used, change.bytes));
      return absl::OkStatus();
    }
    if (change.checked && !Admits(change.limit, used, change.bytes)) {
      return absl::ResourceExhaustedError("monthly download bandwidth limit reached");
    }
    // Capped far below 2^63 so the column never overflows whatever clients claim.
    tx.exec_params0(
        "UPDATE quota.billing SET bandwidth_bytes = LEAST($3::numeric + bandwidth_bytes, "
        "4611686018427387904), tier = COALESCE((SELECT tier FROM quota.user_tiers WHERE "
        "user_id = $1), tier) WHERE user_id = $1 AND month = $2",
        user, month, change.bytes);
    return absl::OkStatus();
  });
}

absl::Status QuotaStore::Accrue(const std::string& user, absl::Time now) {
  return pool_.Transact([&](pqxx::work& tx) -> absl::Status {
    // No insert here: reading a bill must not create ledger rows for unknown users.
    pqxx::result rows =
        tx.exec_params("SELECT stored_bytes, " DM_QUOTA_MICROS(
                           "integrated_at") " FROM quota.usage WHERE user_id = $1 FOR UPDATE",
                       user);
    if (rows.empty()) return absl::OkStatus();
    const internal::UsageRow usage{rows[0][0].as<uint64_t>(),
                                   internal::FromMicros(rows[0][1].as<int64_t>())};
    internal::IntegrateLocked(tx, user, usage, now);
    return absl::OkStatus();
  });
}

absl::StatusOr<std::vector<std::string>> QuotaStore::UsersWithStorage() {
  std::vector<std::string> users;
  absl::Status status = pool_.Transact([&](pqxx::work& tx) -> absl::Status {
    users.clear();
    for (const pqxx::row& r : tx.exec("SELECT user_id FROM quota.usage WHERE stored_bytes > 0")) {
      users.push_back(r[0].as<std::string>());
    }
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return users;
}

absl::Status QuotaStore::MergeApiCalls(const std::string& month,
                                       const std::map<std::string, uint64_t>& calls) {
  return pool_.Transact([&](pqxx::work& tx) -> absl::Status {
    for (const auto& [user, count] : calls) {
      tx.exec_params0(
          "INSERT INTO quota.billing (id, user_id, month, tier, api_calls) "
          "VALUES (md5($1 || '/' || $2)::uuid::text, $1, $2, "
          "COALESCE((SELECT tier FROM quota.user_tiers WHERE user_id = $1), 'free'), $3) "
          "ON CONFLICT (user_id, month) DO UPDATE SET "
          "api_calls = GREATEST(quota.billing.api_calls, EXCLUDED.api_calls)",
          user, month, static_cast<int64_t>(std::min<uint64_t>(count, kMaxBytes)));
    }
    return absl::OkStatus();
  });
}

absl::StatusOr<BillingPage> QuotaStore::ListBilling(const std::string& user,
                                                    const std::string& month, int limit,
                                                    const std::string& cursor) {
  std::string after_month = "9999-99";  // sorts after every month: no cursor = from the top
  std::string after_user;
  if (!cursor.empty()) RETURN_IF_ERROR(DecodeCursor(cursor, &after_month, &after_user));
  BillingPage page;
  absl::Status status = pool_.Transact([&](pqxx::work& tx) -> absl::Status {
    page = BillingPage{};
    pqxx::result rows = tx.exec_params(
        "SELECT id, user_id, month, tier, floor(storage_byte_seconds / 3600)::text, "
        "bandwidth_bytes, api_calls FROM quota.billing "
        "WHERE ($1 = '' OR user_id = $1) AND ($2 = '' OR month = $2) "
        "AND (month < $3 OR (month = $3 AND user_id > $4)) "
        "ORDER BY month DESC, user_id ASC LIMIT $5",
        user, month, after_month, after_user, limit + 1);
    for (const pqxx::row& r : rows) {
      if (static_cast<int>(page.rows.size()) == limit) {
        page.next_cursor = EncodeCursor(page.rows.back());
        break;
      }
      BillingRow b{r[0].as<std::string>(), r[1].as<std::string>(), r[2].as<std::string>(),
                   r[3].as<std::string>()};
      // Byte-hours beyond 2^64 saturate rather than wrap.
      const std::string hours = r[4].as<std::string>();
      b.storage_byte_hours = hours.size() > 19 ? UINT64_MAX : std::stoull(hours);
      b.bandwidth_bytes = r[5].as<uint64_t>();
      b.api_calls = r[6].as<uint64_t>();
      page.rows.push_back(std::move(b));
    }
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return page;
}

}  // namespace datamesh::quota
