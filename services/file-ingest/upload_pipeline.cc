#include "services/file-ingest/upload_pipeline.h"

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "services/file-ingest/segment_codec.h"
#include "shared/crypto/aead.h"
#include "shared/crypto/encoding.h"
#include "shared/status/status.h"

namespace datamesh::file_ingest {
namespace {

// First pause before a shard is written again to the node that just refused it; grows with
// each attempt.
constexpr absl::Duration kSameNodeRetryPause = absl::Milliseconds(250);

}  // namespace

UploadPipeline::UploadPipeline(const PipelineOptions& options, const erasure::ErasureCodec& codec,
                               Placement& placement, ShardStore& shards, ContentKey key,
                               bool discard)
    : options_(options),
      codec_(codec),
      placement_(placement),
      shards_(shards),
      key_(std::move(key)),
      discard_(discard),
      segmenter_(options.segment_bytes,
                 [this](std::string plain, uint64_t index, bool final) {
                   return OnSegment(std::move(plain), index, final);
                 }),
      hasher_(std::move(crypto::Sha256Hasher::Create().value())) {}

UploadPipeline::~UploadPipeline() {
  for (auto& job : in_flight_) job.wait();
}

absl::Status UploadPipeline::Write(std::string_view data) {
  hasher_.Update(data);
  received_ += data.size();
  if (discard_) return absl::OkStatus();
  return segmenter_.Append(data);
}

absl::StatusOr<UploadOutcome> UploadPipeline::Finish() {
  if (!discard_) {
    RETURN_IF_ERROR(segmenter_.Finish());
    while (!in_flight_.empty()) RETURN_IF_ERROR(CollectOldest());
  }
  outcome_.size = received_;
  ASSIGN_OR_RETURN(crypto::Sha256Digest digest, hasher_.Finish());
  outcome_.sha256 = crypto::HexEncode(crypto::AsStringView(digest));
  std::vector<std::string> leaves;
  for (const SegmentRecord& s : outcome_.segments) leaves.push_back(s.plain_sha256);
  if (outcome_.inline_sealed.has_value()) leaves.push_back(outcome_.sha256);
  ASSIGN_OR_RETURN(outcome_.merkle_root, MerkleRoot(leaves));
  return std::move(outcome_);
}

std::vector<ShardRecord> UploadPipeline::WrittenShards() {
  for (auto& job : in_flight_) job.wait();
  std::lock_guard<std::mutex> lock(written_mu_);
  return written_;
}

absl::Status UploadPipeline::OnSegment(std::string plain, uint64_t index, bool final) {
  if (index == 0 && final && plain.size() <= options_.inline_max_bytes) {
    ASSIGN_OR_RETURN(crypto::AesGcm aead, crypto::AesGcm::Create(key_.data_key->view()));
    SegmentPosition pos{key_.content_id, key_.nonce_prefix, 0, true};
    ASSIGN_OR_RETURN(SealedInline sealed, SealInline(aead, pos, plain));
    outcome_.inline_sealed = std::move(sealed.sealed);
    outcome_.inline_compressed = sealed.compressed;
    return absl::OkStatus();
  }
  while (static_cast<int>(in_flight_.size()) >= options_.segments_in_flight) {
    RETURN_IF_ERROR(CollectOldest());
  }
  in_flight_.push_back(
      std::async(std::launch::async, [this, p = std::move(plain), index, final]() mutable {
        return StoreSegment(std::move(p), index, final);
      }));
  return absl::OkStatus();
}

absl::Status UploadPipeline::CollectOldest() {
  absl::StatusOr<SegmentRecord> seg = in_flight_.front().get();
  in_flight_.pop_front();
  if (!seg.ok()) return seg.status();
  outcome_.stored_bytes += seg->shard_size * seg->shards.size();
  stored_plain_ += seg->plain_size;
  outcome_.segments.push_back(std::move(*seg));
  return absl::OkStatus();
}

absl::StatusOr<SegmentRecord> UploadPipeline::StoreSegment(std::string plain, uint64_t index,
                                                           bool final) {
  ASSIGN_OR_RETURN(crypto::AesGcm aead, crypto::AesGcm::Create(key_.data_key->view()));
  SegmentPosition pos{key_.content_id, key_.nonce_prefix, index, final};
  ASSIGN_OR_RETURN(EncodedSegment enc, EncodeSegment(aead, codec_, pos, plain));
  std::string().swap(plain);  // the shards hold everything from here on
  const int n = codec_.total_shards();
  const uint64_t shard_size = enc.block.shard_size();
  ASSIGN_OR_RETURN(std::vector<NodeRef> nodes,
                   placement_.Place(enc.shard_ids[0], n, shard_size, {}));
  if (static_cast<int>(nodes.size()) != n) {
    return absl::UnavailableError("fewer storage nodes than k + m are available");
  }
  SegmentRecord rec{
      index, enc.plain_size, enc.stored_size, enc.compressed, shard_size, enc.plain_sha256, {}};
  std::vector<std::string> used;
  for (int i = 0; i < n; ++i) {
    rec.shards.push_back({i, enc.shard_ids[i], nodes[i]});
    used.push_back(nodes[i].id);
  }
  std::vector<std::future<absl::Status>> puts;
  for (int i = 0; i < n; ++i) {
    puts.push_back(std::async(std::launch::async, [&, i] {
      return shards_.Put(rec.shards[i].node, rec.shards[i].shard_id, enc.block.shard_view(i));
    }));
  }
  std::vector<std::pair<int, absl::Status>> failed;
  for (int i = 0; i < n; ++i) {
    absl::Status put = puts[i].get();
    if (put.ok()) {
      std::lock_guard<std::mutex> lock(written_mu_);
      written_.push_back(rec.shards[i]);
    } else {
      failed.emplace_back(i, std::move(put));
    }
  }
  // Re-place failed shards one by one, so no two land on the same new node.
  for (auto& [i, failure] : failed) {
    RETURN_IF_ERROR(PutWithRetry(enc.shard_ids[0], enc.block.shard_view(i), &rec.shards[i],
                                 shard_size, &used, std::move(failure)));
  }
  return rec;
}

absl::Status UploadPipeline::PutWithRetry(const std::string& key, std::string_view shard,
                                          ShardRecord* rec, uint64_t shard_size,
                                          std::vector<std::string>* used, absl::Status failure) {
  const NodeRef first = rec->node;
  absl::Status last = std::move(failure);
  for (int attempt = 1; attempt < options_.put_attempts; ++attempt) {
    auto node = placement_.Place(key, 1, shard_size, *used);
    if (node.ok() && !node->empty()) {
      rec->node = (*node)[0];
      used->push_back(rec->node.id);
    } else if (absl::IsUnavailable(last) || absl::IsDeadlineExceeded(last)) {
      // No other node (a network of exactly k + m): the failure may have been passing (a
      // connection being set up, a node restarting), and a PUT of a shard is idempotent, so
      // the first node gets another chance after a pause.
      absl::SleepFor(kSameNodeRetryPause * attempt);
      rec->node = first;
    } else {
      return absl::UnavailableError("fewer storage nodes than k + m could be written");
    }
    last = shards_.Put(rec->node, rec->shard_id, shard);
    if (last.ok()) {
      std::lock_guard<std::mutex> lock(written_mu_);
      written_.push_back(*rec);
      return absl::OkStatus();
    }
  }
  return absl::UnavailableError(
      absl::StrCat("fewer storage nodes than k + m could be written: ", last.message()));
}

}  // namespace datamesh::file_ingest
