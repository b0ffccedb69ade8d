#include "services/file-ingest/download_pipeline.h"

#include <deque>
#include <future>
#include <memory>
#include <optional>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "services/file-ingest/byte_range.h"
#include "services/file-ingest/multipart_index.h"
#include "services/file-ingest/segment_codec.h"
#include "shared/crypto/aead.h"
#include "shared/crypto/encoding.h"
#include "shared/crypto/hash.h"
#include "shared/status/status.h"

namespace datamesh::file_ingest {
namespace {

// Reads shard `rec` into its place in `block`, checking its hash when `verify`; false when
// unusable.
bool Fetch(ShardStore& store, const ShardRecord& rec, ShardBlock& block, CallCancel& cancel,
           bool verify) {
  std::span<uint8_t> out(block.shard(rec.index), block.shard_size());
  if (!store.GetInto(rec.node, rec.shard_id, out, cancel).ok()) return false;
  if (!verify) return true;
  auto hash = crypto::Sha256(block.shard_view(rec.index));
  return hash.ok() && crypto::HexEncode(crypto::AsStringView(*hash)) == rec.shard_id;
}

absl::Status CheckSegmentList(const ContentRecord& content,
                              const std::vector<SegmentRecord>& segments) {
  uint64_t total = 0;
  for (size_t i = 0; i < segments.size(); ++i) {
    // A plain upload's segments are 0, 1, ...; a multipart content's are sparse but ascending
    // (multipart_index.h).
    const uint64_t index = segments[i].index;
    const bool in_place =
        IsPartSegment(index) ? i == 0 || index > segments[i - 1].index : index == i;
    if (!in_place) {
      return absl::DataLossError(
          absl::StrCat("segment list broken: position ", i, " holds segment ", segments[i].index));
    }
    total += segments[i].plain_size;
  }
  if (total != content.size) {
    return absl::DataLossError(
        absl::StrCat("segments hold ", total, " bytes, the file ", content.size));
  }
  return absl::OkStatus();
}

}  // namespace

uint64_t SegmentReader::MemoryFor(const SegmentRecord& seg) const {
  return static_cast<uint64_t>(codec_.total_shards()) * seg.shard_size +
         (seg.compressed ? seg.plain_size : 0);
}

absl::StatusOr<std::string> SegmentReader::Read(const SegmentRecord& seg) const {
  ASSIGN_OR_RETURN(PlainSegment plain, ReadPooled(seg));
  return std::string(plain.view());
}

// Shards are first read without hashing them: the GCM tag over the sealed segment already
// proves every byte the decode produced from them (a corrupt data shard, or a corrupt parity
// shard a lost one was rebuilt from, fails the tag). Only a segment that fails to open is read
// again with each shard checked against its id (its SHA-256), so the bad one is found and
// parity read in its place. A healthy download thus hashes nothing, and a corrupt shard costs
// one more read of its segment.
absl::StatusOr<PlainSegment> SegmentReader::ReadPooled(const SegmentRecord& seg) const {
  bool open_failed = false;
  absl::StatusOr<PlainSegment> plain = ReadOnce(seg, /*verify_shards=*/false, &open_failed);
  if (plain.ok() || !open_failed) return plain;
  return ReadOnce(seg, /*verify_shards=*/true, &open_failed);
}

absl::StatusOr<PlainSegment> SegmentReader::ReadOnce(const SegmentRecord& seg, bool verify_shards,
                                                     bool* open_failed) const {
  const int n = codec_.total_shards();
  ShardBlock block(n, seg.shard_size);
  std::vector<const ShardRecord*> by_index(n, nullptr);
  for (const ShardRecord& s : seg.shards) {
    if (s.index >= 0 && s.index < n) by_index[s.index] = &s;
  }
  std::vector<bool> present(n, false);
  std::vector<bool> usable(n, false);
  // A missing shard was never written; one still being written may not have landed yet, but
  // trying it costs one failed read at most.
  for (int i = 0; i < n; ++i) {
    usable[i] = by_index[i] != nullptr && by_index[i]->state != ShardState::kMissing;
  }
  while (true) {
    std::unique_ptr<bool[]> avail(new bool[n]);
    for (int i = 0; i < n; ++i) avail[i] = usable[i];
    std::vector<int> need = codec_.ShardsNeeded(std::span<const bool>(avail.get(), n));
    if (need.empty()) {
      return absl::DataLossError(
          absl::StrCat("segment ", seg.index, " has fewer than k readable shards"));
    }
    std::vector<std::pair<int, std::future<bool>>> fetches;
    std::vector<std::unique_ptr<CallCancel>> cancels;
    for (int i : need) {
      if (present[i]) continue;
      cancels.push_back(std::make_unique<CallCancel>());
      fetches.emplace_back(
          i, pools_.shard_io().Submit(
                 [this, rec = by_index[i], &block, cancel = cancels.back().get(), verify_shards] {
                   return Fetch(shards_, *rec, block, *cancel, verify_shards);
                 }));
    }
    if (fetches.empty()) break;
    // Reads still running after the grace are cancelled -- but only when the shards already
    // read plus those not tried yet still make k without them: a slow read is never given up
    // while the segment may need it (two nodes down and a third slow waits for the third, and
    // so does a busy machine where every read is slow). Every read has ended (nothing writes
    // into the block any more) before the next round or the decode.
    std::vector<std::optional<bool>> ended(fetches.size());
    if (read_grace_ != absl::InfiniteDuration()) {
      const absl::Time give_up = absl::Now() + read_grace_;
      for (size_t f = 0; f < fetches.size(); ++f) {
        if (fetches[f].second.wait_until(absl::ToChronoTime(give_up)) ==
            std::future_status::ready) {
          ended[f] = fetches[f].second.get();
        }
      }
      std::vector<bool> in_round(n, false);
      for (const auto& [i, f] : fetches) in_round[i] = true;
      int without_slow = 0;  // read already, or still to try
      for (int i = 0; i < n; ++i) {
        without_slow += present[i] || (usable[i] && !in_round[i]) ? 1 : 0;
      }
      for (const std::optional<bool>& e : ended) without_slow += e.value_or(false) ? 1 : 0;
      if (without_slow >= codec_.data_shards()) {
        for (size_t f = 0; f < fetches.size(); ++f) {
          if (!ended[f].has_value()) cancels[f]->Cancel();
        }
      }
    }
    for (size_t f = 0; f < fetches.size(); ++f) {
      const bool ok = ended[f].has_value() ? *ended[f] : fetches[f].second.get();
      const int i = fetches[f].first;
      if (ok) {
        present[i] = true;
      } else {
        usable[i] = false;
      }
    }
  }
  const int k = codec_.data_shards();
  bool all_data = true;
  for (int i = 0; i < k; ++i) all_data = all_data && present[i];
  if (!all_data) {
    std::vector<uint8_t*> ptrs(n);
    std::unique_ptr<bool[]> have(new bool[n]);
    for (int i = 0; i < n; ++i) {
      ptrs[i] = block.shard(i);
      have[i] = present[i];
    }
    RETURN_IF_ERROR(codec_.Decode(ptrs, std::span<const bool>(have.get(), n), seg.shard_size));
  }
  const size_t sealed = crypto::AesGcm::SealedSize(seg.stored_size);
  if (sealed > static_cast<size_t>(k) * seg.shard_size) {
    return absl::DataLossError("segment record does not fit its shards");
  }
  ASSIGN_OR_RETURN(crypto::AesGcm * aead, WorkerCipher(data_key_));
  SegmentPosition pos{content_.id, content_.nonce_prefix, seg.index,
                      SealedFinal(seg.index, segment_count_)};
  // Opened in place: the plaintext stays in the (pooled) block until the caller is done. The
  // segment's plaintext hash is not checked: the tag, whose AAD binds the content, index and
  // final flag, already proves these are the bytes sealed there, and decompression is checked
  // against the recorded size.
  absl::StatusOr<PlainSegment> plain = OpenPayloadInBlock(
      *aead, pos, std::move(block), sealed, seg.compressed, seg.plain_size, /*plain_sha256=*/"");
  *open_failed = absl::IsDataLoss(plain.status());
  return plain;
}

absl::Status StreamRange(const SegmentReader& reader, const ContentRecord& content,
                         const std::vector<SegmentRecord>& segments, uint64_t offset,
                         uint64_t length, int prefetch_segments, size_t max_chunk,
                         const ChunkSink& sink) {
  std::vector<uint64_t> sizes;
  for (const SegmentRecord& s : segments) sizes.push_back(s.plain_size);
  // The segment list itself: every index once and in order, sizes adding up to the file. With
  // each segment's AAD binding its index and whether it is the last of this list, a segment
  // dropped, repeated or moved fails here or to open, so the file's SHA-256 need not be
  // recomputed over every byte sent.
  RETURN_IF_ERROR(CheckSegmentList(content, segments));
  const std::vector<SegmentSlice> slices = SlicesForRange(sizes, offset, length);
  // A read and the budget its segment holds until sent.
  struct Ahead {
    std::future<absl::StatusOr<PlainSegment>> read;
    SegmentBudget::Grant grant;
  };
  std::deque<Ahead> ahead;
  // Reads still queued or running use `reader` and `segments`: on every way out (an error, a
  // client gone) they are waited for, since a pool's future does not wait when destroyed.
  struct WaitForReads {
    std::deque<Ahead>& reads;
    ~WaitForReads() {
      for (Ahead& r : reads) {
        if (r.read.valid()) r.read.wait();
      }
    }
  } wait_for_reads{ahead};
  SegmentBudget* const budget = reader.budget();
  size_t launched = 0;
  for (size_t i = 0; i < slices.size(); ++i) {
    while (launched < slices.size() && launched <= i + prefetch_segments) {
      const SegmentRecord& seg = segments[slices[launched].index];
      SegmentBudget::Grant grant;
      if (budget != nullptr) {
        // Holding nothing, this download may wait for memory; holding segments already, it
        // reads further ahead only when there is room now (so it never waits while holding).
        grant = ahead.empty() ? budget->Acquire(reader.MemoryFor(seg))
                              : budget->TryAcquire(reader.MemoryFor(seg));
        if (!grant.held()) break;
      }
      ++launched;
      ahead.push_back(
          {reader.pools().segments().Submit([&reader, &seg] { return reader.ReadPooled(seg); }),
           std::move(grant)});
    }
    absl::StatusOr<PlainSegment> plain = ahead.front().read.get();
    const SegmentBudget::Grant sending = std::move(ahead.front().grant);  // until sent
    ahead.pop_front();
    if (!plain.ok()) return plain.status();
    std::string_view part = plain->view();
    part = part.substr(slices[i].begin, slices[i].end - slices[i].begin);
    while (!part.empty()) {
      size_t n = std::min(part.size(), max_chunk);
      RETURN_IF_ERROR(sink(part.substr(0, n)));
      part.remove_prefix(n);
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<const erasure::ErasureCodec*> CodecForContent(const ContentRecord& content) {
  absl::StatusOr<const erasure::ErasureCodec*> codec =
      erasure::SharedCodecForId(content.codec_id, static_cast<int>(content.data_shards),
                                static_cast<int>(content.parity_shards));
  if (!codec.ok()) {
    // The manifest names a codec this process cannot run: a deployment problem, not bad input.
    return absl::InternalError(
        absl::StrCat("content ", content.id, " was written with erasure codec \"", content.codec_id,
                     "\" (k=", content.data_shards, ", m=", content.parity_shards,
                     "), which cannot be read here: ", codec.status().message()));
  }
  return codec;
}

absl::StatusOr<std::string> OpenInline(const ContentRecord& content,
                                       const crypto::SecretBytes& data_key) {
  if (!content.inline_data.has_value()) return absl::InternalError("content is not inline");
  ASSIGN_OR_RETURN(crypto::AesGcm * aead, WorkerCipher(data_key));
  SegmentPosition pos{content.id, content.nonce_prefix, 0, true};
  return OpenPayload(*aead, pos, *content.inline_data, content.inline_compressed, content.size,
                     content.sha256);
}

}  // namespace datamesh::file_ingest
