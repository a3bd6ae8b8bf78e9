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
//  - 4 bits, natural order: the mma's k order is the channels' own. Per
//    16 channels a lane reads the two unit words of its 4 columns (two
//    16-byte reads that the 4 lanes of a quad share) and takes byte t of
//    each, channels 2t and 2t + 1, which is its B fragment
//    (NaturalDecode); x comes from ldmatrix, no permutes. Measured on the
//    H100 (qmm-bench, 2026-11-26): 7B.qkv M = 256 116.6 -> 85.1 us, M = 64
//    46.5 -> 37.8, 70B.gate-up M = 64 325 -> 220 against the permuting
//    loop below with its per-copy address arithmetic.
//  - 2, 3 and 8 bits, permuted order: lane t takes the channels
//    t * block_k/4 .. of each step, a whole number of packed units
//    (stream.cuh's UnitShape), and the mma's logical k order is permuted
//    per unit exactly as in the stream kernel: the weight pairs come out
//    of the unit words with one shift and one LOP3 each (magic_pairs), x
//    pairs are regrouped to match with byte permutes (permute_x), so the
//    sum over k is unchanged. (3-bit codes straddle words, and 2- and
//    8-bit natural decodes were not written.)
//  - Weights are dequantized in registers, once per CTA: (1024 + code) -
//    (1024 + zero) is exact in fp16 and one multiply by the scale rounds
//    once, the value the reference's (code - zero) * scale rounds to.
//    16-row warps (decode-sized batches) whose steps lie inside one group
//    instead feed code - zero to the mma and scale each step's fp32 sums
//    (one FFMA per accumulator): one HMUL2 fewer per weight pair (H100,
//    gptq-tune, 2026-11-26, M = 16: 70B.gate-up 113.3 -> 106.0 us, 7B.qkv
//    22.4 -> 21.2, 70B.qkv 29.3 -> 28.2, 7B.down 21.2 -> 20.4).
//  - Shared tiles are swizzled (16-byte chunks XOR-ed by a row function) so
//    the lanes' 16-byte reads and ldmatrix rows hit distinct banks.
//  - The copies' global and shared addresses are worked out once per
//    thread (copy slots), so a step's copies cost an add each.
//
// Act-order layouts keep the `mma` strategy (per-channel groups) or, once
// regrouped, the stream strategy; bf16 with 8-bit codes (whose 1.0-spaced
// range in bf16 holds only 128 values) takes a per-value path through fp32.
#pragma once

#include "qmm/ablate.cuh"
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
/// (the source must still be a valid address). No L2 cache hint: with one,
/// ptxas 13.0.88 puts the policy descriptor in an odd uniform register in
/// some kernels, an illegal instruction at run time (docs/PERF.md, the
/// 2026-11-27 07:12 section).
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

