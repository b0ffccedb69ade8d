// governance.parameters: typed reads (parameters.h) and the table's listing and writes
// (parameter_table.h).
#include "services/governance/params/parameters.h"

#include <cmath>

#include "absl/strings/numbers.h"
#include "services/governance/params/param_registry.h"
#include "services/governance/params/parameter_table.h"

namespace datamesh::governance::params {
namespace {

// The stored JSON text of `key`, NOT_FOUND when the key has no row.
absl::StatusOr<std::string> RawValue(pqxx::work& tx, const std::string& key) {
  pqxx::result r =
      tx.exec_params("SELECT value::text FROM governance.parameters WHERE key = $1", key);
  if (r.empty()) return absl::NotFoundError("parameter " + key + " is not set");
  return r[0][0].as<std::string>();
}

}  // namespace

absl::StatusOr<int64_t> IntParam(pqxx::work& tx, const std::string& key) {
  absl::StatusOr<std::string> raw = RawValue(tx, key);
  if (!raw.ok()) return raw.status();
  int64_t n = 0;
  if (!absl::SimpleAtoi(*raw, &n)) {
    return absl::FailedPreconditionError("parameter " + key + " is not an integer: " + *raw);
  }
  return n;
}

absl::StatusOr<double> RealParam(pqxx::work& tx, const std::string& key) {
  absl::StatusOr<std::string> raw = RawValue(tx, key);
  if (!raw.ok()) return raw.status();
  double d = 0;
  if (!absl::SimpleAtod(*raw, &d)) {
    return absl::FailedPreconditionError("parameter " + key + " is not a number: " + *raw);
  }
  return d;
}

absl::StatusOr<std::string> StringParam(pqxx::work& tx, const std::string& key) {
  pqxx::result r = tx.exec_params(
      "SELECT value #>> '{}', jsonb_typeof(value) FROM governance.parameters WHERE key = $1", key);
  if (r.empty()) return absl::NotFoundError("parameter " + key + " is not set");
  if (r[0][1].as<std::string>() != "string") {
    return absl::FailedPreconditionError("parameter " + key + " is not a string");
  }
  return r[0][0].as<std::string>();
}

absl::StatusOr<int64_t> PpbParam(pqxx::work& tx, const std::string& key) {
  absl::StatusOr<double> d = RealParam(tx, key);
  if (!d.ok()) return d.status();
  return static_cast<int64_t>(std::llround(*d * 1e9));
}

std::vector<ParameterRow> ListParameterRows(pqxx::work& tx, const std::string& prefix) {
  pqxx::result r = tx.exec_params(
      "SELECT key, value::text, COALESCE(last_proposal_id, '') FROM governance.parameters "
      "WHERE starts_with(key, $1) ORDER BY key",
      prefix);
  std::vector<ParameterRow> rows;
  for (const pqxx::row& row : r) {
    rows.push_back({row[0].as<std::string>(), row[1].as<std::string>(), row[2].as<std::string>()});
  }
  return rows;
}

void SetParameter(pqxx::work& tx, const std::string& key, const std::string& value_json,
                  const std::string& proposal_id) {
  tx.exec_params(
      "INSERT INTO governance.parameters (key, value, last_proposal_id, updated_at) "
      "VALUES ($1, $2::jsonb, $3, now()) ON CONFLICT (key) DO UPDATE "
      "SET previous_value = governance.parameters.value, "
      "previous_proposal_id = governance.parameters.last_proposal_id, "
      "reverted_by_proposal_id = NULL, "
      "value = EXCLUDED.value, last_proposal_id = EXCLUDED.last_proposal_id, updated_at = now()",
      key, value_json, proposal_id);
}

namespace {

bool OwnedBy(const std::string& key, const std::string& owner) {
  absl::StatusOr<ParamSpec> spec = SpecFor(key);
  return spec.ok() && spec->owner == owner;
}

}  // namespace

std::vector<std::string> RevertParameters(pqxx::work& tx, const std::string& proposal_id,
                                          const std::string& owner) {
  std::vector<std::string> reverted;
  pqxx::result rows = tx.exec_params(
      "SELECT key, previous_value IS NULL FROM governance.parameters "
      "WHERE last_proposal_id = $1 ORDER BY key FOR UPDATE",
      proposal_id);
  for (const pqxx::row& row : rows) {
    const std::string key = row[0].as<std::string>();
    if (!OwnedBy(key, owner)) continue;
    if (row[1].as<bool>()) {
      tx.exec_params0("DELETE FROM governance.parameters WHERE key = $1", key);
    } else {
      // The right-hand sides read the row as it was: the values swap.
      tx.exec_params0(
          "UPDATE governance.parameters SET value = previous_value, previous_value = value, "
          "last_proposal_id = previous_proposal_id, previous_proposal_id = last_proposal_id, "
          "reverted_by_proposal_id = $2, updated_at = now() WHERE key = $1",
          key, proposal_id);
    }
    reverted.push_back(key);
  }
  return reverted;
}

std::vector<std::string> RestoreParameters(
    pqxx::work& tx, const std::string& proposal_id, const std::string& owner,
    const std::vector<std::pair<std::string, std::string>>& values) {
  std::vector<std::string> restored;
  for (const auto& [key, json] : values) {
    if (!OwnedBy(key, owner)) continue;
    pqxx::result row = tx.exec_params(
        "SELECT COALESCE(reverted_by_proposal_id, '') FROM governance.parameters WHERE key = $1 "
        "FOR UPDATE",
        key);
    // Present and not reverted by this proposal: applied as executed, or changed since.
    if (!row.empty() && row[0][0].as<std::string>() != proposal_id) continue;
    SetParameter(tx, key, json, proposal_id);
    restored.push_back(key);
  }
  return restored;
}

}  // namespace datamesh::governance::params
