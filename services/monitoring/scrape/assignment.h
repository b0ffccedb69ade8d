// Which monitoring replica scrapes which target: rendezvous (highest random weight) hashing of
// the target's key over the live replicas' instance ids. Every replica computes the same owner
// from the same heartbeats, with no coordination; when a replica leaves only its own targets
// move (each to the replica scoring next highest for it), and a joining replica takes about
// 1/n of the targets from the others.
//
// The score is a fixed function (FNV-1a, then a 64-bit finaliser), the same in every build
// and process. Pure functions, thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace datamesh::monitoring::scrape {

uint64_t RendezvousScore(std::string_view replica, std::string_view target_key);

// The replica with the highest score for `target_key` (ties to the smaller id); "" when there
// are no replicas.
std::string OwnerOf(std::string_view target_key, const std::vector<std::string>& replicas);

}  // namespace datamesh::monitoring::scrape
