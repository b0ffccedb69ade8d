#include "services/gateway/grpc/caller_binding.h"

#include <gtest/gtest.h>

namespace datamesh::gateway::public_grpc {
namespace {

namespace fv1 = file::v1;

Caller Alice(std::string role = "user") {
  Caller c;
  c.user_id = "alice-id";
  c.role = std::move(role);
  c.tier = "premium";
  c.public_key = std::string(32, 'P');
  c.private_key = std::string(32, 'S');
  c.key_version = 3;
  return c;
}

TEST(CallerBindingTest, UploadHeaderIdentityIsTheCallersWhateverTheClientSent) {
  fv1::UploadHeader h;
  h.set_owner_id("mallory-id");
  h.set_owner_public_key("mallory-key");
  h.set_owner_key_version(99);
  h.set_owner_tier("enterprise");
  h.set_reservation_id("someone-elses-reservation");
  h.set_name("report.pdf");
  (*h.mutable_tags())["k"] = "v";
  h.set_declared_size(1234);
  h.set_client_encrypted(true);
  h.set_upload_id("up-1");
  BindToCaller(Alice(), h);
  EXPECT_EQ(h.owner_id(), "alice-id");
  EXPECT_EQ(h.owner_public_key(), std::string(32, 'P'));
  EXPECT_EQ(h.owner_key_version(), 3u);
  EXPECT_EQ(h.owner_tier(), "premium");
  EXPECT_TRUE(h.reservation_id().empty());
  // The client's own choices stay.
  EXPECT_EQ(h.name(), "report.pdf");
  EXPECT_EQ(h.tags().at("k"), "v");
  EXPECT_EQ(h.declared_size(), 1234u);
  EXPECT_TRUE(h.client_encrypted());
  EXPECT_EQ(h.upload_id(), "up-1");
}

TEST(CallerBindingTest, DownloadUsesTheCallersOwnerAndKey) {
  fv1::DownloadRequest r;
  r.set_file_id("f1");
  r.set_owner_id("mallory-id");
  r.set_private_key("guess");
  r.set_offset(7);
  BindToCaller(Alice(), r);
  EXPECT_EQ(r.owner_id(), "alice-id");
  EXPECT_EQ(r.private_key(), std::string(32, 'S'));
  EXPECT_EQ(r.file_id(), "f1");
  EXPECT_EQ(r.offset(), 7u);
}

TEST(CallerBindingTest, FileRequestsNameTheCallerAsOwner) {
  fv1::StatRequest stat;
  stat.set_owner_id("x");
  fv1::ListRequest list;
  list.set_owner_id("x");
  fv1::UpdateMetadataRequest update;
  update.set_owner_id("x");
  fv1::GetHealthRequest health;
  health.set_owner_id("x");
  fv1::DeleteRequest del;
  del.set_owner_id("x");
  del.set_actor_id("x");
  const Caller alice = Alice();
  BindToCaller(alice, stat);
  BindToCaller(alice, list);
  BindToCaller(alice, update);
  BindToCaller(alice, health);
  BindToCaller(alice, del);
  EXPECT_EQ(stat.owner_id(), "alice-id");
  EXPECT_EQ(list.owner_id(), "alice-id");
  EXPECT_EQ(update.owner_id(), "alice-id");
  EXPECT_EQ(health.owner_id(), "alice-id");
  EXPECT_EQ(del.owner_id(), "alice-id");
  EXPECT_EQ(del.actor_id(), "alice-id");
}

TEST(CallerBindingTest, AccountRequestsActForTheCaller) {
  auth::v1::CreateApiKeyRequest key;
  key.set_user_id("x");
  auth::v1::ChangePasswordRequest password;
  password.set_user_id("x");
  auth::v1::UpdateUserRequest update;
  update.set_actor_id("x");
  update.set_user_id("target");
  const Caller alice = Alice("admin");
  BindToCaller(alice, key);
  BindToCaller(alice, password);
  BindToCaller(alice, update);
  EXPECT_EQ(key.user_id(), "alice-id");
  EXPECT_EQ(password.user_id(), "alice-id");
  EXPECT_EQ(update.actor_id(), "alice-id");
  EXPECT_EQ(update.user_id(), "target");  // an admin names whom to change
}

TEST(CallerBindingTest, LimitsUseTheCallersTier) {
  quota::v1::GetLimitsRequest r;
  r.set_user_id("x");
  r.set_tier("enterprise");
  BindToCaller(Alice(), r);
  EXPECT_EQ(r.user_id(), "alice-id");
  EXPECT_EQ(r.tier(), "premium");
}

TEST(CallerBindingTest, BillingRecordsOfOthersForAdminsOnly) {
  quota::v1::ListBillingRecordsRequest user_req;
  user_req.set_user_id("bob-id");
  BindToCaller(Alice(), user_req);
  EXPECT_EQ(user_req.user_id(), "alice-id");
  quota::v1::ListBillingRecordsRequest all;  // empty: every user's
  BindToCaller(Alice(), all);
  EXPECT_EQ(all.user_id(), "alice-id");
  quota::v1::ListBillingRecordsRequest admin_req;
  admin_req.set_user_id("bob-id");
  BindToCaller(Alice("admin"), admin_req);
  EXPECT_EQ(admin_req.user_id(), "bob-id");
}

TEST(CallerBindingTest, GovernanceActsForTheCallerWhateverTheClientSent) {
  namespace gv1 = governance::v1;
  gv1::CreateProposalRequest create;
  create.set_proposer_id("mallory-id");
  create.set_title("t");
  BindToCaller(Alice(), create);
  EXPECT_EQ(create.proposer_id(), "alice-id");
  EXPECT_EQ(create.title(), "t");
  gv1::CastVoteRequest vote;
  vote.set_voter_id("mallory-id");
  vote.set_proposal_id("p1");
  BindToCaller(Alice(), vote);
  EXPECT_EQ(vote.voter_id(), "alice-id");
  EXPECT_EQ(vote.proposal_id(), "p1");
  gv1::StakeRequest stake;
  stake.set_account_id("mallory-id");
  BindToCaller(Alice(), stake);
  EXPECT_EQ(stake.account_id(), "alice-id");
  gv1::UnstakeRequest unstake;
  BindToCaller(Alice(), unstake);
  EXPECT_EQ(unstake.account_id(), "alice-id");
  gv1::RegisterOperatorRequest op;
  op.set_account_id("mallory-id");
  BindToCaller(Alice(), op);
  EXPECT_EQ(op.account_id(), "alice-id");
  gv1::TransferRequest transfer;
  transfer.set_from_account_id("mallory-id");
  transfer.set_to_account_id("bob-id");
  BindToCaller(Alice(), transfer);
  EXPECT_EQ(transfer.from_account_id(), "alice-id");
  EXPECT_EQ(transfer.to_account_id(), "bob-id");
  gv1::ClaimNodeRequest claim;
  claim.set_account_id("mallory-id");
  BindToCaller(Alice(), claim);
  EXPECT_EQ(claim.account_id(), "alice-id");
  gv1::GrantRequest grant;
  grant.set_actor_id("mallory-id");
  grant.set_account_id("bob-id");
  grant.set_actor_is_admin(true);
  BindToCaller(Alice(), grant);
  EXPECT_FALSE(grant.actor_is_admin());  // a client's claim to be an admin is not believed
  BindToCaller(Alice("admin"), grant);
  EXPECT_TRUE(grant.actor_is_admin());
  EXPECT_EQ(grant.actor_id(), "alice-id");
  EXPECT_EQ(grant.account_id(), "bob-id");  // the receiver is the admin's choice
}

TEST(CallerBindingTest, OnlyAdminsReadAnotherAccountsBalanceOrStatement) {
  namespace gv1 = governance::v1;
  gv1::GetBalanceRequest balance;
  balance.set_account_id("treasury");
  BindToCaller(Alice(), balance);
  EXPECT_EQ(balance.account_id(), "alice-id");
  balance.set_account_id("treasury");
  BindToCaller(Alice("admin"), balance);
  EXPECT_EQ(balance.account_id(), "treasury");
  gv1::ListLedgerEntriesRequest entries;
  entries.set_account_id("bob-id");
  BindToCaller(Alice(), entries);
  EXPECT_EQ(entries.account_id(), "alice-id");
  entries.clear_account_id();
  BindToCaller(Alice("admin"), entries);
  EXPECT_EQ(entries.account_id(), "alice-id");
  gv1::ExportStatementRequest statement;
  statement.set_account_id("bob-id");
  BindToCaller(Alice(), statement);
  EXPECT_EQ(statement.account_id(), "alice-id");
}

}  // namespace
}  // namespace datamesh::gateway::public_grpc
