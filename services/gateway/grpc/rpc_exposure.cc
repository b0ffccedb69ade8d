#include "services/gateway/grpc/rpc_exposure.h"

#include <array>

namespace datamesh::gateway::public_grpc {
namespace {

using enum Exposure;

constexpr std::array kRpcTable = {
    // Files: the caller's own files; owner fields are always the caller's.
    RpcExposure{"/datamesh.file.v1.FileService/Upload", kUser},
    RpcExposure{"/datamesh.file.v1.FileService/Download", kUser},
    RpcExposure{"/datamesh.file.v1.FileService/Stat", kUser},
    RpcExposure{"/datamesh.file.v1.FileService/List", kUser},
    RpcExposure{"/datamesh.file.v1.FileService/Delete", kUser},
    RpcExposure{"/datamesh.file.v1.FileService/UpdateMetadata", kUser},
    RpcExposure{"/datamesh.file.v1.FileService/GetHealth", kUser},
    // Maintenance is an operator's act, as REST POST/GET /admin/maintenance (audited the same).
    RpcExposure{"/datamesh.file.v1.FileService/RunMaintenance", kAdmin},
    RpcExposure{"/datamesh.file.v1.FileService/GetMaintenanceJob", kAdmin},
    // Totals over every owner when owner_id is empty: the admin system view's figures.
    RpcExposure{"/datamesh.file.v1.FileService/GetUsageSummary", kAdmin},
    // Every owner's files: quota's reconciliation reads it service to service.
    RpcExposure{"/datamesh.file.v1.FileService/ListStoredFiles", kInternal},
    // Buckets and objects are served by the S3 listener (SigV4), not the public gRPC endpoint;
    // GetBucket also names other owners' buckets.
    RpcExposure{"/datamesh.file.v1.FileService/CreateBucket", kInternal},
    RpcExposure{"/datamesh.file.v1.FileService/GetBucket", kInternal},
    RpcExposure{"/datamesh.file.v1.FileService/DeleteBucket", kInternal},
    RpcExposure{"/datamesh.file.v1.FileService/ListBuckets", kInternal},
    RpcExposure{"/datamesh.file.v1.FileService/StatByName", kInternal},
    RpcExposure{"/datamesh.file.v1.FileService/ListObjects", kInternal},
    RpcExposure{"/datamesh.file.v1.FileService/CreateMultipartUpload", kInternal},
    RpcExposure{"/datamesh.file.v1.FileService/UploadPart", kInternal},
    RpcExposure{"/datamesh.file.v1.FileService/ListParts", kInternal},
    RpcExposure{"/datamesh.file.v1.FileService/ListMultipartUploads", kInternal},
    RpcExposure{"/datamesh.file.v1.FileService/CompleteMultipartUpload", kInternal},
    RpcExposure{"/datamesh.file.v1.FileService/AbortMultipartUpload", kInternal},

    RpcExposure{"/datamesh.auth.v1.AuthService/Register", kAnonymous},
    RpcExposure{"/datamesh.auth.v1.AuthService/Login", kAnonymous},
    RpcExposure{"/datamesh.auth.v1.AuthService/Logout", kUser},
    RpcExposure{"/datamesh.auth.v1.AuthService/GetProfile", kUser},
    RpcExposure{"/datamesh.auth.v1.AuthService/ChangePassword", kUser},
    RpcExposure{"/datamesh.auth.v1.AuthService/CreateRecoveryCode", kUser},
    RpcExposure{"/datamesh.auth.v1.AuthService/GetRecoveryCode", kUser},
    // Proven by the recovery code, locked out like Login.
    RpcExposure{"/datamesh.auth.v1.AuthService/ResetPassword", kAnonymous},
    RpcExposure{"/datamesh.auth.v1.AuthService/CreateApiKey", kUser},
    RpcExposure{"/datamesh.auth.v1.AuthService/ListApiKeys", kUser},
    RpcExposure{"/datamesh.auth.v1.AuthService/RevokeApiKey", kUser},
    RpcExposure{"/datamesh.auth.v1.AuthService/ListUsers", kAdmin},
    RpcExposure{"/datamesh.auth.v1.AuthService/UpdateUser", kAdmin},
    RpcExposure{"/datamesh.auth.v1.AuthService/QueryAudit", kAdmin},
    // The gateway's own token resolution: it answers private keys.
    RpcExposure{"/datamesh.auth.v1.AuthService/ValidateToken", kInternal},
    // Components append audit records; clients must not forge them.
    RpcExposure{"/datamesh.auth.v1.AuthService/RecordAudit", kInternal},
    // S3 keys are managed over REST (/auth/s3-keys) and the CLI, not here yet; verification
    // answers signing keys and private keys: the S3 listener's alone.
    RpcExposure{"/datamesh.auth.v1.AuthService/CreateS3Key", kInternal},
    RpcExposure{"/datamesh.auth.v1.AuthService/ListS3Keys", kInternal},
    RpcExposure{"/datamesh.auth.v1.AuthService/RevokeS3Key", kInternal},
    RpcExposure{"/datamesh.auth.v1.AuthService/VerifyS3Signature", kInternal},

    RpcExposure{"/datamesh.quota.v1.QuotaService/GetUsage", kUser},
    RpcExposure{"/datamesh.quota.v1.QuotaService/GetLimits", kUser},
    RpcExposure{"/datamesh.quota.v1.QuotaService/ListTiers", kUser},
    // The caller's own records; other users' or all records for admins only.
    RpcExposure{"/datamesh.quota.v1.QuotaService/ListBillingRecords", kUser},
    RpcExposure{"/datamesh.quota.v1.QuotaService/UpdateTier", kAdmin},
    // An operator's act, like maintenance.
    RpcExposure{"/datamesh.quota.v1.QuotaService/ReconcileUsage", kAdmin},
    // Accounting steps of uploads, downloads and the edge rate limit, made by the gateway and
    // file-ingest on the user's behalf: a client calling them could free or fake usage.
    RpcExposure{"/datamesh.quota.v1.QuotaService/Reserve", kInternal},
    RpcExposure{"/datamesh.quota.v1.QuotaService/Commit", kInternal},
    RpcExposure{"/datamesh.quota.v1.QuotaService/Release", kInternal},
    RpcExposure{"/datamesh.quota.v1.QuotaService/CheckApiCall", kInternal},
    RpcExposure{"/datamesh.quota.v1.QuotaService/CheckBandwidth", kInternal},
    RpcExposure{"/datamesh.quota.v1.QuotaService/RecordBandwidth", kInternal},

    // Governance: the acting account is always the caller (caller_binding.h).
    RpcExposure{"/datamesh.governance.v1.GovernanceService/CreateProposal", kUser},
    RpcExposure{"/datamesh.governance.v1.GovernanceService/GetProposal", kUser},
    RpcExposure{"/datamesh.governance.v1.GovernanceService/ListProposals", kUser},
    RpcExposure{"/datamesh.governance.v1.GovernanceService/CastVote", kUser},
    RpcExposure{"/datamesh.governance.v1.GovernanceService/ListOperators", kUser},
    RpcExposure{"/datamesh.governance.v1.GovernanceService/RegisterOperator", kUser},
    RpcExposure{"/datamesh.governance.v1.GovernanceService/Stake", kUser},
    RpcExposure{"/datamesh.governance.v1.GovernanceService/Unstake", kUser},
    // The caller's own account; any account for admins.
    RpcExposure{"/datamesh.governance.v1.GovernanceService/GetBalance", kUser},
    RpcExposure{"/datamesh.governance.v1.GovernanceService/ListLedgerEntries", kUser},
    RpcExposure{"/datamesh.governance.v1.GovernanceService/ExportStatement", kUser},
    RpcExposure{"/datamesh.governance.v1.GovernanceService/ListParameters", kUser},
    // A node's audits, reputation and standing: public facts of the network.
    RpcExposure{"/datamesh.governance.v1.GovernanceService/GetNodeReputation", kUser},
    RpcExposure{"/datamesh.governance.v1.GovernanceService/Transfer", kUser},
    RpcExposure{"/datamesh.governance.v1.GovernanceService/GetOperatorChallenge", kUser},
    RpcExposure{"/datamesh.governance.v1.GovernanceService/ClaimNode", kUser},
    // Moves treasury tokens, or reads the whole ledger: an operator's acts, audited.
    RpcExposure{"/datamesh.governance.v1.GovernanceService/Grant", kAdmin},
    RpcExposure{"/datamesh.governance.v1.GovernanceService/VerifyLedger", kAdmin},
    // Invoices and paystubs: the actor is the caller; the service shows only their own to
    // non-admins. Closing a billing month writes everyone's invoices: admins, audited.
    RpcExposure{"/datamesh.governance.v1.GovernanceService/ListEpochs", kUser},
    RpcExposure{"/datamesh.governance.v1.GovernanceService/ListPaystubs", kUser},
    RpcExposure{"/datamesh.governance.v1.GovernanceService/ListInvoices", kUser},
    RpcExposure{"/datamesh.governance.v1.GovernanceService/GetInvoice", kUser},
    RpcExposure{"/datamesh.governance.v1.GovernanceService/PayInvoice", kUser},
    RpcExposure{"/datamesh.governance.v1.GovernanceService/CloseBillingMonth", kAdmin},
    // dht's re-sync of node admission, service to service. Releasing a node's key binding is
    // an admin's act with no caller binding at the edge yet: not exposed.
    RpcExposure{"/datamesh.governance.v1.GovernanceService/ListAdmissions", kInternal},
    RpcExposure{"/datamesh.governance.v1.GovernanceService/ReleaseNodeKey", kInternal},
};

}  // namespace

std::span<const RpcExposure> PublicRpcTable() { return kRpcTable; }

std::optional<Exposure> ExposureOf(std::string_view method) {
  for (const RpcExposure& rpc : kRpcTable) {
    if (rpc.method == method) return rpc.exposure;
  }
  return std::nullopt;
}

}  // namespace datamesh::gateway::public_grpc
