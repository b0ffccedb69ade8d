#include "services/monitoring/notify/notify_table.h"

#include <nlohmann/json.hpp>

#include "services/monitoring/notify/payload.h"
#include "shared/status/status.h"

namespace datamesh::monitoring::notify {
namespace {

std::string MatchersJson(const std::vector<Matcher>& matchers) {
  nlohmann::json a = nlohmann::json::array();
  for (const Matcher& m : matchers) {
    a.push_back(
        {{"name", m.name()}, {"op", std::string(MatchOpText(m.op()))}, {"value", m.value()}});
  }
  return DumpJson(a);
}

absl::StatusOr<std::vector<Matcher>> MatchersFromJson(const std::string& text) {
  const nlohmann::json a = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!a.is_array()) return absl::DataLossError("monitoring.silences holds bad matchers");
  std::vector<Matcher> out;
  for (const nlohmann::json& m : a) {
    if (!m.is_object() || !m["name"].is_string() || !m["op"].is_string() ||
        !m["value"].is_string()) {
      return absl::DataLossError("monitoring.silences holds a bad matcher");
    }
    MatchOp op = MatchOp::kEqual;
    const std::string text_op = m["op"].get<std::string>();
    for (MatchOp o : {MatchOp::kEqual, MatchOp::kNotEqual, MatchOp::kRegex, MatchOp::kNotRegex}) {
      if (MatchOpText(o) == text_op) op = o;
    }
    absl::StatusOr<Matcher> parsed =
        Matcher::Make(m["name"].get<std::string>(), op, m["value"].get<std::string>());
    if (!parsed.ok()) return absl::DataLossError("monitoring.silences holds an invalid matcher");
    out.push_back(*std::move(parsed));
  }
  return out;
}

std::string SetJson(const std::set<std::string>& s) { return DumpJson(nlohmann::json(s)); }

absl::StatusOr<std::set<std::string>> SetFromJson(const std::string& text) {
  const nlohmann::json a = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!a.is_array()) return absl::DataLossError("monitoring.notification_log holds a bad set");
  std::set<std::string> out;
  for (const nlohmann::json& v : a) {
    if (!v.is_string()) return absl::DataLossError("monitoring.notification_log holds a bad set");
    out.insert(v.get<std::string>());
  }
  return out;
}

absl::Time Ms(const pqxx::field& f) { return absl::FromUnixMillis(f.as<int64_t>()); }

}  // namespace

absl::Status NotifyTable::CreateSilence(const Silence& s) {
  return pool_.Transact([&](pqxx::work& tx) -> absl::Status {
    const pqxx::result r = tx.exec_params(
        "INSERT INTO monitoring.silences (id, matchers, starts_at_ms, ends_at_ms, created_by, "
        "comment, created_at_ms) VALUES ($1, $2::jsonb, $3, $4, $5, $6, $7) "
        "ON CONFLICT (id) DO NOTHING",
        s.id, MatchersJson(s.matchers), absl::ToUnixMillis(s.starts_at),
        absl::ToUnixMillis(s.ends_at), s.created_by, s.comment, absl::ToUnixMillis(s.created_at));
    if (r.affected_rows() == 0) return absl::AlreadyExistsError("a silence has this id");
    return absl::OkStatus();
  });
}

absl::StatusOr<std::vector<Silence>> NotifyTable::ListSilences(absl::Time ended_after) {
  std::vector<Silence> out;
  RETURN_IF_ERROR(pool_.Transact([&](pqxx::work& tx) -> absl::Status {
    out.clear();
    const pqxx::result rows = tx.exec_params(
        "SELECT id, matchers::text, starts_at_ms, ends_at_ms, created_by, comment, created_at_ms "
        "FROM monitoring.silences WHERE ends_at_ms > $1 ORDER BY created_at_ms DESC, id",
        absl::ToUnixMillis(ended_after));
    for (const auto& row : rows) {
      Silence s;
      s.id = row[0].as<std::string>();
      ASSIGN_OR_RETURN(s.matchers, MatchersFromJson(row[1].as<std::string>()));
      s.starts_at = Ms(row[2]);
      s.ends_at = Ms(row[3]);
      s.created_by = row[4].as<std::string>();
      s.comment = row[5].as<std::string>();
      s.created_at = Ms(row[6]);
      out.push_back(std::move(s));
    }
    return absl::OkStatus();
  }));
  return out;
}

