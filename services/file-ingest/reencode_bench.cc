// Re-encode throughput: 64 segments of 4 MiB stored as RS 4+2 on in-process shard stores are
// moved to 3+3 by SegmentReencoder (read k shards, verify their ids, decode, encode anew,
// hash, place, write), once unthrottled -- what the job's CPU allows -- and once held by
// ReencodeThrottle at the default --reencode-bytes-per-second (32 MiB/s), the job's pacing.
// Prints MiB/s of sealed segment bytes. In `make bench`; figures in docs/PERFORMANCE.md.
#include <cstdio>
#include <memory>
#include <vector>

#include "absl/time/clock.h"
#include "services/file-ingest/fake_backends.h"
#include "services/file-ingest/reencode.h"
#include "services/file-ingest/segment_codec.h"
#include "shared/crypto/aead.h"
#include "shared/crypto/random.h"

namespace datamesh::file_ingest {
namespace {

constexpr int kSegments = 64;
constexpr size_t kSegmentBytes = 4 << 20;
constexpr int64_t kDefaultThrottle = 32 << 20;

struct Fixture {
  std::unique_ptr<erasure::ErasureCodec> old_codec;
  const erasure::ErasureCodec* target = nullptr;
  FakeShardStore shards;
  StoredContent content;
};

bool Build(Fixture& f) {
  auto old = erasure::MakeCodec(erasure::DefaultBackend(), 4, 2);
  if (!old.ok()) return false;
  f.old_codec = std::move(*old);
  auto target = erasure::SharedCodecForId(f.old_codec->id(), 3, 3);
  auto key = crypto::RandomBytes(32);
  auto plain = crypto::RandomBytes(kSegmentBytes);
  if (!target.ok() || !key.ok() || !plain.ok()) return false;
  f.target = *target;
  auto aead = crypto::AesGcm::Create(*key);
  if (!aead.ok()) return false;
  f.content = {"bench", std::string(f.old_codec->id()), 4, 2, {}};
  for (int s = 0; s < kSegments; ++s) {
    auto seg = EncodeSegment(*aead, *f.old_codec,
                             {"bench", "pref", static_cast<uint64_t>(s), s == kSegments - 1},
                             *plain, false);
    if (!seg.ok()) return false;
    StoredSegment stored{static_cast<uint64_t>(s), seg->stored_size, seg->block.shard_size(), {}};
    for (int i = 0; i < 6; ++i) {
      NodeRef node{"node-" + std::to_string(i), "addr"};
      if (!f.shards.Put(node, seg->shard_ids[i], seg->block.shard_view(i)).ok()) return false;
      stored.shards.push_back({i, seg->shard_ids[i], node, ShardState::kStored});
    }
    f.content.segments.push_back(std::move(stored));
  }
  return true;
}

// MiB/s of sealed bytes moved; -1 on an error.
double Run(Fixture& f, int64_t throttle_bytes_per_second) {
  FakePlacement placement(7);
  SegmentReencoder reencoder(placement, f.shards);
  ReencodeThrottle throttle(throttle_bytes_per_second);
  const absl::Time start = absl::Now();
  throttle.Start(start);
  uint64_t bytes = 0;
  for (const StoredSegment& seg : f.content.segments) {
    std::vector<ShardRecord> written;
    if (!reencoder.Reencode(f.content, seg, *f.target, &written).ok()) return -1;
    bytes += SealedSize(seg.stored_size);
    absl::SleepFor(throttle.After(SealedSize(seg.stored_size), absl::Now()));
  }
  return static_cast<double>(bytes) / (1 << 20) / absl::ToDoubleSeconds(absl::Now() - start);
}

}  // namespace
}  // namespace datamesh::file_ingest

int main() {
  using namespace datamesh::file_ingest;
  Fixture f;
  if (!Build(f)) {
    std::fprintf(stderr, "could not build the fixture\n");
    return 1;
  }
  const double free_rate = Run(f, 0);
  const double paced = Run(f, kDefaultThrottle);
  if (free_rate < 0 || paced < 0) {
    std::fprintf(stderr, "re-encoding failed\n");
    return 1;
  }
  std::printf("| %-48s | %7.1f MiB/s |\n", "re-encode 4+2 -> 3+3, unthrottled (one thread)",
              free_rate);
  std::printf("| %-48s | %7.1f MiB/s |\n", "re-encode at the default throttle (32 MiB/s)", paced);
  return 0;
}
