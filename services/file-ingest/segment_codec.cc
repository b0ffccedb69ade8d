#include "services/file-ingest/segment_codec.h"

#include <zstd.h>

#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "services/file-ingest/block_pool.h"
#include "shared/crypto/encoding.h"
#include "shared/crypto/hash.h"
#include "shared/status/status.h"

namespace datamesh::file_ingest {
namespace {

// Fast level: the pipeline is throughput-bound and most payloads are already compressed.
constexpr int kZstdLevel = 1;

// A whole segment is compressed only if its sample shrinks below this share (percent).
constexpr size_t kSampleKeepPercent = 90;
// And the result is kept only below this share of the plaintext.
constexpr size_t kKeepPercent = 95;

void AppendBigEndian(std::string* out, uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8) out->push_back(static_cast<char>(v >> shift));
}

// One thread's zstd contexts and compression output buffer, freed when the thread ends.
struct ZstdScratch {
  ZSTD_CCtx* cctx = ZSTD_createCCtx();
  ZSTD_DCtx* dctx = ZSTD_createDCtx();
  std::unique_ptr<char[]> out;  // not zero-filled: zstd writes what it returns
  size_t capacity = 0;

  ~ZstdScratch() {
    ZSTD_freeCCtx(cctx);
    ZSTD_freeDCtx(dctx);
  }
  char* Reserve(size_t bytes) {
    if (capacity < bytes) {
      out.reset(new char[bytes]);
      capacity = bytes;
    }
    return out.get();
  }
};

ZstdScratch& ThreadZstd() {
  thread_local ZstdScratch scratch;
  return scratch;
}

// Compresses `plain` into the thread's buffer when it pays (see MaybeCompress); the view
// stays valid until the thread compresses again. Empty when not worth it.
absl::StatusOr<std::string_view> CompressIntoScratch(std::string_view plain) {
  if (plain.size() < 64) return std::string_view();  // the frame overhead eats any gain
  ZstdScratch& z = ThreadZstd();
  if (z.cctx == nullptr) return absl::ResourceExhaustedError("zstd context allocation failed");
  char* buf = z.Reserve(ZSTD_compressBound(plain.size()));
  if (plain.size() > 2 * kCompressionSampleBytes) {
    size_t n = ZSTD_compressCCtx(z.cctx, buf, z.capacity, plain.data(), kCompressionSampleBytes,
                                 kZstdLevel);
    if (ZSTD_isError(n)) return absl::InternalError(ZSTD_getErrorName(n));
    if (n * 100 >= kCompressionSampleBytes * kSampleKeepPercent) return std::string_view();
  }
  size_t n = ZSTD_compressCCtx(z.cctx, buf, z.capacity, plain.data(), plain.size(), kZstdLevel);
  if (ZSTD_isError(n)) return absl::InternalError(ZSTD_getErrorName(n));
  if (n * 100 >= plain.size() * kKeepPercent) return std::string_view();
  return std::string_view(buf, n);
}

}  // namespace

absl::StatusOr<crypto::AesGcm*> WorkerCipher(const crypto::SecretBytes& key) {
  thread_local std::optional<crypto::AesGcm> cipher;
  if (!cipher.has_value()) {
    ASSIGN_OR_RETURN(crypto::AesGcm created, crypto::AesGcm::Create(key.view()));
    cipher.emplace(std::move(created));
  } else {
    RETURN_IF_ERROR(cipher->Rekey(key.view()));
  }
  return &*cipher;
}

