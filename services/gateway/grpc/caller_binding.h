// The identity fields of public gRPC requests. The internal services trust owner_id, user_id
// and actor_id, so before a request goes on, every such field is overwritten with the caller's
// (from the bearer token) whatever the client sent; key material comes from the token too.
//
// Thread safety: pure functions, thread-safe.
#pragma once

#include "datamesh/auth/v1/auth.pb.h"
#include "datamesh/file/v1/file.pb.h"
#include "datamesh/governance/v1/governance.pb.h"
#include "datamesh/quota/v1/quota.pb.h"
#include "services/gateway/identity/caller.h"

namespace datamesh::gateway::public_grpc {

// Owner id, public key, key version and tier are the caller's; a client's reservation id is
// dropped (the gateway reserves itself).
void BindToCaller(const Caller& caller, file::v1::UploadHeader& header);
// Owner id and private key.
void BindToCaller(const Caller& caller, file::v1::DownloadRequest& req);
void BindToCaller(const Caller& caller, file::v1::StatRequest& req);
void BindToCaller(const Caller& caller, file::v1::ListRequest& req);
// Owner and actor.
void BindToCaller(const Caller& caller, file::v1::DeleteRequest& req);
void BindToCaller(const Caller& caller, file::v1::UpdateMetadataRequest& req);
void BindToCaller(const Caller& caller, file::v1::GetHealthRequest& req);
void BindToCaller(const Caller& caller, file::v1::RunMaintenanceRequest& req);

void BindToCaller(const Caller& caller, auth::v1::GetProfileRequest& req);
void BindToCaller(const Caller& caller, auth::v1::ChangePasswordRequest& req);
void BindToCaller(const Caller& caller, auth::v1::CreateApiKeyRequest& req);
void BindToCaller(const Caller& caller, auth::v1::CreateRecoveryCodeRequest& req);
void BindToCaller(const Caller& caller, auth::v1::GetRecoveryCodeRequest& req);
void BindToCaller(const Caller& caller, auth::v1::ListApiKeysRequest& req);
void BindToCaller(const Caller& caller, auth::v1::RevokeApiKeyRequest& req);
void BindToCaller(const Caller& caller, auth::v1::ListUsersRequest& req);
void BindToCaller(const Caller& caller, auth::v1::UpdateUserRequest& req);
void BindToCaller(const Caller& caller, auth::v1::QueryAuditRequest& req);

void BindToCaller(const Caller& caller, quota::v1::GetUsageRequest& req);
// User id and tier.
void BindToCaller(const Caller& caller, quota::v1::GetLimitsRequest& req);
// A non-admin's records only; an admin may name any user or none (all).
void BindToCaller(const Caller& caller, quota::v1::ListBillingRecordsRequest& req);
void BindToCaller(const Caller& caller, quota::v1::UpdateTierRequest& req);

// Governance: the proposer, voter, operator account, staking account, transfer sender and
// grant actor are the caller.
void BindToCaller(const Caller& caller, governance::v1::CreateProposalRequest& req);
void BindToCaller(const Caller& caller, governance::v1::CastVoteRequest& req);
void BindToCaller(const Caller& caller, governance::v1::RegisterOperatorRequest& req);
void BindToCaller(const Caller& caller, governance::v1::StakeRequest& req);
void BindToCaller(const Caller& caller, governance::v1::UnstakeRequest& req);
void BindToCaller(const Caller& caller, governance::v1::TransferRequest& req);
void BindToCaller(const Caller& caller, governance::v1::GetOperatorChallengeRequest& req);
void BindToCaller(const Caller& caller, governance::v1::ClaimNodeRequest& req);
// The actor and whether it is an admin (the service refuses non-admins too).
void BindToCaller(const Caller& caller, governance::v1::GrantRequest& req);
void BindToCaller(const Caller& caller, governance::v1::VerifyLedgerRequest& req);
// The caller's own account; an admin may name any account (an empty one is the admin's own).
void BindToCaller(const Caller& caller, governance::v1::GetBalanceRequest& req);
void BindToCaller(const Caller& caller, governance::v1::ListLedgerEntriesRequest& req);
void BindToCaller(const Caller& caller, governance::v1::ExportStatementRequest& req);

}  // namespace datamesh::gateway::public_grpc
