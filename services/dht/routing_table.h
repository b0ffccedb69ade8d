// RoutingTable: a Kademlia-style table of node ids, kept in k-buckets by XOR distance from a
// local id. Bucket i holds the ids whose distance to the local id has its highest set bit at
// position i (so bucket 255 covers half the id space, bucket 0 a single id). Nearest(key, n)
// visits the buckets in increasing order of the distances they can hold and stops as soon as no
// later bucket can hold a nearer id, so a lookup touches a few buckets, not the whole table.
//
// Bucket capacity: Kademlia bounds each bucket to k entries because a peer only learns of part
// of an open network. The dht service learns every admitted node from its heartbeats and must
// answer identically on every replica (whatever each replica's local id), so it builds its
// table unbounded (bucket_size 0). A bounded table is supported for completeness: ids beyond k
// wait in the bucket's replacement cache and are promoted when an entry is removed.
//
// Value type; thread-compatible (the owner serializes access).
#pragma once

#include <array>
#include <cstddef>
#include <vector>

#include "services/dht/node_id.h"

namespace datamesh::dht {

class RoutingTable {
 public:
  enum class InsertResult { kAdded, kRefreshed, kCachedAsReplacement };

  // bucket_size 0: unbounded buckets.
  explicit RoutingTable(const NodeId& local_id, size_t bucket_size = 0);

  // The bucket `id` belongs in: HighestBit(id ^ local). -1 for the local id itself, which the
  // table keeps aside (it is a valid member; it just has no bucket).
  int BucketIndex(const NodeId& id) const { return HighestBit(Xor(id, local_id_)); }

  // Adds `id`, or marks it most recently seen when present. In a full bounded bucket the id
  // goes to the replacement cache (the newest replacements are kept).
  InsertResult Insert(const NodeId& id);
  // Removes `id` from its bucket (promoting the newest replacement) or from the replacement
  // cache. False when it was not in the table.
  bool Remove(const NodeId& id);
  // Whether `id` is a live entry (replacements do not count).
  bool Contains(const NodeId& id) const;
  // Number of live entries.
  size_t size() const { return size_; }

  // Live entries of bucket `index` (0..255), least recently seen first.
  const std::vector<NodeId>& Bucket(int index) const { return buckets_[index].entries; }

  // Up to `count` live entries nearest `key` by XOR distance, nearest first.
  std::vector<NodeId> Nearest(const NodeId& key, size_t count) const;

 private:
  struct KBucket {
    std::vector<NodeId> entries;       // least recently seen first
    std::vector<NodeId> replacements;  // oldest first
  };

  const NodeId local_id_;
  const size_t bucket_size_;
  std::array<KBucket, kIdBits> buckets_;
  bool has_local_ = false;  // the local id itself is a member
  size_t size_ = 0;
};

}  // namespace datamesh::dht
