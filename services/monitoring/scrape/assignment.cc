#include "services/monitoring/scrape/assignment.h"

namespace datamesh::monitoring::scrape {
namespace {

uint64_t Fnv1a(uint64_t h, std::string_view s) {
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}

// MurmurHash3's 64-bit finaliser: FNV-1a alone mixes the last bytes poorly, and rendezvous
// hashing needs every bit of the score to depend on every input byte.
uint64_t Mix(uint64_t h) {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ULL;
  h ^= h >> 33;
  return h;
}

}  // namespace

uint64_t RendezvousScore(std::string_view replica, std::string_view target_key) {
  uint64_t h = Fnv1a(0xcbf29ce484222325ULL, replica);
  h = Fnv1a(h, std::string_view("\0", 1));  // "ab"+"c" and "a"+"bc" must differ
  return Mix(Fnv1a(h, target_key));
}

std::string OwnerOf(std::string_view target_key, const std::vector<std::string>& replicas) {
  std::string best;
  uint64_t best_score = 0;
  for (const std::string& r : replicas) {
    const uint64_t score = RendezvousScore(r, target_key);
    if (best.empty() || score > best_score || (score == best_score && r < best)) {
      best = r;
      best_score = score;
    }
  }
  return best;
}

}  // namespace datamesh::monitoring::scrape
