// Helpers shared by the dht unit tests: reproducible random ids and nodes.
#pragma once

#include <random>
#include <string>

#include "services/dht/node.h"

namespace datamesh::dht::test_util {

inline NodeId RandomId(std::mt19937_64& rng) {
  NodeId id;
  for (auto& byte : id) byte = static_cast<uint8_t>(rng());
  return id;
}

inline NodeInfo MakeNode(const NodeId& id, std::string zone, uint64_t capacity = 1'000'000,
                         uint64_t used = 0) {
  NodeInfo node;
  node.id = id;
  node.address = "127.0.0.1:" + std::to_string(10000 + id[0]);
  node.zone = std::move(zone);
  node.capacity_bytes = capacity;
  node.used_bytes = used;
  node.health = NodeHealth::kOk;
  node.state = NodeState::kUp;
  return node;
}

}  // namespace datamesh::dht::test_util