bool IsCompressedContentType(std::string_view content_type) {
  // The media type without parameters ("; charset=..."), trimmed and lower-cased.
  std::string_view media = content_type.substr(0, content_type.find(';'));
  while (!media.empty() && absl::ascii_isspace(static_cast<unsigned char>(media.front()))) {
    media.remove_prefix(1);
  }
  while (!media.empty() && absl::ascii_isspace(static_cast<unsigned char>(media.back()))) {
    media.remove_suffix(1);
  }
  std::string type(media);
  for (char& c : type) c = absl::ascii_tolower(static_cast<unsigned char>(c));
  if (type.rfind("video/", 0) == 0 || type.rfind("audio/", 0) == 0) return true;
  static constexpr std::string_view kCompressed[] = {
      "image/jpeg",
      "image/png",
      "image/gif",
      "image/webp",
      "image/avif",
      "image/heic",
      "application/zip",
      "application/gzip",
      "application/x-gzip",
      "application/zstd",
      "application/x-7z-compressed",
      "application/x-xz",
      "application/x-bzip2",
      "application/x-rar-compressed",
      "application/vnd.rar",
      "application/pdf",
      "application/epub+zip",
      "application/java-archive",
      "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
      "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
      "application/vnd.openxmlformats-officedocument.presentationml.presentation"};
  for (std::string_view t : kCompressed) {
    if (type == t) return true;
  }
  return false;
}

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
  ASSIGN_OR_RETURN(std::string_view compressed, CompressIntoScratch(plain));
  if (compressed.empty()) return false;
  out->assign(compressed);
  return true;
}

absl::StatusOr<std::string> Decompress(std::string_view payload, size_t plain_size) {
  ZSTD_DCtx* dctx = ThreadZstd().dctx;
  if (dctx == nullptr) return absl::ResourceExhaustedError("zstd context allocation failed");
  std::string out(plain_size, '\0');
  size_t n = ZSTD_decompressDCtx(dctx, out.data(), out.size(), payload.data(), payload.size());
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
                                             const SegmentPosition& pos, std::string_view plain,
                                             bool try_compress) {
  EncodedSegment seg;
  seg.plain_size = plain.size();
  // The compressed bytes stay in this thread's buffer, which nothing else touches before they
  // are sealed below.
  std::string_view compressed;
  if (try_compress) {
    ASSIGN_OR_RETURN(compressed, CompressIntoScratch(plain));
  }
  seg.compressed = !compressed.empty();
  std::string_view payload = seg.compressed ? compressed : plain;
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

absl::StatusOr<PlainSegment> OpenPayloadInBlock(crypto::AesGcm& aead, const SegmentPosition& pos,
                                                ShardBlock block, size_t sealed_size,
                                                bool compressed, uint64_t plain_size,
                                                std::string_view plain_sha256) {
  if (sealed_size < crypto::kAesGcmTagSize) {
    return absl::DataLossError(absl::StrCat("segment ", pos.index, " is shorter than its tag"));
  }
  const size_t payload_size = sealed_size - crypto::kAesGcmTagSize;
  RETURN_IF_ERROR(aead.OpenInto(
      SegmentNonce(pos.nonce_prefix, pos.index), SegmentAad(pos.content_id, pos.index, pos.final),
      std::string_view(reinterpret_cast<const char*>(block.shard(0)), sealed_size),
      std::span<uint8_t>(block.shard(0), payload_size)));
  const std::string_view payload(reinterpret_cast<const char*>(block.shard(0)), payload_size);
  PlainSegment plain;
  if (compressed) {
    ZSTD_DCtx* dctx = ThreadZstd().dctx;
    if (dctx == nullptr) return absl::ResourceExhaustedError("zstd context allocation failed");
    ShardBlock out(1, plain_size);
    size_t n = ZSTD_decompressDCtx(dctx, out.shard(0), plain_size, payload.data(), payload.size());
    if (ZSTD_isError(n) || n != plain_size) {
      return absl::DataLossError("segment does not decompress to its recorded size");
    }
    const std::string_view view = out.shard_view(0);
    plain = PlainSegment(std::move(out), view);
  } else {
    if (payload.size() != plain_size) {
      return absl::DataLossError(absl::StrCat("segment ", pos.index, " has the wrong size"));
    }
    plain = PlainSegment(std::move(block), payload);
  }
  if (!plain_sha256.empty()) {
    ASSIGN_OR_RETURN(std::string hash, crypto::Sha256Hex(plain.view()));
    if (hash != plain_sha256) {
      return absl::DataLossError(absl::StrCat("segment ", pos.index, " fails its hash"));
    }
  }
  return plain;
}

}  // namespace datamesh::file_ingest
