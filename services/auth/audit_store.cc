#include "services/auth/audit_store.h"

#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "services/auth/store_util.h"
#include "shared/crypto/encoding.h"
#include "shared/status/status.h"

namespace datamesh::auth {
namespace {

constexpr char kAuditColumns[] =
    "id::text, " DM_AUTH_MICROS("time") ", actor, action, target, outcome, source_ip, seq";

struct Position {
  int64_t micros = 0;
  int64_t seq = 0;
};

AuditEntry AuditFromRow(const pqxx::row& r) {
  AuditEntry e;
  e.id = r[0].as<std::string>();
  e.time = internal::FromMicros(r[1].as<int64_t>());
  e.actor = r[2].as<std::string>();
  e.action = r[3].as<std::string>();
  e.target = r[4].as<std::string>();
  e.outcome = r[5].as<std::string>();
  e.source_ip = r[6].as<std::string>();
  return e;
}

std::string EncodeCursor(const Position& p) {
  return crypto::Base64Encode(absl::StrCat("a1:", p.micros, ":", p.seq),
                              crypto::Base64Variant::kUrlSafe);
}

absl::StatusOr<Position> DecodeCursor(const std::string& cursor) {
  auto text = crypto::Base64Decode(cursor, crypto::Base64Variant::kUrlSafe);
  Position p;
  if (text.ok()) {
    std::vector<std::string> parts = absl::StrSplit(*text, ':');
    if (parts.size() == 3 && parts[0] == "a1" && absl::SimpleAtoi(parts[1], &p.micros) &&
        absl::SimpleAtoi(parts[2], &p.seq)) {
      return p;
    }
  }
  return absl::InvalidArgumentError("malformed cursor");
}

void Insert(pqxx::work& w, const AuditEntry& e) {
  w.exec_params(
      "INSERT INTO auth.audit_log (id, time, actor, action, target, outcome, source_ip) "
      "VALUES ($1, " DM_AUTH_TS("$2") ", $3, $4, $5, $6, $7)",
      e.id, internal::ToMicros(e.time), e.actor, e.action, e.target, e.outcome, e.source_ip);
}

}  // namespace

absl::Status AuditStore::Append(const AuditEntry& entry) {
  return pool_.Transact([&](pqxx::work& w) {
    Insert(w, entry);
    return absl::OkStatus();
  });
}

absl::StatusOr<bool> AuditStore::AppendForEvent(const std::string& event_id,
                                                const AuditEntry& entry) {
  bool fresh = false;
  RETURN_IF_ERROR(pool_.Transact([&](pqxx::work& w) {
    fresh = w.exec_params(
                 "INSERT INTO auth.processed_events (event_id) VALUES ($1) "
                 "ON CONFLICT DO NOTHING",
                 event_id)
                .affected_rows() == 1;
    if (fresh) Insert(w, entry);
    return absl::OkStatus();
  }));
  return fresh;
}

absl::StatusOr<AuditEntry> AuditStore::Get(const std::string& id) {
  if (!internal::IsUuid(id)) return absl::NotFoundError("no such audit record");
  std::optional<AuditEntry> out;
  RETURN_IF_ERROR(pool_.Transact([&](pqxx::work& w) {
    pqxx::result r = w.exec_params(
        std::string("SELECT ") + kAuditColumns + " FROM auth.audit_log WHERE id = $1", id);
    if (!r.empty()) out = AuditFromRow(r[0]);
    return absl::OkStatus();
  }));
  if (!out) return absl::NotFoundError("no such audit record");
  return *std::move(out);
}

absl::StatusOr<Page<AuditEntry>> AuditStore::Query(const AuditQuery& q) {
  std::optional<int64_t> after_micros, after_seq, from, to;
  if (!q.cursor.empty()) {
    ASSIGN_OR_RETURN(Position p, DecodeCursor(q.cursor));
    after_micros = p.micros;
    after_seq = p.seq;
  }
  if (q.from) from = internal::ToMicros(*q.from);
  if (q.to) to = internal::ToMicros(*q.to);
  std::optional<std::string> user, action, prefix;
  if (!q.user.empty()) user = q.user;
  if (!q.action.empty() && q.action.back() == '.') prefix = q.action;
  if (!q.action.empty() && q.action.back() != '.') action = q.action;
  Page<AuditEntry> page;
  RETURN_IF_ERROR(pool_.Transact([&](pqxx::work& w) {
    page.items.clear();
    pqxx::result r = w.exec_params(
        std::string("SELECT ") + kAuditColumns +
            " FROM auth.audit_log WHERE ($1::text IS NULL OR actor = $1 OR target = $1)"
            " AND ($2::text IS NULL OR action = $2)"
            " AND ($3::text IS NULL OR starts_with(action, $3))"
            " AND ($4::bigint IS NULL OR time >= " DM_AUTH_TS("$4") ")"
            " AND ($5::bigint IS NULL OR time < " DM_AUTH_TS("$5") ")"
            " AND ($6::bigint IS NULL OR (time, seq) < (" DM_AUTH_TS("$6") ", $7::bigint))"
            " ORDER BY time DESC, seq DESC LIMIT $8",
        user, action, prefix, from, to, after_micros, after_seq, q.limit + 1);
    for (int i = 0; i < static_cast<int>(r.size()) && i < q.limit; ++i) {
      page.items.push_back(AuditFromRow(r[i]));
    }
    if (static_cast<int>(r.size()) > q.limit && q.limit > 0) {
      const pqxx::row& last = r[q.limit - 1];
      page.next_cursor = EncodeCursor({last[1].as<int64_t>(), last[7].as<int64_t>()});
    }
    return absl::OkStatus();
  }));
  return page;
}

}  // namespace datamesh::auth
