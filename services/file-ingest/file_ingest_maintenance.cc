// FileServiceImpl: RunMaintenance and GetMaintenanceJob (the work is in maintenance.h).
#include <grpcpp/grpcpp.h>

#include "services/file-ingest/file_ingest_service.h"
#include "services/file-ingest/rpc_util.h"
#include "services/file-ingest/validation.h"
#include "shared/status/grpc_status.h"

namespace datamesh::file_ingest {
grpc::Status FileServiceImpl::RunMaintenance(grpc::ServerContext*,
                                             const file::v1::RunMaintenanceRequest* req,
                                             file::v1::RunMaintenanceResponse* resp) {
  if (deps_.maintenance == nullptr) {
    return Reply(absl::UnimplementedError("maintenance is not enabled"));
  }
  if (!IsMaintenanceAction(req->action())) {
    return Reply(absl::InvalidArgumentError("action must be repair, scrub, gc or reencode"));
  }
  auto id = deps_.maintenance->Start(req->action(), req->actor_id());
  if (!id.ok()) return Reply(id.status());
  resp->set_job_id(*id);
  return grpc::Status::OK;
}

grpc::Status FileServiceImpl::GetMaintenanceJob(grpc::ServerContext*,
                                                const file::v1::GetMaintenanceJobRequest* req,
                                                file::v1::GetMaintenanceJobResponse* resp) {
  if (deps_.maintenance == nullptr) {
    return Reply(absl::UnimplementedError("maintenance is not enabled"));
  }
  if (auto s = ValidateId("job_id", req->job_id()); !s.ok()) return Reply(s);
  auto job = deps_.maintenance->Get(req->job_id());
  if (!job.ok()) return Reply(job.status());
  resp->set_job_id(job->id);
  resp->set_action(job->action);
  resp->set_state(job->state);
  if (job->started_at) SetTime(*job->started_at, resp->mutable_started_at());
  if (job->finished_at) SetTime(*job->finished_at, resp->mutable_finished_at());
  resp->set_examined(job->examined);
  resp->set_fixed(job->fixed);
  resp->set_message(job->message);
  return grpc::Status::OK;
}

}  // namespace datamesh::file_ingest
