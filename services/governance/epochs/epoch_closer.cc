#include "services/governance/epochs/epoch_closer.h"

#include <algorithm>
#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "services/governance/epochs/epoch_inputs.h"
#include "services/governance/epochs/reward_rules.h"
#include "services/governance/ledger/ledger.h"
#include "services/governance/ledger/stake.h"
#include "services/governance/params/parameters.h"
#include "shared/pg/pool.h"
#include "shared/status/status.h"

namespace datamesh::governance::epochs {
namespace {

// The epoch worker's advisory lock ("gov-epoc"): one replica closes epochs at a time.
constexpr int64_t kEpochLockKey = 0x676f762d65706f63;

struct OpenEpoch {
  int64_t number = 0;
  absl::Time ends_at;
};

// One operator's figures for the paystub, filled as the close goes.
struct Stub {
  std::string account_id;
  int node_count = 0;
  Weight byte_seconds = 0;
  int64_t uptime_ppm = 0, score_ppm = 0;
  int64_t earned = 0, paid = 0, held = 0, released = 0, forfeited = 0, slashed = 0;
};

std::string WeightText(Weight v) {
  if (v == 0) return "0";
  std::string s;
  for (; v > 0; v /= 10) s.insert(s.begin(), static_cast<char>('0' + static_cast<int>(v % 10)));
  return s;
}

std::optional<OpenEpoch> LockOpenEpoch(pqxx::work& tx) {
  pqxx::result r = tx.exec(
      "SELECT number, extract(epoch FROM ends_at)::float8 FROM governance.epochs "
      "WHERE state = 'open' FOR UPDATE");
  if (r.empty()) return std::nullopt;
  return OpenEpoch{r[0][0].as<int64_t>(),
                   absl::FromUnixMicros(static_cast<int64_t>(r[0][1].as<double>() * 1e6))};
}

void OpenNext(pqxx::work& tx, int64_t number, absl::Time starts_at, int64_t length_seconds) {
  tx.exec_params0(
      "INSERT INTO governance.epochs (number, starts_at, ends_at, state) "
      "VALUES ($1, to_timestamp($2::float8 / 1e6), to_timestamp($2::float8 / 1e6) + "
      "make_interval(secs => $3), 'open')",
      number, absl::ToUnixMicros(starts_at), length_seconds);
}

absl::Status Issue(pqxx::work& tx, int64_t epoch, int64_t amount) {
  if (amount <= 0) return absl::OkStatus();
  ledger::Movement m{"issuance",
                     absl::StrCat("epoch ", epoch, " issuance"),
                     absl::StrCat("epoch/", epoch, "/issuance"),
                     {{ledger::kMint, ledger::kAvailable, -amount},
                      {ledger::kRewardsPool, ledger::kAvailable, amount}}};
  return ledger::Post(tx, m).status();
}

// A PostgreSQL array literal of `values`, each quoted (account and operator ids may hold
// commas, quotes or backslashes).
std::string TextArray(const std::vector<std::string>& values) {
  std::string out = "{";
  for (const std::string& v : values) {
    if (out.size() > 1) out += ',';
    out += '"';
    for (char c : v) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  return out + "}";
}

// Operators paid per ledger post: two entries each plus the pool's, within Post's 64.
constexpr size_t kOperatorsPerPost = 31;

// Pays the shares: rewards pool -> each operator's available and held buckets, a few dozen
// operators per post (keys "epoch/<n>/rewards/<batch>", batches in operator id order), and
// records the held lots, released at the close of `release_epoch`.
absl::Status PayRewards(pqxx::work& tx, int64_t epoch, int64_t release_epoch,
                        const std::map<std::string, Stub>& stubs) {
  std::vector<const std::pair<const std::string, Stub>*> earning;
  for (const auto& entry : stubs) {
    if (entry.second.earned > 0) earning.push_back(&entry);
  }
  for (size_t first = 0; first < earning.size(); first += kOperatorsPerPost) {
    const size_t last = std::min(earning.size(), first + kOperatorsPerPost);
    ledger::Movement m{"reward",
                       absl::StrCat("epoch ", epoch, " reward"),
                       absl::StrCat("epoch/", epoch, "/rewards/", first / kOperatorsPerPost),
                       {}};
    int64_t total = 0;
    for (size_t i = first; i < last; ++i) {
      const Stub& s = earning[i]->second;
      total += s.earned;
      if (s.paid > 0) m.entries.push_back({s.account_id, ledger::kAvailable, s.paid});
      if (s.held > 0) m.entries.push_back({s.account_id, ledger::kHeld, s.held});
    }
    m.entries.push_back({ledger::kRewardsPool, ledger::kAvailable, -total});
    RETURN_IF_ERROR(ledger::Post(tx, m).status());
  }
  std::vector<std::string> ops, accounts, amounts;
  for (const auto* entry : earning) {
    if (entry->second.held <= 0) continue;
    ops.push_back(entry->first);
    accounts.push_back(entry->second.account_id);
    amounts.push_back(std::to_string(entry->second.held));
  }
  if (ops.empty()) return absl::OkStatus();
  tx.exec_params0(
      "INSERT INTO governance.held_lots (operator_id, epoch, account_id, amount, release_epoch) "
      "SELECT o, $1, a, m, $2 FROM unnest($3::text[], $4::text[], $5::bigint[]) AS u(o, a, m) "
      "ON CONFLICT DO NOTHING",
      epoch, release_epoch, TextArray(ops), TextArray(accounts), TextArray(amounts));
  return absl::OkStatus();
}

// Moves `amount` of an operator's held bucket to its available bucket (released) or to the
// treasury (forfeited), marking the lots it covers.
absl::Status SettleLots(pqxx::work& tx, int64_t epoch, const std::string& op,
                        const std::string& account, int64_t amount, bool forfeit, Stub& s) {
  s.account_id = account;
  ledger::Movement m{
      forfeit ? "penalty" : "release",
      absl::StrCat("epoch ", epoch, forfeit ? " held back forfeited" : " held back released"),
      absl::StrCat("epoch/", epoch, forfeit ? "/forfeit/" : "/release/", op),
      {{account, ledger::kHeld, -amount},
       {forfeit ? std::string(ledger::kTreasury) : account, ledger::kAvailable, amount}}};
  RETURN_IF_ERROR(ledger::Post(tx, m).status());
  (forfeit ? s.forfeited : s.released) += amount;
  tx.exec_params0(
      "UPDATE governance.held_lots SET state = $3 WHERE operator_id = $1 AND state = 'held' "
      "AND ($3 = 'forfeited' OR release_epoch <= $2)",
      op, epoch, forfeit ? "forfeited" : "released");
  return absl::OkStatus();
}

// Every held lot of a disqualified operator goes to the treasury; the other operators' lots
// due at `epoch` are released to them. Adds the figures to the stubs.
absl::Status SettleHeldLots(pqxx::work& tx, int64_t epoch, const std::set<std::string>& dq,
                            std::map<std::string, Stub>& stubs) {
  for (const std::string& op : dq) {
    pqxx::result r = tx.exec_params(
        "SELECT account_id, sum(amount)::bigint FROM governance.held_lots "
        "WHERE operator_id = $1 AND state = 'held' GROUP BY account_id",
        op);
    for (const pqxx::row& row : r) {
      RETURN_IF_ERROR(SettleLots(tx, epoch, op, row[0].as<std::string>(), row[1].as<int64_t>(),
                                 /*forfeit=*/true, stubs[op]));
    }
  }
  pqxx::result due = tx.exec_params(
      "SELECT operator_id, account_id, sum(amount)::bigint FROM governance.held_lots "
      "WHERE state = 'held' AND release_epoch <= $1 GROUP BY operator_id, account_id "
      "ORDER BY operator_id",
      epoch);
  for (const pqxx::row& row : due) {
    const std::string op = row[0].as<std::string>();
    RETURN_IF_ERROR(SettleLots(tx, epoch, op, row[1].as<std::string>(), row[2].as<int64_t>(),
                               /*forfeit=*/false, stubs[op]));
  }
  return absl::OkStatus();
}

// One paystub per operator, in one statement.
void WriteStubs(pqxx::work& tx, int64_t epoch, const std::map<std::string, Stub>& stubs) {
  if (stubs.empty()) return;
  std::vector<std::string> cols[12];
  for (const auto& [op, s] : stubs) {
    const std::string figures[] = {op,
                                   s.account_id,
                                   std::to_string(s.node_count),
                                   WeightText(s.byte_seconds),
                                   std::to_string(s.uptime_ppm),
                                   std::to_string(s.score_ppm),
                                   std::to_string(s.earned),
                                   std::to_string(s.paid),
                                   std::to_string(s.held),
                                   std::to_string(s.released),
                                   std::to_string(s.forfeited),
                                   std::to_string(s.slashed)};
    for (int i = 0; i < 12; ++i) cols[i].push_back(figures[i]);
  }
  tx.exec_params0(
      "INSERT INTO governance.paystubs (epoch, operator_id, account_id, node_count, "
      "byte_seconds, uptime_ppm, score_ppm, earned, paid, held, released, forfeited, slashed) "
      "SELECT $1, * FROM unnest($2::text[], $3::text[], $4::int[], $5::numeric[], $6::bigint[], "
      "$7::bigint[], $8::bigint[], $9::bigint[], $10::bigint[], $11::bigint[], $12::bigint[], "
      "$13::bigint[])",
      epoch, TextArray(cols[0]), TextArray(cols[1]), TextArray(cols[2]), TextArray(cols[3]),
      TextArray(cols[4]), TextArray(cols[5]), TextArray(cols[6]), TextArray(cols[7]),
      TextArray(cols[8]), TextArray(cols[9]), TextArray(cols[10]), TextArray(cols[11]));
}

// Steps 2, 3 and 5 for every admitted operator: weights, shares, held back, downtime.
absl::Status PayOperators(pqxx::work& tx, int64_t epoch, const EpochRules& rules,
                          const std::set<std::string>& dq, std::map<std::string, Stub>& stubs,
                          int64_t& distributed) {
  std::vector<OperatorInput> ops = ReadOperatorInputs(tx, epoch);
  std::vector<Weight> weights;
  for (OperatorInput& in : ops) {
    Stub& s = stubs[in.operator_id];
    s.account_id = in.account_id;
    s.node_count = static_cast<int>(in.nodes.size());
    Weight w = 0;
    int64_t uptime_sum = 0, score_sum = 0;
    for (const NodeInput& n : in.nodes) {
      s.byte_seconds += n.byte_seconds;
      w += NodeWeight(n.byte_seconds, n.score_ppm);
      uptime_sum += UptimePpm(n.up_seconds, rules.length_seconds);
      score_sum += n.score_ppm;
    }
    s.uptime_ppm = in.nodes.empty() ? 0 : uptime_sum / static_cast<int64_t>(in.nodes.size());
    s.score_ppm = in.nodes.empty() ? 0 : score_sum / static_cast<int64_t>(in.nodes.size());
    weights.push_back(in.disqualified || dq.count(in.operator_id) ? 0 : w);
  }
  const int64_t pool = ledger::BalanceOf(tx, ledger::kRewardsPool, ledger::kAvailable);
  const std::vector<int64_t> shares = SplitPool(pool, weights);
  for (size_t i = 0; i < ops.size(); ++i) {
    const std::string& op = ops[i].operator_id;
    Stub& s = stubs[op];
    s.earned = shares[i];
    PaySplit split = SplitHeld(
        s.earned, HeldBackPpm(rules.held_back_ppm, rules.held_back_step_epochs, ops[i].age_epochs));
    s.paid = split.paid;
    s.held = split.held;
    distributed += s.earned;
    if (s.uptime_ppm >= rules.min_uptime_ppm) continue;  // no stake to read: nothing to slash
    const int64_t staked = ledger::BalanceOf(tx, s.account_id, ledger::kStaked);
    const int64_t slash =
        DowntimeSlash(staked, s.uptime_ppm, rules.min_uptime_ppm, rules.downtime_slash_ppm);
    if (slash > 0) {
      ASSIGN_OR_RETURN(s.slashed, ledger::Slash(tx, s.account_id, slash,
                                                absl::StrCat("epoch ", epoch, " downtime"),
                                                absl::StrCat("epoch/", epoch, "/downtime/", op)));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<EpochRules> ReadEpochRules(pqxx::work& tx) {
  EpochRules r;
  ASSIGN_OR_RETURN(r.length_seconds, params::IntParam(tx, "epoch.lengthSeconds"));
  ASSIGN_OR_RETURN(r.issuance, params::IntParam(tx, "rewards.epochIssuance"));
  ASSIGN_OR_RETURN(r.held_back_ppm, params::IntParam(tx, "rewards.heldBackPpm"));
  ASSIGN_OR_RETURN(r.held_back_step_epochs, params::IntParam(tx, "rewards.heldBackStepEpochs"));
  ASSIGN_OR_RETURN(r.held_back_epochs, params::IntParam(tx, "rewards.heldBackEpochs"));
  ASSIGN_OR_RETURN(r.min_uptime_ppm, params::IntParam(tx, "penalty.minUptimePpm"));
  ASSIGN_OR_RETURN(r.downtime_slash_ppm, params::IntParam(tx, "penalty.downtimeSlashPpm"));
  if (r.length_seconds <= 0) {
    return absl::FailedPreconditionError("epoch.lengthSeconds must be positive");
  }
  return r;
}

absl::StatusOr<std::optional<int64_t>> CloseDueEpoch(pqxx::work& tx, absl::Time now) {
  ASSIGN_OR_RETURN(EpochRules rules, ReadEpochRules(tx));
  std::optional<OpenEpoch> open = LockOpenEpoch(tx);
  if (!open) {
    if (tx.exec("SELECT 1 FROM governance.epochs LIMIT 1").empty()) {
      OpenNext(tx, 0, now, rules.length_seconds);
    }
    return std::optional<int64_t>();
  }
  if (open->ends_at > now) return std::optional<int64_t>();
  const int64_t n = open->number;
  RETURN_IF_ERROR(Issue(tx, n, rules.issuance));
  const std::set<std::string> dq = DisqualifiedOperators(tx);
  std::map<std::string, Stub> stubs;
  int64_t distributed = 0;
  RETURN_IF_ERROR(SettleHeldLots(tx, n, dq, stubs));
  RETURN_IF_ERROR(PayOperators(tx, n, rules, dq, stubs, distributed));
  RETURN_IF_ERROR(PayRewards(tx, n, n + rules.held_back_epochs, stubs));
  WriteStubs(tx, n, stubs);
  const int64_t remainder = ledger::BalanceOf(tx, ledger::kRewardsPool, ledger::kAvailable);
  tx.exec_params0(
      "UPDATE governance.epochs SET state = 'closed', closed_at = to_timestamp($2::float8 / 1e6), "
      "issuance = $3, distributed = $4, remainder = $5 WHERE number = $1",
      n, absl::ToUnixMicros(now), std::max<int64_t>(rules.issuance, 0), distributed, remainder);
  OpenNext(tx, n + 1, open->ends_at, rules.length_seconds);
  return std::optional<int64_t>(n);
}

absl::StatusOr<int> EpochCloser::RunOnce(absl::Time now) {
  int closed = 0;
  for (int i = 0; i < kMaxEpochsPerRun; ++i) {
    std::optional<int64_t> done;
    RETURN_IF_ERROR(pg_.Transact([&](pqxx::work& tx) -> absl::Status {
      done.reset();
      if (!tx.exec_params1("SELECT pg_try_advisory_xact_lock($1)", kEpochLockKey)[0].as<bool>()) {
        return absl::OkStatus();
      }
      ASSIGN_OR_RETURN(done, CloseDueEpoch(tx, now));
      return absl::OkStatus();
    }));
    if (!done) break;
    ++closed;
  }
  return closed;
}

}  // namespace datamesh::governance::epochs
