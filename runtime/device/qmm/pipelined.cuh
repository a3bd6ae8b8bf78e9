// pipelined.cuh - the `pipelined` kernel strategy: tensor-core tiles fed by a
// multi-stage cp.async pipeline, for batches (M from 16 up).
//
// Once a weight is used by 16 or more rows, reading it once per CTA and
// sharing x between the CTA's warps matters more than the decode kernel's
// register streaming. Design:
//
//  - Every step (block_k input channels) the whole CTA copies its x tile
//    (block_m x block_k halves), its packed weight tile (block_k * bits / 32
//    word rows x block_n columns) and, when a quantization group starts,
//    the group's scales and zero-point words into one of `stages` shared
//    memory buffers with cp.async; `stages - 1` steps are in flight while
//    one is computed (one barrier per step).
//  - Warps own 32 output columns each and block_m / (warps per column
//    block) rows: A of the m16n8k16 is x, B is the weight. A lane
//    (g = lane / 4, t = lane % 4) reads one 16-byte vector per packed word
//    row: columns 4g..4g+3 of its warp's 32, and uses component c as
//    column g of n8 tile c. Its accumulators then hold, for each of its
//    rows, the 8 consecutive columns 8t..8t+7, stored as one 16-byte write.
//  - Lane t takes the channels t * block_k/4 .. of each step, a whole number
//    of packed units (stream.cuh's UnitShape), and the mma's logical k order
//    is permuted per unit exactly as in the stream kernel: the weight pairs
//    come out of the unit words with one shift and one LOP3 each
//    (magic_pairs), x pairs are regrouped to match with byte permutes
//    (permute_x), so the sum over k is unchanged.
//  - Weights are dequantized in registers, once per CTA: (1024 + code) -
//    (1024 + zero) is exact in fp16 and one multiply by the scale rounds
//    once, the value the reference's (code - zero) * scale rounds to.
//  - Shared tiles are swizzled (16-byte chunks XOR-ed by a row function) so
//    the lanes' 16-byte reads of x and of the weights hit distinct banks.
//
// Act-order layouts keep the `mma` strategy (per-channel groups) or, once
// regrouped, the stream strategy; bf16 with 8-bit codes (whose 1.0-spaced
// range in bf16 holds only 128 values) takes a per-value path through fp32.
#pragma once

#include "qmm/cluster.cuh"
#include "qmm/dequant.cuh"
#include "qmm/mma.cuh"
#include "qmm/stream.cuh"
#include "qmm/tile_ops.cuh"
#include "qmm/types.cuh"

namespace qmm {
namespace pipelined {

__device__ __forceinline__ uint32_t shared_address(const void *pointer) {
  return uint32_t(__cvta_generic_to_shared(pointer));
}

/// 16 bytes global -> shared, bypassing L1; zero-filled when `pred` is false
/// (the source must still be a valid address).
__device__ __forceinline__ void copy16(void *dst, const void *src, bool pred) {
  asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n" ::"r"(
                   shared_address(dst)),
               "l"(src), "r"(pred ? 16 : 0)
               : "memory");
}
__device__ __forceinline__ void copy4(void *dst, const void *src, bool pred) {
  asm volatile("cp.async.ca.shared.global [%0], [%1], 4, %2;\n" ::"r"(
                   shared_address(dst)),
               "l"(src), "r"(pred ? 4 : 0)
               : "memory");
}
__device__ __forceinline__ void commit() {
  asm volatile("cp.async.commit_group;\n" ::: "memory");
}
template <int Pending> __device__ __forceinline__ void wait() {
  asm volatile("cp.async.wait_group %0;\n" ::"n"(Pending) : "memory");
}

/// The compile-time geometry of one configuration.
template <typename Layout, int Threads, int BlockM, int BlockN, int BlockK,
          int Stages, typename T>
