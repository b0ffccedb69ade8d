#include "services/file-ingest/segment_codec.h"

#include <zstd.h>

#include <cstdlib>
#include <cstring>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "services/file-ingest/block_pool.h"
#include "shared/crypto/encoding.h"
#include "shared/crypto/hash.h"
#include "shared/status/status.h"

namespace datamesh::file_ingest {
namespace {

// Fast level: the pipeline is throughput-bound and most payloads are already compressed.
constexpr int kZstdLevel = 1;

void AppendBigEndian(std::string* out, uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8) out->push_back(static_cast<char>(v >> shift));
}

}  // namespace

std::string SegmentNonce(std::string_view nonce_prefix, uint64_t index) {
  std::string nonce(nonce_prefix);
  AppendBigEndian(&nonce, index);
  return nonce;
}

std::string SegmentAad(std::string_view content_id, uint64_t index, bool final) {
  std::string aad = "dm/seg/v1";
  AppendBigEndian(&aad, content_id.size());
  aad.append(content_id);
  AppendBigEndian(&aad, index);
  aad.push_back(final ? '\x01' : '\x00');
  return aad;
}

std::string WrappedKeyAad(std::string_view content_id, uint32_t key_version) {
  std::string aad = "dm/key/v1";
  AppendBigEndian(&aad, content_id.size());
  aad.append(content_id);
  AppendBigEndian(&aad, key_version);
  return aad;
}

absl::StatusOr<bool> MaybeCompress(std::string_view plain, std::string* out) {
  if (plain.size() < 64) return false;  // the frame overhead eats any gain
  std::string buf(ZSTD_compressBound(plain.size()), '\0');
  size_t n = ZSTD_compress(buf.data(), buf.size(), plain.data(), plain.size(), kZstdLevel);
  if (ZSTD_isError(n)) return absl::InternalError(ZSTD_getErrorName(n));
  if (n * 100 >= plain.size() * 95) return false;
  buf.resize(n);
  *out = std::move(buf);
  return true;
}

absl::StatusOr<std::string> Decompress(std::string_view payload, size_t plain_size) {
  std::string out(plain_size, '\0');
  size_t n = ZSTD_decompress(out.data(), out.size(), payload.data(), payload.size());
  if (ZSTD_isError(n) || n != plain_size) {
    return absl::DataLossError("segment does not decompress to its recorded size");
  }
  return out;
}

void ShardBlock::Free::operator()(uint8_t* p) const {
  BlockPool::Shared().Release(p, bytes, erasure::kBufferAlignment);
}

ShardBlock::ShardBlock(int shards, size_t shard_size) : shards_(shards), shard_size_(shard_size) {
  size_t bytes = static_cast<size_t>(shards) * shard_size;
  size_t rounded = (bytes + erasure::kBufferAlignment - 1) / erasure::kBufferAlignment *
                   erasure::kBufferAlignment;
  if (rounded == 0) rounded = erasure::kBufferAlignment;
  data_ = std::unique_ptr<uint8_t, Free>(
      BlockPool::Shared().Acquire(rounded, erasure::kBufferAlignment), Free{rounded});
}

