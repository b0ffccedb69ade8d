#include "services/governance/proposals/proposal_record.h"

#include <algorithm>

namespace datamesh::governance::proposals {
namespace {

// Times cross SQL as Unix microseconds: exact, and independent of the session's time zone.
constexpr const char* kColumns =
    "id, seq, title, description, type, change::text, proposer, state, state_reason, deposit, "
    "quorum_ppb, threshold_ppb, veto_ppb, total_power, yes, no, abstain, veto, "
    "enactment_delay_seconds, grace_period_seconds, "
    "(extract(epoch FROM opens_at) * 1000000)::bigint, "
    "(extract(epoch FROM closes_at) * 1000000)::bigint, "
    "(extract(epoch FROM executable_at) * 1000000)::bigint, "
    "(extract(epoch FROM executed_at) * 1000000)::bigint";

std::optional<absl::Time> OptionalTime(const pqxx::field& f) {
  if (f.is_null()) return std::nullopt;
  return absl::FromUnixMicros(f.as<int64_t>());
}

std::optional<int64_t> OptionalMicros(std::optional<absl::Time> t) {
  if (!t) return std::nullopt;
  return absl::ToUnixMicros(*t);
}

ProposalRecord FromRow(const pqxx::row& r) {
  ProposalRecord p;
  p.id = r[0].as<std::string>();
  p.seq = r[1].as<int64_t>();
  p.title = r[2].as<std::string>();
  p.description = r[3].as<std::string>();
  p.type = r[4].as<std::string>();
  p.change_json = r[5].as<std::string>();
  p.proposer = r[6].as<std::string>();
  p.state = r[7].as<std::string>();
  p.state_reason = r[8].as<std::string>();
  p.deposit = r[9].as<int64_t>();
  p.thresholds = {r[10].as<int64_t>(), r[11].as<int64_t>(), r[12].as<int64_t>()};
  p.total_power = r[13].as<int64_t>();
  p.yes = r[14].as<int64_t>();
  p.no = r[15].as<int64_t>();
  p.abstain = r[16].as<int64_t>();
  p.veto = r[17].as<int64_t>();
  p.enactment_delay_seconds = r[18].as<int64_t>();
  p.grace_period_seconds = r[19].as<int64_t>();
  p.opens_at = absl::FromUnixMicros(r[20].as<int64_t>());
  p.closes_at = absl::FromUnixMicros(r[21].as<int64_t>());
  p.executable_at = OptionalTime(r[22]);
  p.executed_at = OptionalTime(r[23]);
  return p;
}

void LoadExecution(pqxx::work& tx, ProposalRecord& p) {
  pqxx::result r = tx.exec_params(
      "SELECT service, state, reason, (extract(epoch FROM updated_at) * 1000000)::bigint "
      "FROM governance.proposal_executions WHERE proposal_id = $1 ORDER BY service",
      p.id);
  for (const pqxx::row& row : r) {
    p.execution.push_back({row[0].as<std::string>(), row[1].as<std::string>(),
                           row[2].as<std::string>(), absl::FromUnixMicros(row[3].as<int64_t>())});
  }
}

}  // namespace

bool IsKnownState(const std::string& s) {
  for (const char* k : {kOpen, kPassed, kRejected, kVetoed, kExecuted, kExpired, kFailed}) {
    if (s == k) return true;
  }
  return false;
}

void InsertProposal(pqxx::work& tx, const ProposalRecord& p,
                    const std::vector<std::pair<std::string, int64_t>>& power) {
  tx.exec_params(
      "INSERT INTO governance.proposals (id, title, description, type, change, proposer, state, "
      "deposit, quorum_ppb, threshold_ppb, veto_ppb, total_power, enactment_delay_seconds, "
      "grace_period_seconds, opens_at, closes_at) "
      "VALUES ($1, $2, $3, $4, $5::jsonb, $6, 'open', $7, $8, $9, $10, $11, $12, $13, "
      "to_timestamp($14::bigint / 1000000.0), to_timestamp($15::bigint / 1000000.0))",
      p.id, p.title, p.description, p.type, p.change_json, p.proposer, p.deposit,
      p.thresholds.quorum_ppb, p.thresholds.threshold_ppb, p.thresholds.veto_ppb, p.total_power,
      p.enactment_delay_seconds, p.grace_period_seconds, absl::ToUnixMicros(p.opens_at),
      absl::ToUnixMicros(p.closes_at));
  // Multi-row inserts of quoted literals, 1,000 rows a statement: one round trip per batch
  // rather than per account.
  constexpr size_t kBatch = 1000;
  for (size_t i = 0; i < power.size(); i += kBatch) {
    std::string sql =
        "INSERT INTO governance.proposal_power (proposal_id, account_id, power) VALUES ";
    for (size_t j = i; j < std::min(power.size(), i + kBatch); ++j) {
      if (j > i) sql += ", ";
      sql += "(" + tx.quote(p.id) + ", " + tx.quote(power[j].first) + ", " +
             std::to_string(power[j].second) + ")";
    }
    tx.exec(sql);
  }
}

std::optional<ProposalRecord> LoadProposal(pqxx::work& tx, const std::string& id, bool for_update) {
  pqxx::result r = tx.exec_params(std::string("SELECT ") + kColumns +
                                      " FROM governance.proposals WHERE id = $1" +
                                      (for_update ? " FOR UPDATE" : ""),
                                  id);
  if (r.empty()) return std::nullopt;
  ProposalRecord p = FromRow(r[0]);
  LoadExecution(tx, p);
  return p;
}

std::vector<ProposalRecord> LoadPage(pqxx::work& tx, const std::string& state, int64_t before_seq,
                                     int limit) {
  pqxx::result r = tx.exec_params(
      std::string("SELECT ") + kColumns +
          " FROM governance.proposals WHERE ($1 = '' OR state = $1) AND ($2 = 0 OR seq < $2) "
          "ORDER BY seq DESC LIMIT $3",
      state, before_seq, limit);
  std::vector<ProposalRecord> out;
  for (const pqxx::row& row : r) {
    out.push_back(FromRow(row));
    LoadExecution(tx, out.back());
  }
  return out;
}

bool HasLiveProposal(pqxx::work& tx, const std::string& proposer) {
  return !tx.exec_params(
                "SELECT 1 FROM governance.proposals WHERE proposer = $1 AND "
                "state IN ('open', 'passed') LIMIT 1",
                proposer)
              .empty();
}

int64_t SnapshotPower(pqxx::work& tx, const std::string& proposal_id, const std::string& voter) {
  pqxx::result r = tx.exec_params(
      "SELECT power FROM governance.proposal_power WHERE proposal_id = $1 AND account_id = $2",
      proposal_id, voter);
  return r.empty() ? 0 : r[0][0].as<int64_t>();
}

void UpsertVote(pqxx::work& tx, const std::string& proposal_id, const std::string& voter,
                Choice choice, absl::Time at) {
  tx.exec_params(
      "INSERT INTO governance.votes (proposal_id, voter_id, choice, cast_at) "
      "VALUES ($1, $2, $3, to_timestamp($4::bigint / 1000000.0)) "
      "ON CONFLICT (proposal_id, voter_id) DO UPDATE SET choice = EXCLUDED.choice, "
      "cast_at = EXCLUDED.cast_at",
      proposal_id, voter, ChoiceName(choice), absl::ToUnixMicros(at));
}

TallyResult RecountTally(pqxx::work& tx, const ProposalRecord& p) {
  pqxx::row s = tx.exec_params1(
      "SELECT COALESCE(sum(w.power) FILTER (WHERE v.choice = 'yes'), 0)::bigint, "
      "COALESCE(sum(w.power) FILTER (WHERE v.choice = 'no'), 0)::bigint, "
      "COALESCE(sum(w.power) FILTER (WHERE v.choice = 'abstain'), 0)::bigint, "
      "COALESCE(sum(w.power) FILTER (WHERE v.choice = 'veto'), 0)::bigint "
      "FROM governance.votes v JOIN governance.proposal_power w "
      "ON w.proposal_id = v.proposal_id AND w.account_id = v.voter_id WHERE v.proposal_id = $1",
      p.id);
  TallyResult t = Decide(s[0].as<int64_t>(), s[1].as<int64_t>(), s[2].as<int64_t>(),
                         s[3].as<int64_t>(), p.total_power, p.thresholds);
  tx.exec_params(
      "UPDATE governance.proposals SET yes = $2, no = $3, abstain = $4, veto = $5 WHERE id = $1",
      p.id, t.yes, t.no, t.abstain, t.veto);
  return t;
}

void UpdateState(pqxx::work& tx, const std::string& id, const std::string& state,
                 const std::string& reason, std::optional<absl::Time> executable_at,
                 std::optional<absl::Time> executed_at) {
  tx.exec_params(
      "UPDATE governance.proposals SET state = $2, state_reason = $3, "
      "executable_at = COALESCE(to_timestamp($4::bigint / 1000000.0), executable_at), "
      "executed_at = COALESCE(to_timestamp($5::bigint / 1000000.0), executed_at) WHERE id = $1",
      id, state, reason, OptionalMicros(executable_at), OptionalMicros(executed_at));
}

void SetExecution(pqxx::work& tx, const std::string& id, const std::string& service,
                  const std::string& state, const std::string& reason, absl::Time at) {
  tx.exec_params(
      "INSERT INTO governance.proposal_executions (proposal_id, service, state, reason, "
      "updated_at) VALUES ($1, $2, $3, $4, to_timestamp($5::bigint / 1000000.0)) "
      "ON CONFLICT (proposal_id, service) DO UPDATE SET state = EXCLUDED.state, "
      "reason = EXCLUDED.reason, updated_at = EXCLUDED.updated_at",
      id, service, state, reason, absl::ToUnixMicros(at));
}

std::vector<std::string> DueProposals(pqxx::work& tx, absl::Time now, int limit) {
  pqxx::result r = tx.exec_params(
      "SELECT id FROM governance.proposals WHERE "
      "(state = 'open' AND closes_at <= to_timestamp($1::bigint / 1000000.0)) OR "
      "(state = 'passed' AND executable_at <= to_timestamp($1::bigint / 1000000.0)) "
      "ORDER BY seq LIMIT $2",
      absl::ToUnixMicros(now), limit);
  std::vector<std::string> ids;
  for (const pqxx::row& row : r) ids.push_back(row[0].as<std::string>());
  return ids;
}

}  // namespace datamesh::governance::proposals
