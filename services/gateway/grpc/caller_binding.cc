#include "services/gateway/grpc/caller_binding.h"

namespace datamesh::gateway::public_grpc {

void BindToCaller(const Caller& caller, file::v1::UploadHeader& header) {
  header.set_owner_id(caller.user_id);
  header.set_owner_public_key(caller.public_key);
  header.set_owner_key_version(caller.key_version);
  header.set_owner_tier(caller.tier);
  header.clear_reservation_id();
}

void BindToCaller(const Caller& caller, file::v1::DownloadRequest& req) {
  req.set_owner_id(caller.user_id);
  req.set_private_key(caller.private_key);
}

void BindToCaller(const Caller& caller, file::v1::StatRequest& req) {
  req.set_owner_id(caller.user_id);
}

void BindToCaller(const Caller& caller, file::v1::ListRequest& req) {
  req.set_owner_id(caller.user_id);
}

void BindToCaller(const Caller& caller, file::v1::DeleteRequest& req) {
  req.set_owner_id(caller.user_id);
  req.set_actor_id(caller.user_id);
}

void BindToCaller(const Caller& caller, file::v1::UpdateMetadataRequest& req) {
  req.set_owner_id(caller.user_id);
}

void BindToCaller(const Caller& caller, file::v1::GetHealthRequest& req) {
  req.set_owner_id(caller.user_id);
}

void BindToCaller(const Caller& caller, file::v1::RunMaintenanceRequest& req) {
  req.set_actor_id(caller.user_id);
}

void BindToCaller(const Caller& caller, auth::v1::GetProfileRequest& req) {
  req.set_user_id(caller.user_id);
}

void BindToCaller(const Caller& caller, auth::v1::ChangePasswordRequest& req) {
  req.set_user_id(caller.user_id);
}

void BindToCaller(const Caller& caller, auth::v1::CreateApiKeyRequest& req) {
  req.set_user_id(caller.user_id);
}

void BindToCaller(const Caller& caller, auth::v1::CreateRecoveryCodeRequest& req) {
  req.set_user_id(caller.user_id);
}

void BindToCaller(const Caller& caller, auth::v1::GetRecoveryCodeRequest& req) {
  req.set_user_id(caller.user_id);
}

void BindToCaller(const Caller& caller, auth::v1::ListApiKeysRequest& req) {
  req.set_user_id(caller.user_id);
}

void BindToCaller(const Caller& caller, auth::v1::RevokeApiKeyRequest& req) {
  req.set_user_id(caller.user_id);
}

void BindToCaller(const Caller& caller, auth::v1::ListUsersRequest& req) {
  req.set_actor_id(caller.user_id);
}

void BindToCaller(const Caller& caller, auth::v1::UpdateUserRequest& req) {
  req.set_actor_id(caller.user_id);
}

void BindToCaller(const Caller& caller, auth::v1::QueryAuditRequest& req) {
  req.set_actor_id(caller.user_id);
}

void BindToCaller(const Caller& caller, quota::v1::GetUsageRequest& req) {
  req.set_user_id(caller.user_id);
}

void BindToCaller(const Caller& caller, quota::v1::GetLimitsRequest& req) {
  req.set_user_id(caller.user_id);
  req.set_tier(caller.tier);
}

void BindToCaller(const Caller& caller, quota::v1::ListBillingRecordsRequest& req) {
  if (!caller.is_admin()) req.set_user_id(caller.user_id);
}

void BindToCaller(const Caller& caller, quota::v1::UpdateTierRequest& req) {
  req.set_actor_id(caller.user_id);
}

void BindToCaller(const Caller& caller, governance::v1::CreateProposalRequest& req) {
  req.set_proposer_id(caller.user_id);
}

void BindToCaller(const Caller& caller, governance::v1::CastVoteRequest& req) {
  req.set_voter_id(caller.user_id);
}

void BindToCaller(const Caller& caller, governance::v1::RegisterOperatorRequest& req) {
  req.set_account_id(caller.user_id);
}

void BindToCaller(const Caller& caller, governance::v1::StakeRequest& req) {
  req.set_account_id(caller.user_id);
}

void BindToCaller(const Caller& caller, governance::v1::UnstakeRequest& req) {
  req.set_account_id(caller.user_id);
}

void BindToCaller(const Caller& caller, governance::v1::TransferRequest& req) {
  req.set_from_account_id(caller.user_id);
}

void BindToCaller(const Caller& caller, governance::v1::GetOperatorChallengeRequest& req) {
  req.set_account_id(caller.user_id);
}

void BindToCaller(const Caller& caller, governance::v1::ClaimNodeRequest& req) {
  req.set_account_id(caller.user_id);
}

void BindToCaller(const Caller& caller, governance::v1::GrantRequest& req) {
  req.set_actor_id(caller.user_id);
  req.set_actor_is_admin(caller.is_admin());
}

void BindToCaller(const Caller& caller, governance::v1::VerifyLedgerRequest& req) {
  req.set_actor_id(caller.user_id);
  req.set_actor_is_admin(caller.is_admin());
}

void BindToCaller(const Caller& caller, governance::v1::GetBalanceRequest& req) {
  if (!caller.is_admin() || req.account_id().empty()) req.set_account_id(caller.user_id);
}

void BindToCaller(const Caller& caller, governance::v1::ListLedgerEntriesRequest& req) {
  if (!caller.is_admin() || req.account_id().empty()) req.set_account_id(caller.user_id);
}

void BindToCaller(const Caller& caller, governance::v1::ExportStatementRequest& req) {
  if (!caller.is_admin() || req.account_id().empty()) req.set_account_id(caller.user_id);
}

}  // namespace datamesh::gateway::public_grpc