/// A thread's share of one step's packed-weight copies (pipelined and
/// wgmma tiles): `WordRows` word rows of BlockN columns in 16-byte chunks.
/// Every step a thread copies the same chunks moved down K, so their
/// addresses are worked out once and a step's copy costs a 64-bit add.
template <int Threads, int BlockN, int WordRows> struct WeightCopies {
  static constexpr int kChunksPerRow = BlockN / 4;
  static constexpr int kChunks = WordRows * kChunksPerRow;
  static constexpr int kSlots = (kChunks + Threads - 1) / Threads;
  const uint32_t *src[kSlots]; // the chunk in the first step
  uint32_t dst[kSlots];        // byte offset in a stage buffer
  int row[kSlots];             // word row within the step; -1: idle slot

  /// `offset`: where the weights start in a stage buffer; `swizzle(r)`:
  /// the XOR applied to the chunk index in word row r.
  template <typename Swizzle>
  __device__ __forceinline__ void init(const uint32_t *qweight, int outFeatures,
                                       int col0, int tid, int offset,
                                       Swizzle swizzle) {
#pragma unroll
    for (int j = 0; j < kSlots; ++j) {
      const int i = tid + j * Threads;
      const int r = i < kChunks ? i / kChunksPerRow : 0;
      const int c = i % kChunksPerRow;
      row[j] = (kChunks % Threads == 0 || i < kChunks) ? r : -1;
      src[j] = qweight + (int64_t)r * outFeatures + col0 + 4 * c;
      dst[j] = offset + (r * kChunksPerRow + (c ^ swizzle(r))) * 16;
    }
  }

  /// Starts the copies of the step whose first word row is `wordRow0` into
  /// the stage buffer at `base`; where K ends inside the step
  /// (`partialLastStep`), rows at or past `wordRows` are zero-filled.
  __device__ __forceinline__ void
  issue(unsigned char *base, const uint32_t *qweight, int outFeatures,
        int wordRow0, bool partialLastStep, int wordRows) const {
    const int64_t wordStep = (int64_t)wordRow0 * outFeatures;
#pragma unroll
    for (int j = 0; j < kSlots; ++j) {
      if (kChunks % Threads != 0 && row[j] < 0)
        continue;
      const bool valid = !partialLastStep || wordRow0 + row[j] < wordRows;
      copy16(base + dst[j], valid ? src[j] + wordStep : qweight, valid);
    }
  }
};

/// Four 8x8 b16 matrices from shared memory (ldmatrix .x4): lanes 8i ..
/// 8i + 7 give the row addresses of matrix i, and lane (g, t) receives
/// element pair t of row g of each: for a row-major 16x16 A tile with rows
/// 0-15 at lanes 0-15 (chunk 0) and 16-31 (chunk 1) that is the mma's A
/// fragment. volatile: kept after the barrier that makes the tile valid.
__device__ __forceinline__ void ldmatrix_x4(uint32_t (&a)[4],
                                            uint32_t address) {
  asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0, %1, %2, %3}, "
               "[%4];\n"
               : "=r"(a[0]), "=r"(a[1]), "=r"(a[2]), "=r"(a[3])
               : "r"(address));
}

