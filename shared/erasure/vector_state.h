// Internal to shared/erasure: clears the upper halves of the AVX registers.
//
// Why: on this project's x86-64 machines, legacy-SSE code (gf-complete, under Jerasure, is built
// that way) ran 3-4x slower on a thread whose last AVX code left the upper register halves in
// use (measured: Jerasure RS(4,2) decode 5.1 -> 1.3 GB/s right after an ISA-L call). ISA-L's
// wide kernels return in that state. So the Jerasure backend clears it before coding, and the
// ISA-L backend clears it after coding, sparing whatever SSE code the thread runs next
// (SHA-NI hashing, for one). vzeroupper costs a cycle; it is skipped on CPUs without AVX.
#pragma once

namespace datamesh::erasure::internal {

inline void ClearUpperVectorState() {
#if defined(__x86_64__) || defined(__i386__)
  // Evaluated once (thread-safe static init); the CPU cannot change under a running process.
  static const bool has_avx = __builtin_cpu_supports("avx");
  if (has_avx) asm volatile("vzeroupper" ::: "memory");
#endif
}

}  // namespace datamesh::erasure::internal
