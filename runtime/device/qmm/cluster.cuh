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

#include "qmm/ablate.cuh"
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

/// The cluster barrier a CTA meets before it exits, so that no CTA frees
/// its shared memory while a peer still reads it. Relaxed: a peer's reads
/// of this CTA's shared memory are complete before it arrives (their
/// values feed the stores that precede its arrival), so the barrier needs
/// no memory ordering, and a release here would make every thread wait
/// until its global stores of y are performed before the CTA may exit.
/// Measured on the H100 (qmm-bench, 2026-11-27 13:45 UTC, two runs each
/// against the release barrier in the same call): every split-K tile
/// 1.5-3% faster (7B.o M = 16 12.3 against 12.7-13.0 us, 70B.o M = 64 36.1-
/// 36.6 against 37.2), unsplit tiles unchanged.
__device__ __forceinline__ void sync_before_exit() {
#if !defined(__CUDA_ARCH__) || __CUDA_ARCH__ >= 900
  asm volatile("barrier.cluster.arrive.relaxed.aligned;\n"
               "barrier.cluster.wait.aligned;\n" ::
                   : "memory");
#else
  sync();
#endif
}

#if !defined(__CUDA_ARCH__) || __CUDA_ARCH__ >= 900

/// The address of this CTA's shared-memory location `local` in the shared
/// memory of CTA `peer` of the cluster.
__device__ __forceinline__ uint32_t peer_address(const void *local, int peer) {
  const uint32_t address = uint32_t(__cvta_generic_to_shared(local));
  uint32_t remote;
  asm volatile("mapa.shared::cluster.u32 %0, %1, %2;\n"
               : "=r"(remote)
               : "r"(address), "r"(peer));
  return remote;
}

/// Four floats at a 16-byte aligned distributed shared-memory address.
/// volatile keeps it after the cluster barrier that made it valid; no
/// memory clobber, so the loads of several groups can be in flight at once.
__device__ __forceinline__ float4 load4_cluster(uint32_t remote) {
  float4 v;
  asm volatile("ld.shared::cluster.v4.f32 {%0, %1, %2, %3}, [%4];\n"
               : "=f"(v.x), "=f"(v.y), "=f"(v.z), "=f"(v.w)
               : "r"(remote));
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
  uint32_t peerBase[SplitK];
#pragma unroll
  for (int peer = 0; peer < SplitK; ++peer)
    peerBase[peer] = peer_address(partial, peer);
  // kBatch groups per thread are loaded from all peers before any is
  // summed, so their distributed shared-memory latencies overlap (one
  // group at a time waited out SplitK round trips per group: 9% of the
  // 7B.qkv M = 64 split-3 kernel's stall samples, ncu, H100).
  constexpr int kBatch = 4;
  constexpr int kStride = SplitK * Threads * 4;
  for (int i0 = (self + SplitK * int(threadIdx.x)) * 4; i0 < count;
       i0 += kBatch * kStride) {
    float4 v[kBatch][SplitK];
#pragma unroll
    for (int b = 0; b < kBatch; ++b)
#pragma unroll
      for (int peer = 0; peer < SplitK; ++peer)
        if (i0 + b * kStride < count)
          v[b][peer] =
              load4_cluster(peerBase[peer] + uint32_t(i0 + b * kStride) * 4);
#pragma unroll
    for (int b = 0; b < kBatch; ++b) {
      if (i0 + b * kStride >= count)
        break;
      float4 sum = v[b][0];
#pragma unroll
      for (int peer = 1; peer < SplitK; ++peer) {
        sum.x += v[b][peer].x;
        sum.y += v[b][peer].y;
        sum.z += v[b][peer].z;
        sum.w += v[b][peer].w;
      }
      store(i0 + b * kStride, sum);
    }
  }
  sync_before_exit();
#endif
}

/// The split-K epilogue of the pipelined and wgmma tiles: once every CTA of
/// the cluster has written its fp32 BlockM x BlockN partial tile (row-major)
/// at `partial`, sums the tiles over the cluster and stores the rows below
/// `rows` of y[row0 :, col0 :] (+ bias), four columns at a time.
template <int SplitK, int Threads, int BlockM, int BlockN, typename T,
          typename BiasT>
__device__ __forceinline__ void
store_cluster_sum(const float *partial, const BiasT *__restrict__ bias,
                  T *__restrict__ y, int rows, int outFeatures, int row0,
                  int col0) {
  sync();
  if constexpr (ablate::kReduction) {
    ablate::keep(partial[threadIdx.x], y);
    return;
  }
  const int liveRows = rows - row0 < BlockM ? rows - row0 : BlockM;
  reduce_partials<SplitK, Threads>(
      partial, liveRows * BlockN, [&](int i, const float4 &sum) {
        // Four consecutive columns of one row (reduce_partials' unit).
        const int row = i / BlockN, col = i % BlockN;
        const float b0 = bias ? to_float(bias[col0 + col]) : 0.0f;
        const float b1 = bias ? to_float(bias[col0 + col + 1]) : 0.0f;
        const float b2 = bias ? to_float(bias[col0 + col + 2]) : 0.0f;
        const float b3 = bias ? to_float(bias[col0 + col + 3]) : 0.0f;
        uint2 packed;
        packed.x = pack2<T>(sum.x + b0, sum.y + b1);
        packed.y = pack2<T>(sum.z + b2, sum.w + b3);
        *reinterpret_cast<uint2 *>(y + (int64_t)(row0 + row) * outFeatures +
                                   col0 + col) = packed;
      });
}

} // namespace cluster
} // namespace qmm
