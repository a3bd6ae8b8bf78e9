// cluster.cuh - split-K across the CTAs of a thread-block cluster (sm_90+).
//
// A tile with split_k = S runs as S CTAs of one cluster (the kernel is
// declared __cluster_dims__(1, 1, S), the grid's z extent is S): each CTA
// accumulates its share of the input channels, leaves its fp32 partial tile
// in its own shared memory, and after a cluster barrier every CTA sums one
// S-th of the tile over all S partials through distributed shared memory
// and stores it. Narrow layers thus get S times the CTAs (and bytes in
// flight) without a global workspace, atomics or a second launch, and the
// sum is deterministic. Before sm_90 there are no clusters: such tiles are
// rejected before emission (TileLegality) and fail to compile here.
#pragma once

#include "qmm/types.cuh"

namespace qmm {
namespace cluster {

// Declared for every architecture (the building blocks name them in
// branches that only split-K tiles instantiate); reduce_partials refuses
// to compile before sm_90, so the stubs below never run.

/// This CTA's rank within its cluster (0 .. split_k - 1).
__device__ __forceinline__ int rank() {
#if !defined(__CUDA_ARCH__) || __CUDA_ARCH__ >= 900
  uint32_t value;
  asm volatile("mov.u32 %0, %%cluster_ctarank;\n" : "=r"(value));
  return int(value);
#else
  return 0;
#endif
}

/// Every thread of every CTA of the cluster arrives, then waits for all:
/// shared-memory writes before it are visible to the whole cluster after
/// it (release / acquire). Also a barrier for the CTA's own threads.
__device__ __forceinline__ void sync() {
#if !defined(__CUDA_ARCH__) || __CUDA_ARCH__ >= 900
  asm volatile("barrier.cluster.arrive.release.aligned;\n"
               "barrier.cluster.wait.acquire.aligned;\n" ::
                   : "memory");
#else
  __syncthreads();
#endif
}

#if !defined(__CUDA_ARCH__) || __CUDA_ARCH__ >= 900

/// Four floats at `local` (a 16-byte aligned shared-memory address of this
/// CTA) as they are in the shared memory of CTA `peer` of the cluster.
__device__ __forceinline__ float4 load4_from(const float *local, int peer) {
  const uint32_t address = uint32_t(__cvta_generic_to_shared(local));
  uint32_t remote;
  asm volatile("mapa.shared::cluster.u32 %0, %1, %2;\n"
               : "=r"(remote)
               : "r"(address), "r"(peer));
  float4 v;
  asm volatile("ld.shared::cluster.v4.f32 {%0, %1, %2, %3}, [%4];\n"
               : "=f"(v.x), "=f"(v.y), "=f"(v.z), "=f"(v.w)
               : "r"(remote)
               : "memory");
  return v;
}
#endif

/// `count` floats of the partial tile at `partial` (this CTA's shared
/// memory, same offset in every CTA of the cluster), summed over the
/// cluster's SplitK CTAs, handed to `store(index, sum)` in groups of 4:
/// CTA r sums the groups r, r + SplitK, ... so the work is shared. Called
/// by all threads after the partial tiles are complete in every CTA (a
/// cluster barrier); ends with one, so no CTA exits while its shared memory
/// is still being read.
template <int SplitK, int Threads, typename Store>
__device__ __forceinline__ void reduce_partials(const float *partial, int count,
                                                Store &&store) {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ < 900
  static_assert(SplitK == 1, "split_k > 1 needs thread-block clusters "
                             "(sm_90 or newer)");
#else
  const int self = rank();
  for (int i = (self + SplitK * int(threadIdx.x)) * 4; i < count;
       i += SplitK * Threads * 4) {
    float4 sum = make_float4(0.0f, 0.0f, 0.0f, 0.0f);
#pragma unroll
    for (int peer = 0; peer < SplitK; ++peer) {
      const float4 v = load4_from(partial + i, peer);
      sum.x += v.x;
      sum.y += v.y;
      sum.z += v.z;
      sum.w += v.w;
    }
    store(i, sum);
  }
  sync();
#endif
}

} // namespace cluster
} // namespace qmm