/// Natural-order decode of 4-bit codes for the mma's B fragment. Lane t of
/// a quad needs channels 2t and 2t + 1 of a word's 8, which are byte t of
/// the word: one byte permute moves it into both halves and one LOP3 puts
/// the low nibble into the low half's mantissa (1024 + code) and the high
/// nibble four bits up into the high half's (1024 + 16 code). One HFMA2
/// with (1, 1/16) and (-(1024 + z), -(64 + z)) then gives code - z in both
/// halves exactly, and one multiply by the scale rounds once, the value the
/// reference's (code - zero) * scale rounds to. bf16's 7-bit mantissa has
/// no room for 16 code, so there the byte permute takes the high nibble
/// from the word shifted right by 4 instead.
template <typename T> struct NaturalDecode;
template <> struct NaturalDecode<__half> {
  __device__ __forceinline__ static uint32_t selector(int t) {
    return uint32_t(t) | uint32_t(t) << 8;
  }
  __device__ __forceinline__ static uint32_t offsets(uint32_t zero) {
    return (0xe400u + zero) | (0xd400u + (zero << 4)) << 16;
  }
  /// code - zero of channels 2t and 2t + 1 (exact).
  __device__ __forceinline__ static uint32_t
  unscaled(uint32_t word, uint32_t selector, uint32_t offsets) {
    const uint32_t h = stream::mask_or<0x00f0000fu, 0x64006400u>(
        __byte_perm(word, 0u, selector));
    const uint32_t unit = 0x2c003c00u; // (1, 1/16)
    __half2 d = __hfma2(*reinterpret_cast<const __half2 *>(&h),
                        *reinterpret_cast<const __half2 *>(&unit),
                        *reinterpret_cast<const __half2 *>(&offsets));
    return *reinterpret_cast<uint32_t *>(&d);
  }
  __device__ __forceinline__ static uint32_t
  pair(uint32_t word, uint32_t selector, uint32_t offsets, uint32_t scale2) {
    uint32_t h = unscaled(word, selector, offsets);
    __half2 d = __hmul2(*reinterpret_cast<const __half2 *>(&h),
                        *reinterpret_cast<const __half2 *>(&scale2));
    return *reinterpret_cast<uint32_t *>(&d);
  }
};
template <> struct NaturalDecode<__nv_bfloat16> {
  __device__ __forceinline__ static uint32_t selector(int t) {
    return uint32_t(t) | uint32_t(4 + t) << 8;
  }
  __device__ __forceinline__ static uint32_t offsets(uint32_t zero) {
    return (stream::Magic<__nv_bfloat16>::kBits + zero) * 0x00010001u;
  }
  __device__ __forceinline__ static uint32_t
  unscaled(uint32_t word, uint32_t selector, uint32_t offsets) {
    const uint32_t h = stream::mask_or<0x000f000fu, 0x43004300u>(
        __byte_perm(word, word >> 4, selector));
    __nv_bfloat162 d =
        __hsub2(*reinterpret_cast<const __nv_bfloat162 *>(&h),
                *reinterpret_cast<const __nv_bfloat162 *>(&offsets));
    return *reinterpret_cast<uint32_t *>(&d);
  }
  __device__ __forceinline__ static uint32_t
  pair(uint32_t word, uint32_t selector, uint32_t offsets, uint32_t scale2) {
    const uint32_t h = stream::mask_or<0x000f000fu, 0x43004300u>(
        __byte_perm(word, word >> 4, selector));
    return stream::sub_mul2<__nv_bfloat16>(h, offsets, scale2);
  }
};

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
  // 4-bit weights take the natural-order path (pipelined::NaturalDecode):
  // x fragments straight from ldmatrix, no x permutes.
  constexpr bool kNatural = Bits == 4;
  // Warps of one m16 row tile (16-row tiles: decode-sized batches), where
  // a step lies inside one quantization group, multiply by the scale after
  // the mma: the decode yields code - zero (exact), a step's products
  // gather in fp32 and one FFMA per accumulator applies the scale. Saves
  // one HMUL2 per weight pair (8 per 16 channels and lane) for 16 FFMAs
  // per step; with 4 row tiles (64 accumulators) that would cost more than
  // it saves.
  constexpr bool kScaleAfter =
      kNatural && MT == 1 && G::kGroupSize % BlockK == 0;

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
  // Copy slots. In every step a thread copies the same x rows and chunks and
  // the same weight rows and columns, moved along K: their addresses are
  // worked out once here, so a step's copies cost a 64-bit add each. (The
  // per-copy index arithmetic they replace was a third of the loop's
  // instructions at M = 256.)
  constexpr int kXSlots = (kXItems + Threads - 1) / Threads;
  // Whether K ends inside a step: only then do copies test it.
  const bool partialLastStep = inFeatures % BlockK != 0;
  const T *xSlot[kXSlots];
  uint32_t xSlotDst[kXSlots];
  int xSlotChunk[kXSlots];
  bool xSlotLive[kXSlots];
