#include "shared/erasure/erasure_codec.h"

#include <algorithm>
#include <climits>
#include <cstring>
#include <map>
#include <tuple>
#include <utility>

#include "absl/container/inlined_vector.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "shared/erasure/jerasure_codec.h"
#include "shared/status/status.h"

#ifdef DM_ERASURE_HAVE_ISAL
#include "shared/erasure/isal_codec.h"
#endif

namespace datamesh::erasure {
namespace {

// Shard pointer lists live on the stack for every realistic shape (k + m <= 32).
template <typename T>
using ShardVector = absl::InlinedVector<T, 32>;

bool IsAligned(const void* p) { return reinterpret_cast<uintptr_t>(p) % kBufferAlignment == 0; }

}  // namespace

std::string_view BackendName(Backend backend) {
  switch (backend) {
    case Backend::kJerasure: return "jerasure";
    case Backend::kIsaL: return "isal";
  }
  return "unknown";
}

absl::Status ValidateShape(int k, int m) {
  if (k < 1 || m < 0 || k > kMaxTotalShards - m) {
    return absl::InvalidArgumentError(absl::StrCat(
        "erasure code shape k=", k, " m=", m, " needs k >= 1, m >= 0, k + m <= ", kMaxTotalShards));
  }
  return absl::OkStatus();
}

ErasureCodec::ErasureCodec(int k, int m, size_t granularity)
    : k_(k), m_(m), granularity_(granularity) {}

size_t ErasureCodec::ShardSize(size_t segment_bytes) const {
  const size_t k = static_cast<size_t>(k_);
  const size_t per_shard = segment_bytes / k + (segment_bytes % k != 0 ? 1 : 0);
  return (per_shard + granularity_ - 1) / granularity_ * granularity_;
}

absl::Status ErasureCodec::CheckBuffers(std::span<const uint8_t* const> buffers, size_t shard_size,
                                        const char* what) const {
  // Empty shards are never touched, so their pointers may be anything (an empty std::string's
  // inline buffer is not aligned).
  if (shard_size == 0) return absl::OkStatus();
  for (size_t i = 0; i < buffers.size(); ++i) {
    if (buffers[i] == nullptr || !IsAligned(buffers[i])) {
      return absl::InvalidArgumentError(
          absl::StrCat(what, " shard ", i, " is null or not ", kBufferAlignment, "-byte aligned"));
    }
  }
  return absl::OkStatus();
}

absl::Status ErasureCodec::Encode(std::span<const uint8_t* const> data,
                                  std::span<uint8_t* const> parity, size_t shard_size) const {
  if (data.size() != static_cast<size_t>(k_) || parity.size() != static_cast<size_t>(m_)) {
    return absl::InvalidArgumentError(absl::StrCat("Encode wants ", k_, " data and ", m_,
                                                   " parity shards, got ", data.size(), " and ",
                                                   parity.size()));
  }
  if (shard_size % granularity_ != 0 || shard_size > static_cast<size_t>(INT_MAX)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "shard size ", shard_size, " is not a multiple of ", granularity_, " or exceeds INT_MAX"));
  }
  RETURN_IF_ERROR(CheckBuffers(data, shard_size, "data"));
  RETURN_IF_ERROR(CheckBuffers(parity, shard_size, "parity"));
  if (shard_size == 0 || m_ == 0) return absl::OkStatus();
  EncodeShards(data.data(), parity.data(), shard_size);
  return absl::OkStatus();
}

