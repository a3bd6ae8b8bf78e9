// wgmma_tma.cuh - the `wgmma_tma` kernel strategy (sm_90a): the wgmma
// tiles' product (wgmma.cuh) fed by the Tensor Memory Accelerator, with one
// producer warp and the warpgroups as consumers.
//
// The cp.async wgmma tiles are latency-bound at 33-256 rows (ncu, H100,
// docs/PERF.md): every thread issues its copies, waits for them, fences
// them for the async proxy and meets the others at a block barrier each
// step, so the ring's lookahead is spent on that chain. Here:
//
//  - One lane of the last warp (the producer) issues, per step of BlockK
//    (64 or 128) channels, TMA loads (cp.async.bulk.tensor) into a stage
//    buffer: the x tile (BlockM rows, one box of 64 channels in the
//    128-byte swizzle wgmma reads per 64 channels), the packed weights
//    (BlockK / 8 word rows x BlockN columns), the step's scale row and its
//    zero words. They complete on the stage's `full` mbarrier. Before
//    refilling a stage it waits on its `empty` mbarrier.
//  - The consumer warpgroups (64 output channels each) wait on `full`,
//    decode their weights as the wgmma tiles do (pipelined::NaturalDecode)
//    and issue one wgmma per 16 channels, behind one register fence per
//    step (see the consumer loop); once step s + 1's wgmmas are issued
//    and step s's retired, lane 0 of every consumer warp arrives on step
//    s's `empty`. No block barrier, no proxy fence (TMA writes through the
//    async proxy that wgmma reads) and no per-thread copy in the loop.
//  - Rows past M and nothing else are out of bounds: TMA fills them with
//    zeros (and still counts their bytes), the epilogue skips them.
//  - split_k > 1: the tile's CTAs form a cluster and sum their partial
//    tiles through distributed shared memory (cluster.cuh).
//
// The host encodes the four tensor maps per launch (gptq/Runtime/
// QmmLaunch.h, encodeQmmTensorMaps): its boxes and swizzles are this
// file's stage layout and must change with it.
//
// Measured on the H100 (2026-11-27 14:35 UTC, 64-channel steps, 4-bit
// group 128, same inputs, L2 flushed, medians of 25) against the default
// cp.async wgmma tiles: M = 64 7B.o 15.3 against 17.8 us, 7B.down 30.8
// against 34.4, 70B.o 33.0 against 37.0, 70B.down 96.6 against 113.0; M = 256
// 70B.down 219.9 against 242.9, 70B.qkv 106.6 against 117.0; slower on the
// gate-up shapes (7B.gate-up M = 64 41.4 against 40.3) and at 16 rows.
//
// 4-bit layouts without act-order, fp16 or bf16 activations, one group per
// step (group sizes that are multiples of BlockK, or one group), K a
// multiple of BlockK. sm_90a only: TileLegality refuses these tiles
// elsewhere.
#pragma once

#include "qmm/cluster.cuh"
#include "qmm/pipelined.cuh"
#include "qmm/types.cuh"
#include "qmm/wgmma.cuh"

