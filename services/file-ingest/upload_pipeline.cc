#include "services/file-ingest/upload_pipeline.h"

#include <algorithm>
#include <map>
#include <set>

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "services/file-ingest/redundancy.h"
#include "services/file-ingest/multipart_index.h"
#include "services/file-ingest/segment_codec.h"
#include "services/file-ingest/shard_intents.h"
#include "shared/crypto/aead.h"
#include "shared/crypto/encoding.h"
#include "shared/status/status.h"

namespace datamesh::file_ingest {
namespace {

// First pause before a shard is written again to the node that just refused it; grows with
// each attempt.
constexpr absl::Duration kSameNodeRetryPause = absl::Milliseconds(250);

// UNAVAILABLE marked as "not enough storage nodes", so the client sees `message`.
absl::Status StorageNodesError(const std::string& message) {
  absl::Status status = absl::UnavailableError(message);
  status.SetPayload(kStorageNodesPayload, absl::Cord("1"));
  return status;
}

std::string MoreLosses(int n) { return n == 1 ? "1 more loss" : absl::StrCat(n, " more losses"); }

}  // namespace

// Where one segment's shards went so far. Used by the segment's own job only.
struct UploadPipeline::SegmentWrites {
  std::vector<std::string> used;  // every node a shard of the segment was sent to
  std::map<std::string, std::pair<NodeRef, uint32_t>> held;  // node id -> shards acknowledged
  std::set<std::string> refused;  // nodes a PUT of the segment failed on: maybe dead

