#include "services/file-ingest/audit_stripe.h"

#include <cstdlib>
#include <cstring>
#include <memory>
#include <vector>

#include "absl/strings/str_cat.h"

namespace datamesh::file_ingest {
namespace {

// k + m stripe buffers in one aligned allocation, as the codec's Decode requires.
class StripeBuffers {
 public:
  StripeBuffers(int count, size_t length)
      : length_(length),
        data_(static_cast<uint8_t*>(
            std::aligned_alloc(erasure::kBufferAlignment, static_cast<size_t>(count) * length))) {
    for (int i = 0; i < count; ++i) ptrs_.push_back(data_.get() + static_cast<size_t>(i) * length);
  }
  std::span<uint8_t* const> ptrs() const { return ptrs_; }
  uint8_t* at(int i) const { return ptrs_[i]; }

 private:
  struct Free {
    void operator()(uint8_t* p) const { std::free(p); }
  };
  size_t length_;
  std::unique_ptr<uint8_t, Free> data_;
  std::vector<uint8_t*> ptrs_;
};

// Whether the stripes of `members` (ascending, more than k) are one codeword: the first k are
// decoded into the others' places and compared with what those shards answered.
absl::StatusOr<bool> Agree(const erasure::ErasureCodec& codec,
                           std::span<const std::optional<std::string>> stripes,
                           const std::vector<int>& members, size_t length) {
  const int k = codec.data_shards();
  StripeBuffers buffers(codec.total_shards(), length);
  std::vector<bool> present_bits(codec.total_shards(), false);
  for (int i = 0; i < k; ++i) {
    std::memcpy(buffers.at(members[i]), stripes[members[i]]->data(), length);
    present_bits[members[i]] = true;
  }
  std::unique_ptr<bool[]> present(new bool[codec.total_shards()]);
  for (int i = 0; i < codec.total_shards(); ++i) present[i] = present_bits[i];
  absl::Status decoded = codec.Decode(
      buffers.ptrs(), std::span<const bool>(present.get(), codec.total_shards()), length);
  if (!decoded.ok()) return decoded;
  for (size_t i = k; i < members.size(); ++i) {
    if (std::memcmp(buffers.at(members[i]), stripes[members[i]]->data(), length) != 0) {
      return false;
    }
  }
  return true;
}

}  // namespace

absl::StatusOr<StripeVerdict> CheckStripes(const erasure::ErasureCodec& codec,
                                           std::span<const std::optional<std::string>> stripes) {
  if (static_cast<int>(stripes.size()) != codec.total_shards()) {
    return absl::InvalidArgumentError(
        absl::StrCat("expected ", codec.total_shards(), " stripes, got ", stripes.size()));
  }
  std::vector<int> present;
  size_t length = 0;
  for (int i = 0; i < static_cast<int>(stripes.size()); ++i) {
    if (!stripes[i].has_value()) continue;
    if (present.empty()) length = stripes[i]->size();
    if (stripes[i]->size() != length) {
      return absl::InvalidArgumentError("stripes differ in length");
    }
    present.push_back(i);
  }
  StripeVerdict verdict;
  const size_t k = static_cast<size_t>(codec.data_shards());
  if (present.size() <= k) return verdict;  // no redundancy left to check against
  if (length == 0 || length % codec.ShardSize(1) != 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "stripe length ", length, " is not a positive multiple of ", codec.ShardSize(1)));
  }
  verdict.checked = true;
  absl::StatusOr<bool> all = Agree(codec, stripes, present, length);
  if (!all.ok()) return all.status();
  verdict.consistent = *all;
  if (verdict.consistent || present.size() - 1 <= k) return verdict;
  // Leave each one out in turn: the culprit is the only exclusion after which the rest agree.
  int found = -1;
  for (size_t skip = 0; skip < present.size(); ++skip) {
    std::vector<int> rest;
    for (size_t i = 0; i < present.size(); ++i) {
      if (i != skip) rest.push_back(present[i]);
    }
    absl::StatusOr<bool> agree = Agree(codec, stripes, rest, length);
    if (!agree.ok()) return agree.status();
    if (!*agree) continue;
    if (found >= 0) return verdict;  // two candidates: not decidable
    found = present[skip];
  }
  verdict.culprit = found;
  return verdict;
}

StripeRange ChooseStripe(const erasure::ErasureCodec& codec, uint64_t shard_size, uint64_t wanted,
                         uint64_t random) {
  const uint64_t granule = codec.ShardSize(1);
  StripeRange range;
  uint64_t length = std::min(wanted, shard_size);
  length -= length % granule;
  range.length = std::max(length, granule);
  if (shard_size <= range.length) return range;
  const uint64_t slots = (shard_size - range.length) / granule + 1;
  range.offset = (random % slots) * granule;
  return range;
}

}  // namespace datamesh::file_ingest
