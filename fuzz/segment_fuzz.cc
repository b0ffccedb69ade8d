// Fuzz target: the stored segment format of file-ingest (services/file-ingest/segment_codec.h)
// read back the way a download reads it (services/file-ingest/download_pipeline.h), with the
// storage nodes - which may be hostile or broken - returning what the input says.
//
// Input (binary), first byte % 4 picks the case:
//   0 shards: k-1 (byte % 6), m (byte % 4), backend (byte & 1), index (byte), final (byte & 1),
//     a manifest tamper (byte % 6: none, index + 1, final flipped, plain size + 1, compressed
//     flipped, stored size - 1 or + 1 when 0), then two bytes per shard - its fate (% 4:
//     intact, unreadable, one byte changed at the position the second byte gives, cut short) -
//     then the plaintext. The segment is encoded, its shards served by their fates, and
//     SegmentReader reads it.
//   1 sealed inline file: a tamper (byte % 5: none, bit flipped at a position, truncated,
//     bytes appended, opened as another segment), two position bytes, then the plaintext.
//   2 garbage: compressed (byte & 1), plain size (2 bytes), then bytes given as a sealed
//     segment.
//   3 compression: plain size (2 bytes), then bytes given to the decompressor; the same bytes
//     are also compressed and decompressed.
//
// Invariants: a read gives back exactly the plaintext when at least k shards are intact and the
// manifest is untampered, and DATA_LOSS otherwise - never other bytes (a compressed flag flipped
// on an empty segment may still read it right); any change to a sealed segment, or opening it
// at another position, is DATA_LOSS; garbage never opens (an authenticated format); a
// decompression gives exactly the size asked for or fails; compression round-trips.
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "fuzz/fuzz_support.h"
#include "services/file-ingest/download_pipeline.h"
#include "services/file-ingest/manifest.h"
#include "services/file-ingest/segment_codec.h"
#include "shared/crypto/aead.h"
#include "shared/crypto/hash.h"
#include "shared/crypto/secret.h"
#include "shared/erasure/erasure_codec.h"

namespace {

namespace fi = datamesh::file_ingest;
namespace crypto = datamesh::crypto;
namespace erasure = datamesh::erasure;
using datamesh::fuzz::FuzzInput;

constexpr std::string_view kDataKey = "0123456789abcdef0123456789abcdef";  // 32 bytes
constexpr std::string_view kContentId = "3f2a9c1e-fuzz-content";
constexpr std::string_view kNoncePrefix = "n0n\x01";

// One codec per shape and backend, made on first use.
const erasure::ErasureCodec& Codec(erasure::Backend backend, int k, int m) {
  static std::mutex mu;
  static auto* codecs = new std::map<std::tuple<erasure::Backend, int, int>,
                                     std::unique_ptr<erasure::ErasureCodec>>();
  std::lock_guard<std::mutex> lock(mu);
  auto& slot = (*codecs)[{backend, k, m}];
  if (slot == nullptr) {
    absl::StatusOr<std::unique_ptr<erasure::ErasureCodec>> codec =
        erasure::MakeCodec(backend, k, m);
    // ISA-L is optional at build time; Jerasure is always there.
    if (!codec.ok()) codec = erasure::MakeCodec(erasure::Backend::kJerasure, k, m);
    FUZZ_CHECK(codec.ok());
    slot = *std::move(codec);
  }
  return *slot;
}

crypto::AesGcm Aead() {
  absl::StatusOr<crypto::AesGcm> aead = crypto::AesGcm::Create(kDataKey);
  FUZZ_CHECK(aead.ok());
  return *std::move(aead);
}

// Storage nodes serving fixed bytes per node id; an absent node is unreachable.
class ScriptedNodes : public fi::ShardStore {
 public:
  void Serve(const std::string& node, std::string bytes) { held_[node] = std::move(bytes); }