struct Geometry {
  static constexpr int kBits = Layout::kBits;
  using Unit = stream::UnitShape<kBits>;
  static constexpr int kWarps = Threads / 32;
  // Warps split the tile three ways: 32-column blocks, row blocks of at
  // most 64 rows (32 for 3 bits, whose units hold 32 values), and slices
  // of each step's channels, reduced through shared memory at the end.
  static constexpr int kMaxWarpRows = kBits == 3 ? 32 : 64;
  static constexpr int kWarpsN = BlockN / 32;
  static constexpr int kWarpRows =
      BlockM < kMaxWarpRows ? BlockM : kMaxWarpRows;
  static constexpr int kWarpsM = BlockM / kWarpRows;
  static constexpr int kWarpsK = kWarps / (kWarpsN * kWarpsM);
  static constexpr int kRowTiles = kWarpRows / 16;
  static constexpr int kSliceK = BlockK / kWarpsK; // channels per warp slice
  static constexpr int kLaneValues = kSliceK / 4;  // channels per lane
  static constexpr int kLaneUnits = kLaneValues / Unit::kValues;
  static constexpr int kLaneWords = kLaneUnits * Unit::kWords;
  static constexpr int kWeightRows = kWarpsK * 4 * kLaneWords;
  static constexpr int kGroupSize = Layout::kGroupSize;
  // Scale rows one step can touch (group sizes are multiples of 32).
  static constexpr int kScaleRows =
      kGroupSize >= BlockK ? 1 : BlockK / kGroupSize;
  static constexpr int kZeroWords = BlockN * kBits / 32; // per scale row

  // Stage buffer layout in bytes; every part starts 16-byte aligned.
  static constexpr int kXBytes = BlockM * BlockK * 2;
  static constexpr int kWeightBytes = kWeightRows * BlockN * 4;
  static constexpr int kScaleBytes = kScaleRows * BlockN * 2;
  static constexpr int kZeroBytes =
      (kScaleRows * kZeroWords * 4 + 15) / 16 * 16;
  static constexpr int kWeightOffset = kXBytes;
  static constexpr int kScaleOffset = kWeightOffset + kWeightBytes;
  static constexpr int kZeroOffset = kScaleOffset + kScaleBytes;
  static constexpr int kStageBytes = kZeroOffset + kZeroBytes;

  static_assert(Threads % 32 == 0 && BlockN % 32 == 0,
                "warps own 32-column blocks");
  static_assert(BlockM % 16 == 0 && kWarpsM * kWarpRows == BlockM,
                "each warp owns whole m16 row tiles");
  static_assert(kWarpsK >= 1 && kWarpsK * kWarpsM * kWarpsN == kWarps,
                "warps = column blocks x row blocks x channel slices");
  static_assert(kLaneUnits >= 1 && kLaneUnits * Unit::kValues == kLaneValues &&
                    kWarpsK * kSliceK == BlockK,
                "block_k is warp slices x 4 lanes x whole units");
  static_assert(BlockK % 64 == 0, "x rows are whole 128-byte lines");
  static_assert(kGroupSize % BlockK == 0 || BlockK % kGroupSize == 0,
                "a step covers whole groups or lies inside one");
  static_assert(kGroupSize >= BlockK || kGroupSize % kLaneValues == 0,
                "a lane's channels of one step lie in one group");
  static_assert(Stages >= 2, "one buffer computed, at least one loading");
  static_assert(Stages * kStageBytes <= 48 * 1024,
                "static shared memory is limited to 48 KB");
  static_assert(kWarpsK == 1 || BlockM * BlockN * 4 <= Stages * kStageBytes,
                "the slices' partial sums fit in the pipeline's buffers");
};

} // namespace pipelined

/// qmm.tile.pipelined_matmul: y[row0 : row0 + BlockM, col0 : col0 + BlockN]
/// = x[row0 :, :] · W[:, col0 :] (+ bias), rows at or past `rows` untouched.
/// With SplitK > 1 the tile's SplitK CTAs (one cluster, cluster.cuh) take
/// consecutive runs of the steps and sum their partial tiles at the end.
template <int Threads, typename Layout, int BlockM, int BlockN, int BlockK,
          int Stages, int SplitK = 1, typename T>
