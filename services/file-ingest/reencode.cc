#include "services/file-ingest/reencode.h"

#include <cstring>
#include <set>

#include "absl/strings/str_cat.h"
#include "services/file-ingest/segment_codec.h"
#include "shared/crypto/aead.h"
#include "shared/crypto/encoding.h"
#include "shared/crypto/hash.h"
#include "shared/status/status.h"

namespace datamesh::file_ingest {
namespace {

bool ShardMatchesId(std::string_view bytes, const std::string& shard_id) {
  auto hash = crypto::Sha256(bytes);
  return hash.ok() && crypto::HexEncode(crypto::AsStringView(*hash)) == shard_id;
}

// Reads and verifies k shards of the old shape into `block`, data shards first, and rebuilds
// the data shards that were not read.
absl::Status ReadDataShards(ShardStore& shards, const erasure::ErasureCodec& codec,
                            const StoredSegment& seg, ShardBlock& block) {
  const int n = codec.total_shards();
  if (static_cast<int>(seg.shards.size()) != n) {
    return absl::FailedPreconditionError(
        absl::StrCat("segment ", seg.index, " lists ", seg.shards.size(), " shards, not ", n));
  }
  std::unique_ptr<bool[]> present(new bool[n]());
  int have = 0;
  for (const ShardRecord& s : seg.shards) {  // by index: data shards first
    if (have == codec.data_shards()) break;
    if (s.state != ShardState::kStored || s.node.id.empty()) continue;
    std::span<uint8_t> out(block.shard(s.index), seg.shard_size);
    if (!shards.GetInto(s.node, s.shard_id, out).ok()) continue;
    if (!ShardMatchesId(block.shard_view(s.index), s.shard_id)) continue;
    present[s.index] = true;
    ++have;
  }
  if (have < codec.data_shards()) {
    return absl::DataLossError(absl::StrCat("segment ", seg.index, ": only ", have, " of ",
                                            codec.data_shards(), " needed shards are readable"));
  }
  std::vector<uint8_t*> ptrs(n);
  for (int i = 0; i < n; ++i) ptrs[i] = block.shard(i);
  return codec.Decode(ptrs, std::span<const bool>(present.get(), n), seg.shard_size);
}

}  // namespace

uint64_t SealedSize(uint64_t stored_size) { return crypto::AesGcm::SealedSize(stored_size); }

absl::Duration ReencodeThrottle::After(uint64_t bytes, absl::Time now) {
  bytes_ += bytes;
  if (rate_ <= 0) return absl::ZeroDuration();
  // When the bytes done so far are due at the configured rate, measured from the start: a
  // slow stretch (a node timing out) is not made up by a burst above the rate later on
  // beyond what the average allows.
  const absl::Time due = start_ + absl::Seconds(static_cast<double>(bytes_) / rate_);
  return due > now ? due - now : absl::ZeroDuration();
}

absl::StatusOr<ReencodedSegment> SegmentReencoder::Reencode(const StoredContent& content,
                                                            const StoredSegment& seg,
                                                            const erasure::ErasureCodec& target,
                                                            std::vector<ShardRecord>* written) {
  ASSIGN_OR_RETURN(
      const erasure::ErasureCodec* old,
      erasure::SharedCodecForId(content.codec_id, content.data_shards, content.parity_shards));
  ShardBlock old_block(old->total_shards(), seg.shard_size);
  RETURN_IF_ERROR(ReadDataShards(shards_, *old, seg, old_block));
  const uint64_t sealed = SealedSize(seg.stored_size);
  if (sealed > static_cast<uint64_t>(old->data_shards()) * seg.shard_size) {
    return absl::DataLossError(absl::StrCat("segment ", seg.index, " is larger than its shards"));
  }

  // The data shards of a block are contiguous, so the sealed segment is the block's head.
  const int k = target.data_shards();
  const int n = target.total_shards();
  ReencodedSegment out;
  out.index = seg.index;
  out.shard_size = target.ShardSize(sealed);
  ShardBlock block(n, out.shard_size);
  std::memcpy(block.shard(0), old_block.shard(0), sealed);
  std::memset(block.shard(0) + sealed, 0, static_cast<size_t>(k) * out.shard_size - sealed);
  std::vector<const uint8_t*> data(k);
  std::vector<uint8_t*> parity(target.parity_shards());
  for (int i = 0; i < k; ++i) data[i] = block.shard(i);
  for (int i = 0; i < target.parity_shards(); ++i) parity[i] = block.shard(k + i);
  RETURN_IF_ERROR(target.Encode(data, parity, out.shard_size));
  std::vector<std::string> ids(n);
  for (int i = 0; i < n; ++i) {
    ASSIGN_OR_RETURN(auto hash, crypto::Sha256(block.shard_view(i)));
    ids[i] = crypto::HexEncode(crypto::AsStringView(hash));
  }

  // Every new shard on its own node: doubling up would leave the segment less durable than
  // the shape promises, so such a segment waits for nodes instead.
  ASSIGN_OR_RETURN(std::vector<NodeRef> nodes,
                   placement_.Place(ids[0], n, out.shard_size, {}, /*allow_fewer=*/false));
  std::set<std::string> distinct;
  for (const NodeRef& node : nodes) distinct.insert(node.id);
  if (static_cast<int>(nodes.size()) != n || static_cast<int>(distinct.size()) != n) {
    return absl::UnavailableError(absl::StrCat("segment ", seg.index, ": ", distinct.size(),
                                               " distinct storage nodes for ", n, " shards"));
  }
  for (int i = 0; i < n; ++i) {
    ShardRecord rec{i, ids[i], nodes[i], ShardState::kStored};
    absl::Status put = shards_.Put(rec.node, rec.shard_id, block.shard_view(i));
    if (!put.ok()) {
      return absl::UnavailableError(absl::StrCat("segment ", seg.index, " shard ", i, " on ",
                                                 rec.node.id, ": ", put.message()));
    }
    written->push_back(rec);
    out.shards.push_back(std::move(rec));
  }
  return out;
}

}  // namespace datamesh::file_ingest