  absl::Status Put(const fi::NodeRef&, const std::string&, std::string_view) override {
    return absl::UnimplementedError("read-only");
  }
  absl::Status GetInto(const fi::NodeRef& node, const std::string&,
                       std::span<uint8_t> out) override {
    auto it = held_.find(node.id);
    if (it == held_.end()) return absl::UnavailableError("node unreachable");
    if (it->second.size() != out.size()) return absl::DataLossError("wrong shard size");
    std::copy(it->second.begin(), it->second.end(), out.begin());
    return absl::OkStatus();
  }
  absl::Status Delete(const fi::NodeRef&, const std::string&) override {
    return absl::UnimplementedError("read-only");
  }

 private:
  std::map<std::string, std::string> held_;  // written before the reads start
};

void ShardsCase(FuzzInput& in) {
  const int k = 1 + in.Byte() % 6;
  const int m = in.Byte() % 4;
  const auto backend = in.Bool() ? erasure::Backend::kIsaL : erasure::Backend::kJerasure;
  const uint64_t index = in.Byte();
  const bool final = in.Bool();
  const int tamper = in.Byte() % 6;
  const erasure::ErasureCodec& codec = Codec(backend, k, m);

  std::vector<int> fates(codec.total_shards());
  std::vector<uint8_t> fate_positions(codec.total_shards());
  for (int i = 0; i < codec.total_shards(); ++i) {
    fates[i] = in.Byte() % 4;
    fate_positions[i] = in.Byte();
  }
  const std::string_view plain = in.Rest();

  crypto::AesGcm aead = Aead();
  const fi::SegmentPosition pos{kContentId, kNoncePrefix, index, final};
  absl::StatusOr<fi::EncodedSegment> encoded = fi::EncodeSegment(aead, codec, pos, plain);
  FUZZ_CHECK(encoded.ok());

  fi::SegmentRecord record;
  record.index = index;
  record.plain_size = encoded->plain_size;
  record.stored_size = encoded->stored_size;
  record.compressed = encoded->compressed;
  record.shard_size = encoded->block.shard_size();
  ScriptedNodes nodes;
  int intact = 0;
  for (int i = 0; i < codec.total_shards(); ++i) {
    const std::string node = "node-" + std::to_string(i);
    record.shards.push_back({i, encoded->shard_ids[i], {node, node + ":7004"}});
    std::string bytes(encoded->block.shard_view(i));
    switch (fates[i]) {
      case 0: ++intact; break;
      case 1: continue;  // unreachable
      case 2: bytes[fate_positions[i] % bytes.size()] ^= 0x5a; break;
      case 3: bytes.pop_back(); break;
    }
    nodes.Serve(node, std::move(bytes));
  }
  switch (tamper) {
    case 1: ++record.index; break;
    case 3: ++record.plain_size; break;
    case 4: record.compressed = !record.compressed; break;
    case 5: record.stored_size = record.stored_size == 0 ? 1 : record.stored_size - 1; break;
    default: break;
  }
  const bool final_as_read = tamper == 2 ? !final : final;
  // The reader knows a segment is the last one from the manifest's segment count.
  const uint64_t segment_count = final_as_read ? record.index + 1 : record.index + 2;

  fi::ContentRecord content;
  content.id = std::string(kContentId);
  content.nonce_prefix = std::string(kNoncePrefix);
  const crypto::SecretBytes key = crypto::SecretBytes::CopyOf(kDataKey);
  const fi::SegmentReader reader(codec, nodes, content, key, segment_count);
  absl::StatusOr<std::string> read = reader.Read(record);
  if (intact >= k && tamper == 0) {
    FUZZ_CHECK(read.ok() && *read == plain);
  } else if (intact >= k && tamper == 4 && read.ok()) {
    // A wrong compressed flag can only be harmless when it changes nothing: an empty segment
    // "decompresses" to nothing. Whatever comes back must be the plaintext.
    FUZZ_CHECK(*read == plain);
  } else {
    FUZZ_CHECK(!read.ok() && read.status().code() == absl::StatusCode::kDataLoss);
  }
}

void SealedCase(FuzzInput& in) {
  const int tamper = in.Byte() % 5;
  const uint16_t where = in.U16();
  const std::string_view plain = in.Rest();
  crypto::AesGcm aead = Aead();
  const fi::SegmentPosition pos{kContentId, kNoncePrefix, 0, true};
  absl::StatusOr<fi::SealedInline> sealed = fi::SealInline(aead, pos, plain);
  FUZZ_CHECK(sealed.ok());

  fi::ContentRecord content;
  content.id = std::string(kContentId);
  content.nonce_prefix = std::string(kNoncePrefix);
  content.size = plain.size();
  absl::StatusOr<std::string> sha = crypto::Sha256Hex(plain);
  FUZZ_CHECK(sha.ok());
  content.sha256 = *sha;
  content.inline_compressed = sealed->compressed;
  std::string bytes = sealed->sealed;
  switch (tamper) {
    case 1: bytes[where % bytes.size()] ^= static_cast<char>(1 << (where >> 13)); break;
    case 2: bytes.resize(where % bytes.size()); break;
    case 3: bytes.append(1 + where % 16, static_cast<char>(where)); break;
    default: break;
  }
  content.inline_data = bytes;
  const crypto::SecretBytes key = crypto::SecretBytes::CopyOf(kDataKey);
  if (tamper != 4) {
    absl::StatusOr<std::string> opened = fi::OpenInline(content, key);
    if (tamper == 0) {
      FUZZ_CHECK(opened.ok() && *opened == plain);
    } else {
      FUZZ_CHECK(!opened.ok() && opened.status().code() == absl::StatusCode::kDataLoss);
    }
    return;
  }
  // The same bytes presented as any other segment: another index, not final, another file.
  const fi::SegmentPosition others[] = {
      {kContentId, kNoncePrefix, 1 + uint64_t{where}, true},
      {kContentId, kNoncePrefix, 0, false},
      {"another-content", kNoncePrefix, 0, true},
  };
  for (const fi::SegmentPosition& other : others) {
    absl::StatusOr<std::string> opened =
        fi::OpenPayload(aead, other, bytes, sealed->compressed, plain.size(), *sha);
    FUZZ_CHECK(!opened.ok() && opened.status().code() == absl::StatusCode::kDataLoss);
  }
}

void GarbageCase(FuzzInput& in) {
  const bool compressed = in.Bool();
  const uint16_t plain_size = in.U16();
  const std::string_view sealed = in.Rest();
  crypto::AesGcm aead = Aead();
  const fi::SegmentPosition pos{kContentId, kNoncePrefix, 0, true};
  absl::StatusOr<std::string> opened =
      fi::OpenPayload(aead, pos, sealed, compressed, plain_size, /*plain_sha256=*/"");
  FUZZ_CHECK(!opened.ok());
}

void CompressionCase(FuzzInput& in) {
  const uint16_t plain_size = in.U16();
  const std::string_view bytes = in.Rest();
  absl::StatusOr<std::string> plain = fi::Decompress(bytes, plain_size);
  if (plain.ok()) {
    FUZZ_CHECK(plain->size() == plain_size);
  } else {
    FUZZ_CHECK(plain.status().code() == absl::StatusCode::kDataLoss);
  }
  std::string compressed;
  absl::StatusOr<bool> did = fi::MaybeCompress(bytes, &compressed);
  FUZZ_CHECK(did.ok());
  if (*did) {
    FUZZ_CHECK(compressed.size() < bytes.size());
    absl::StatusOr<std::string> back = fi::Decompress(compressed, bytes.size());
    FUZZ_CHECK(back.ok() && *back == bytes);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzInput in(data, size);
  switch (in.Byte() % 4) {
    case 0: ShardsCase(in); break;
    case 1: SealedCase(in); break;
    case 2: GarbageCase(in); break;
    case 3: CompressionCase(in); break;
  }
  return 0;
}
