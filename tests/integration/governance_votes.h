// Whole-stack tests' way to get a parameter change executed: voting power from the treasury, a
// proposal, a yes vote, and the vote's end. The voting period (an hour at least) is ended by
// SQL and the enactment delay set to 0 in the parameter table; creation, vote, tally, execution
// and the owning service's answer are the services' own. Header-only; for test binaries.
#pragma once

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <map>
#include <pqxx/pqxx>
#include <string>

#include "absl/time/time.h"
#include "datamesh/governance/v1/governance.grpc.pb.h"
#include "shared/testing/wait_for.h"

namespace datamesh::testing {

// Grants `account` twice `stake` micro-tokens from the treasury and bonds `stake` of them.
inline ::testing::AssertionResult GrantAndStake(governance::v1::GovernanceService::Stub& stub,
                                                const std::string& account, int64_t stake) {
  grpc::ClientContext grant_ctx;
  governance::v1::GrantRequest grant;
  grant.set_actor_id("admin");
  grant.set_actor_is_admin(true);
  grant.set_account_id(account);
  grant.set_amount(2 * stake);
  grant.set_reason("voting power for the test");
  governance::v1::GrantResponse granted;
  grpc::Status s = stub.Grant(&grant_ctx, grant, &granted);
  if (!s.ok()) return ::testing::AssertionFailure() << "grant: " << s.error_message();
  grpc::ClientContext stake_ctx;
  governance::v1::StakeRequest request;
  request.set_account_id(account);
  request.set_amount(stake);
  governance::v1::StakeResponse staked;
  s = stub.Stake(&stake_ctx, request, &staked);
  if (!s.ok()) return ::testing::AssertionFailure() << "stake: " << s.error_message();
  return ::testing::AssertionSuccess();
}

// The answer `service` gave to an executed proposal, or null while it has not.
inline const governance::v1::ExecutionEntry* ExecutionOf(const governance::v1::Proposal& p,
                                                         const std::string& service) {
  for (const governance::v1::ExecutionEntry& e : p.execution()) {
    if (e.service() == service) return &e;
  }
  return nullptr;
}

struct PassedProposal {
  governance::v1::Proposal created;  // as created (with its impact)
  governance::v1::Proposal done;     // as last read: executed, with `service`'s answer
};

// Proposes `change` as `proposer` (who must hold enough of the voting power to pass it alone),
// votes yes, ends the vote and waits up to `timeout` for `service`'s answer.
inline PassedProposal PassParameterChange(governance::v1::GovernanceService::Stub& stub,
                                          const std::string& pg_url, const std::string& proposer,
                                          const std::map<std::string, double>& change,
                                          const std::string& service, absl::Duration timeout) {
  auto sql = [&](const std::string& statement, const std::string& arg) {
    pqxx::connection conn(pg_url);
    pqxx::work w(conn);
    w.exec_params(statement, arg);
    w.commit();
  };
  sql("UPDATE governance.parameters SET value = $1 WHERE key = "
      "'proposal.enactmentDelaySeconds'",
      "0");
  governance::v1::CreateProposalRequest create;
  create.set_proposer_id(proposer);
  create.set_title("A parameter change by the test");
  create.set_type("parameter_change");
  for (const auto& [key, value] : change) {
    (*create.mutable_change()->mutable_fields())[key].set_number_value(value);
  }
  create.set_voting_period_seconds(3600);
  PassedProposal out;
  {
    grpc::ClientContext ctx;
    governance::v1::CreateProposalResponse created;
    const grpc::Status s = stub.CreateProposal(&ctx, create, &created);
    EXPECT_TRUE(s.ok()) << s.error_message();
    out.created = created.proposal();
  }
  const std::string id = out.created.id();
  {
    grpc::ClientContext ctx;
    governance::v1::CastVoteRequest vote;
    vote.set_proposal_id(id);
    vote.set_voter_id(proposer);
    vote.set_choice("yes");
    governance::v1::CastVoteResponse voted;
    const grpc::Status s = stub.CastVote(&ctx, vote, &voted);
    EXPECT_TRUE(s.ok()) << s.error_message();
  }
  sql("UPDATE governance.proposals SET closes_at = now() WHERE id = $1", id);
  EXPECT_TRUE(WaitFor(
      [&] {
        grpc::ClientContext ctx;
        governance::v1::GetProposalRequest req;
        req.set_proposal_id(id);
        governance::v1::GetProposalResponse resp;
        if (!stub.GetProposal(&ctx, req, &resp).ok()) return false;
        out.done = resp.proposal();
        const governance::v1::ExecutionEntry* answer = ExecutionOf(out.done, service);
        return answer != nullptr && answer->state() != "pending";
      },
      timeout))
      << out.done.ShortDebugString();
  return out;
}

}  // namespace datamesh::testing
