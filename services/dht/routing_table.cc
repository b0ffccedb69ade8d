#include "services/dht/routing_table.h"

#include <algorithm>

namespace datamesh::dht {
namespace {

bool Erase(std::vector<NodeId>& ids, const NodeId& id) {
  auto it = std::find(ids.begin(), ids.end(), id);
  if (it == ids.end()) return false;
  ids.erase(it);
  return true;
}

}  // namespace

RoutingTable::RoutingTable(const NodeId& local_id, size_t bucket_size)
    : local_id_(local_id), bucket_size_(bucket_size) {}

RoutingTable::InsertResult RoutingTable::Insert(const NodeId& id) {
  const int index = BucketIndex(id);
  if (index < 0) {
    if (has_local_) return InsertResult::kRefreshed;
    has_local_ = true;
    ++size_;
    return InsertResult::kAdded;
  }
  KBucket& bucket = buckets_[index];
  if (Erase(bucket.entries, id)) {
    bucket.entries.push_back(id);  // most recently seen goes last
    return InsertResult::kRefreshed;
  }
  if (bucket_size_ == 0 || bucket.entries.size() < bucket_size_) {
    bucket.entries.push_back(id);
    ++size_;
    return InsertResult::kAdded;
  }
  Erase(bucket.replacements, id);
  bucket.replacements.push_back(id);
  if (bucket.replacements.size() > bucket_size_)
    bucket.replacements.erase(bucket.replacements.begin());
  return InsertResult::kCachedAsReplacement;
}

bool RoutingTable::Remove(const NodeId& id) {
  const int index = BucketIndex(id);
  if (index < 0) {
    if (!has_local_) return false;
    has_local_ = false;
    --size_;
    return true;
  }
  KBucket& bucket = buckets_[index];
  if (Erase(bucket.entries, id)) {
    --size_;
    if (!bucket.replacements.empty()) {
      bucket.entries.push_back(bucket.replacements.back());
      bucket.replacements.pop_back();
      ++size_;
    }
    return true;
  }
  return Erase(bucket.replacements, id);
}

bool RoutingTable::Contains(const NodeId& id) const {
  const int index = BucketIndex(id);
  if (index < 0) return has_local_;
  const auto& entries = buckets_[index].entries;
  return std::find(entries.begin(), entries.end(), id) != entries.end();
}

std::vector<NodeId> RoutingTable::Nearest(const NodeId& key, size_t count) const {
  // With b = HighestBit(key ^ local), the distance from `key` of an id in bucket i is:
  //   i == b: below 2^b;  i < b (and the local id): in [2^b, 2^(b+1));  i > b: in [2^i, 2^(i+1)).
  // Visiting those groups in that order, the ids gathered once `count` is reached are a superset
  // of the answer: no later group can hold a nearer id.
  std::vector<NodeId> found;
  if (count == 0) return found;
  const int b = HighestBit(Xor(key, local_id_));
  auto take = [&](int index) {
    const auto& entries = buckets_[index].entries;
    found.insert(found.end(), entries.begin(), entries.end());
  };
  if (b >= 0) take(b);
  if (found.size() < count) {
    if (has_local_) found.push_back(local_id_);
    for (int i = 0; i < b; ++i) take(i);
  }
  for (int i = b + 1; i < kIdBits && found.size() < count; ++i) take(i);
  std::sort(found.begin(), found.end(),
            [&](const NodeId& x, const NodeId& y) { return Nearer(key, x, y); });
  if (found.size() > count) found.resize(count);
  return found;
}

}  // namespace datamesh::dht