namespace qmm {

/// A CUtensorMap as a kernel parameter (`const __grid_constant__`): 128
/// opaque bytes, 64-byte aligned, encoded by the host (NVRTC has no cuda.h).
struct alignas(64) TensorMap {
  unsigned long long opaque[16];
};

namespace tma {

__device__ __forceinline__ void mbarrier_init(uint32_t bar, int count) {
  asm volatile("mbarrier.init.shared::cta.b64 [%0], %1;\n" ::"r"(bar),
               "r"(count)
               : "memory");
}

/// Arrives once and adds `bytes` to the transactions the phase waits for.
__device__ __forceinline__ void mbarrier_expect_bytes(uint32_t bar,
                                                      uint32_t bytes) {
  asm volatile(
      "mbarrier.arrive.expect_tx.shared::cta.b64 _, [%0], %1;\n" ::"r"(bar),
      "r"(bytes)
      : "memory");
}

__device__ __forceinline__ void mbarrier_arrive(uint32_t bar) {
  asm volatile("mbarrier.arrive.shared::cta.b64 _, [%0];\n" ::"r"(bar)
               : "memory");
}

/// Waits until the phase of parity `parity` has completed.
__device__ __forceinline__ void mbarrier_wait(uint32_t bar, uint32_t parity) {
  uint32_t done = 0;
  while (!done)
    asm volatile("{\n.reg .pred p;\n"
                 "mbarrier.try_wait.parity.shared::cta.b64 p, [%1], %2;\n"
                 "selp.u32 %0, 1, 0, p;\n}\n"
                 : "=r"(done)
                 : "r"(bar), "r"(parity)
                 : "memory");
}

/// A 2-D TMA load of the box at (c0 inner, c1 outer) into `dst`,
/// completing on `bar`.
__device__ __forceinline__ void load_2d(uint32_t dst, const TensorMap &map,
                                        int c0, int c1, uint32_t bar) {
  asm volatile("cp.async.bulk.tensor.2d.shared::cluster.global.mbarrier::"
               "complete_tx::bytes [%0], [%1, {%2, %3}], [%4];\n" ::"r"(dst),
               "l"(reinterpret_cast<uint64_t>(&map)), "r"(c0), "r"(c1), "r"(bar)
               : "memory");
}

/// The stage layout one configuration's maps and buffers agree on.
template <typename Layout, int Threads, int BlockM, int BlockN, int BlockK,
          int Stages>
struct Geometry {
  // 64 or 128 channels per step: one or two x boxes of 64 channels (128
  // bytes, the swizzle's span), 16-channel wgmma sub-steps.
  static constexpr int kXBoxes = BlockK / 64;
  static constexpr int kSubSteps = BlockK / 16;
  static constexpr int kConsumerWarps = (Threads - 32) / 32;
  static constexpr int kWarpGroups = kConsumerWarps / 4;
  // Bytes of a step: the x boxes (BlockM rows of 128 bytes each), packed
  // weights (BlockK / 8 word rows), one scale row, one row of zero words.
  // Every offset is a multiple of 128 bytes (TMA's destination alignment),
  // the x boxes of 1024 (the swizzle's).
  static constexpr int kXBoxBytes = BlockM * 128;
  static constexpr int kXBytes = kXBoxes * kXBoxBytes;
  static constexpr int kWeightBytes = BlockK / 8 * BlockN * 4;
  static constexpr int kScaleBytes = BlockN * 2;
  static constexpr int kZeroBytes = BlockN / 8 * 4;
  static constexpr int kWeightOffset = kXBytes;
  static constexpr int kScaleOffset = kWeightOffset + kWeightBytes;
  static constexpr int kZeroOffset = kScaleOffset + kScaleBytes;
  static constexpr int kStepBytes = kZeroOffset + kZeroBytes;
  static constexpr int kStageBytes = (kStepBytes + 1023) / 1024 * 1024;
  static constexpr int kSharedBytes = Stages * kStageBytes;
  // Always dynamic: the buffers plus 1024 bytes to align them.
  static constexpr int kDynamicBytes = kSharedBytes + 1024;

