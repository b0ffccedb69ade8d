#include "services/monitoring/alerts/alert_table.h"

#include <cmath>
#include <nlohmann/json.hpp>
#include <optional>

#include "shared/status/status.h"

namespace datamesh::monitoring::alerts {
namespace {

constexpr char kLeaseName[] = "rules";

std::string ToJson(const promql::Labels& labels) {
  nlohmann::json o = nlohmann::json::object();
  for (const promql::Label& l : labels) o[l.name] = l.value;
  return o.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

absl::StatusOr<promql::Labels> FromJson(const std::string& text) {
  const nlohmann::json o = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!o.is_object())
    return absl::DataLossError("monitoring.alerts holds labels that are not an object");
  std::vector<promql::Label> out;
  for (const auto& [k, v] : o.items()) {
    if (!v.is_string()) return absl::DataLossError("monitoring.alerts holds a non-string label");
    out.push_back({k, v.get<std::string>()});
  }
  return promql::MakeLabels(std::move(out));
}

std::optional<int64_t> OptionalMs(absl::Time t) {
  if (t == absl::InfinitePast()) return std::nullopt;
  return absl::ToUnixMillis(t);
}

absl::Time TimeOf(const pqxx::field& f) {
  return f.is_null() ? absl::InfinitePast() : absl::FromUnixMillis(f.as<int64_t>());
}

// The explanation as saved (0005_alert_explanations.sql). A change ratio of NaN (a baseline
// of 0) is stored as null.
std::string ExplanationToJson(const std::vector<SeriesChange>& changes) {
  nlohmann::json a = nlohmann::json::array();
  for (const SeriesChange& c : changes) {
    nlohmann::json labels = nlohmann::json::object();
    for (const promql::Label& l : c.labels) labels[l.name] = l.value;
    a.push_back({{"labels", labels},
                 {"baselineMean", c.baseline_mean},
                 {"windowMean", c.window_mean},
                 {"changeRatio", std::isfinite(c.change_ratio) ? nlohmann::json(c.change_ratio)
                                                               : nlohmann::json(nullptr)},
                 {"score", c.score},
                 {"rate", c.rate}});
  }
  return a.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

absl::StatusOr<std::vector<SeriesChange>> ExplanationFromJson(const std::string& text) {
  const nlohmann::json a = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!a.is_array()) return absl::DataLossError("monitoring.alerts holds a bad explanation");
  std::vector<SeriesChange> out;
  for (const nlohmann::json& e : a) {
    if (!e.is_object() || !e.contains("labels")) {
      return absl::DataLossError("monitoring.alerts holds a bad explanation entry");
    }
    SeriesChange c;
    ASSIGN_OR_RETURN(c.labels, FromJson(e["labels"].dump()));
    c.baseline_mean = e.value("baselineMean", 0.0);
    c.window_mean = e.value("windowMean", 0.0);
    const nlohmann::json& ratio = e.contains("changeRatio") ? e["changeRatio"] : nlohmann::json();
    c.change_ratio = ratio.is_number() ? ratio.get<double>() : std::nan("");
    c.score = e.value("score", 0.0);
    c.rate = e.value("rate", false);
    out.push_back(std::move(c));
  }
  return out;
}

absl::StatusOr<AlertState> StateOf(const std::string& s) {
  if (s == "pending") return AlertState::kPending;
  if (s == "firing") return AlertState::kFiring;
  if (s == "inactive") return AlertState::kInactive;
  return absl::DataLossError("monitoring.alerts holds an unknown state");
}

}  // namespace

absl::Status AlertTable::SaveGroup(const std::string& group, absl::Time evaluated_at,
                                   const std::map<std::string, std::vector<Alert>>& by_rule) {
  return pool_.Transact([&](pqxx::work& tx) -> absl::Status {
    tx.exec_params("DELETE FROM monitoring.alerts WHERE group_name = $1", group);
    for (const auto& [rule, alerts] : by_rule) {
      for (const Alert& a : alerts) {
        tx.exec_params(
            "INSERT INTO monitoring.alerts (id, group_name, rule_name, labels, annotations, "
            "state, value, active_at_ms, fired_at_ms, resolved_at_ms, keep_firing_since_ms, "
            "explanation) "
            "VALUES ($1, $2, $3, $4::jsonb, $5::jsonb, $6, $7, $8, $9, $10, $11, $12::jsonb) "
            "ON CONFLICT (id) DO NOTHING",
            a.id, group, rule, ToJson(a.labels), ToJson(a.annotations),
            std::string(AlertStateName(a.state)),
            // NaN and infinities are valid double precision values in PostgreSQL.
            a.value, absl::ToUnixMillis(a.active_at), OptionalMs(a.fired_at),
            OptionalMs(a.resolved_at), OptionalMs(a.keep_firing_since),
            ExplanationToJson(a.explanation));
      }
    }
    tx.exec_params(
        "INSERT INTO monitoring.rule_groups (group_name, last_evaluation_ms) VALUES ($1, $2) "
        "ON CONFLICT (group_name) DO UPDATE SET last_evaluation_ms = EXCLUDED.last_evaluation_ms",
        group, absl::ToUnixMillis(evaluated_at));
    return absl::OkStatus();
  });
}

absl::StatusOr<StoredGroup> AlertTable::LoadGroup(const std::string& group) {
  StoredGroup out;
  RETURN_IF_ERROR(pool_.Transact([&](pqxx::work& tx) -> absl::Status {
    out = StoredGroup{};
    const pqxx::result g = tx.exec_params(
        "SELECT last_evaluation_ms FROM monitoring.rule_groups WHERE group_name = $1", group);
    if (!g.empty()) out.last_evaluation = absl::FromUnixMillis(g[0][0].as<int64_t>());
    const pqxx::result rows = tx.exec_params(
        "SELECT rule_name, id, labels::text, annotations::text, state, value, active_at_ms, "
        "fired_at_ms, resolved_at_ms, keep_firing_since_ms, explanation::text "
        "FROM monitoring.alerts "
        "WHERE group_name = $1 ORDER BY id",
        group);
    for (const auto& row : rows) {
      Alert a;
      a.id = row[1].as<std::string>();
      ASSIGN_OR_RETURN(a.labels, FromJson(row[2].as<std::string>()));
      ASSIGN_OR_RETURN(a.annotations, FromJson(row[3].as<std::string>()));
      ASSIGN_OR_RETURN(a.state, StateOf(row[4].as<std::string>()));
      a.value = row[5].as<double>();
      a.active_at = absl::FromUnixMillis(row[6].as<int64_t>());
      a.fired_at = TimeOf(row[7]);
      a.resolved_at = TimeOf(row[8]);
      a.keep_firing_since = TimeOf(row[9]);
      ASSIGN_OR_RETURN(a.explanation, ExplanationFromJson(row[10].as<std::string>()));
      out.alerts_by_rule[row[0].as<std::string>()].push_back(std::move(a));
    }
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<bool> AlertTable::AcquireLease(const std::string& holder, absl::Duration ttl) {
  bool held = false;
  RETURN_IF_ERROR(pool_.Transact([&](pqxx::work& tx) -> absl::Status {
    // Taken when free or expired, renewed when ours; otherwise the row stays as it is and
    // nothing is returned. The database's clock decides, so replicas' clocks need not agree.
    const pqxx::result r = tx.exec_params(
        "INSERT INTO monitoring.evaluator_lease AS l (name, holder, expires_at_ms) "
        "VALUES ($1, $2, (extract(epoch FROM clock_timestamp()) * 1000)::bigint + $3) "
        "ON CONFLICT (name) DO UPDATE SET holder = EXCLUDED.holder, "
        "expires_at_ms = EXCLUDED.expires_at_ms "
        "WHERE l.holder = EXCLUDED.holder "
        "OR l.expires_at_ms < (extract(epoch FROM clock_timestamp()) * 1000)::bigint "
        "RETURNING holder",
        kLeaseName, holder, absl::ToInt64Milliseconds(ttl));
    held = !r.empty();
    return absl::OkStatus();
  }));
  return held;
}

absl::Status AlertTable::ReleaseLease(const std::string& holder) {
  return pool_.Transact([&](pqxx::work& tx) -> absl::Status {
    tx.exec_params("DELETE FROM monitoring.evaluator_lease WHERE name = $1 AND holder = $2",
                   kLeaseName, holder);
    return absl::OkStatus();
  });
}

}  // namespace datamesh::monitoring::alerts
