// The operator registry against a real PostgreSQL: registration rules, proofs of node
// possession (bad signatures, proofs for another account, replayed or foreign challenges, a
// node's key changing), admission by stake with its events in the outbox, and pagination; an
// admin's release of a node's key binding; the admission listing dht re-syncs from.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>

#include "datamesh/events/v1/event.pb.h"
#include "services/governance/ledger/ledger_test_fixture.h"
#include "services/governance/ledger/stake.h"
#include "services/governance/operators/admission_listing.h"
#include "services/governance/operators/node_key_release.h"
#include "services/governance/operators/operator_registry.h"
#include "shared/crypto/encoding.h"
#include "shared/crypto/random.h"
#include "shared/crypto/signature.h"

namespace datamesh::governance::operators {
namespace {

using ::datamesh::testing::StatusIs;
using ledger::LedgerFixture;

// A storage node as dm-node-sign sees it: an id and an Ed25519 key.
struct TestNode {
  std::string id;
  crypto::Ed25519PrivateKey key;

  static TestNode New() {
    return {crypto::HexEncode(*crypto::RandomBytes(32)), *crypto::Ed25519PrivateKey::Generate()};
  }
  NodeProof Prove(const std::string& challenge, const std::string& account) const {
    std::string message = *SignedMessage(challenge, account);
    return {id, crypto::HexEncode(key.public_key()), crypto::HexEncode(*key.Sign(message))};
  }
};

class OperatorTest : public LedgerFixture {
 protected:
  const absl::Time now_ = absl::FromUnixSeconds(1'900'000'000);
  const std::string source_ = "governance/test";

  std::string NewChallenge(const std::string& account, absl::Time at) {
    std::string hex;
    EXPECT_OK(Run([&](pqxx::work& tx) -> absl::Status {
      auto c = IssueChallenge(tx, account, at);
      if (c.ok()) hex = c->hex;
      return c.status();
    }));
    return hex;
  }

  absl::StatusOr<OperatorRecord> DoRegister(const Registration& r,
                                            AdmissionRules rules = {"open", 0}) {
    absl::StatusOr<OperatorRecord> out;
    absl::Status s = Run([&](pqxx::work& tx) {
      out = Register(tx, r, now_, rules, source_);
      return out.status();
    });
    if (!s.ok()) return s;
    return out;
  }

  // Registers `account` with the given nodes, each proving possession.
  absl::StatusOr<OperatorRecord> RegisterWith(const std::string& account, const std::string& name,
                                              const std::vector<const TestNode*>& nodes,
                                              AdmissionRules rules = {"open", 0}) {
    Registration r{account, name, {}, NewChallenge(account, now_), {}};
    for (const TestNode* n : nodes) {
      r.node_ids.push_back(n->id);
      r.proofs.push_back(n->Prove(r.challenge, account));
    }
    return DoRegister(r, rules);
  }

  // The operator events in the outbox that concern `operator_id`, oldest first.
  std::vector<events::v1::Event> OutboxEvents(const std::string& operator_id) {
    std::vector<events::v1::Event> out;
    EXPECT_OK(Run([&](pqxx::work& tx) {
      for (const pqxx::row& r : tx.exec("SELECT event FROM governance.outbox ORDER BY id")) {
        events::v1::Event e;
        pqxx::binarystring bytes(r[0]);
        if (!e.ParseFromString(bytes.str())) continue;
        if ((e.has_operator_admitted() && e.operator_admitted().operator_id() == operator_id) ||
            (e.has_operator_removed() && e.operator_removed().operator_id() == operator_id)) {
          out.push_back(e);
        }
      }
      return absl::OkStatus();
    }));
    return out;
  }
};

TEST_F(OperatorTest, RegistersProvenNodesAndAdmitsInOpenMode) {
  const std::string account = NewAccount("op");
  TestNode a = TestNode::New(), b = TestNode::New();
  auto op = RegisterWith(account, "Acme Storage", {&a, &b});
  ASSERT_OK(op);
  EXPECT_EQ(op->state, "admitted");
  EXPECT_EQ(op->account_id, account);
  std::vector<std::string> want = {a.id, b.id};
  std::sort(want.begin(), want.end());
  EXPECT_EQ(op->node_ids, want);
  auto events = OutboxEvents(op->id);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].type(), "governance.operator.admitted");
  EXPECT_EQ(events[0].operator_admitted().mode(), "open");
  EXPECT_EQ(events[0].operator_admitted().node_ids_size(), 2);
}

TEST_F(OperatorTest, RefusesMalformedRegistrations) {
  const std::string account = NewAccount("op");
  TestNode n = TestNode::New();
  const std::string challenge = NewChallenge(account, now_);
  auto with = [&](std::string name, std::vector<std::string> ids, std::vector<NodeProof> proofs) {
    return DoRegister({account, std::move(name), std::move(ids), challenge, std::move(proofs)});
  };
  const NodeProof good = n.Prove(challenge, account);
  EXPECT_THAT(with("", {n.id}, {good}), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(with(std::string(101, 'x'), {n.id}, {good}),
              StatusIs(absl::StatusCode::kInvalidArgument));
  std::string upper = n.id;
  std::transform(upper.begin(), upper.end(), upper.begin(), ::toupper);
  EXPECT_THAT(with("ok", {upper}, {good}), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(with("ok", {n.id.substr(1)}, {good}), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(with("ok", {n.id, n.id}, {good, good}), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(with("ok", {n.id}, {}), StatusIs(absl::StatusCode::kInvalidArgument));
  NodeProof short_sig = good;
  short_sig.signature.pop_back();
  EXPECT_THAT(with("ok", {n.id}, {short_sig}), StatusIs(absl::StatusCode::kInvalidArgument));
  bool registered = true;
  ASSERT_OK(Run([&](pqxx::work& tx) {
    registered = FindByAccount(tx, account).has_value();
    return absl::OkStatus();
  }));
  EXPECT_FALSE(registered);
  // The challenge was never consumed by the refusals: a good registration still succeeds, and
  // a name of exactly 100 characters (multi-byte ones count once) is fine.
  std::string name;
  for (int i = 0; i < 100; ++i) name += "é";
  auto op = with(name, {n.id}, {good});
  ASSERT_OK(op);
  EXPECT_EQ(op->name, name);
}

TEST_F(OperatorTest, OneOperatorPerAccountAndOneOperatorPerNode) {
  const std::string first = NewAccount("op"), second = NewAccount("op");
  TestNode n = TestNode::New(), m = TestNode::New();
  ASSERT_OK(RegisterWith(first, "First", {&n}));
  EXPECT_THAT(RegisterWith(first, "Again", {&m}), StatusIs(absl::StatusCode::kAlreadyExists));
  EXPECT_THAT(RegisterWith(second, "Second", {&m, &n}), StatusIs(absl::StatusCode::kAlreadyExists));
  // Nothing of the refused registration stayed: m is still free.
  auto op = RegisterWith(second, "Second", {&m});
  ASSERT_OK(op);
  EXPECT_EQ(op->node_ids, std::vector<std::string>{m.id});
}

TEST_F(OperatorTest, ProofsMustBeSignedByTheNodeForThisAccountOverAFreshChallenge) {
  const std::string account = NewAccount("op"), other = NewAccount("op");
  TestNode n = TestNode::New(), impostor = TestNode::New();
  std::string challenge = NewChallenge(account, now_);
  // Signed by another key than the one presented.
  NodeProof forged = n.Prove(challenge, account);
  forged.public_key = crypto::HexEncode(impostor.key.public_key());
  EXPECT_THAT(DoRegister({account, "X", {n.id}, challenge, {forged}}),
              StatusIs(absl::StatusCode::kPermissionDenied));
  // A valid proof made for another account.
  EXPECT_THAT(DoRegister({account, "X", {n.id}, challenge, {n.Prove(challenge, other)}}),
              StatusIs(absl::StatusCode::kPermissionDenied));
  // A challenge issued to another account.
  const std::string foreign = NewChallenge(other, now_);
  EXPECT_THAT(DoRegister({account, "X", {n.id}, foreign, {n.Prove(foreign, account)}}),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  // An expired challenge.
  const std::string old = NewChallenge(account, now_ - kChallengeLifetime - absl::Seconds(1));
  EXPECT_THAT(DoRegister({account, "X", {n.id}, old, {n.Prove(old, account)}}),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  // The good proof works once; the same challenge cannot be used again.
  ASSERT_OK(DoRegister({account, "X", {n.id}, challenge, {n.Prove(challenge, account)}}));
  TestNode extra = TestNode::New();
  absl::Status replay = Run([&](pqxx::work& tx) {
    return ClaimNode(tx, account, challenge, extra.Prove(challenge, account), now_, source_)
        .status();
  });
  EXPECT_THAT(replay, StatusIs(absl::StatusCode::kFailedPrecondition));
}

TEST_F(OperatorTest, ANodeKeepsTheKeyItFirstProvedAndAKeyBacksOneNode) {
  const std::string first = NewAccount("op"), second = NewAccount("op");
  TestNode n = TestNode::New();
  ASSERT_OK(RegisterWith(first, "First", {&n}));
  // Another key for the node id is refused as such, whoever holds the node; with the node's
  // own key, another operator still cannot take it while it is first's.
  TestNode rekeyed{n.id, *crypto::Ed25519PrivateKey::Generate()};
  const std::string c1 = NewChallenge(second, now_);
  EXPECT_THAT(DoRegister({second, "Second", {n.id}, c1, {rekeyed.Prove(c1, second)}}),
              StatusIs(absl::StatusCode::kPermissionDenied));
  const std::string c0 = NewChallenge(second, now_);
  EXPECT_THAT(DoRegister({second, "Second", {n.id}, c0, {n.Prove(c0, second)}}),
              StatusIs(absl::StatusCode::kAlreadyExists));
  // Free up the node (as a removal would) and try again with another key: refused.
  ASSERT_OK(Run([&](pqxx::work& tx) {
    tx.exec_params0("DELETE FROM governance.operator_nodes WHERE node_id = $1", n.id);
    return absl::OkStatus();
  }));
  const std::string c2 = NewChallenge(second, now_);
  EXPECT_THAT(DoRegister({second, "Second", {n.id}, c2, {rekeyed.Prove(c2, second)}}),
              StatusIs(absl::StatusCode::kPermissionDenied));
  // One key cannot back a second node id.
  TestNode twin{TestNode::New().id, *crypto::Ed25519PrivateKey::FromBytes(n.key.ToBytes()->view())};
  const std::string c3 = NewChallenge(second, now_);
  EXPECT_THAT(DoRegister({second, "Second", {twin.id}, c3, {twin.Prove(c3, second)}}),
              StatusIs(absl::StatusCode::kAlreadyExists));
  // With its own key the node is claimable again.
  const std::string c4 = NewChallenge(second, now_);
  ASSERT_OK(DoRegister({second, "Second", {n.id}, c4, {n.Prove(c4, second)}}));
}

TEST_F(OperatorTest, StakeModeAdmitsAtTheMinimumAndRemovesBelowIt) {
  const AdmissionRules rules{"stake", 1'000};
  const std::string account = NewAccount("op");
  ASSERT_OK(Run([&](pqxx::work& tx) {
    return ledger::Grant(tx, account, 5'000, "funds", "fund/" + account);
  }));
  TestNode n = TestNode::New();
  auto op = RegisterWith(account, "Staker", {&n}, rules);
  ASSERT_OK(op);
  EXPECT_EQ(op->state, "pending");
  auto reconcile = [&](AdmissionRules r) {
    int changed = -1;
    EXPECT_OK(Run([&](pqxx::work& tx) -> absl::Status {
      auto c = ReconcileAdmission(tx, account, r, source_);
      if (c.ok()) changed = *c;
      return c.status();
    }));
    return changed;
  };
  ASSERT_OK(Run([&](pqxx::work& tx) { return ledger::Stake(tx, account, 999, "s1/" + account); }));
  EXPECT_EQ(reconcile(rules), 0);
  ASSERT_OK(Run([&](pqxx::work& tx) { return ledger::Stake(tx, account, 1, "s2/" + account); }));
  EXPECT_EQ(reconcile(rules), 1);
  EXPECT_EQ(reconcile(rules), 0);  // already admitted: no second event
  ASSERT_OK(Run([&](pqxx::work& tx) {
    return ledger::Unbond(tx, account, 1, now_, absl::Hours(1), "u1/" + account);
  }));
  EXPECT_EQ(reconcile(rules), 1);
  // In proposal mode nothing changes automatically.
  ASSERT_OK(Run([&](pqxx::work& tx) { return ledger::Stake(tx, account, 10, "s3/" + account); }));
  EXPECT_EQ(reconcile({"proposal", 1'000}), 0);
  std::optional<OperatorRecord> now;
  ASSERT_OK(Run([&](pqxx::work& tx) {
    now = FindByAccount(tx, account);
    return absl::OkStatus();
  }));
  ASSERT_TRUE(now.has_value());
  EXPECT_EQ(now->state, "pending");
  EXPECT_EQ(now->stake, 1'009);
  auto events = OutboxEvents(op->id);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].type(), "governance.operator.admitted");
  EXPECT_EQ(events[0].operator_admitted().stake(), 1'000u);
  EXPECT_EQ(events[0].operator_admitted().mode(), "stake");
  EXPECT_EQ(events[1].type(), "governance.operator.removed");
  EXPECT_EQ(events[1].operator_removed().state(), "pending");
  EXPECT_EQ(events[1].operator_removed().node_ids(0), n.id);
}

TEST_F(OperatorTest, ClaimNodeAddsAProvenNodeAndAnnouncesTheAdmittedOperatorAgain) {
  const std::string account = NewAccount("op");
  TestNode n = TestNode::New(), later = TestNode::New();
  auto op = RegisterWith(account, "Grower", {&n});
  ASSERT_OK(op);
  const std::string c = NewChallenge(account, now_);
  absl::StatusOr<OperatorRecord> claimed;
  ASSERT_OK(Run([&](pqxx::work& tx) {
    claimed = ClaimNode(tx, account, c, later.Prove(c, account), now_, source_);
    return claimed.status();
  }));
  EXPECT_EQ(claimed->node_ids.size(), 2u);
  auto events = OutboxEvents(op->id);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1].operator_admitted().node_ids_size(), 2);
  const std::string nobody = NewAccount("op");
  const std::string c2 = NewChallenge(nobody, now_);
  EXPECT_THAT(
      Run([&](pqxx::work& tx) {
        return ClaimNode(tx, nobody, c2, TestNode::New().Prove(c2, nobody), now_, source_).status();
      }),
      StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(OperatorTest, ListsOperatorsByNameAcrossPages) {
  const std::string prefix = "page-" + bus::NewUuidV4().substr(0, 8) + "-";
  const std::vector<std::string> names = {"delta", "alpha", "echo", "charlie", "bravo"};
  for (const std::string& name : names) {
    ASSERT_OK(RegisterWith(NewAccount("op"), prefix + name, {}));
  }
  std::vector<std::pair<std::string, std::string>> seen_all;  // (name, id)
  std::vector<std::string> seen_ours;
  std::string cursor;
  int pages = 0;
  do {
    OperatorPage page;
    ASSERT_OK(Run([&](pqxx::work& tx) -> absl::Status {
      auto p = ListOperators(tx, 2, cursor);
      if (p.ok()) page = *p;
      return p.status();
    }));
    EXPECT_LE(page.operators.size(), 2u);
    for (const auto& op : page.operators) {
      seen_all.push_back({op.name, op.id});
      if (op.name.rfind(prefix, 0) == 0) seen_ours.push_back(op.name.substr(prefix.size()));
    }
    cursor = page.next_cursor.value_or("");
  } while (!cursor.empty() && ++pages < 1000);
  EXPECT_TRUE(std::is_sorted(seen_all.begin(), seen_all.end()));
  const std::set<std::pair<std::string, std::string>> distinct(seen_all.begin(), seen_all.end());
  EXPECT_EQ(distinct.size(), seen_all.size());
  EXPECT_EQ(seen_ours, (std::vector<std::string>{"alpha", "bravo", "charlie", "delta", "echo"}));
  EXPECT_THAT(Run([&](pqxx::work& tx) { return ListOperators(tx, 2, "zz").status(); }),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(Run([&](pqxx::work& tx) { return ListOperators(tx, 0, "").status(); }),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(OperatorTest, AnAdminReleaseFreesANodeIdForAnotherKey) {
  const std::string first = NewAccount("op"), second = NewAccount("op");
  TestNode n = TestNode::New(), kept = TestNode::New();
  auto held = RegisterWith(first, "First", {&n, &kept});
  ASSERT_OK(held);
  const KeyRelease release{n.id, "admin", "the node's key was lost"};
  auto do_release = [&](const KeyRelease& r) {
    absl::StatusOr<std::string> key;
    absl::Status s = Run([&](pqxx::work& tx) {
      key = ReleaseNodeKey(tx, r, now_, source_);
      return key.status();
    });
    if (!s.ok()) return absl::StatusOr<std::string>(s);
    return key;
  };
  EXPECT_THAT(do_release({"not-a-node", "admin", "why"}),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(do_release({n.id, "admin", ""}), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(do_release({TestNode::New().id, "admin", "why"}),
              StatusIs(absl::StatusCode::kNotFound));

  auto key = do_release(release);
  ASSERT_OK(key);
  EXPECT_EQ(*key, crypto::HexEncode(n.key.public_key()));
  EXPECT_THAT(do_release(release), StatusIs(absl::StatusCode::kNotFound));  // once
  // The operator keeps its other node and is announced again without the released one.
  auto events = OutboxEvents(held->id);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1].operator_admitted().mode(), "release");
  EXPECT_EQ(std::vector<std::string>(events[1].operator_admitted().node_ids().begin(),
                                     events[1].operator_admitted().node_ids().end()),
            std::vector<std::string>{kept.id});
  ASSERT_OK(Run([&](pqxx::work& tx) {
    const pqxx::row r = tx.exec_params1(
        "SELECT public_key, operator_id, actor_id, reason FROM governance.node_key_releases "
        "WHERE node_id = $1",
        n.id);
    EXPECT_EQ(r[0].as<std::string>(), *key);
    EXPECT_EQ(r[1].as<std::string>(), held->id);
    EXPECT_EQ(r[2].as<std::string>(), "admin");
    EXPECT_EQ(r[3].as<std::string>(), "the node's key was lost");
    return absl::OkStatus();
  }));
  // The next proof binds whatever key it shows, for whichever operator.
  TestNode rekeyed{n.id, *crypto::Ed25519PrivateKey::Generate()};
  auto taken = RegisterWith(second, "Second", {&rekeyed});
  ASSERT_OK(taken);
  EXPECT_EQ(taken->node_ids, std::vector<std::string>{n.id});
}

TEST_F(OperatorTest, ListsAdmissionsWithNodeStandingsAcrossPages) {
  TestNode a = TestNode::New(), b = TestNode::New(), c = TestNode::New();
  auto admitted = RegisterWith(NewAccount("op"), "Admitted", {&a, &b});
  ASSERT_OK(admitted);
  auto pending = RegisterWith(NewAccount("op"), "Pending", {&c}, {"proposal", 0});
  ASSERT_OK(pending);
  ASSERT_OK(Run([&](pqxx::work& tx) {
    tx.exec_params0(
        "INSERT INTO governance.node_reputation (node_id, alpha, beta, score, vetted_at, "
        "disqualified_at) VALUES ($1, 1000, 0, 1, now(), NULL), ($2, 1, 9, 0.1, now(), now())",
        a.id, b.id);
    return absl::OkStatus();
  }));
  std::map<std::string, OperatorAdmissionRow> seen;
  std::string cursor, previous;
  int pages = 0;
  do {
    AdmissionPage page;
    ASSERT_OK(Run([&](pqxx::work& tx) -> absl::Status {
      auto p = ListAdmissions(tx, 1, cursor, now_);
      if (p.ok()) page = *p;
      return p.status();
    }));
    EXPECT_EQ(page.read_at, now_);
    ASSERT_LE(page.operators.size(), 1u);
    for (const auto& op : page.operators) {
      EXPECT_GT(op.operator_id, previous);  // ordered by id
      previous = op.operator_id;
      seen[op.operator_id] = op;
    }
    cursor = page.next_cursor.value_or("");
  } while (!cursor.empty() && ++pages < 100000);
  ASSERT_TRUE(seen.contains(admitted->id));
  const OperatorAdmissionRow& first = seen[admitted->id];
  EXPECT_TRUE(first.admitted);
  ASSERT_EQ(first.nodes.size(), 2u);
  for (const ListedNode& node : first.nodes) {
    EXPECT_TRUE(node.vetted) << node.node_id;
    EXPECT_EQ(node.disqualified, node.node_id == b.id) << node.node_id;
  }
  ASSERT_TRUE(seen.contains(pending->id));
  EXPECT_FALSE(seen[pending->id].admitted);
  ASSERT_EQ(seen[pending->id].nodes.size(), 1u);
  EXPECT_FALSE(seen[pending->id].nodes[0].vetted);
  EXPECT_THAT(Run([&](pqxx::work& tx) { return ListAdmissions(tx, 0, "", now_).status(); }),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace datamesh::governance::operators