  static_assert(Layout::kBits == 4 && !Layout::kActOrder && !Layout::kXPermuted,
                "wgmma_tma tiles take 4-bit layouts without act-order");
  static_assert(Threads == 128 * kWarpGroups + 32 && kWarpGroups >= 1 &&
                    kWarpGroups <= 2 && BlockN == 64 * kWarpGroups,
                "one or two consumer warpgroups of 64 columns, one producer "
                "warp");
  static_assert(BlockM == 16 || BlockM == 32 || BlockM == 64 || BlockM == 128,
                "block_m is wgmma's N and the x box's rows: 16 to 128");
  static_assert(BlockK == 64 || BlockK == 128,
                "a step is one or two 64-channel x boxes");
  static_assert(Layout::kGroupSize % BlockK == 0,
                "a step lies inside one quantization group");
  static_assert(Stages >= 2, "one buffer computed, at least one loading");
  static_assert(kDynamicBytes <= 227 * 1024,
                "an sm_90 CTA has at most 227 KB of shared memory");
};

} // namespace tma

/// qmm.tile.wgmma_tma_matmul: y[row0 : row0 + BlockM, col0 : col0 + BlockN]
/// = x[row0 :, :] · W[:, col0 :] (+ bias), rows at or past `rows`
/// untouched, x, the packed weights, scales and zero words read through
/// their tensor maps. With SplitK > 1 the tile's SplitK CTAs (one cluster)
/// take consecutive runs of the steps and sum their partial tiles at the
/// end.
template <int Threads, typename Layout, int BlockM, int BlockN, int BlockK,
          int Stages, int SplitK = 1, typename T>
__device__ __forceinline__ void
wgmma_tma_matmul(const TensorMap &xMap, const TensorMap &qweightMap,
                 const TensorMap &scalesMap, const TensorMap &qzerosMap,
                 const typename NonDeduced<T>::type *__restrict__ bias,
                 T *__restrict__ y, int rows, int inFeatures, int outFeatures,
                 int row0, int col0) {
  using G = tma::Geometry<Layout, Threads, BlockM, BlockN, BlockK, Stages>;
  constexpr int kSubSteps = G::kSubSteps;
  constexpr int kAcc = BlockM / 2; // accumulators per lane
  static_assert(SplitK == 1 || BlockM * BlockN * 4 <= G::kSharedBytes,
                "the split-K partial sums fit in the stage buffers");

  extern __shared__ __align__(1024) unsigned char dynamicShared[];
  const uint32_t misalign = pipelined::shared_address(dynamicShared) & 1023u;
  unsigned char *smem = dynamicShared + (misalign == 0 ? 0 : 1024 - misalign);
  __shared__ __align__(8) uint64_t full[Stages], empty[Stages];
  const uint32_t fullAt = pipelined::shared_address(full);
  const uint32_t emptyAt = pipelined::shared_address(empty);

  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  int stepBegin = 0, stepEnd = inFeatures / BlockK;
  if constexpr (SplitK > 1) {
    static_assert(SplitK <= 8, "clusters hold at most 8 CTAs");
    const int share = (stepEnd + SplitK - 1) / SplitK;
    stepBegin = cluster::rank() * share;
    stepEnd = min(stepEnd, stepBegin + share);
  }
  const int steps = stepEnd - stepBegin;
  if (threadIdx.x == 0) {
    for (int s = 0; s < Stages; ++s) {
      tma::mbarrier_init(fullAt + 8 * s, 1);
      tma::mbarrier_init(emptyAt + 8 * s, G::kConsumerWarps);
    }
    // The TMA unit (async proxy) completes transactions on them.
    asm volatile("fence.mbarrier_init.release.cluster;\n" ::: "memory");
  }
  __syncthreads();
  // The kernel before this one (programmatic dependent launch) may still
  // write x or read y.
  wait_for_prior_grids();

  float acc[kAcc];
#pragma unroll
  for (int i = 0; i < kAcc; ++i)
    acc[i] = 0.0f;
  const int g = lane / 4, t = lane % 4;
  // The lane's first physical column within the tile: warpgroup, warp
  // within the group, 2g (wgmma.cuh's column order).
  const int laneCol = (warp / 4) * 64 + (warp % 4) * 16 + 2 * g;
  constexpr int kGroupSize = Layout::kGroupSize;

  if (warp == G::kConsumerWarps) {
    if (lane == 0) {
      for (int i = 0; i < steps; ++i) {
        const int s = i % Stages;
        if (i >= Stages)
          tma::mbarrier_wait(emptyAt + 8 * s, (i / Stages - 1) & 1);
        const uint32_t stage =
            pipelined::shared_address(smem + s * G::kStageBytes);
        const int k0 = (stepBegin + i) * BlockK;
        const uint32_t bar = fullAt + 8 * s;
        tma::mbarrier_expect_bytes(bar, G::kStepBytes);
#pragma unroll
        for (int b = 0; b < G::kXBoxes; ++b)
          tma::load_2d(stage + b * G::kXBoxBytes, xMap, k0 + 64 * b, row0, bar);
        tma::load_2d(stage + G::kWeightOffset, qweightMap, col0, k0 / 8, bar);
        tma::load_2d(stage + G::kScaleOffset, scalesMap, col0, k0 / kGroupSize,
                     bar);
        tma::load_2d(stage + G::kZeroOffset, qzerosMap, col0 / 8,
                     k0 / kGroupSize, bar);
      }
    }
    __syncwarp();
  } else {
    // A fragments of two steps: step s decodes into one buffer while step
    // s - 1's wgmmas still read the other.
    //
    // The step's fragments are decoded first and its wgmmas then issued
    // behind one register fence (step s - 1's wgmmas run meanwhile), rather
    // than one fence and wgmma per 16 channels as wgmma.cuh's 128-row
    // tiles interleave them. gptq-tune on the H100 (2026-11-27 16:53 UTC, three
    // rounds of 25 repetitions against the interleaved order in the same
    // calls): M = 64 70B.down 74.0-75.1 against 78.2-78.8 us, 70B.o 27.5-27.7
    // against 28.4-28.7, 70B.qkv 38.8-39.3 against 39.5-39.8; M = 256
    // 7B.down 46.8-46.9 against 48.6-48.7, 70B.down 215.0-215.8 against
    // 217.7-219.0; 7B.o and 7B.qkv within 0.4 us. 128-row split tiles of
    // 64-channel steps keep the interleaved order: 70B.qkv M = 256 (split
    // 2) ran 105.7-106.3 against 101.8-102.1 with one fence.
    constexpr bool kOneFence = !(BlockM == 128 && BlockK == 64 && SplitK > 1);
    using Fragments = uint32_t[kSubSteps][4];
    Fragments a[2];
    const uint32_t byteSelector = pipelined::NaturalDecode<T>::selector(t);
    int i = 0;
    auto body = [&](Fragments &current, Fragments &previous) {
      const int s = i % Stages;
      tma::mbarrier_wait(fullAt + 8 * s, (i / Stages) & 1);
      const unsigned char *stage = smem + s * G::kStageBytes;
      const uint32_t scalePair = *reinterpret_cast<const uint32_t *>(
          stage + G::kScaleOffset + laneCol * 2);
      const uint32_t word = reinterpret_cast<const uint32_t *>(
          stage + G::kZeroOffset)[laneCol / 8];
      const uint32_t fields = word >> (4 * (laneCol % 8));
      uint32_t z2[2], s2[2];
#pragma unroll
      for (int c = 0; c < 2; ++c) {
        const uint32_t zero =
            ((fields >> (4 * c)) & Layout::kMask) + Layout::kZeroOffset;
        z2[c] = pipelined::NaturalDecode<T>::offsets(zero);
        s2[c] = ((scalePair >> (16 * c)) & 0xffffu) * 0x00010001u;
      }
      // Word rows 2kk and 2kk + 1 of each 16 channels, the lane's two
      // columns.
      uint2 words[kSubSteps][2];
#pragma unroll
      for (int kk = 0; kk < kSubSteps; ++kk)
#pragma unroll
        for (int h = 0; h < 2; ++h)
          words[kk][h] = *reinterpret_cast<const uint2 *>(
              stage + G::kWeightOffset + ((2 * kk + h) * BlockN + laneCol) * 4);
      const uint32_t xTile = pipelined::shared_address(stage);
      // The wgmma of sub-step kk: its 16 channels of the x tile.
      auto issue = [&](const Fragments &fragments, int kk) {
        wgmma::mma_async<BlockM, T>(
            acc, fragments[kk],
            wgmma::descriptor_sw128(xTile + kk / 4 * G::kXBoxBytes +
                                    32 * (kk % 4)));
      };
#pragma unroll
      for (int kk = 0; kk < kSubSteps; ++kk) {
        // a0/a2: channel g (column 2g), a1/a3: channel g + 8 (column
        // 2g + 1); a0/a1 input channels 2t, 2t + 1, a2/a3 those + 8.
        current[kk][0] = pipelined::NaturalDecode<T>::pair(
            words[kk][0].x, byteSelector, z2[0], s2[0]);
        current[kk][1] = pipelined::NaturalDecode<T>::pair(
            words[kk][0].y, byteSelector, z2[1], s2[1]);
        current[kk][2] = pipelined::NaturalDecode<T>::pair(
            words[kk][1].x, byteSelector, z2[0], s2[0]);
        current[kk][3] = pipelined::NaturalDecode<T>::pair(
            words[kk][1].y, byteSelector, z2[1], s2[1]);
        if constexpr (!kOneFence) {
          wgmma::fence();
          issue(current, kk);
        }
      }
      if constexpr (kOneFence) {
        wgmma::fence();
#pragma unroll
        for (int kk = 0; kk < kSubSteps; ++kk)
          issue(current, kk);
      }
      wgmma::commit();
      // Step i - 1's wgmmas have retired: its A registers and its stage
      // are free.
      wgmma::wait<1>();
#pragma unroll
      for (int kk = 0; kk < kSubSteps; ++kk)
        wgmma::pin(previous[kk]);
      __syncwarp();
      if (i > 0 && lane == 0)
        tma::mbarrier_arrive(emptyAt + 8 * ((i - 1) % Stages));
      ++i;
    };
    wgmma::pin(acc);
    // `current` and `previous` swap between calls, so the buffers stay
    // registers (no dynamic indexing).
    while (i + 1 < steps) {
      body(a[0], a[1]);
      body(a[1], a[0]);
    }
    if (i < steps)
      body(a[0], a[1]);
    wgmma::wait<0>();
    wgmma::pin(acc);
#pragma unroll
    for (int kk = 0; kk < kSubSteps; ++kk) {
      wgmma::pin(a[0][kk]);
      wgmma::pin(a[1][kk]);
    }
    // Accumulator j: row 8 (j / 4) + 2t + j % 2, column laneCol +
    // (j / 2) % 2.
    if constexpr (SplitK == 1) {
      const float b0 = bias != nullptr ? to_float(bias[col0 + laneCol]) : 0.0f;
      const float b1 =
          bias != nullptr ? to_float(bias[col0 + laneCol + 1]) : 0.0f;
#pragma unroll
      for (int j = 0; j < kAcc; j += 4)
#pragma unroll
        for (int e = 0; e < 2; ++e) {
          const int row = j / 4 * 8 + 2 * t + e;
          if (row0 + row >= rows)
            continue;
          *reinterpret_cast<uint32_t *>(
              y + (int64_t)(row0 + row) * outFeatures + col0 + laneCol) =
              pack2<T>(acc[j + e] + b0, acc[j + 2 + e] + b1);
        }
    }
  }
  if constexpr (SplitK > 1) {
    float *partial = reinterpret_cast<float *>(smem);
    // Every stage has been consumed (the consumers waited for all of their
    // TMA loads) and its wgmmas retired: the buffers are free.
    __syncthreads();
    if (warp < G::kConsumerWarps) {
#pragma unroll
      for (int j = 0; j < kAcc; j += 4)
#pragma unroll
        for (int e = 0; e < 2; ++e) {
          const int row = j / 4 * 8 + 2 * t + e;
          *reinterpret_cast<float2 *>(partial + row * BlockN + laneCol) =
              make_float2(acc[j + e], acc[j + 2 + e]);
        }
    }
    cluster::store_cluster_sum<SplitK, Threads, BlockM, BlockN>(
        partial, bias, y, rows, outFeatures, row0, col0);
  }
}

} // namespace qmm
