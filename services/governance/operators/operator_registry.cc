// Registration, node claims and listing. A claim checks, in this order: the input's shape, the
// challenge (consumed here; a later refusal rolls the consumption back with the caller's
// transaction), each signature, then who already holds the node or the key.
#include "services/governance/operators/operator_registry.h"

#include <algorithm>
#include <set>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "services/governance/ledger/ledger.h"
#include "services/governance/operators/operator_registry_internal.h"
#include "shared/bus/event.h"
#include "shared/crypto/encoding.h"
#include "shared/crypto/random.h"
#include "shared/log/log.h"

namespace datamesh::governance::operators {
namespace {

int64_t Micros(absl::Time t) { return absl::ToUnixMicros(t); }

// Counts UTF-8 code points (continuation bytes are not counted).
size_t CodePoints(const std::string& s) {
  return std::count_if(s.begin(), s.end(), [](char c) { return (c & 0xC0) != 0x80; });
}

absl::Status ValidateName(const std::string& name) {
  const size_t n = CodePoints(name);
  if (n < 1 || n > 100) return absl::InvalidArgumentError("an operator name is 1-100 characters");
  for (unsigned char c : name) {
    if (c < 0x20 || c == 0x7f) {
      return absl::InvalidArgumentError("an operator name has no control characters");
    }
  }
  return absl::OkStatus();
}

absl::Status ConsumeChallenge(pqxx::work& tx, const std::string& challenge,
                              const std::string& account, absl::Time now) {
  pqxx::result r = tx.exec_params(
      "UPDATE governance.operator_challenges SET used_at = to_timestamp($3::bigint / 1e6) "
      "WHERE challenge = $1 AND account_id = $2 AND used_at IS NULL "
      "AND expires_at > to_timestamp($3::bigint / 1e6) RETURNING 1",
      challenge, account, Micros(now));
  if (r.empty()) {
    return absl::FailedPreconditionError(
        "the challenge is unknown, expired, already used or issued to another account");
  }
  return absl::OkStatus();
}

// Checks that `proof`'s node and key are free for `operator_id` (empty: a new operator). The
// key binding first: a node id claimed with a key other than the one it is bound to is refused
// as such (and logged, with both keys), whoever holds the node.
absl::Status CheckHolders(pqxx::work& tx, const NodeProof& proof, const std::string& operator_id,
                          const std::string& account) {
  pqxx::result bound = tx.exec_params(
      "SELECT node_id, public_key FROM governance.node_keys WHERE node_id = $1 OR public_key = $2",
      proof.node_id, proof.public_key);
  for (const pqxx::row& r : bound) {
    if (r[0].as<std::string>() == proof.node_id && r[1].as<std::string>() != proof.public_key) {
      log::Warn("refused a node claim signed by a key other than the node's bound key",
                {{"node_id", proof.node_id},
                 {"bound_public_key", r[1].as<std::string>()},
                 {"offered_public_key", proof.public_key},
                 {"account_id", account}});
      return absl::PermissionDeniedError(
          "node " + proof.node_id + " is bound to the key " + r[1].as<std::string>() +
          " it first proved; this proof is signed by another key (an admin can release the "
          "binding)");
    }
    if (r[0].as<std::string>() != proof.node_id) {
      return absl::AlreadyExistsError("this key already backs node " + r[0].as<std::string>());
    }
  }
  pqxx::result owner = tx.exec_params(
      "SELECT operator_id FROM governance.operator_nodes WHERE node_id = $1", proof.node_id);
  if (!owner.empty()) {
    if (owner[0][0].as<std::string>() == operator_id) {
      return absl::AlreadyExistsError("node " + proof.node_id + " is already this operator's");
    }
    return absl::AlreadyExistsError("node " + proof.node_id + " belongs to another operator");
  }
  return absl::OkStatus();
}

void AddNode(pqxx::work& tx, const std::string& operator_id, const NodeProof& proof,
             absl::Time now) {
  tx.exec_params0(
      "INSERT INTO governance.operator_nodes (node_id, operator_id, claimed_at) "
      "VALUES ($1, $2, to_timestamp($3::bigint / 1e6))",
      proof.node_id, operator_id, Micros(now));
  tx.exec_params0(
      "INSERT INTO governance.node_keys (node_id, public_key, bound_at) "
      "VALUES ($1, $2, to_timestamp($3::bigint / 1e6)) ON CONFLICT (node_id) DO NOTHING",
      proof.node_id, proof.public_key, Micros(now));
}

absl::Status VerifyClaims(pqxx::work& tx, const std::vector<NodeProof>& proofs,
                          const std::string& challenge, const std::string& account,
                          const std::string& operator_id, absl::Time now) {
  if (proofs.empty()) return absl::OkStatus();
  if (!IsLowerHex(challenge, 64)) {
    return absl::InvalidArgumentError("a challenge is 64 lowercase hex characters");
  }
  if (absl::Status s = ConsumeChallenge(tx, challenge, account, now); !s.ok()) return s;
  for (const NodeProof& proof : proofs) {
    if (absl::Status s = VerifyNodeProof(proof, challenge, account); !s.ok()) return s;
    if (absl::Status s = CheckHolders(tx, proof, operator_id, account); !s.ok()) return s;
  }
  return absl::OkStatus();
}

// Orders the proofs as the node ids; every node needs exactly one proof.
absl::StatusOr<std::vector<NodeProof>> ProofsInOrder(const Registration& r) {
  std::set<std::string> ids;
  for (const std::string& id : r.node_ids) {
    if (absl::Status s = ValidateNodeId(id); !s.ok()) return s;
    if (!ids.insert(id).second) return absl::InvalidArgumentError("node " + id + " is repeated");
  }
  if (r.proofs.size() != ids.size()) {
    return absl::InvalidArgumentError("each node needs exactly one proof of possession");
  }
  std::vector<NodeProof> ordered;
  for (const std::string& id : ids) {
    auto it = std::find_if(r.proofs.begin(), r.proofs.end(),
                           [&](const NodeProof& p) { return p.node_id == id; });
    if (it == r.proofs.end()) {
      return absl::InvalidArgumentError("node " + id + " has no proof of possession");
    }
    ordered.push_back(*it);
  }
  return ordered;
}

}  // namespace

namespace internal {

std::optional<OperatorRecord> Load(pqxx::work& tx, const std::string& where,
                                   const std::string& value) {
  pqxx::result r = tx.exec_params(
      "SELECT o.id, o.name, o.account_id, o.state, COALESCE((SELECT amount FROM "
      "governance.balances b WHERE b.account_id = o.account_id AND b.bucket = 'staked'), 0), "
      "COALESCE((SELECT string_agg(node_id, ',' ORDER BY node_id) FROM "
      "governance.operator_nodes n WHERE n.operator_id = o.id), '') "
      "FROM governance.operators o WHERE " +
          where,
      value);
  if (r.empty()) return std::nullopt;
  OperatorRecord op{r[0][0].as<std::string>(),
                    r[0][1].as<std::string>(),
                    r[0][2].as<std::string>(),
                    r[0][3].as<std::string>(),
                    {},
                    r[0][4].as<int64_t>()};
  const std::string nodes = r[0][5].as<std::string>();
  if (!nodes.empty()) op.node_ids = absl::StrSplit(nodes, ',');
  return op;
}

}  // namespace internal

absl::StatusOr<Challenge> IssueChallenge(pqxx::work& tx, const std::string& account,
                                         absl::Time now) {
  if (absl::Status s = ledger::ValidateAccountId(account); !s.ok()) return s;
  absl::StatusOr<std::string> random = crypto::RandomBytes(32);
  if (!random.ok()) return random.status();
  Challenge c{crypto::HexEncode(*random), now + kChallengeLifetime};
  tx.exec_params0(
      "DELETE FROM governance.operator_challenges WHERE expires_at < "
      "to_timestamp($1::bigint / 1e6) - interval '1 day'",
      Micros(now));
  tx.exec_params0(
      "INSERT INTO governance.operator_challenges (challenge, account_id, expires_at) "
      "VALUES ($1, $2, to_timestamp($3::bigint / 1e6))",
      c.hex, account, Micros(c.expires_at));
  return c;
}

std::optional<OperatorRecord> FindByAccount(pqxx::work& tx, const std::string& account) {
  return internal::Load(tx, "o.account_id = $1", account);
}

absl::StatusOr<OperatorRecord> Register(pqxx::work& tx, const Registration& r, absl::Time now,
                                        const AdmissionRules& rules, const std::string& source) {
  if (absl::Status s = ledger::ValidateAccountId(r.account_id); !s.ok()) return s;
  if (absl::Status s = ValidateName(r.name); !s.ok()) return s;
  absl::StatusOr<std::vector<NodeProof>> proofs = ProofsInOrder(r);
  if (!proofs.ok()) return proofs.status();
  if (FindByAccount(tx, r.account_id)) {
    return absl::AlreadyExistsError("account " + r.account_id + " already runs an operator");
  }
  if (absl::Status s = VerifyClaims(tx, *proofs, r.challenge, r.account_id, "", now); !s.ok()) {
    return s;
  }
  const std::string id = bus::NewUuidV4();
  tx.exec_params0(
      "INSERT INTO governance.operators (id, name, account_id, created_at, updated_at) "
      "VALUES ($1, $2, $3, to_timestamp($4::bigint / 1e6), to_timestamp($4::bigint / 1e6))",
      id, r.name, r.account_id, Micros(now));
  for (const NodeProof& p : *proofs) AddNode(tx, id, p, now);
  absl::StatusOr<int> admitted = ReconcileAdmission(tx, r.account_id, rules, source);
  if (!admitted.ok()) return admitted.status();
  return *internal::Load(tx, "o.id = $1", id);
}

absl::StatusOr<OperatorRecord> ClaimNode(pqxx::work& tx, const std::string& account,
                                         const std::string& challenge, const NodeProof& proof,
                                         absl::Time now, const std::string& source) {
  if (absl::Status s = ledger::ValidateAccountId(account); !s.ok()) return s;
  if (absl::Status s = ValidateNodeId(proof.node_id); !s.ok()) return s;
  std::optional<OperatorRecord> op =
      internal::Load(tx, "o.account_id = $1 FOR UPDATE OF o", account);
  if (!op) return absl::NotFoundError("account " + account + " runs no operator");
  if (absl::Status s = VerifyClaims(tx, {proof}, challenge, account, op->id, now); !s.ok()) {
    return s;
  }
  AddNode(tx, op->id, proof, now);
  op = internal::Load(tx, "o.id = $1", op->id);
  // dht learns the admitted operator's new node from a fresh admission listing every node.
  if (op->state == "admitted") internal::AnnounceAdmitted(tx, *op, "claim", source);
  return *op;
}

absl::StatusOr<OperatorPage> ListOperators(pqxx::work& tx, int page_size,
                                           const std::string& cursor) {
  if (page_size < 1 || page_size > 1000) {
    return absl::InvalidArgumentError("page size must be 1-1000");
  }
  // The cursor is hex(name) "." id of the last operator returned.
  std::string after_name, after_id;
  if (!cursor.empty()) {
    std::vector<std::string> parts = absl::StrSplit(cursor, absl::MaxSplits('.', 1));
    absl::StatusOr<std::string> name =
        parts.size() == 2 ? crypto::HexDecode(parts[0]) : absl::InvalidArgumentError("");
    if (!name.ok() || parts[1].empty()) return absl::InvalidArgumentError("bad cursor");
    after_name = *name;
    after_id = parts[1];
  }
  pqxx::result rows = tx.exec_params(
      "SELECT id FROM governance.operators WHERE $1 = '' OR (name COLLATE \"C\", id) > "
      "($2 COLLATE \"C\", $3) ORDER BY name COLLATE \"C\", id LIMIT $4::int",
      cursor, after_name, after_id, page_size + 1);
  OperatorPage page;
  for (const pqxx::row& r : rows) {
    if (static_cast<int>(page.operators.size()) == page_size) {
      const OperatorRecord& last = page.operators.back();
      page.next_cursor = crypto::HexEncode(last.name) + "." + last.id;
      break;
    }
    page.operators.push_back(*internal::Load(tx, "o.id = $1", r[0].as<std::string>()));
  }
  return page;
}

}  // namespace datamesh::governance::operators