__device__ __forceinline__ void pipelined_matmul(
    const T *__restrict__ x, const uint32_t *__restrict__ qweight,
    const uint32_t *__restrict__ qzeros, const T *__restrict__ scales,
    const typename NonDeduced<T>::type *__restrict__ bias, T *__restrict__ y,
    int rows, int inFeatures, int outFeatures, int row0, int col0) {
  using G =
      pipelined::Geometry<Layout, Threads, BlockM, BlockN, BlockK, Stages, T>;
  using U = typename G::Unit;
  constexpr int Bits = Layout::kBits;
  constexpr int MT = G::kRowTiles;
  static_assert(!Layout::kActOrder && !Layout::kXPermuted,
                "act-order weights take the mma or stream strategy");
  static_assert(SplitK == 1 || BlockM * BlockN * 4 <= Stages * G::kStageBytes,
                "the split-K partial sums fit in the pipeline's buffers");
  constexpr bool kMagicPath =
      !(Bits == 8 && stream::Magic<T>::kBits == 0x4300u);

  __shared__ __align__(16) unsigned char smem[Stages * G::kStageBytes];

  const int tid = threadIdx.x;
  const int warp = tid / 32;
  const int lane = tid % 32;
  const int g = lane / 4;
  const int t = lane % 4;
  const int warpN = warp % G::kWarpsN;
  const int warpM = (warp / G::kWarpsN) % G::kWarpsM;
  const int slice = warp / (G::kWarpsN * G::kWarpsM);
  // The lane's first channel within a step.
  const int laneK = slice * G::kSliceK + t * G::kLaneValues;
  // This CTA's steps: all of them, or with SplitK > 1 its rank's run.
  int stepBegin = 0, stepEnd = (inFeatures + BlockK - 1) / BlockK;
  if constexpr (SplitK > 1) {
    static_assert(SplitK <= 8, "clusters hold at most 8 CTAs");
    const int share = (stepEnd + SplitK - 1) / SplitK;
    stepBegin = cluster::rank() * share;
    stepEnd = min(stepEnd, stepBegin + share);
  }
  const int weightRowsTotal = inFeatures * Bits / 32;
  const int groupSize = G::kGroupSize;
  const int numGroups = (inFeatures + groupSize - 1) / groupSize;
  const int zeroWordsPerRow = outFeatures * Bits / 32;

  constexpr int kXChunksPerRow = BlockK / 8;
  constexpr int kUnitChunks = U::kValues * 2 >= 16 ? U::kValues * 2 / 16 : 1;
  constexpr int kXItemsPerRow = kXChunksPerRow / kUnitChunks;
  constexpr int kXItems = BlockM * kXItemsPerRow;

  // Starts the copies of step `step` into stage buffer `stage` (nothing
  // past the last step; the commit still makes a group so the waits below
  // count uniformly).
  auto issue = [&](int stage, int step) {
    if (step >= stepEnd)
      return;
    unsigned char *base = smem + stage * G::kStageBytes;
    const int k0 = step * BlockK;
    // x: BlockM rows of BlockK halves. 16-byte chunk c of row r lands at
    // chunk c ^ (r & 1), so that the lanes of rows g and g + 1 (one 8-lane
    // phase of a 16-byte read) hit distinct banks.
#pragma unroll
    for (int i = tid; i < kXItems; i += Threads) {
      const int r = i / kXItemsPerRow;
      const int c0 = (i % kXItemsPerRow) * kUnitChunks;
#pragma unroll
      for (int q = 0; q < kUnitChunks; ++q) {
        const int c = c0 + q;
        const bool valid = row0 + r < rows && k0 + 8 * c < inFeatures;
        const T *src =
            valid ? x + (int64_t)(row0 + r) * inFeatures + k0 + 8 * c : x;
        pipelined::copy16(base + (r * kXChunksPerRow + (c ^ (r & 1))) * 16, src,
                          valid);
      }
    }
    // Weights: kWeightRows word rows of BlockN columns. Lane t reads rows
    // t * kLaneWords ..; XOR-ing the chunk with 2t spreads the four t of
    // one 8-lane phase over distinct banks.
    constexpr int kWChunksPerRow = BlockN / 4;
    constexpr int kWChunks = G::kWeightRows * kWChunksPerRow;
    const int wordRow0 = k0 * Bits / 32;
#pragma unroll
    for (int i = tid; i < kWChunks; i += Threads) {
      const int r = i / kWChunksPerRow;
      const int c = i % kWChunksPerRow;
      const bool valid = wordRow0 + r < weightRowsTotal;
      const uint32_t *src =
          valid ? qweight + (int64_t)(wordRow0 + r) * outFeatures + col0 + 4 * c
                : qweight;
      const int swizzle = 2 * ((r / G::kLaneWords) & 3);
      pipelined::copy16(base + G::kWeightOffset +
                            (r * kWChunksPerRow + (c ^ swizzle)) * 16,
                        src, valid);
    }
    // Scales and zero points, only where a group starts or the CTA's run
    // does (the compute side reads them only then).
    if (k0 % groupSize == 0 || (SplitK > 1 && step == stepBegin)) {
      const int group0 = k0 / groupSize;
      constexpr int kSChunksPerRow = BlockN / 8;
#pragma unroll
      for (int i = tid; i < G::kScaleRows * kSChunksPerRow; i += Threads) {
        const int r = i / kSChunksPerRow;
        const int c = i % kSChunksPerRow;
        const bool valid = group0 + r < numGroups;
        const T *src =
            valid ? scales + (int64_t)(group0 + r) * outFeatures + col0 + 8 * c
                  : scales;
        pipelined::copy16(
            base + G::kScaleOffset + (r * kSChunksPerRow + c) * 16, src, valid);
      }
#pragma unroll
      for (int i = tid; i < G::kScaleRows * G::kZeroWords; i += Threads) {
        const int r = i / G::kZeroWords;
        const int w = i % G::kZeroWords;
        const bool valid = group0 + r < numGroups;
        const uint32_t *src =
            valid ? qzeros + (int64_t)(group0 + r) * zeroWordsPerRow +
                        col0 * Bits / 32 + w
                  : qzeros;
        pipelined::copy4(base + G::kZeroOffset + (r * G::kZeroWords + w) * 4,
                         src, valid);
      }
    }
  };

  float acc[MT][4][4];
#pragma unroll
  for (int mt = 0; mt < MT; ++mt)
#pragma unroll
    for (int c = 0; c < 4; ++c)
#pragma unroll
      for (int e = 0; e < 4; ++e)
        acc[mt][c][e] = 0.0f;

  // Per column c of the lane's 4: (magic + zero) and the scale as half2
  // (magic path) or floats (per-value path); kept across a group's steps.
  uint32_t z2[4] = {}, s2[4] = {};
  float zf[4] = {}, sf[4] = {};

  // The lane's row scale group within a step.
  const int laneScaleRow = G::kGroupSize >= BlockK ? 0 : laneK / G::kGroupSize;

  auto compute = [&](int stage, int step) {
    const unsigned char *base = smem + stage * G::kStageBytes;
    const int k0 = step * BlockK;
    if (k0 % groupSize == 0 || (SplitK > 1 && step == stepBegin)) {
      const int col = warpN * 32 + 4 * g; // within the tile
      const uint2 scale4 = *reinterpret_cast<const uint2 *>(
          base + G::kScaleOffset + (laneScaleRow * BlockN + col) * 2);
      const uint32_t *zeroRow =
          reinterpret_cast<const uint32_t *>(base + G::kZeroOffset) +
          laneScaleRow * G::kZeroWords;
      const int bit = col * Bits;
      const int shift = bit & 31;
      uint32_t fields = zeroRow[bit >> 5] >> shift;
      if (shift + 4 * Bits > 32)
        fields |= zeroRow[(bit >> 5) + 1] << (32 - shift);
#pragma unroll
      for (int c = 0; c < 4; ++c) {
        const uint32_t zero =
            ((fields >> (Bits * c)) & Layout::kMask) + Layout::kZeroOffset;
        const uint32_t scaleBits =
            ((c < 2 ? scale4.x : scale4.y) >> (16 * (c % 2))) & 0xffffu;
        z2[c] = (stream::Magic<T>::kBits + zero) * 0x00010001u;
        s2[c] = scaleBits * 0x00010001u;
        const unsigned short raw = (unsigned short)scaleBits;
        sf[c] = to_float(*reinterpret_cast<const T *>(&raw));
        zf[c] = float(zero);
      }
    }

    const unsigned char *xTile = base;
    const unsigned char *wTile = base + G::kWeightOffset;
#pragma unroll
    for (int u = 0; u < G::kLaneUnits; ++u) {
      // The unit's weight words for the lane's 4 columns.
      uint4 wv[U::kWords];
#pragma unroll
      for (int wd = 0; wd < U::kWords; ++wd) {
        const int r = laneK * Bits / 32 + u * U::kWords + wd;
        const int c = (warpN * 8 + g) ^ (2 * t);
        wv[wd] = *reinterpret_cast<const uint4 *>(wTile +
                                                  (r * (BlockN / 4) + c) * 16);
      }
      // x of the unit for rows g and g + 8 of each row tile, natural order,
      // regrouped into the unit's pairs.
      uint32_t xp[MT][2][U::kPairs];
      const int unitByte = (laneK + u * U::kValues) * 2;
#pragma unroll
      for (int mt = 0; mt < MT; ++mt)
#pragma unroll
        for (int half = 0; half < 2; ++half) {
          const int r = warpM * G::kWarpRows + mt * 16 + g + 8 * half;
          const unsigned char *row = xTile + r * BlockK * 2;
          uint32_t natural[U::kPairs];
          if constexpr (U::kPairs >= 4) {
#pragma unroll
            for (int q = 0; q < U::kPairs / 4; ++q) {
              const int chunk = (unitByte / 16 + q) ^ (r & 1);
              const uint4 v =
                  *reinterpret_cast<const uint4 *>(row + chunk * 16);
              natural[4 * q] = v.x;
              natural[4 * q + 1] = v.y;
              natural[4 * q + 2] = v.z;
              natural[4 * q + 3] = v.w;
            }
          } else {
            const int chunk = (unitByte / 16) ^ (r & 1);
            const uint2 v = *reinterpret_cast<const uint2 *>(row + chunk * 16 +
                                                             (unitByte & 8));
            natural[0] = v.x;
            natural[1] = v.y;
          }
          stream::permute_x<Bits>(natural, xp[mt][half]);
        }
#pragma unroll
      for (int c = 0; c < 4; ++c) {
        uint32_t words[U::kWords];
#pragma unroll
        for (int wd = 0; wd < U::kWords; ++wd)
          words[wd] = stream::component(wv[wd], c);
        uint32_t h[U::kPairs];
        if constexpr (kMagicPath) {
          constexpr uint32_t kMagic2 =
              stream::Magic<T>::kBits | (stream::Magic<T>::kBits << 16);
          stream::magic_pairs<Bits, kMagic2>(words, h);
#pragma unroll
          for (int i = 0; i < U::kPairs; ++i)
            h[i] = stream::sub_mul2<T>(h[i], z2[c], s2[c]);
        } else {
#pragma unroll
          for (int i = 0; i < U::kPairs; ++i)
            h[i] = pack2<T>(
                (float(extract_code<Bits>(words, U::first(i))) - zf[c]) * sf[c],
                (float(extract_code<Bits>(words, U::second(i))) - zf[c]) *
                    sf[c]);
        }
#pragma unroll
        for (int p = 0; p < U::kPairs / 2; ++p)
#pragma unroll
          for (int mt = 0; mt < MT; ++mt) {
            // Logical k (2t, 2t+1) is pair 2p, (2t+8, 2t+9) pair 2p + 1.
            const uint32_t a[4] = {xp[mt][0][2 * p], xp[mt][1][2 * p],
                                   xp[mt][0][2 * p + 1], xp[mt][1][2 * p + 1]};
            mma_m16n8k16<T>(acc[mt][c], a, h[2 * p], h[2 * p + 1]);
          }
      }
    }
  };

  // x may come from the kernel before this one (types.cuh); its copies
  // start with the weights'.
  wait_for_prior_grids();
  // Step i of the CTA's run uses stage buffer i % Stages.
#pragma unroll
  for (int s = 0; s < Stages - 1; ++s) {
    issue(s, stepBegin + s);
    pipelined::commit();
  }
  for (int i = 0; stepBegin + i < stepEnd; ++i) {
    pipelined::wait<Stages - 2>();
    __syncthreads();
    // The buffer refilled here was computed at i - 1, which every thread
    // has finished (barrier above).
    issue((i + Stages - 1) % Stages, stepBegin + i + Stages - 1);
    pipelined::commit();
    compute(i % Stages, stepBegin + i);
  }
  pipelined::wait<0>();

  // Row g (+ 8) of each row tile, columns 8t .. 8t + 7 of the warp's 32:
  // column 8t + j is n8 tile j % 4, accumulator element j / 4 (+ 2).
  const int tileCol = warpN * 32 + 8 * t;
  auto rowValues = [&](int mt, int half, float(&v)[8]) {
#pragma unroll
    for (int j = 0; j < 8; ++j)
      v[j] = acc[mt][j % 4][2 * half + j / 4];
  };
  auto store8 = [&](int row, int col, const float(&v)[8]) {
    float b[8];
#pragma unroll
    for (int j = 0; j < 8; ++j)
      b[j] = bias != nullptr ? to_float(bias[col0 + col + j]) : 0.0f;
    uint4 packed;
    packed.x = pack2<T>(v[0] + b[0], v[1] + b[1]);
    packed.y = pack2<T>(v[2] + b[2], v[3] + b[3]);
    packed.z = pack2<T>(v[4] + b[4], v[5] + b[5]);
    packed.w = pack2<T>(v[6] + b[6], v[7] + b[7]);
    *reinterpret_cast<uint4 *>(y + (int64_t)(row0 + row) * outFeatures + col0 +
                               col) = packed;
  };
  if constexpr (G::kWarpsK == 1 && SplitK == 1) {
#pragma unroll
    for (int mt = 0; mt < MT; ++mt)
#pragma unroll
      for (int half = 0; half < 2; ++half) {
        const int row = warpM * G::kWarpRows + mt * 16 + g + 8 * half;
        if (row0 + row >= rows)
          continue;
        float v[8];
        rowValues(mt, half, v);
        store8(row, tileCol, v);
      }
  } else {
    // Slice 0 writes its partial sums into the (now idle) pipeline
    // buffers, the other slices add theirs, then the CTA stores the tile
    // (with SplitK > 1: the cluster sums the CTAs' tiles and stores it).
    float *partial = reinterpret_cast<float *>(smem);
    __syncthreads();
#pragma unroll
    for (int pass = 0; pass < 2; ++pass) {
      if ((slice == 0) == (pass == 0)) {
#pragma unroll
        for (int mt = 0; mt < MT; ++mt)
#pragma unroll
          for (int half = 0; half < 2; ++half) {
            const int row = warpM * G::kWarpRows + mt * 16 + g + 8 * half;
            float v[8];
            rowValues(mt, half, v);
            float *dst = partial + row * BlockN + tileCol;
#pragma unroll
            for (int j = 0; j < 8; ++j) {
              if (pass == 0)
                dst[j] = v[j];
              else
                atomicAdd(dst + j, v[j]);
            }
          }
      }
      if constexpr (SplitK > 1) {
        if (pass == 0)
          __syncthreads();
      } else {
        __syncthreads();
      }
    }
    if constexpr (SplitK > 1) {
      cluster::sync();
      const int liveRows = rows - row0 < BlockM ? rows - row0 : BlockM;
      cluster::reduce_partials<SplitK, Threads>(
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
      return;
    }
    for (int i = tid; i < BlockM * BlockN / 8; i += Threads) {
      const int row = i / (BlockN / 8);
      const int col = 8 * (i % (BlockN / 8));
      if (row0 + row >= rows)
        continue;
      float v[8];
#pragma unroll
      for (int j = 0; j < 8; ++j)
        v[j] = partial[row * BlockN + col + j];
      store8(row, col, v);
    }
  }
}

} // namespace qmm