  void Held(const NodeRef& node) {
    auto& [ref, count] = held.try_emplace(node.id, node, 0).first->second;
    ++count;
  }
  std::vector<uint32_t> Counts() const {
    std::vector<uint32_t> counts;
    for (const auto& [id, entry] : held) counts.push_back(entry.second);
    return counts;
  }
  // The node that took shards of the segment and refused none, holding the fewest: where an
  // extra shard costs the least spread.
  std::optional<NodeRef> LeastLoadedLive() const {
    const std::pair<NodeRef, uint32_t>* best = nullptr;
    for (const auto& [id, entry] : held) {
      if (refused.count(id) == 0 && (best == nullptr || entry.second < best->second)) {
        best = &entry;
      }
    }
    return best ? std::optional<NodeRef>(best->first) : std::nullopt;
  }
};

UploadPipeline::UploadPipeline(const PipelineOptions& options, const erasure::ErasureCodec& codec,
                               Placement& placement, ShardStore& shards, ContentKey key,
                               bool discard, LateShards* late,
                               std::shared_ptr<const void> shards_owner)
    : options_(options),
      tolerance_(std::max(1, options.write_tolerance)),
      codec_(codec),
      placement_(placement),
      shards_(shards),
      key_(std::move(key)),
      discard_(discard),
      compress_(!IsCompressedContentType(key_.content_type)),
      segment_charge_(options.segment_bytes +
                      codec.total_shards() *
                          codec.ShardSize(crypto::AesGcm::SealedSize(options.segment_bytes))),
      segmenter_(options.segment_bytes,
                 [this](PlainSegment plain, uint64_t index, bool final) {
                   return OnSegment(std::move(plain), index, final);
                 }),
      hasher_(std::move(crypto::Sha256Hasher::Create().value())),
      late_(late),
      shards_owner_(std::move(shards_owner)) {}

UploadPipeline::~UploadPipeline() {
  for (auto& job : in_flight_) job.wait();
}

absl::Status UploadPipeline::Write(std::string_view data) {
  hasher_.Update(data);
  received_ += data.size();
  if (discard_) return absl::OkStatus();
  // The first segment is charged once the file outgrows the inline size; later ones when the
  // previous is handed on (OnSegment). Waiting here stops this stream being read.
  if (options_.budget != nullptr && !filling_.held() && segmenter_.segments_emitted() == 0 &&
      segmenter_.pending().size() + data.size() > options_.inline_max_bytes) {
    filling_ = options_.budget->Acquire(segment_charge_);
  }
  return segmenter_.Append(data);
}

absl::StatusOr<UploadOutcome> UploadPipeline::Finish() {
  if (!discard_) {
    RETURN_IF_ERROR(segmenter_.Finish());
    filling_.Release();  // an inline file's charge, if it had one
    while (!in_flight_.empty()) RETURN_IF_ERROR(CollectOldest());
  }
  outcome_.size = received_;
  ASSIGN_OR_RETURN(crypto::Sha256Digest digest, hasher_.Finish());
  outcome_.sha256 = crypto::HexEncode(crypto::AsStringView(digest));
  return std::move(outcome_);
}

std::vector<ShardRecord> UploadPipeline::WrittenShards() {
  for (auto& job : in_flight_) job.wait();
  std::lock_guard<std::mutex> lock(written_mu_);
  return written_;
}

std::vector<LateWrite> UploadPipeline::TakeLateWrites() {
  for (auto& job : in_flight_) job.wait();
  std::lock_guard<std::mutex> lock(written_mu_);
  return std::exchange(late_writes_, {});
}

absl::Status UploadPipeline::OnSegment(PlainSegment plain, uint64_t index, bool final) {
  if (key_.first_segment_index != 0) {
    // A part: which part ends the object is known only at Complete, after its segments were
    // sealed, so none is sealed final; the manifest's segment list says where the object ends.
    RETURN_IF_ERROR(CheckPartSegment(index));
    index += key_.first_segment_index;
    final = false;
  } else if (index == 0 && final && plain.view().size() <= options_.inline_max_bytes) {
    ASSIGN_OR_RETURN(crypto::AesGcm * aead, WorkerCipher(*key_.data_key));
    SegmentPosition pos{key_.content_id, key_.nonce_prefix, 0, true};
    ASSIGN_OR_RETURN(SealedInline sealed, SealInline(*aead, pos, plain.view()));
    outcome_.inline_sealed = std::move(sealed.sealed);
    outcome_.inline_compressed = sealed.compressed;
    return absl::OkStatus();
  }
  while (static_cast<int>(in_flight_.size()) >= options_.segments_in_flight) {
    RETURN_IF_ERROR(CollectOldest());
  }
  // The segment's charge goes with its job and ends with it, or with its last late write.
  in_flight_.push_back(PoolsOf(options_).segments().Submit(
      [this, p = std::move(plain), index, final, grant = std::move(filling_)]() mutable {
        absl::StatusOr<SegmentRecord> rec = StoreSegment(std::move(p), index, final, grant);
        grant.Release();
        return rec;
      }));
  // Not final: the segmenter holds a byte of the next segment already, so charge it now.
  if (!final && options_.budget != nullptr) filling_ = options_.budget->Acquire(segment_charge_);
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

absl::StatusOr<SegmentRecord> UploadPipeline::StoreSegment(PlainSegment plain, uint64_t index,
                                                           bool final,
                                                           SegmentBudget::Grant& grant) {
  SegmentPosition pos{key_.content_id, key_.nonce_prefix, index, final};
  // CPU work on the coding pool (as many threads as cores), with that thread's cipher and
  // compression contexts; this job only waits for it.
  ASSIGN_OR_RETURN(EncodedSegment encoded,
                   PoolsOf(options_)
                       .coding()
                       .Submit([&]() -> absl::StatusOr<EncodedSegment> {
                         ASSIGN_OR_RETURN(crypto::AesGcm * aead, WorkerCipher(*key_.data_key));
                         return EncodeSegment(*aead, codec_, pos, plain.view(), compress_);
                       })
                       .get());
  plain = PlainSegment();  // the shards hold everything from here on
  // Shared with the writes, which may outlive this job (late writes).
  auto enc = std::make_shared<const EncodedSegment>(std::move(encoded));
  const int n = codec_.total_shards();
  const uint64_t shard_size = enc->block.shard_size();
  grant.ShrinkTo(static_cast<uint64_t>(n) * shard_size);  // the plaintext is gone
  // Up to k + m nodes: with fewer (a node down or full), the segment doubles up shards rather
  // than failing, as long as the layout meets the write quorum.
  ASSIGN_OR_RETURN(std::vector<NodeRef> nodes,
                   placement_.Place(enc->shard_ids[0], n, shard_size, {}, /*allow_fewer=*/true));
  RETURN_IF_ERROR(CheckNodesUp(nodes.size()));
  SegmentRecord rec{
      index, enc->plain_size, enc->stored_size, enc->compressed, shard_size, /*plain_sha256=*/"",
      {}};
  SegmentWrites writes;
  for (int i = 0; i < n; ++i) rec.shards.push_back({i, enc->shard_ids[i], nodes[i % nodes.size()]});
  for (const NodeRef& node : nodes) writes.used.push_back(node.id);
  std::shared_ptr<ShardPuts> puts = ShardPuts::Create(n, &PoolsOf(options_));
  // Each write holds the encoded segment (its bytes) and the store's owner until it ends.
  auto keep = std::make_shared<
      std::pair<std::shared_ptr<const EncodedSegment>, std::shared_ptr<const void>>>(enc,
                                                                                     shards_owner_);
  for (int i = 0; i < n; ++i) {
    puts->Start(i, shards_, rec.shards[i].node, rec.shards[i].shard_id, enc->block.shard_view(i),
                keep);
  }
  std::vector<int> running;
  std::vector<std::pair<int, absl::Status>> failed = AwaitFirstWrites(*puts, rec, writes, running);
  if (!running.empty()) {
    auto unlanded =
        LeaveOrCancel(puts, running, static_cast<uint64_t>(n) * shard_size, rec, writes, grant);
    failed.insert(failed.end(), unlanded.begin(), unlanded.end());
  }
  // Re-place failed shards one by one, so each sees where the others went. A shard no attempt
  // could write is recorded missing (no node): repair writes it as soon as a node can take
  // it, if the quorum below lets the segment through. A write that failed because its intent
  // could not be recorded says nothing about the node: the upload fails with that error.
  for (auto& [i, failure] : failed) {
    if (failure.GetPayload(kShardIntentPayload).has_value()) return failure;
    if (!PutWithRetry(enc->shard_ids[0], enc->block.shard_view(i), &rec.shards[i], shard_size,
                      writes, std::move(failure))) {
      rec.shards[i].node = {};
      rec.shards[i].state = ShardState::kMissing;
    }
  }
  RETURN_IF_ERROR(CheckWritten(writes, index));
  return rec;
}

std::vector<std::pair<int, absl::Status>> UploadPipeline::AwaitFirstWrites(
    ShardPuts& puts, const SegmentRecord& rec, SegmentWrites& writes, std::vector<int>& running) {
  const int n = static_cast<int>(rec.shards.size());
  const uint32_t k = codec_.data_shards();
  std::vector<bool> ended(n, false);
  std::vector<std::pair<int, absl::Status>> failed;
  int left = n;
  absl::Time stop_waiting = absl::InfiniteFuture();
  while (left > 0) {
    std::vector<int> now_ended = puts.WaitAny(stop_waiting);
    if (now_ended.empty()) break;  // the grace after the quorum is over
    for (int i : now_ended) {
      ended[i] = true;
      --left;
      absl::Status put = *puts.Result(i);
      if (put.ok()) {
        writes.Held(rec.shards[i].node);
        std::lock_guard<std::mutex> lock(written_mu_);
        written_.push_back(rec.shards[i]);
      } else {
        writes.refused.insert(rec.shards[i].node.id);
        failed.emplace_back(i, std::move(put));
      }
    }
    if (late_ != nullptr && stop_waiting == absl::InfiniteFuture() &&
        NodeLossesSurvived(writes.Counts(), k) >= tolerance_) {
      stop_waiting = absl::Now() + options_.late_shard_grace;
    }
  }
  for (int i = 0; i < n; ++i) {
    if (!ended[i]) running.push_back(i);
  }
  return failed;
}

std::vector<std::pair<int, absl::Status>> UploadPipeline::LeaveOrCancel(
    const std::shared_ptr<ShardPuts>& puts, const std::vector<int>& running, uint64_t block_bytes,
    SegmentRecord& rec, SegmentWrites& writes, SegmentBudget::Grant& grant) {
  std::shared_ptr<void> reservation = late_->Reserve(block_bytes);
  if (reservation != nullptr) {
    // The block stays in memory until the last late write ends: so does its segment charge.
    reservation = std::make_shared<std::pair<std::shared_ptr<void>, SegmentBudget::Grant>>(
        std::move(reservation), std::move(grant));
    std::lock_guard<std::mutex> lock(written_mu_);
    for (int i : running) {
      rec.shards[i].state = ShardState::kWriting;
      written_.push_back(rec.shards[i]);  // an upload that does not commit frees it too
      late_writes_.push_back(
          {puts, i, {key_.content_id, rec.index, i, rec.shards[i].node.id, false}, reservation});
    }
    late_->CountLeftRunning(running.size());
    return {};
  }
  // Too much is already left running: stop these and place the shards elsewhere.
  for (int i : running) puts->Cancel(i);
  std::vector<std::pair<int, absl::Status>> unlanded;
  for (int i : running) {
    absl::Status put = puts->Wait(i);
    if (put.ok()) {
      writes.Held(rec.shards[i].node);
      std::lock_guard<std::mutex> lock(written_mu_);
      written_.push_back(rec.shards[i]);
    } else {
      writes.refused.insert(rec.shards[i].node.id);
      unlanded.emplace_back(i, std::move(put));
    }
  }
  return unlanded;
}

bool UploadPipeline::PutWithRetry(const std::string& key, std::string_view shard, ShardRecord* rec,
                                  uint64_t shard_size, SegmentWrites& writes,
                                  absl::Status failure) {
  const NodeRef first = rec->node;
  absl::Status last = std::move(failure);
  for (int attempt = 1; attempt < options_.put_attempts; ++attempt) {
    std::optional<NodeRef> next;
    // A node the segment does not use keeps the spread; a dht error just means "none".
    auto fresh = placement_.Place(key, 1, shard_size, writes.used, /*allow_fewer=*/true);
    if (fresh.ok() && !fresh->empty()) {
      next = (*fresh)[0];
      writes.used.push_back(next->id);
    } else {
      // No free node (e.g. a node died and dht still lists it): doubling up on a node that
      // just took a shard beats failing the upload; the quorum check decides if it is enough.
      next = writes.LeastLoadedLive();
    }
    if (!next && (absl::IsUnavailable(last) || absl::IsDeadlineExceeded(last))) {
      // Every node of the segment refused: the failure may have been passing (a connection
      // being set up, a node restarting), and a PUT of a shard is idempotent, so the first
      // node gets another chance after a pause.
      absl::SleepFor(kSameNodeRetryPause * attempt);
      next = first;
    }
    if (!next) return false;
    rec->node = *next;
    last = shards_.Put(rec->node, rec->shard_id, shard);
    if (last.GetPayload(kShardIntentPayload).has_value()) return false;
    if (last.ok()) {
      writes.Held(rec->node);
      std::lock_guard<std::mutex> lock(written_mu_);
      written_.push_back(*rec);
      return true;
    }
    writes.refused.insert(rec->node.id);
  }
  return false;
}

absl::Status UploadPipeline::CheckNodesUp(size_t up) const {
  const uint32_t n = codec_.total_shards();
  const uint32_t k = codec_.data_shards();
  if (NodeLossesSurvived(RoundRobinCounts(n, up), k) >= tolerance_) return absl::OkStatus();
  const uint32_t needed = NodesNeededToSurvive(n, k, tolerance_);
  return StorageNodesError(
      absl::StrCat("not enough storage nodes: ", up, " up with room, ",
                   needed > 0 ? absl::StrCat(needed) : std::string("more than k + m"),
                   " needed to survive ", MoreLosses(tolerance_)));
}

absl::Status UploadPipeline::CheckWritten(const SegmentWrites& writes, uint64_t index) const {
  const uint32_t k = codec_.data_shards();
  if (NodeLossesSurvived(writes.Counts(), k) >= tolerance_) return absl::OkStatus();
  uint32_t written = 0;
  for (uint32_t count : writes.Counts()) written += count;
  return StorageNodesError(absl::StrCat("not enough storage nodes took the shards of segment ",
                                        index, ": ", written, " of ", codec_.total_shards(),
                                        " written to ", writes.held.size(), " nodes, ",
                                        NodesNeededToSurvive(codec_.total_shards(), k, tolerance_),
                                        " needed to survive ", MoreLosses(tolerance_)));
}

}  // namespace datamesh::file_ingest