absl::StatusOr<EncodedSegment> EncodeSegment(crypto::AesGcm& aead,
                                             const erasure::ErasureCodec& codec,
                                             const SegmentPosition& pos, std::string_view plain) {
  EncodedSegment seg;
  seg.plain_size = plain.size();
  ASSIGN_OR_RETURN(seg.plain_sha256, crypto::Sha256Hex(plain));
  std::string compressed;
  ASSIGN_OR_RETURN(seg.compressed, MaybeCompress(plain, &compressed));
  std::string_view payload = seg.compressed ? std::string_view(compressed) : plain;
  seg.stored_size = payload.size();
  const size_t sealed_size = crypto::AesGcm::SealedSize(payload.size());
  const int k = codec.data_shards();
  const size_t shard_size = codec.ShardSize(sealed_size);
  seg.block = ShardBlock(codec.total_shards(), shard_size);
  const size_t data_bytes = static_cast<size_t>(k) * shard_size;
  RETURN_IF_ERROR(aead.SealInto(SegmentNonce(pos.nonce_prefix, pos.index),
                                SegmentAad(pos.content_id, pos.index, pos.final), payload,
                                std::span<uint8_t>(seg.block.shard(0), sealed_size)));
  std::memset(seg.block.shard(0) + sealed_size, 0, data_bytes - sealed_size);
  std::vector<const uint8_t*> data(k);
  std::vector<uint8_t*> parity(codec.parity_shards());
  for (int i = 0; i < k; ++i) data[i] = seg.block.shard(i);
  for (int i = 0; i < codec.parity_shards(); ++i) parity[i] = seg.block.shard(k + i);
  RETURN_IF_ERROR(codec.Encode(data, parity, shard_size));
  seg.shard_ids.reserve(codec.total_shards());
  for (int i = 0; i < codec.total_shards(); ++i) {
    ASSIGN_OR_RETURN(std::string id, crypto::Sha256Hex(seg.block.shard_view(i)));
    seg.shard_ids.push_back(std::move(id));
  }
  return seg;
}

absl::StatusOr<SealedInline> SealInline(crypto::AesGcm& aead, const SegmentPosition& pos,
                                        std::string_view plain) {
  SealedInline out;
  std::string compressed;
  ASSIGN_OR_RETURN(out.compressed, MaybeCompress(plain, &compressed));
  std::string_view payload = out.compressed ? std::string_view(compressed) : plain;
  ASSIGN_OR_RETURN(out.sealed,
                   aead.Seal(SegmentNonce(pos.nonce_prefix, pos.index),
                             SegmentAad(pos.content_id, pos.index, pos.final), payload));
  return out;
}

absl::StatusOr<std::string> OpenPayload(crypto::AesGcm& aead, const SegmentPosition& pos,
                                        std::string_view sealed, bool compressed,
                                        uint64_t plain_size, std::string_view plain_sha256) {
  // Stored bytes shorter than the tag are damaged storage, like any other that fails to open.
  if (sealed.size() < crypto::kAesGcmTagSize) {
    return absl::DataLossError(absl::StrCat("segment ", pos.index, " is shorter than its tag"));
  }
  ASSIGN_OR_RETURN(std::string payload,
                   aead.Open(SegmentNonce(pos.nonce_prefix, pos.index),
                             SegmentAad(pos.content_id, pos.index, pos.final), sealed));
  std::string plain;
  if (compressed) {
    ASSIGN_OR_RETURN(plain, Decompress(payload, plain_size));
  } else {
    plain = std::move(payload);
  }
  if (plain.size() != plain_size) {
    return absl::DataLossError(absl::StrCat("segment ", pos.index, " has the wrong size"));
  }
  if (!plain_sha256.empty()) {
    ASSIGN_OR_RETURN(std::string hash, crypto::Sha256Hex(plain));
    if (hash != plain_sha256) {
      return absl::DataLossError(absl::StrCat("segment ", pos.index, " fails its hash"));
    }
  }
  return plain;
}

absl::StatusOr<std::string> MerkleRoot(const std::vector<std::string>& leaves_hex) {
  if (leaves_hex.empty()) return crypto::Sha256Hex("");
  std::vector<std::string> level;
  level.reserve(leaves_hex.size());
  for (const std::string& hex : leaves_hex) {
    ASSIGN_OR_RETURN(std::string raw, crypto::HexDecode(hex));
    level.push_back(std::move(raw));
  }
  while (level.size() > 1) {
    std::vector<std::string> next;
    for (size_t i = 0; i + 1 < level.size(); i += 2) {
      ASSIGN_OR_RETURN(crypto::Sha256Digest d, crypto::Sha256(level[i] + level[i + 1]));
      next.emplace_back(crypto::AsStringView(d));
    }
    if (level.size() % 2 == 1) next.push_back(std::move(level.back()));
    level = std::move(next);
  }
  return crypto::HexEncode(level[0]);
}

}  // namespace datamesh::file_ingest
