#include "services/governance/epochs/epoch_inputs.h"

#include <map>

namespace datamesh::governance::epochs {
namespace {

// governance.node_reputation belongs to the audits (migration 0005); until it exists every
// node scores 1.0 and nobody is disqualified.
bool HasReputation(pqxx::work& tx) {
  return tx.exec1("SELECT to_regclass('governance.node_reputation') IS NOT NULL")[0].as<bool>();
}

struct Reputation {
  int64_t score_ppm = kPpm;
  bool disqualified = false;
};

std::map<std::string, Reputation> ReadReputation(pqxx::work& tx) {
  std::map<std::string, Reputation> out;
  if (!HasReputation(tx)) return out;
  // score is a share in [0, 1]; clamped so a stray value cannot pay more than a perfect node.
  for (const pqxx::row& r : tx.exec(
           "SELECT node_id, LEAST(GREATEST(round(score::numeric * 1000000), 0), 1000000)::bigint, "
           "       disqualified_at IS NOT NULL "
           "FROM governance.node_reputation")) {
    out[r[0].as<std::string>()] = {r[1].as<int64_t>(), r[2].as<bool>()};
  }
  return out;
}

std::map<std::string, int64_t> PaidEpochs(pqxx::work& tx) {
  std::map<std::string, int64_t> out;
  for (const pqxx::row& r :
       tx.exec("SELECT operator_id, count(*) FROM governance.paystubs GROUP BY operator_id")) {
    out[r[0].as<std::string>()] = r[1].as<int64_t>();
  }
  return out;
}

}  // namespace

Weight ParseWeight(const std::string& digits) {
  Weight w = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') break;  // numeric(38,0) has no fraction; stop at anything else
    w = w * 10 + static_cast<unsigned>(c - '0');
  }
  return w;
}

std::vector<OperatorInput> ReadOperatorInputs(pqxx::work& tx, int64_t epoch) {
  const std::map<std::string, Reputation> reputation = ReadReputation(tx);
  const std::map<std::string, int64_t> paid = PaidEpochs(tx);
  pqxx::result rows = tx.exec_params(
      "WITH usage AS ("
      "  SELECT node_id, max(up_seconds) AS up, max(byte_seconds) AS bs "
      "  FROM governance.node_epoch_usage WHERE epoch = $1 GROUP BY node_id) "
      "SELECT o.id, o.account_id, n.node_id, COALESCE(u.up, 0), COALESCE(u.bs, 0)::text "
      "FROM governance.operators o "
      "JOIN governance.operator_nodes n ON n.operator_id = o.id "
      "LEFT JOIN usage u ON u.node_id = n.node_id "
      "WHERE o.state = 'admitted' ORDER BY o.id, n.node_id",
      epoch);
  std::vector<OperatorInput> out;
  for (const pqxx::row& r : rows) {
    const std::string op = r[0].as<std::string>();
    if (out.empty() || out.back().operator_id != op) {
      OperatorInput in;
      in.operator_id = op;
      in.account_id = r[1].as<std::string>();
      if (auto it = paid.find(op); it != paid.end()) in.age_epochs = it->second;
      out.push_back(std::move(in));
    }
    NodeInput node{r[2].as<std::string>(), r[3].as<double>(), ParseWeight(r[4].as<std::string>())};
    if (auto it = reputation.find(node.node_id); it != reputation.end()) {
      node.score_ppm = it->second.score_ppm;
      if (it->second.disqualified) out.back().disqualified = true;
    }
    out.back().nodes.push_back(std::move(node));
  }
  return out;
}

std::set<std::string> DisqualifiedOperators(pqxx::work& tx) {
  std::set<std::string> out;
  if (!HasReputation(tx)) return out;
  for (const pqxx::row& r :
       tx.exec("SELECT DISTINCT n.operator_id FROM governance.node_reputation q "
               "JOIN governance.operator_nodes n ON n.node_id = q.node_id "
               "WHERE q.disqualified_at IS NOT NULL")) {
    out.insert(r[0].as<std::string>());
  }
  return out;
}

}  // namespace datamesh::governance::epochs
