#include "services/monitoring/admin_rules/admin_rule_table.h"

#include <google/protobuf/util/json_util.h>

#include "absl/strings/str_cat.h"
#include "shared/status/status.h"

namespace datamesh::monitoring::admin_rules {
namespace {

absl::StatusOr<std::string> ToJson(const v1::AlertRule& rule) {
  std::string out;
  if (!google::protobuf::util::MessageToJsonString(rule, &out).ok()) {
    return absl::InternalError("could not encode an alert rule as JSON");
  }
  return out;
}

}  // namespace

absl::StatusOr<std::vector<v1::AlertRule>> AdminRuleTable::List() {
  std::vector<v1::AlertRule> out;
  RETURN_IF_ERROR(pool_.Transact([&](pqxx::work& tx) -> absl::Status {
    out.clear();
    for (const pqxx::row& row :
         tx.exec("SELECT id, rule::text FROM monitoring.admin_rules ORDER BY name")) {
      v1::AlertRule rule;
      google::protobuf::util::JsonParseOptions options;
      options.ignore_unknown_fields = true;
      if (!google::protobuf::util::JsonStringToMessage(row[1].as<std::string>(), &rule, options)
               .ok()) {
        return absl::DataLossError(absl::StrCat("monitoring.admin_rules row ",
                                                row[0].as<std::string>(), " does not parse"));
      }
      rule.set_id(row[0].as<std::string>());
      out.push_back(std::move(rule));
    }
    return absl::OkStatus();
  }));
  return out;
}

absl::Status AdminRuleTable::Insert(const v1::AlertRule& rule) {
  ASSIGN_OR_RETURN(std::string json, ToJson(rule));
  return pool_.Transact([&](pqxx::work& tx) -> absl::Status {
    tx.exec_params(
        "INSERT INTO monitoring.admin_rules (id, name, rule) VALUES ($1, $2, $3::jsonb)",
        rule.id(), rule.name(), json);
    return absl::OkStatus();
  });
}

absl::Status AdminRuleTable::Update(const v1::AlertRule& rule) {
  ASSIGN_OR_RETURN(std::string json, ToJson(rule));
  return pool_.Transact([&](pqxx::work& tx) -> absl::Status {
    const pqxx::result r = tx.exec_params(
        "UPDATE monitoring.admin_rules SET name = $2, rule = $3::jsonb, updated_at = now() "
        "WHERE id = $1",
        rule.id(), rule.name(), json);
    if (r.affected_rows() == 0) return absl::NotFoundError("no such alert rule");
    return absl::OkStatus();
  });
}

absl::Status AdminRuleTable::Delete(const std::string& id) {
  return pool_.Transact([&](pqxx::work& tx) -> absl::Status {
    const pqxx::result r =
        tx.exec_params("DELETE FROM monitoring.admin_rules WHERE id = $1", id);
    if (r.affected_rows() == 0) return absl::NotFoundError("no such alert rule");
    return absl::OkStatus();
  });
}

}  // namespace datamesh::monitoring::admin_rules