absl::StatusOr<std::vector<std::string>> ErasureCodec::EncodeSegment(
    std::string_view segment) const {
  const size_t shard_size = ShardSize(segment.size());
  if (shard_size > static_cast<size_t>(INT_MAX)) {
    return absl::InvalidArgumentError(
        absl::StrCat("segment of ", segment.size(), " bytes makes shards larger than INT_MAX"));
  }
  std::vector<std::string> shards(total_shards());
  for (int i = 0; i < k_; ++i) {
    // Copy the slice once and zero only the padding; one allocation per shard. Buffers of 16
    // bytes or more come from operator new, which aligns to 16 on our platforms.
    const size_t offset = std::min(segment.size(), static_cast<size_t>(i) * shard_size);
    std::string& shard = shards[i];
    shard.reserve(shard_size);
    shard.append(segment.substr(offset, shard_size));
    shard.resize(shard_size);
  }
  for (int i = k_; i < total_shards(); ++i) shards[i].resize(shard_size);

  ShardVector<const uint8_t*> data;
  ShardVector<uint8_t*> parity;
  for (int i = 0; i < k_; ++i) data.push_back(reinterpret_cast<const uint8_t*>(shards[i].data()));
  for (int i = k_; i < total_shards(); ++i) {
    parity.push_back(reinterpret_cast<uint8_t*>(shards[i].data()));
  }
  RETURN_IF_ERROR(Encode(data, parity, shard_size));
  return shards;
}

absl::Status ErasureCodec::Decode(std::span<uint8_t* const> shards, std::span<const bool> present,
                                  size_t shard_size) const {
  return Rebuild(shards, present, /*data_only=*/false, shard_size);
}

absl::Status ErasureCodec::Rebuild(std::span<uint8_t* const> shards, std::span<const bool> present,
                                   bool data_only, size_t shard_size) const {
  const size_t n = static_cast<size_t>(total_shards());
  if (shards.size() != n || present.size() != n) {
    return absl::InvalidArgumentError(absl::StrCat("Decode wants ", n, " shards and flags, got ",
                                                   shards.size(), " and ", present.size()));
  }
  if (shard_size % granularity_ != 0 || shard_size > static_cast<size_t>(INT_MAX)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "shard size ", shard_size, " is not a multiple of ", granularity_, " or exceeds INT_MAX"));
  }
  const std::vector<int> survivors = ShardsNeeded(present);
  if (survivors.empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat("fewer than ", k_, " of ", n, " shards present; cannot decode"));
  }
  RETURN_IF_ERROR(CheckBuffers(shards, shard_size, "decode"));
  ShardVector<int> targets;
  const int last_target = data_only ? k_ : total_shards();
  for (int i = 0; i < last_target; ++i) {
    if (!present[i]) targets.push_back(i);
  }
  if (targets.empty() || shard_size == 0) return absl::OkStatus();
  return RebuildShards(shards.data(), survivors, targets, shard_size);
}

absl::StatusOr<std::string> ErasureCodec::DecodeSegment(
    std::vector<std::optional<std::string>> shards, size_t original_size) const {
  if (shards.size() != static_cast<size_t>(total_shards())) {
    return absl::InvalidArgumentError(
        absl::StrCat("DecodeSegment wants ", total_shards(), " shards, got ", shards.size()));
  }
  const size_t shard_size = ShardSize(original_size);
  ShardVector<bool> present(shards.size());
  ShardVector<uint8_t*> pointers(shards.size());
  for (size_t i = 0; i < shards.size(); ++i) {
    std::optional<std::string>& shard = shards[i];
    present[i] = shard.has_value();
    if (!shard.has_value()) {
      // Missing parity is not rebuilt (data_only below), so it needs no real buffer.
      if (static_cast<int>(i) < k_) shard.emplace(shard_size, '\0');
    } else if (shard->size() != shard_size) {
      return absl::InvalidArgumentError(absl::StrCat("shard ", i, " has ", shard->size(),
                                                     " bytes, want ", shard_size, " for a ",
                                                     original_size, "-byte segment"));
    } else if (!IsAligned(shard->data())) {
      *shard = std::string(*shard);  // A fresh heap buffer is aligned.
    }
    pointers[i] = shard.has_value() ? reinterpret_cast<uint8_t*>(shard->data()) : nullptr;
  }
  // Unbuilt parity slots must still pass the buffer check; point them at shard 0, unused.
  for (size_t i = k_; i < shards.size(); ++i) {
    if (pointers[i] == nullptr) pointers[i] = pointers[0];
  }
  RETURN_IF_ERROR(Rebuild(pointers, present, /*data_only=*/true, shard_size));

  std::string segment;
  segment.reserve(original_size);
  for (int i = 0; i < k_ && segment.size() < original_size; ++i) {
    segment.append(*shards[i], 0, std::min(shard_size, original_size - segment.size()));
  }
  return segment;
}

