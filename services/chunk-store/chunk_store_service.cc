#include "services/chunk-store/chunk_store_service.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/time_util.h"
#include "shared/log/log.h"
#include "shared/status/grpc_status.h"
#include "shared/status/status.h"

namespace datamesh::chunk_store {
namespace {

using google::protobuf::util::TimeUtil;

constexpr int kMaxHasShards = 10000;
constexpr uint32_t kDefaultListLimit = 1000;
constexpr uint32_t kMaxListLimit = 10000;
constexpr uint32_t kDefaultScrubShards = 1000;
constexpr uint64_t kDefaultScrubBytes = uint64_t{1} << 30;

}  // namespace

ChunkServiceImpl::ChunkServiceImpl(ShardStore& store, ChunkStoreMetrics& metrics,
                                   std::string node_id, std::string zone,
                                   std::function<std::string()> address)
    : store_(store),
      metrics_(metrics),
      node_id_(std::move(node_id)),
      zone_(std::move(zone)),
      address_(std::move(address)) {}

grpc::Status ChunkServiceImpl::Answer(const absl::Status& status, const char* rpc) {
  if (status.ok()) return grpc::Status::OK;
  const absl::StatusCode code = status.code();
  if (code == absl::StatusCode::kInternal || code == absl::StatusCode::kUnavailable ||
      code == absl::StatusCode::kDataLoss || code == absl::StatusCode::kUnknown) {
    log::Error("chunk rpc failed", {{"rpc", rpc}, {"error", status.ToString()}});
  }
  return ToGrpcStatus(SanitizeForClient(status));
}

grpc::Status ChunkServiceImpl::PutShard(grpc::ServerContext* context,
                                        grpc::ServerReader<chunk::v1::PutShardRequest>* reader,
                                        chunk::v1::PutShardResponse* response) {
  absl::Status s = DoPut(reader, response);
  if (!s.ok()) metrics_.PutFailed(s.code());
  metrics_.SetUsage(store_.Usage());
  return Answer(s, "PutShard");
}

absl::Status ChunkServiceImpl::DoPut(grpc::ServerReader<chunk::v1::PutShardRequest>* reader,
                                     chunk::v1::PutShardResponse* response) {
  chunk::v1::PutShardRequest request;
  if (!reader->Read(&request) || !request.has_header()) {
    return absl::InvalidArgumentError("the first PutShard message must carry the header");
  }
  const chunk::v1::PutShardHeader header = request.header();
  ASSIGN_OR_RETURN(std::unique_ptr<ShardWriter> writer,
                   store_.BeginPut(header.shard_id(), header.size()));
  // One request object is reused for every message so its data buffer is reused too; the
  // bytes go from it to the hash and the file with no further copy.
  do {
    if (request.data().size() > kMaxPutMessageBytes) {
      return absl::InvalidArgumentError("PutShard data messages carry at most 1 MiB");
    }
    RETURN_IF_ERROR(writer->Append(request.data()));
    request.Clear();
    if (!reader->Read(&request)) break;
    if (request.has_header()) return absl::InvalidArgumentError("repeated PutShard header");
  } while (true);
  ASSIGN_OR_RETURN(PutResult result, writer->Commit());
  metrics_.PutDone(result.already_present ? 0 : result.size, result.already_present);
  response->set_shard_id(header.shard_id());
  response->set_size(result.size);
  response->set_already_present(result.already_present);
  return absl::OkStatus();
}

grpc::Status ChunkServiceImpl::GetShard(grpc::ServerContext* context,
                                        const chunk::v1::GetShardRequest* request,
                                        grpc::ServerWriter<chunk::v1::GetShardResponse>* writer) {
  absl::Status s = DoGet(context, *request, writer);
  if (!s.ok()) metrics_.GetFailed(s.code());
  return Answer(s, "GetShard");
}

absl::Status ChunkServiceImpl::DoGet(grpc::ServerContext* context,
                                     const chunk::v1::GetShardRequest& request,
                                     grpc::ServerWriter<chunk::v1::GetShardResponse>* writer) {
  ASSIGN_OR_RETURN(std::unique_ptr<ShardReader> shard, store_.OpenShard(request.shard_id()));
  const uint64_t size = shard->size();
  if (request.offset() > size) {
    return absl::OutOfRangeError(
        absl::StrCat("offset ", request.offset(), " beyond the shard's ", size, " bytes"));
  }
  uint64_t end = size;
  if (request.has_length())
    end = request.offset() + std::min(request.length(), size - request.offset());
  chunk::v1::GetShardResponse response;
  response.set_total_size(size);
  uint64_t pos = request.offset();
  do {
    const size_t n = static_cast<size_t>(std::min<uint64_t>(kGetChunkBytes, end - pos));
    std::string* data = response.mutable_data();
    data->resize(n);  // read straight into the message: no intermediate buffer
    ASSIGN_OR_RETURN(size_t got, shard->ReadAt(pos, data->data(), n));
    if (got != n) return absl::DataLossError("shard shorter on disk than its recorded size");
    if (!writer->Write(response)) return absl::CancelledError("client went away");
    metrics_.BytesRead(n);
    response.clear_total_size();
    pos += n;
  } while (pos < end && !context->IsCancelled());
  if (pos < end) return absl::CancelledError("client cancelled");
  return absl::OkStatus();
}

grpc::Status ChunkServiceImpl::HasShards(grpc::ServerContext* context,
                                         const chunk::v1::HasShardsRequest* request,
                                         chunk::v1::HasShardsResponse* response) {
  if (request->shard_ids_size() > kMaxHasShards) {
    return Answer(absl::InvalidArgumentError("at most 10,000 shard ids per call"), "HasShards");
  }
  for (const std::string& id : request->shard_ids()) {
    absl::StatusOr<bool> held = store_.Has(id);
    if (!held.ok()) return Answer(held.status(), "HasShards");
    response->add_present(*held);
  }
  return grpc::Status::OK;
}

grpc::Status ChunkServiceImpl::DeleteShard(grpc::ServerContext* context,
                                           const chunk::v1::DeleteShardRequest* request,
                                           chunk::v1::DeleteShardResponse* response) {
  absl::StatusOr<bool> deleted = store_.Delete(request->shard_id());
  if (!deleted.ok()) return Answer(deleted.status(), "DeleteShard");
  response->set_deleted(*deleted);
  metrics_.SetUsage(store_.Usage());
  return grpc::Status::OK;
}

grpc::Status ChunkServiceImpl::ListShards(grpc::ServerContext* context,
                                          const chunk::v1::ListShardsRequest* request,
                                          chunk::v1::ListShardsResponse* response) {
  uint32_t limit = request->limit() == 0 ? kDefaultListLimit : request->limit();
  limit = std::min(limit, kMaxListLimit);
  std::optional<absl::Time> before;
  if (request->has_stored_before()) {
    before = absl::FromUnixNanos(TimeUtil::TimestampToNanoseconds(request->stored_before()));
  }
  absl::StatusOr<ListPage> page = store_.List(request->cursor(), limit, before);
  if (!page.ok()) return Answer(page.status(), "ListShards");
  for (const ShardInfo& info : page->shards) {
    chunk::v1::ShardInfo* out = response->add_shards();
    out->set_shard_id(info.id);
    out->set_size(info.size);
    *out->mutable_stored_at() = TimeUtil::NanosecondsToTimestamp(absl::ToUnixNanos(info.stored_at));
  }
  if (page->next_cursor) response->set_next_cursor(*page->next_cursor);
  return grpc::Status::OK;
}

grpc::Status ChunkServiceImpl::Scrub(grpc::ServerContext* context,
                                     const chunk::v1::ScrubRequest* request,
                                     chunk::v1::ScrubResponse* response) {
  ScrubOptions options;
  options.cursor = request->cursor();
  options.max_shards = request->max_shards() == 0 ? kDefaultScrubShards : request->max_shards();
  options.max_bytes = request->max_bytes() == 0 ? kDefaultScrubBytes : request->max_bytes();
  options.delete_corrupt = request->delete_corrupt();
  absl::StatusOr<ScrubReport> report = store_.Scrub(options);
  if (!report.ok()) return Answer(report.status(), "Scrub");
  metrics_.Scrubbed(report->bytes_scanned, report->corrupt_ids.size());
  metrics_.SetUsage(store_.Usage());
  response->set_shards_scanned(report->shards_scanned);
  response->set_bytes_scanned(report->bytes_scanned);
  for (std::string& id : report->corrupt_ids) response->add_corrupt_shard_ids(std::move(id));
  if (report->next_cursor) response->set_next_cursor(*report->next_cursor);
  return grpc::Status::OK;
}

grpc::Status ChunkServiceImpl::Stats(grpc::ServerContext* context,
                                     const chunk::v1::StatsRequest* request,
                                     chunk::v1::StatsResponse* response) {
  const StoreUsage usage = store_.Usage();
  response->set_node_id(node_id_);
  response->set_address(address_());
  response->set_zone(zone_);
  response->set_capacity_bytes(usage.capacity_bytes);
  response->set_used_bytes(usage.used_bytes);
  response->set_shard_count(usage.shard_count);
  return grpc::Status::OK;
}

}  // namespace datamesh::chunk_store