absl::Status NotifyTable::ExpireSilence(const std::string& id, absl::Time now) {
  return pool_.Transact([&](pqxx::work& tx) -> absl::Status {
    const pqxx::result r = tx.exec_params(
        "SELECT starts_at_ms, ends_at_ms FROM monitoring.silences WHERE id = $1 FOR UPDATE", id);
    if (r.empty()) return absl::NotFoundError("no silence has this id");
    const int64_t now_ms = absl::ToUnixMillis(now);
    if (r[0][1].as<int64_t>() <= now_ms) {
      return absl::FailedPreconditionError("the silence has already ended");
    }
    // A silence that has not started yet ends before it begins: both move to now (the CHECK
    // wants the end after the start, so the start goes one millisecond back).
    tx.exec_params(
        "UPDATE monitoring.silences SET ends_at_ms = $2::bigint, "
        "starts_at_ms = LEAST(starts_at_ms, $2::bigint - 1) WHERE id = $1",
        id, now_ms);
    return absl::OkStatus();
  });
}

absl::Status NotifyTable::PutAck(const Ack& a) {
  return pool_.Transact([&](pqxx::work& tx) -> absl::Status {
    tx.exec_params(
        "INSERT INTO monitoring.alert_acks (alert_id, fingerprint, acked_by, acked_at_ms, "
        "comment) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (alert_id) DO UPDATE SET "
        "acked_by = EXCLUDED.acked_by, acked_at_ms = EXCLUDED.acked_at_ms, "
        "comment = EXCLUDED.comment",
        a.alert_id, a.fingerprint, a.by, absl::ToUnixMillis(a.at), a.comment);
    return absl::OkStatus();
  });
}

absl::StatusOr<std::vector<Ack>> NotifyTable::ListAcks() {
  std::vector<Ack> out;
  RETURN_IF_ERROR(pool_.Transact([&](pqxx::work& tx) -> absl::Status {
    out.clear();
    const pqxx::result rows = tx.exec(
        "SELECT alert_id, fingerprint, acked_by, acked_at_ms, comment FROM monitoring.alert_acks");
    for (const auto& row : rows) {
      out.push_back({row[0].as<std::string>(), row[1].as<std::string>(), row[2].as<std::string>(),
                     Ms(row[3]), row[4].as<std::string>()});
    }
    return absl::OkStatus();
  }));
  return out;
}

absl::Status NotifyTable::SaveLogEntry(const std::string& receiver, const std::string& group_key,
                                       const LogEntry& e) {
  return pool_.Transact([&](pqxx::work& tx) -> absl::Status {
    tx.exec_params(
        "INSERT INTO monitoring.notification_log (receiver, group_key, firing, resolved, "
        "sent_at_ms) VALUES ($1, $2, $3::jsonb, $4::jsonb, $5) ON CONFLICT (receiver, group_key) "
        "DO UPDATE SET firing = EXCLUDED.firing, resolved = EXCLUDED.resolved, "
        "sent_at_ms = EXCLUDED.sent_at_ms",
        receiver, group_key, SetJson(e.firing), SetJson(e.resolved), absl::ToUnixMillis(e.sent_at));
    return absl::OkStatus();
  });
}

absl::StatusOr<std::map<std::string, LogEntry>> NotifyTable::LoadLog() {
  std::map<std::string, LogEntry> out;
  RETURN_IF_ERROR(pool_.Transact([&](pqxx::work& tx) -> absl::Status {
    out.clear();
    const pqxx::result rows = tx.exec(
        "SELECT receiver, group_key, firing::text, resolved::text, sent_at_ms "
        "FROM monitoring.notification_log");
    for (const auto& row : rows) {
      LogEntry e;
      ASSIGN_OR_RETURN(e.firing, SetFromJson(row[2].as<std::string>()));
      ASSIGN_OR_RETURN(e.resolved, SetFromJson(row[3].as<std::string>()));
      e.sent_at = Ms(row[4]);
      out[Dispatcher::LogKey(row[0].as<std::string>(), row[1].as<std::string>())] = std::move(e);
    }
    return absl::OkStatus();
  }));
  return out;
}

absl::Status NotifyTable::DeleteBefore(absl::Time cutoff) {
  const int64_t ms = absl::ToUnixMillis(cutoff);
  return pool_.Transact([&](pqxx::work& tx) -> absl::Status {
    tx.exec_params("DELETE FROM monitoring.silences WHERE ends_at_ms < $1", ms);
    tx.exec_params("DELETE FROM monitoring.alert_acks WHERE acked_at_ms < $1", ms);
    tx.exec_params("DELETE FROM monitoring.notification_log WHERE sent_at_ms < $1", ms);
    return absl::OkStatus();
  });
}

}  // namespace datamesh::monitoring::notify