std::vector<int> ErasureCodec::ShardsNeeded(std::span<const bool> available) const {
  std::vector<int> chosen;
  if (available.size() != static_cast<size_t>(total_shards())) return chosen;
  chosen.reserve(k_);
  // Data shards come first in index order, so one ascending scan prefers them.
  for (int i = 0; i < total_shards() && static_cast<int>(chosen.size()) < k_; ++i) {
    if (available[i]) chosen.push_back(i);
  }
  if (static_cast<int>(chosen.size()) < k_) chosen.clear();
  return chosen;
}

absl::StatusOr<std::unique_ptr<ErasureCodec>> MakeCodec(Backend backend, int k, int m) {
  RETURN_IF_ERROR(ValidateShape(k, m));
  switch (backend) {
    case Backend::kJerasure: {
      ASSIGN_OR_RETURN(auto codec, JerasureCodec::Create(k, m));
      return std::unique_ptr<ErasureCodec>(std::move(codec));
    }
    case Backend::kIsaL: {
#ifdef DM_ERASURE_HAVE_ISAL
      ASSIGN_OR_RETURN(auto codec, IsalCodec::Create(k, m));
      return std::unique_ptr<ErasureCodec>(std::move(codec));
#else
      return absl::UnimplementedError("this build has no ISA-L erasure backend");
#endif
    }
  }
  return absl::InvalidArgumentError("unknown erasure backend");
}

bool HasBackend(Backend backend) {
#ifdef DM_ERASURE_HAVE_ISAL
  return backend == Backend::kJerasure || backend == Backend::kIsaL;
#else
  return backend == Backend::kJerasure;
#endif
}

Backend DefaultBackend() {
  return HasBackend(Backend::kIsaL) ? Backend::kIsaL : Backend::kJerasure;
}

absl::StatusOr<Backend> ParseBackend(std::string_view name) {
  for (Backend backend : {Backend::kJerasure, Backend::kIsaL}) {
    if (name != BackendName(backend)) continue;
    if (!HasBackend(backend)) {
      return absl::UnimplementedError(
          absl::StrCat("this build has no ", std::string(name), " erasure backend"));
    }
    return backend;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unknown erasure codec \"", std::string(name), "\"; use jerasure or isal"));
}

absl::StatusOr<Backend> BackendForId(std::string_view codec_id) {
  if (codec_id == JerasureCodec::kId) return Backend::kJerasure;
  // Spelled out rather than taken from IsalCodec, so a build without ISA-L still names the
  // backend of shards ISA-L wrote (and then says it lacks it).
  if (codec_id == "isal-rs-cauchy") return Backend::kIsaL;
  return absl::NotFoundError(
      absl::StrCat("unknown erasure codec id \"", std::string(codec_id), "\""));
}

absl::StatusOr<const ErasureCodec*> SharedCodecForId(std::string_view codec_id, int k, int m) {
  ASSIGN_OR_RETURN(Backend backend, BackendForId(codec_id));
  static absl::Mutex mu(absl::kConstInit);
  // Never destroyed: readers may still hold codecs at exit. A handful of entries in practice
  // (one per codec and shape ever configured).
  static auto* codecs =
      new std::map<std::tuple<Backend, int, int>, std::unique_ptr<ErasureCodec>>();
  absl::MutexLock lock(&mu);
  auto& codec = (*codecs)[{backend, k, m}];
  if (codec == nullptr) {
    absl::StatusOr<std::unique_ptr<ErasureCodec>> made = MakeCodec(backend, k, m);
    if (!made.ok()) {
      codecs->erase({backend, k, m});
      return made.status();
    }
    codec = std::move(*made);
  }
  return codec.get();
}

}  // namespace datamesh::erasure