#pragma unroll
  for (int j = 0; j < kXSlots; ++j) {
    const int i = tid + j * Threads;
    const int r = i / kXItemsPerRow;
    const int c0 = (i % kXItemsPerRow) * kUnitChunks;
    // Rows past the end read row `rows - 1` (a valid address) with a zero
    // source size, which fills the chunk with zeros.
    xSlotLive[j] = (kXItems % Threads == 0 || i < kXItems) && row0 + r < rows;
    const int row = min(row0 + r, rows - 1);
    xSlot[j] = x + (int64_t)row * inFeatures + 8 * c0;
    xSlotDst[j] = r * kXChunksPerRow * 16; // the row's first chunk
    // ldmatrix reads one chunk of 8 consecutive rows: XOR-ing with r & 7
    // puts them in distinct banks; the per-lane 16-byte reads of the
    // permuting path need only rows g and g + 1 apart (r & 1).
    xSlotChunk[j] = c0 | (kNatural ? r & 7 : r & 1) << 16;
  }
  // Permuting path: XOR-ing the chunk with 2t spreads the four t of one
  // 8-lane phase of the compute side's reads over distinct banks (lane t
  // reads rows t * kLaneWords ..). The natural path's lanes all read one
  // row, 8 consecutive chunks.
  pipelined::WeightCopies<Threads, BlockN, G::kWeightRows> weights;
  weights.init(qweight, outFeatures, col0, tid, G::kWeightOffset, [](int r) {
    return kNatural ? 0 : 2 * ((r / G::kLaneWords) & 3);
  });

  // Starts the copies of step `step` into the stage buffer at `base`
  // (nothing past the last step; the commit still makes a group so the
  // waits below count uniformly): x's (`copyX`) and the weights, scales
  // and zero points (`copyWeights`).
  auto issue = [&](unsigned char *base, int step, bool copyX = true,
                   bool copyWeights = true) {
    if (step >= stepEnd)
      return;
    const int k0 = step * BlockK;
    // x: BlockM rows of BlockK halves, 16-byte chunks swizzled per row
    // (xSlotChunk).
#pragma unroll
    for (int j = 0; j < kXSlots; ++j) {
      if (!copyX)
        break;
      if ((kXItems % Threads != 0 && tid + j * Threads >= kXItems) ||
          !ablate::copies<Stages>(ablate::kX, step, stepBegin))
        continue;
      const int c0 = xSlotChunk[j] & 0xffff;
      const int swizzle = xSlotChunk[j] >> 16;
#pragma unroll
      for (int q = 0; q < kUnitChunks; ++q) {
        const int c = c0 + q;
        // The slot's row is a valid one; only a chunk past K needs
        // another address.
        const bool inK = !partialLastStep || k0 + 8 * c < inFeatures;
        pipelined::copy16(base + xSlotDst[j] + (c ^ swizzle) * 16,
                          inK ? xSlot[j] + k0 + 8 * q : x, xSlotLive[j] && inK);
      }
    }
    if (!copyWeights)
      return;
    // Weights: kWeightRows word rows of BlockN columns.
    if (ablate::copies<Stages>(ablate::kW, step, stepBegin))
      weights.issue(base, qweight, outFeatures, k0 * Bits / 32, partialLastStep,
                    weightRowsTotal);
    // Scales and zero points, only where a group starts or the CTA's run
    // does (the compute side reads them only then).
    if ((k0 % groupSize == 0 || (SplitK > 1 && step == stepBegin)) &&
        ablate::copies<Stages>(ablate::kS, step, stepBegin)) {
      const int group0 = k0 / groupSize;
      constexpr int kSChunksPerRow = BlockN / 8;
#pragma unroll
      for (int i0 = 0; i0 < G::kScaleRows * kSChunksPerRow; i0 += Threads) {
        const int i = i0 + tid;
        if (i >= G::kScaleRows * kSChunksPerRow)
          break;
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
      for (int i0 = 0; i0 < G::kScaleRows * G::kZeroWords; i0 += Threads) {
        const int i = i0 + tid;
        if (i >= G::kScaleRows * G::kZeroWords)
          break;
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

  // The scales and zero points of the lane's 4 columns in scale row
  // `scaleRow` of the stage buffer at `base`, as the decode wants them.
  auto decodeFactors = [&](const unsigned char *base, int scaleRow) {
    const int col = warpN * 32 + 4 * g; // within the tile
    const uint2 scale4 = *reinterpret_cast<const uint2 *>(
        base + G::kScaleOffset + (scaleRow * BlockN + col) * 2);
    const uint32_t *zeroRow =
        reinterpret_cast<const uint32_t *>(base + G::kZeroOffset) +
        scaleRow * G::kZeroWords;
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
      s2[c] = scaleBits * 0x00010001u;
      if constexpr (kNatural)
        z2[c] = pipelined::NaturalDecode<T>::offsets(zero);
      else
        z2[c] = (stream::Magic<T>::kBits + zero) * 0x00010001u;
      const unsigned short raw = (unsigned short)scaleBits;
      sf[c] = to_float(*reinterpret_cast<const T *>(&raw));
      zf[c] = float(zero);
    }
  };

  // Natural-order path: this lane's ldmatrix row address within a stage's
  // x tile (row lane % 16 of the warp's row tile 0; chunk half lane / 16)
  // and its byte of each weight word.
  const uint32_t xLaneRow = (warpM * G::kWarpRows + (lane & 15)) * BlockK * 2;
  const int xLaneHalf = lane >> 4;
  const int xLaneSwizzle = lane & 7;
  const uint32_t byteSelector = pipelined::NaturalDecode<T>::selector(t);

  // Scale-after path: the scales of the lane's accumulator columns 8t ..
  // 8t + 7 (column 8t + j: n8 tile j % 4, element pair j / 4), of the
  // step's group.
  [[maybe_unused]] float accScale[8] = {};
  auto computeNatural = [&](const unsigned char *base, int step) {
    const int k0 = step * BlockK;
    if constexpr (G::kGroupSize >= BlockK) {
      if (k0 % groupSize == 0 || (SplitK > 1 && step == stepBegin)) {
        decodeFactors(base, 0);
        if constexpr (kScaleAfter) {
          const uint4 scale8 = *reinterpret_cast<const uint4 *>(
              base + G::kScaleOffset + (warpN * 32 + 8 * t) * 2);
#pragma unroll
          for (int j = 0; j < 8; ++j) {
            const unsigned short raw =
                (unsigned short)(stream::component(scale8, j / 2) >>
                                 (16 * (j % 2)));
            accScale[j] = to_float(*reinterpret_cast<const T *>(&raw));
          }
        }
      }
    }
    // The step's products before the scale (scale-after path).
    [[maybe_unused]] float stepAcc[4][4];
    if constexpr (kScaleAfter) {
#pragma unroll
      for (int c = 0; c < 4; ++c)
#pragma unroll
        for (int e = 0; e < 4; ++e)
          stepAcc[c][e] = 0.0f;
    }
    const uint32_t xTile = pipelined::shared_address(base) + xLaneRow;
    const unsigned char *wTile = base + G::kWeightOffset;
#pragma unroll
    for (int j = 0; j < G::kSliceK / 16; ++j) {
      // Channels kc .. kc + 15 of the step: word rows kc / 8 and kc / 8 + 1.
      const int kc = slice * G::kSliceK + 16 * j;
      if constexpr (G::kGroupSize < BlockK) {
        if (j == 0 || kc % G::kGroupSize == 0)
          decodeFactors(base, kc / G::kGroupSize);
      }
      const int chunk = ((kc / 8 + xLaneHalf) ^ xLaneSwizzle);
      uint32_t a[MT][4];
#pragma unroll
      for (int mt = 0; mt < MT; ++mt)
        pipelined::ldmatrix_x4(a[mt],
                               xTile + mt * 16 * BlockK * 2 + chunk * 16);
      const uint4 w0 = *reinterpret_cast<const uint4 *>(
          wTile + ((kc / 8) * (BlockN / 4) + warpN * 8 + g) * 16);
      const uint4 w1 = *reinterpret_cast<const uint4 *>(
          wTile + ((kc / 8 + 1) * (BlockN / 4) + warpN * 8 + g) * 16);
#pragma unroll
      for (int c = 0; c < 4; ++c) {
        if constexpr (kScaleAfter) {
          const uint32_t b0 = pipelined::NaturalDecode<T>::unscaled(
              stream::component(w0, c), byteSelector, z2[c]);
          const uint32_t b1 = pipelined::NaturalDecode<T>::unscaled(
              stream::component(w1, c), byteSelector, z2[c]);
          mma_m16n8k16<T>(stepAcc[c], a[0], b0, b1);
          continue;
        }
        const uint32_t b0 = pipelined::NaturalDecode<T>::pair(
            stream::component(w0, c), byteSelector, z2[c], s2[c]);
        const uint32_t b1 = pipelined::NaturalDecode<T>::pair(
            stream::component(w1, c), byteSelector, z2[c], s2[c]);
#pragma unroll
        for (int mt = 0; mt < MT; ++mt)
          mma_m16n8k16<T>(acc[mt][c], a[mt], b0, b1);
      }
    }
    if constexpr (kScaleAfter) {
      // Element e of n8 tile c is column 8t + c + 4 (e % 2).
#pragma unroll
      for (int c = 0; c < 4; ++c)
#pragma unroll
        for (int e = 0; e < 4; ++e)
          acc[0][c][e] =
              fmaf(accScale[c + 4 * (e % 2)], stepAcc[c][e], acc[0][c][e]);
    }
  };

  // Permuting path (2, 3 and 8 bits): each lane takes whole unit words and
  // permutes x to the unit's pair order (see the header comment).
  auto computePermuting = [&](const unsigned char *base, int step) {
    const int k0 = step * BlockK;
    if (k0 % groupSize == 0 || (SplitK > 1 && step == stepBegin))
      decodeFactors(base, laneScaleRow);

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

  auto compute = [&](const unsigned char *base, int step) {
    if constexpr (kNatural)
      computeNatural(base, step);
    else
      computePermuting(base, step);
  };

  // Step i of the CTA's run uses stage buffer i % Stages. x may come from
  // the kernel before this one (types.cuh). Split tiles (a few steps per
  // CTA: the model launches them early, after its norms, attention and
  // SiLU product) copy their first step's weights, scales and zero points
  // before waiting for it, its x after, in a group of its own, then the
  // other steps in flight (Stages groups in all: the first wait below,
  // which leaves at most Stages - 2 pending, covers exactly the first
  // step). Other tiles wait first: so their kernels stay as measured
  // before (docs/PERF.md).
  constexpr int kFirstFullStage = SplitK > 1 ? 1 : 0;
  if constexpr (SplitK > 1) {
    issue(smem, stepBegin, /*copyX=*/false);
    pipelined::commit();
    wait_for_prior_grids();
    issue(smem, stepBegin, /*copyX=*/true, /*copyWeights=*/false);
    pipelined::commit();
  } else {
    wait_for_prior_grids();
  }
#pragma unroll
  for (int s = kFirstFullStage; s < Stages - 1; ++s) {
    issue(smem + s * G::kStageBytes, stepBegin + s);
    pipelined::commit();
  }
  // Byte offsets of the buffer computed and the one refilled, rotated by
  // an add and a compare rather than a division per step.
  constexpr uint32_t kRingBytes = Stages * G::kStageBytes;
  uint32_t computeAt = 0, fillAt = (Stages - 1) * G::kStageBytes;
  for (int step = stepBegin; step < stepEnd; ++step) {
    pipelined::wait<Stages - 2>();
    __syncthreads();
    // The buffer refilled here was computed in the previous step, which
    // every thread has finished (barrier above).
    issue(smem + fillAt, step + Stages - 1);
    pipelined::commit();
    if constexpr (!ablate::kCompute)
      compute(smem + computeAt, step);
    computeAt = computeAt + G::kStageBytes == kRingBytes
                    ? 0
                    : computeAt + G::kStageBytes;
    fillAt =
        fillAt + G::kStageBytes == kRingBytes ? 0 : fillAt + G::kStageBytes;
  }
  pipelined::wait<0>();
  if constexpr (ablate::kEpilogue) {
    ablate::keep(acc, y);
    return;
  }

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
      cluster::store_cluster_sum<SplitK, Threads, BlockM, BlockN>(
          partial, bias, y, rows, outFeatures, row0, col0);
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
