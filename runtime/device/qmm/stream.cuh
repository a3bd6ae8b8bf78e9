// stream.cuh - the `stream` kernel strategy: weights streamed from global
// memory into registers and dequantized there, for decode and small batches.
//
// Small M makes a dequant-matmul a pure weight stream: each weight is used by
// at most 16 rows, so the kernel must keep enough 16-byte loads in flight to
// saturate DRAM and spend few instructions per weight. Design:
//
//  - Roles are swapped relative to `mma`: the tensor-core A operand (16 rows)
//    is 16 output columns of the weight, B (8 columns) is 8 rows of x, so a
//    16-row x tile costs two m16n8k16 per weight fragment and M <= 8 one.
//  - Lane (g = lane / 4, t = lane % 4) loads one uint4 per packed word row:
//    4 consecutive output columns 4g..4g+3 of the warp's 32. It feeds them as
//    rows g and g+8 of two A tiles, so the accumulators it owns at the end
//    are exactly those 4 columns: nothing is shuffled.
//  - A "unit" is the smallest whole run of k values of one column: one word
//    (2/4/8 bits: 16/8/4 values) or three words (3 bits: 32 values). Lane t
//    takes units of its own and the mma's logical k order is permuted so
//    that the A fragment (logical k 2t, 2t+1, 2t+8, 2t+9) of each mma step is
//    two half2 pairs cut directly out of the lane's unit words. UnitShape
//    below defines which unit values form pair i; the B fragment (x) is
//    permuted the same way with byte permutes, so the sum over k is
//    unchanged.
//  - Codes become fp16/bf16 without conversions. Where a step lies in one
//    quantization group, OR-ing a code into the mantissa of 1.0
//    gives 1 + code / F exactly (F a power of two, UnitScale); those halves go
//    into the mma as they are and zero point and scale are applied to the
//    step's fp32 results (see stream_matmul). Otherwise OR-ing it into the
//    mantissa of 1024.0 (fp16) / 128.0 (bf16) gives 1024 + code; subtracting
//    1024 + zero (exact) and multiplying by the scale rounds once, the value
//    the reference's (code - zero) * scale rounds to.
//  - The CTA's warps split K (in tiles wider than 64 columns they own
//    columns instead: column warps, below). Each lane loads its weights
//    straight into registers with 16-byte non-caching loads, Stages - 1 steps
//    ahead of the step it computes (Stages register buffers that rotate; the
//    step loop is unrolled by Stages so the rotation is renaming, not copies).
//    Measured on the H100 this moves far more bytes per second than the
//    cp.async ring through shared memory it replaced (70B gate-up, 4-bit,
//    M = 1: 112 us against 146 us at the same occupancy). Partial sums meet
//    in shared memory (fp32 atomics) and are written once, with the bias,
//    as packed pairs.
//  - x is small and read by every CTA, so it comes from L2 with __ldg, one
//    step ahead in registers: the next step's load overlaps this step's
//    math instead of stalling the start of every step.
//  - Column warps (block_n = warps x 32 or warps x 64): the warps walk the
//    same K steps side by side, each on its own columns, and split-K
//    clusters split K. A CTA then reads runs of block_n x 4 bytes of every
//    packed row it touches (1 KB at 256 columns, against 128 bytes for a
//    K-splitting 32-column tile), and its warps' x loads are the same
//    addresses, served by L1 after the first. Measured faster only on the
//    widest decode layers (Llama-2 70B gate-up, M = 1, H100: 96.8 against
//    101.2 us; autotune/DefaultConfigs.cpp).
//  - Scales and zeros are loaded, and turned into registers, only when a
//    lane's quantization group changes between its warp's consecutive
//    steps (once per warp when one group spans all of K).
//
// Act-order layouts and bf16 with 8-bit codes (whose 1.0-spaced range in
// bf16 holds only 128 values) take a per-value path through fp32 instead:
// correct, not fast. Regrouped act-order weights (Layout::kXPermuted: x is
// read through a permutation) take the fast paths; on 8-row tiles whose
// live rows of x fit 32 KB, the CTA first gathers them through the
// permutation into shared memory (its first weight loads already in
// flight), and the steps read x from there; otherwise each step gathers
// its x values from global memory one by one.
#pragma once

#include "qmm/ablate.cuh"
#include "qmm/cluster.cuh"
#include "qmm/dequant.cuh"
#include "qmm/mma.cuh"
#include "qmm/tile_ops.cuh"
#include "qmm/types.cuh"

namespace qmm {
namespace stream {

/// How one column's codes are cut into mma pairs. Pair i of a unit holds
/// unit values first(i) (low half) and second(i) (high half).
template <int Bits> struct UnitShape {
  static constexpr int kWords = Bits == 3 ? 3 : 1;
  static constexpr int kValues = Bits == 3 ? 32 : 32 / Bits;
  static constexpr int kPairs = kValues / 2;
  static_assert(kPairs % 2 == 0, "an mma step takes two pairs");

  // 2 and 4 bits: pair i = values (i, i + kValues/2), which sit 16 bits
  // apart in the word, so one shift and one mask extract both. 8 bits:
  // neighbouring bytes, extracted by one byte permute. 3 bits: see
  // magic_pairs.
  __host__ __device__ static constexpr int first(int i) {
    return Bits == 8   ? 2 * i
           : Bits != 3 ? i
           : i < 5     ? i
           : i < 10    ? i + 6
           : i < 15    ? i + 12
                       : 10;
  }
  __host__ __device__ static constexpr int second(int i) {
    return Bits == 8   ? 2 * i + 1
           : Bits != 3 ? i + kValues / 2
           : i < 5     ? i + 5
           : i < 10    ? i + 11
           : i < 15    ? i + 17
                       : 21;
  }
};

/// 16-bit patterns of the magic base (1024.0 in fp16, 128.0 in bf16): its
/// low mantissa bits hold a code exactly, spaced 1.0 apart.
template <typename T> struct Magic;
template <> struct Magic<__half> { static constexpr uint32_t kBits = 0x6400u; };
template <> struct Magic<__nv_bfloat16> {
  static constexpr uint32_t kBits = 0x4300u;
};

template <typename T>
__device__ __forceinline__ uint32_t sub_mul2(uint32_t h, uint32_t z,
                                             uint32_t s);
template <>
__device__ __forceinline__ uint32_t sub_mul2<__half>(uint32_t h, uint32_t z,
                                                     uint32_t s) {
  __half2 r = __hmul2(__hsub2(*reinterpret_cast<__half2 *>(&h),
                              *reinterpret_cast<__half2 *>(&z)),
                      *reinterpret_cast<__half2 *>(&s));
  return *reinterpret_cast<uint32_t *>(&r);
}
template <>
__device__ __forceinline__ uint32_t sub_mul2<__nv_bfloat16>(uint32_t h,
                                                            uint32_t z,
                                                            uint32_t s) {
  __nv_bfloat162 r = __hmul2(__hsub2(*reinterpret_cast<__nv_bfloat162 *>(&h),
                                     *reinterpret_cast<__nv_bfloat162 *>(&z)),
                             *reinterpret_cast<__nv_bfloat162 *>(&s));
  return *reinterpret_cast<uint32_t *>(&r);
}

/// (x & Mask) | Or in one LOP3. Written as separate `&` and `|` with two
/// constants, ptxas emits two LOP3s (an instruction takes one 32-bit
/// immediate); keeping `Or` in a register (an opaque mov) lets one
/// three-input LOP3 do both: a sixth fewer instructions in the decode
/// kernel's loop (one per dequantized pair; 810 -> 681 SASS instructions
/// per two steps of the 4-bit 70B gate-up decode tile), for a few
/// registers (143 -> 149 at M = 1).
template <uint32_t Mask, uint32_t Or>
__device__ __forceinline__ uint32_t mask_or(uint32_t x) {
  uint32_t bits, result;
  asm("mov.b32 %0, %1;" : "=r"(bits) : "n"(Or));
  asm("lop3.b32 %0, %1, %2, %3, 0xEA;" // (a & b) | c
      : "=r"(result)
      : "r"(x), "n"(Mask), "r"(bits));
  return result;
}

/// 3-bit units in pair order: values 0..9 of word 0 sit at bits 3i; moving
/// bits 15.. up by one puts value 5 + i 16 bits above value i, so pairs
/// (i, i + 5) are one shift and mask each. u[0..2] are words 0..2 aligned
/// that way; u[3] holds the last pair, values 10 and 21, which straddle
/// words, at bits 0 and 16.
__device__ __forceinline__ void align_3bit(const uint32_t (&w)[3],
                                           uint32_t (&u)[4]) {
  u[0] = (w[0] & 0x7fffu) | ((w[0] << 1) & 0xffff0000u);
  u[1] = ((w[1] >> 1) & 0x7fffu) | (w[1] & 0xffff0000u);
  u[2] = ((w[2] >> 2) & 0x7fffu) | ((w[2] >> 1) & 0xffff0000u);
  const uint32_t v10 = (w[0] >> 30) | ((w[1] & 1u) << 2);
  const uint32_t v21 = (w[1] >> 31) | ((w[2] & 3u) << 1);
  u[3] = v10 | (v21 << 16);
}

/// Pairs of (magic + code) halves from one column's unit words, in
/// UnitShape order.
template <int Bits, uint32_t Magic2>
__device__ __forceinline__ void
magic_pairs(const uint32_t (&w)[UnitShape<Bits>::kWords],
            uint32_t (&h)[UnitShape<Bits>::kPairs]) {
  if constexpr (Bits == 4) {
#pragma unroll
    for (int i = 0; i < 4; ++i)
      h[i] = mask_or<0x000f000fu, Magic2>(w[0] >> (4 * i));
  } else if constexpr (Bits == 2) {
#pragma unroll
    for (int i = 0; i < 8; ++i)
      h[i] = mask_or<0x00030003u, Magic2>(w[0] >> (2 * i));
  } else if constexpr (Bits == 8) {
    // Result bytes: code, magic high byte, code, magic high byte.
    h[0] = __byte_perm(w[0], Magic2 >> 8, 0x4140);
    h[1] = __byte_perm(w[0], Magic2 >> 8, 0x4342);
  } else {
    uint32_t u[4];
    align_3bit(w, u);
#pragma unroll
    for (int r = 0; r < 3; ++r)
#pragma unroll
      for (int i = 0; i < 5; ++i)
        h[5 * r + i] = mask_or<0x00070007u, Magic2>(u[r] >> (3 * i));
    h[15] = u[3] | Magic2;
  }
}

/// Bit pattern of 1.0 in T and where a code's lowest bit goes in its
/// mantissa: 1.0 | code << kShift is exactly 1 + code / kF (kF =
/// 2^(mantissa bits - kShift); fp16 has 10 mantissa bits, bf16 7). kShift
/// is the highest multiple of Bits that keeps the code inside the
/// mantissa: the codes of a unit word sit at multiples of Bits, so one of
/// them needs no shift (4 bits in fp16: kShift 4, kF 64, three shifts per
/// four pairs instead of four). -1: the codes do not fit (8 bits in bf16).
template <typename T, int Bits> struct UnitScale;
template <int Mantissa, int Bits> struct UnitPlacement {
  static constexpr int kShift =
      Mantissa >= Bits ? (Mantissa - Bits) / Bits * Bits : -1;
  static constexpr float kF =
      kShift >= 0 ? float(1u << (Mantissa - kShift)) : 0.0f;
};
template <int Bits> struct UnitScale<__half, Bits> : UnitPlacement<10, Bits> {
  static constexpr uint32_t kOne = 0x3c00u;
};
template <int Bits>
struct UnitScale<__nv_bfloat16, Bits> : UnitPlacement<7, Bits> {
  static constexpr uint32_t kOne = 0x3f80u;
};

/// The field at bits [from, from + Bits) of both 16-bit halves of `x` moved
/// to bits [To, To + Bits) of each half and OR-ed into 1.0: one shift and
/// one LOP3 (mask_or). Bits the shift brings in from neighbouring fields fall
/// outside the mask.
template <int Bits, int To, uint32_t One2>
__device__ __forceinline__ uint32_t place_pair(uint32_t x, int from) {
  constexpr uint32_t kMask = (((1u << Bits) - 1u) << To) * 0x00010001u;
  const uint32_t moved = from <= To ? x << (To - from) : x >> (from - To);
  return mask_or<kMask, One2>(moved);
}

/// Pairs of (1 + code / kF) halves (UnitScale) from one column's unit words, in
/// UnitShape order: exact, with no zero point or scale applied (the kernel
/// applies both to the mma results, once per step).
template <int Bits, typename T>
__device__ __forceinline__ void
unit_pairs(const uint32_t (&w)[UnitShape<Bits>::kWords],
           uint32_t (&h)[UnitShape<Bits>::kPairs]) {
  constexpr int kTo = UnitScale<T, Bits>::kShift;
  constexpr uint32_t kOne2 = UnitScale<T, Bits>::kOne * 0x00010001u;
  static_assert(kTo >= 0, "codes wider than the mantissa take another path");
  if constexpr (Bits == 4) {
#pragma unroll
    for (int i = 0; i < 4; ++i)
      h[i] = place_pair<4, kTo, kOne2>(w[0], 4 * i);
  } else if constexpr (Bits == 2) {
#pragma unroll
    for (int i = 0; i < 8; ++i)
      h[i] = place_pair<2, kTo, kOne2>(w[0], 2 * i);
  } else if constexpr (Bits == 8) {
    // Bytes 2i and 2i + 1 into the low and high halves, then shifted.
    h[0] = place_pair<8, kTo, kOne2>(__byte_perm(w[0], 0u, 0x4140), 0);
    h[1] = place_pair<8, kTo, kOne2>(__byte_perm(w[0], 0u, 0x4342), 0);
  } else {
    uint32_t u[4];
    align_3bit(w, u);
#pragma unroll
    for (int r = 0; r < 3; ++r)
#pragma unroll
      for (int i = 0; i < 5; ++i)
        h[5 * r + i] = place_pair<3, kTo, kOne2>(u[r], 3 * i);
    h[15] = place_pair<3, kTo, kOne2>(u[3], 0);
  }
}

/// x's unit values (natural order, two per word) regrouped into UnitShape's
/// pairs, so B's logical k order matches A's.
template <int Bits>
__device__ __forceinline__ void
permute_x(const uint32_t (&in)[UnitShape<Bits>::kPairs],
          uint32_t (&out)[UnitShape<Bits>::kPairs]) {
  using U = UnitShape<Bits>;
#pragma unroll
  for (int i = 0; i < U::kPairs; ++i) {
    const int a = U::first(i), b = U::second(i);
    if (a % 2 == 0 && b == a + 1) {
      out[i] = in[a / 2];
    } else {
      const uint32_t selector =
          (a % 2 ? 0x32u : 0x10u) | ((b % 2 ? 0x76u : 0x54u) << 8);
      out[i] = __byte_perm(in[a / 2], in[b / 2], selector);
    }
  }
}

__device__ __forceinline__ uint32_t component(const uint4 &v, int i) {
  return i == 0 ? v.x : i == 1 ? v.y : i == 2 ? v.z : v.w;
}

/// A 32-bit read-only load the compiler keeps in program order with the
/// other ordered loads (volatile asm), for lookups it must not hoist.
template <typename P>
__device__ __forceinline__ uint32_t ordered_load(const P *src) {
  uint32_t value;
  asm volatile("ld.global.nc.u32 %0, [%1];\n" : "=r"(value) : "l"(src));
  return value;
}

/// Loads straight into registers (zero when `pred` is false); weights skip
/// L1, being read once.
__device__ __forceinline__ uint4 load16(const void *src, bool pred) {
  uint4 v = make_uint4(0u, 0u, 0u, 0u);
  if (pred)
    asm volatile("ld.global.nc.L1::no_allocate.v4.u32 {%0, %1, %2, %3}, [%4];\n"
                 : "=r"(v.x), "=r"(v.y), "=r"(v.z), "=r"(v.w)
                 : "l"(src));
  return v;
}
/// load16 into `v`, leaving it as it was where `pred` is false (no zeroing
/// instructions): for register buffers whose skipped contents are never
/// used.
__device__ __forceinline__ void load16_keep(uint4 &v, const void *src,
                                            bool pred) {
  asm volatile("{\n\t.reg .pred p;\n\tsetp.ne.b32 p, %4, 0;\n\t"
               "@p ld.global.nc.L1::no_allocate.v4.u32 {%0, %1, %2, %3}, "
               "[%5];\n\t}\n"
               : "+r"(v.x), "+r"(v.y), "+r"(v.z), "+r"(v.w)
               : "r"(int(pred)), "l"(src));
}
/// The same through L1 (x, read by several lanes and CTAs).
__device__ __forceinline__ void ldg16_keep(uint32_t (&v)[4], const void *src,
                                           bool pred) {
  asm volatile("{\n\t.reg .pred p;\n\tsetp.ne.b32 p, %4, 0;\n\t"
               "@p ld.global.nc.v4.u32 {%0, %1, %2, %3}, [%5];\n\t}\n"
               : "+r"(v[0]), "+r"(v[1]), "+r"(v[2]), "+r"(v[3])
               : "r"(int(pred)), "l"(src));
}
__device__ __forceinline__ uint2 load8(const void *src, bool pred) {
  uint2 v = make_uint2(0u, 0u);
  if (pred)
    v = __ldg(reinterpret_cast<const uint2 *>(src));
  return v;
}
__device__ __forceinline__ uint32_t load4(const void *src, bool pred) {
  return pred ? __ldg(reinterpret_cast<const unsigned int *>(src)) : 0u;
}
} // namespace stream

/// qmm.tile.stream_matmul: y[row0 : row0 + BlockM, col0 : col0 + BlockN] =
/// x[row0 :, :] · W[:, col0 :] (+ bias), rows at or past `rows` untouched.
///
/// Threads = 32 * warps; the warps split K, and with SplitK > 1 so do the
/// SplitK CTAs of the tile's cluster (cluster.cuh): warp w of CTA r is the
/// K-stream r * warps + w of warps * SplitK. With column warps (BlockN >
/// 64) warp w computes columns [w, w + 1) * BlockN / warps of the tile and
/// CTA r is the K-stream r of SplitK. BlockK is the number of input
/// channels one warp consumes per step (4 lanes x UK units). Stages is the
/// number of register buffers per lane: the weights (and scales and zeros)
/// of Stages - 1 future steps are in flight while one step is computed.
/// x comes from L2/L1 (it is small and shared by every CTA) into registers
/// one step ahead where the tile's x fragment is small enough to hold
/// twice.
///
/// Where a step lies within one quantization group (the group size is a
/// multiple of BlockK) the weights enter the mma undequantized, as the exact
/// halves 1 + code / F (UnitScale), and zero point and scale are applied to the
/// step's fp32 results: with P = sum_k x_k (1 + code_k / F) and
/// X = sum_k x_k, sum_k x_k (code_k - z) s = F s P - (F + z) s X.
/// X comes from one more mma with an all-ones weight fragment. That trades
/// two half2 operations per weight pair for two FFMAs per accumulator per
/// step.
template <int Threads, typename Layout, int BlockM, int BlockN, int BlockK,
          int Stages, int SplitK = 1, typename T>
__device__ __forceinline__ void
stream_matmul(const T *__restrict__ x, const uint32_t *__restrict__ qweight,
              const uint32_t *__restrict__ qzeros, const T *__restrict__ scales,
              const int32_t *__restrict__ gIdx,
              const typename NonDeduced<T>::type *__restrict__ bias,
              T *__restrict__ y, int rows, int inFeatures, int outFeatures,
              int row0, int col0) {
  constexpr int Bits = Layout::kBits;
  using U = stream::UnitShape<Bits>;
  constexpr int kCtaWarps = Threads / 32;
  // Column warps: a block_n wider than one warp's 32 or 64 columns is split
  // across the CTA's warps, which then walk the same K steps side by side
  // (and the SplitK CTAs of a cluster split K). Their x loads are the same
  // addresses at about the same time, so all but the first come from L1:
  // each x byte fetched from L2 serves block_n columns instead of 32-64.
  constexpr bool kColumnWarps = BlockN > 64;
  constexpr int WarpN = kColumnWarps ? BlockN / kCtaWarps : BlockN;
  // K-streams: the warps of all SplitK CTAs of the cluster, or with column
  // warps the CTAs alone.
  constexpr int kWarps = (kColumnWarps ? 1 : kCtaWarps) * SplitK;
  constexpr int MG = BlockM / 8;                // 8-row x groups (mma n8 tiles)
  constexpr int UN = WarpN / 32;                // uint4 column vectors per lane
  constexpr int UK = BlockK / (4 * U::kValues); // units per lane per step
  static_assert(BlockM % 8 == 0 && MG <= 4, "block_m is 8, 16, 24 or 32");
  static_assert((WarpN == 32 || WarpN == 64) &&
                    WarpN * (kColumnWarps ? kCtaWarps : 1) == BlockN,
                "block_n is 32 or 64, or warps x 32 or warps x 64");
  static_assert(UK >= 1 && UK * 4 * U::kValues == BlockK,
                "block_k is 4 lanes x whole units");
  // A lane's units of one step lie in one quantization group (group sizes
  // are multiples of 32), so one set of scales and zeros serves the step.
  static_assert(UK * U::kValues <= 32, "a lane's step stays within 32 values");
  static_assert(Stages >= 2, "one buffer in use and at least one loading");
  static_assert(SplitK >= 1 && SplitK <= 8, "clusters hold at most 8 CTAs");
  constexpr bool kScaleAfter = !Layout::kActOrder &&
                               stream::UnitScale<T, Bits>::kShift >= 0 &&
                               Layout::kGroupSize % BlockK == 0;
  constexpr bool kMagicPath =
      !kScaleAfter && !Layout::kActOrder &&
      !(Bits == 8 && stream::Magic<T>::kBits == 0x4300u);
  // Skipped loads leave their registers as they were instead of zeroing
  // them (load16_keep) on the one-x-group tiles: 24 fewer instructions in
  // the 70B gate-up decode tile; on M >= 16 tiles the longer live ranges
  // cost 8 registers and a CTA per SM.
  constexpr bool kKeepSkipped = MG == 1;
  // Holding the next step's x beside this step's doubles the x registers.
  // That measured faster on 16-row tiles (up to 32 x registers per step);
  // 32-row tiles with 32 values per lane (64 per step) would risk spills,
  // so they load x at the start of each step instead.
  // The per-value path (act-order, bf16 8-bit) needs its registers for
  // the scale and zero lookups in flight; it loads x when it needs it.
  constexpr bool kPrefetchX =
      MG * UK * U::kPairs <= 32 && (kScaleAfter || kMagicPath);
  // Register buffer items (uint4 per lane): the weight words, then per
  // column vector one item holding 4 scales (.x, .y) and the zero-point
  // words (.z, .w: a 3-bit field may straddle two).
  constexpr int kWeightItems = UK * U::kWords * UN;
  constexpr int kItems = kWeightItems + (Layout::kActOrder ? 0 : UN);

  __shared__ __align__(16) float partial[BlockM * BlockN];
  for (int i = threadIdx.x; i < BlockM * BlockN; i += Threads)
    partial[i] = 0.0f;
  __syncthreads();

  // Regrouped act-order weights (x read through a permutation) on one
  // x group: where the CTA's live rows of x fit kStagedValues, the CTA
  // gathers them through the permutation into shared memory once, and the
  // steps read x from there as the plain kernel reads it from global
  // memory; otherwise each step gathers its x values one by one.
  constexpr bool kStageX = Layout::kXPermuted && MG == 1 && SplitK == 1;
  // 32 KB of fp16/bf16, or what the 48 KB of static shared memory leave
  // beside the partial tile (wide column-warp tiles: 16 KB at 1024 columns).
  constexpr int kStageRoom = (48 * 1024 - BlockM * BlockN * 4) / 2;
  constexpr int kStagedValues = !kStageX             ? 8
                                : kStageRoom < 16384 ? kStageRoom / 8 * 8
                                                     : 16384;
  __shared__ __align__(16) unsigned short xStagedBits[kStagedValues];
  [[maybe_unused]] const T *xStaged = reinterpret_cast<const T *>(xStagedBits);

  // This warp's K-stream, and its first column within the tile.
  int warp = kColumnWarps ? 0 : threadIdx.x / 32;
  if constexpr (SplitK > 1)
    warp += cluster::rank() * (kColumnWarps ? 1 : kCtaWarps);
  const int warpColumn = kColumnWarps ? threadIdx.x / 32 * WarpN : 0;
  const int warpCol0 = col0 + warpColumn;
  const int lane = threadIdx.x % 32;
  const int g = lane / 4;
  const int t = lane % 4;
  const int units = inFeatures / U::kValues;
  const int steps = (units + 4 * UK - 1) / (4 * UK);
  // Rows of this CTA that exist; x groups past them are never loaded and
  // their mma skipped (warp-uniform).
  const int liveRows = rows - row0 < BlockM ? rows - row0 : BlockM;
  // (The first test folds where K is a constant, as in emitted kernels.)
  [[maybe_unused]] const bool staged = kStageX && inFeatures <= kStagedValues &&
                                       liveRows * inFeatures <= kStagedValues;
  const int zeroWords = outFeatures * Bits / 32;
  // K a whole number of steps (K is a constant in every emitted kernel, so
  // this folds): a step below `steps` then has all its units, and the
  // per-unit bounds checks reduce to the step's.
  const bool wholeSteps = units % (4 * UK) == 0;

  float acc[UN][2][MG][4];
#pragma unroll
  for (int v = 0; v < UN; ++v)
#pragma unroll
    for (int j = 0; j < 2; ++j)
#pragma unroll
      for (int mg = 0; mg < MG; ++mg)
#pragma unroll
        for (int e = 0; e < 4; ++e)
          acc[v][j][mg][e] = 0.0f;

  // Whether the lane needs new scales and zeros at `step` (one of this
  // warp's): at the warp's first step, when the lane's group differs from
  // the one at the warp's previous step, and past K (where the copies
  // zero-fill, as the weights do). issue() copies them and the step's math
  // reads them only then; otherwise the registers still hold them.
  // A warp's consecutive steps are kWarps * BlockK channels apart: from a
  // group's width on, every step starts a new group and the test folds.
  constexpr bool kEveryStepNewGroup = kWarps * BlockK >= Layout::kGroupSize;
  auto newGroup = [&](int step) {
    if constexpr (kEveryStepNewGroup)
      return true;
    const int unit0 = step * 4 * UK + t * UK;
    const int previous = unit0 - kWarps * 4 * UK;
    return step == warp || unit0 >= units ||
           unit0 * U::kValues / Layout::kGroupSize !=
               previous * U::kValues / Layout::kGroupSize;
  };

  // Per-lane bases, so that a step's addresses cost one 64-bit add per
  // packed word row instead of a full index computation per load: the
  // lane's weight words at step 0 (unit t * UK + u, word wd, its 4 columns
  // of the first vector) and the step stride.
  const uint32_t *weightBase =
      qweight + (int64_t)t * UK * U::kWords * outFeatures + warpCol0 + 4 * g;
  const int64_t weightStride = (int64_t)4 * UK * U::kWords * outFeatures;

  // Starts the loads of `step` into `items` (zeros past the end).
  using Items = uint4[kItems];
  auto load = [&](Items &items, int step) {
    const int unit0 = step * 4 * UK + t * UK;
    const bool stepValid = step < steps;
    const uint32_t *words = weightBase + step * weightStride;
#pragma unroll
    for (int u = 0; u < UK; ++u) {
      const bool valid = stepValid && (wholeSteps || unit0 + u < units);
#pragma unroll
      for (int wd = 0; wd < U::kWords; ++wd) {
        const uint32_t *row =
            words + (int64_t)(u * U::kWords + wd) * outFeatures;
#pragma unroll
        for (int v = 0; v < UN; ++v) {
          uint4 &item = items[(u * U::kWords + wd) * UN + v];
          // With whole steps a skipped load is a step past K, whose buffer
          // is never computed: no zeroing needed.
          if (kKeepSkipped && wholeSteps)
            stream::load16_keep(item, row + 32 * v, valid);
          else
            item = stream::load16(row + 32 * v, valid);
        }
      }
    }
    if constexpr (!Layout::kActOrder) {
      if (stepValid && newGroup(step)) {
        const bool valid = unit0 < units;
        const int group = valid ? unit0 * U::kValues / Layout::kGroupSize : 0;
        const T *scaleRow =
            scales + (int64_t)group * outFeatures + warpCol0 + 4 * g;
        const uint32_t *zeroRow = qzeros + (int64_t)group * zeroWords;
#pragma unroll
        for (int v = 0; v < UN; ++v) {
          const int bit = (warpCol0 + 32 * v + 4 * g) * Bits;
          const uint2 scale4 = stream::load8(scaleRow + 32 * v, valid);
          uint4 &item = items[kWeightItems + v];
          item.x = scale4.x;
          item.y = scale4.y;
          item.z = stream::load4(zeroRow + (bit >> 5), valid);
          item.w = stream::load4(zeroRow + (bit >> 5) + 1,
                                 valid && (bit & 31) + 4 * Bits > 32);
        }
      }
    }
  };

  // x of `step` in natural order (rows past the CTA's live rows and units
  // past K are zero, which also zeroes their products).
  using XFragment = uint32_t[UK][MG][U::kPairs];
  // x of row 8 mg + g at the lane's first unit of step 0.
  const T *xBase = x + (int64_t)(row0 + g) * inFeatures + t * UK * U::kValues;
  auto loadX = [&](XFragment &xs, int step) {
    const int unit0 = step * 4 * UK + t * UK;
    if constexpr (kStageX) {
      if (staged) {
        // Row g of the staged x, in the weight's channel order.
#pragma unroll
        for (int u = 0; u < UK; ++u) {
          const bool live =
              (wholeSteps ? step < steps : unit0 + u < units) && g < liveRows;
          const T *src = xStaged + g * inFeatures + (unit0 + u) * U::kValues;
          if constexpr (U::kPairs >= 4) {
#pragma unroll
            for (int q = 0; q < U::kPairs / 4; ++q) {
              uint4 value = make_uint4(0u, 0u, 0u, 0u);
              if (live)
                value = reinterpret_cast<const uint4 *>(src)[q];
              xs[u][0][4 * q] = value.x;
              xs[u][0][4 * q + 1] = value.y;
              xs[u][0][4 * q + 2] = value.z;
              xs[u][0][4 * q + 3] = value.w;
            }
          } else {
            uint2 value = make_uint2(0u, 0u);
            if (live)
              value = *reinterpret_cast<const uint2 *>(src);
            xs[u][0][0] = value.x;
            xs[u][0][1] = value.y;
          }
        }
        return;
      }
    }
    if constexpr (Layout::kXPermuted) {
      // Reordered act-order weight: channel k reads x column perm[k]
      // (gIdx holds perm). The permutation is shared by all rows, so it is
      // loaded once per unit, 16 bytes at a time; x values come one by one
      // from L1/L2 (x is small and every CTA reads it).
#pragma unroll
      for (int u = 0; u < UK; ++u) {
        const bool unitLive = unit0 + u < units;
        int32_t column[U::kValues];
#pragma unroll
        for (int q = 0; q < U::kValues / 4; ++q) {
          int4 four = make_int4(0, 0, 0, 0);
          if (unitLive)
            four = __ldg(reinterpret_cast<const int4 *>(gIdx + (unit0 + u) *
                                                                   U::kValues) +
                         q);
          column[4 * q] = four.x;
          column[4 * q + 1] = four.y;
          column[4 * q + 2] = four.z;
          column[4 * q + 3] = four.w;
        }
#pragma unroll
        for (int mg = 0; mg < MG; ++mg) {
          const int m = 8 * mg + g;
          const bool live = unitLive && m < liveRows;
          const unsigned short *row = reinterpret_cast<const unsigned short *>(
              x + (int64_t)(row0 + m) * inFeatures);
#pragma unroll
          for (int w = 0; w < U::kPairs; ++w) {
            uint32_t pair = 0u;
            if (live)
              pair = uint32_t(__ldg(row + column[2 * w])) |
                     (uint32_t(__ldg(row + column[2 * w + 1])) << 16);
            xs[u][mg][w] = pair;
          }
        }
      }
      return;
    }
    const T *xStep = xBase + step * 4 * UK * U::kValues;
#pragma unroll
    for (int u = 0; u < UK; ++u)
#pragma unroll
      for (int mg = 0; mg < MG; ++mg) {
        const int m = 8 * mg + g;
        const bool live =
            (wholeSteps ? step < steps : unit0 + u < units) && m < liveRows;
        const T *src = xStep + (int64_t)8 * mg * inFeatures + u * U::kValues;
        if constexpr (U::kPairs >= 4) {
#pragma unroll
          for (int q = 0; q < U::kPairs / 4; ++q) {
            if (kKeepSkipped && wholeSteps) {
              // Skipped: a step past K (never computed) or a row past M,
              // whose products land only in that row's outputs, never
              // stored; so no zeroing.
              stream::ldg16_keep(
                  *reinterpret_cast<uint32_t(*)[4]>(&xs[u][mg][4 * q]),
                  reinterpret_cast<const uint4 *>(src) + q, live);
              continue;
            }
            uint4 value = make_uint4(0u, 0u, 0u, 0u);
            if (live)
              value = __ldg(reinterpret_cast<const uint4 *>(src) + q);
            xs[u][mg][4 * q] = value.x;
            xs[u][mg][4 * q + 1] = value.y;
            xs[u][mg][4 * q + 2] = value.z;
            xs[u][mg][4 * q + 3] = value.w;
          }
        } else {
          uint2 value = make_uint2(0u, 0u);
          if (live)
            value = __ldg(reinterpret_cast<const uint2 *>(src));
          xs[u][mg][0] = value.x;
          xs[u][mg][1] = value.y;
        }
      }
  };

  // The staged x (kStageX): the CTA's live rows gathered through the
  // permutation by the `activeWarps` warps that have steps (the others have
  // left), which then meet at a named barrier. A thread takes chunks of 8
  // channels (16 bytes of shared memory), kStageBatch at a time: first
  // their permutation entries (32 bytes per chunk, shared by all rows),
  // then every x value of the batch, so that the whole gather waits on
  // few round trips to L2 rather than two per chunk.
  [[maybe_unused]] auto stageX = [&](int activeWarps) {
    constexpr int kStageBatch = 4;
    const int activeThreads = 32 * activeWarps;
    const int chunksPerRow = inFeatures / 8;
    for (int c0 = threadIdx.x; c0 < chunksPerRow;
         c0 += kStageBatch * activeThreads) {
      int column[kStageBatch][8];
#pragma unroll
      for (int b = 0; b < kStageBatch; ++b) {
        const int c = c0 + b * activeThreads;
        int4 lo = make_int4(0, 0, 0, 0), hi = lo;
        if (c < chunksPerRow) {
          lo = __ldg(reinterpret_cast<const int4 *>(gIdx + 8 * c));
          hi = __ldg(reinterpret_cast<const int4 *>(gIdx + 8 * c) + 1);
        }
        column[b][0] = lo.x, column[b][1] = lo.y, column[b][2] = lo.z;
        column[b][3] = lo.w, column[b][4] = hi.x, column[b][5] = hi.y;
        column[b][6] = hi.z, column[b][7] = hi.w;
      }
      for (int m = 0; m < liveRows; ++m) {
        const unsigned short *row = reinterpret_cast<const unsigned short *>(
            x + (int64_t)(row0 + m) * inFeatures);
        uint32_t value[kStageBatch][8];
#pragma unroll
        for (int b = 0; b < kStageBatch; ++b)
#pragma unroll
          for (int i = 0; i < 8; ++i)
            value[b][i] = c0 + b * activeThreads < chunksPerRow
                              ? __ldg(row + column[b][i])
                              : 0u;
#pragma unroll
        for (int b = 0; b < kStageBatch; ++b) {
          const int c = c0 + b * activeThreads;
          if (c < chunksPerRow)
            *reinterpret_cast<uint4 *>(xStagedBits + m * inFeatures + 8 * c) =
                make_uint4(value[b][0] | (value[b][1] << 16),
                           value[b][2] | (value[b][3] << 16),
                           value[b][4] | (value[b][5] << 16),
                           value[b][6] | (value[b][7] << 16));
        }
      }
    }
    asm volatile("bar.sync 1, %0;" ::"r"(activeThreads) : "memory");
  };

  // Per column: the zero as (magic + zero) and the scale, both broadcast to
  // half2 (magic path), as floats (per-value path), or as the factors F s
  // and (F + z) s of the scale-after path; kept across steps of one group.
  uint32_t z2[UN][4] = {}, s2[UN][4] = {};
  float zf[UN][4] = {}, sf[UN][4] = {};
  constexpr float kF = stream::UnitScale<T, Bits>::kF;

  // One step of this warp: its weights in `items`, x in `xs`; starts the
  // loads of the weights Stages - 1 steps ahead into `later` and of the
  // next step's x into `xn`.
  auto runStep = [&](int step, const Items &items, Items &later, XFragment &xs,
                     XFragment &xn) {
    // The warp's step index (its steps are kWarps apart), for the timing
    // switches of ablate.cuh: they stop the copies once every buffer holds
    // one step.
    const int ordinal = (step - warp) / kWarps;
    if (ablate::copies<Stages>(ablate::kW, ordinal + Stages - 1, 0))
      load(later, step + (Stages - 1) * kWarps);
    [[maybe_unused]] const int unit0 = step * 4 * UK + t * UK;
    if constexpr (kPrefetchX) {
      if (ablate::copies<Stages>(ablate::kX, ordinal + 1, 0))
        loadX(xn, step + kWarps);
    } else if (ablate::copies<Stages>(ablate::kX, ordinal, 0)) {
      loadX(xs, step);
    }

    if constexpr (!Layout::kActOrder) {
      if (newGroup(step)) {
#pragma unroll
        for (int v = 0; v < UN; ++v) {
          const uint4 sz = items[kWeightItems + v];
          const int shift = ((warpCol0 + 32 * v + 4 * g) * Bits) & 31;
          uint32_t fields = sz.z >> shift;
          if (shift + 4 * Bits > 32)
            fields |= sz.w << (32 - shift);
#pragma unroll
          for (int c = 0; c < 4; ++c) {
            const uint32_t zero =
                ((fields >> (Bits * c)) & Layout::kMask) + Layout::kZeroOffset;
            const uint32_t scaleBits =
                ((c < 2 ? sz.x : sz.y) >> (16 * (c % 2))) & 0xffffu;
            const unsigned short raw = (unsigned short)scaleBits;
            const float scale = to_float(*reinterpret_cast<const T *>(&raw));
            if constexpr (kScaleAfter) {
              sf[v][c] = kF * scale;
              zf[v][c] = (kF + float(zero)) * scale;
            } else {
              z2[v][c] = (stream::Magic<T>::kBits + zero) * 0x00010001u;
              s2[v][c] = scaleBits * 0x00010001u;
              sf[v][c] = scale;
              zf[v][c] = float(zero);
            }
          }
        }
      }
    }

    // Scale-after path: this step's P (per column) and X (per row).
    [[maybe_unused]] float pacc[UN][2][MG][4];
    [[maybe_unused]] float xacc[MG][4];
    if constexpr (kScaleAfter) {
#pragma unroll
      for (int mg = 0; mg < MG; ++mg)
#pragma unroll
        for (int e = 0; e < 4; ++e) {
          xacc[mg][e] = 0.0f;
#pragma unroll
          for (int v = 0; v < UN; ++v)
#pragma unroll
            for (int j = 0; j < 2; ++j)
              pacc[v][j][mg][e] = 0.0f;
        }
    }

#pragma unroll
    for (int u = 0; u < UK; ++u) {
      uint32_t xp[MG][U::kPairs];
#pragma unroll
      for (int mg = 0; mg < MG; ++mg)
        stream::permute_x<Bits>(xs[u][mg], xp[mg]);
      if constexpr (kScaleAfter) {
        constexpr uint32_t kOne2 =
            stream::UnitScale<T, Bits>::kOne * 0x00010001u;
        const uint32_t ones[4] = {kOne2, kOne2, kOne2, kOne2};
#pragma unroll
        for (int p = 0; p < U::kPairs / 2; ++p)
#pragma unroll
          for (int mg = 0; mg < MG; ++mg)
            if (mg == 0 || 8 * mg < liveRows)
              mma_m16n8k16<T>(xacc[mg], ones, xp[mg][2 * p], xp[mg][2 * p + 1]);
      }
#pragma unroll
      for (int v = 0; v < UN; ++v) {
        uint4 wv[U::kWords];
#pragma unroll
        for (int wd = 0; wd < U::kWords; ++wd)
          wv[wd] = items[(u * U::kWords + wd) * UN + v];
          // A tile j holds columns 2j and 2j + 1 of the lane's 4 (rows g and
          // g + 8): dequantize those two, feed them, then the next two, so
          // only half of the lane's columns are live at once.
#pragma unroll
        for (int j = 0; j < 2; ++j) {
          uint32_t h[2][U::kPairs];
#pragma unroll
          for (int cc = 0; cc < 2; ++cc) {
            const int c = 2 * j + cc;
            uint32_t words[U::kWords];
#pragma unroll
            for (int wd = 0; wd < U::kWords; ++wd)
              words[wd] = stream::component(wv[wd], c);
            if constexpr (kScaleAfter) {
              stream::unit_pairs<Bits, T>(words, h[cc]);
            } else if constexpr (kMagicPath) {
              constexpr uint32_t kMagic2 =
                  stream::Magic<T>::kBits | (stream::Magic<T>::kBits << 16);
              stream::magic_pairs<Bits, kMagic2>(words, h[cc]);
#pragma unroll
              for (int i = 0; i < U::kPairs; ++i)
                h[cc][i] = stream::sub_mul2<T>(h[cc][i], z2[v][c], s2[v][c]);
            } else {
              // Per value through fp32: act-order (group per k) or bf16
              // 8-bit.
              const int col = warpCol0 + 32 * v + 4 * g + c;
              const int kUnit = (unit0 + u) * U::kValues;
              const bool valid = unit0 + u < units;
#pragma unroll
              for (int i = 0; i < U::kPairs; ++i) {
                float pair[2];
#pragma unroll
                for (int half = 0; half < 2; ++half) {
                  const int index = half ? U::second(i) : U::first(i);
                  float scale, zero;
                  if constexpr (Layout::kActOrder) {
                    // Ordered loads: left free, the compiler hoists every
                    // lookup of the unrolled unit and runs out of
                    // registers (3-bit units have 32 values per column).
                    const int group =
                        valid ? int(stream::ordered_load(gIdx + kUnit + index))
                              : 0;
                    const int64_t entry = (int64_t)group * outFeatures + col;
                    const uint32_t scaleWord =
                        stream::ordered_load(reinterpret_cast<const uint32_t *>(
                            scales + (entry & ~1)));
                    const unsigned short raw =
                        (unsigned short)(scaleWord >> (16 * (entry & 1)));
                    scale = to_float(*reinterpret_cast<const T *>(&raw));
                    zero = float(load_zero_point<Layout>(
                        qzeros, outFeatures, group, col,
                        [](const uint32_t *word) {
                          return stream::ordered_load(word);
                        }));
                  } else {
                    scale = sf[v][c];
                    zero = zf[v][c];
                  }
                  pair[half] =
                      (float(extract_code<Bits>(words, index)) - zero) * scale;
                }
                h[cc][i] = pack2<T>(pair[0], pair[1]);
              }
            }
          }
#pragma unroll
          for (int p = 0; p < U::kPairs / 2; ++p) {
            // Logical k (2t, 2t+1) is pair 2p, (2t+8, 2t+9) is pair 2p+1.
            const uint32_t a[4] = {h[0][2 * p], h[1][2 * p], h[0][2 * p + 1],
                                   h[1][2 * p + 1]};
#pragma unroll
            for (int mg = 0; mg < MG; ++mg)
              if (mg == 0 || 8 * mg < liveRows) {
                if constexpr (kScaleAfter)
                  mma_m16n8k16<T>(pacc[v][j][mg], a, xp[mg][2 * p],
                                  xp[mg][2 * p + 1]);
                else
                  mma_m16n8k16<T>(acc[v][j][mg], a, xp[mg][2 * p],
                                  xp[mg][2 * p + 1]);
              }
          }
        }
      }
    }

    if constexpr (kScaleAfter) {
      // c[e] is column 2j + e / 2 of the lane's 4 (see the epilogue).
#pragma unroll
      for (int v = 0; v < UN; ++v)
#pragma unroll
        for (int j = 0; j < 2; ++j)
#pragma unroll
          for (int mg = 0; mg < MG; ++mg)
#pragma unroll
            for (int e = 0; e < 4; ++e) {
              const int c = 2 * j + e / 2;
              acc[v][j][mg][e] =
                  fmaf(sf[v][c], pacc[v][j][mg][e],
                       fmaf(-zf[v][c], xacc[mg][e], acc[v][j][mg][e]));
            }
    }
  };

  if (warp < steps) {
    // Buffer r % Stages holds the weights of the warp's step r (and x of
    // step r, where x is loaded ahead); the loop is unrolled by Stages so
    // that every index below is a compile-time constant.
    Items items[Stages];
    XFragment xf[Stages];
#pragma unroll
    for (int r = 0; r < Stages - 1; ++r)
      load(items[r], warp + r * kWarps);
    // x may come from the kernel before this one (types.cuh): the weights
    // above are already on their way.
    wait_for_prior_grids();
    if constexpr (kStageX) {
      if (staged)
        stageX(kColumnWarps || steps >= kCtaWarps ? kCtaWarps : steps);
    }
    if constexpr (kPrefetchX)
      loadX(xf[0], warp);
    for (int step = warp; step < steps; step += Stages * kWarps) {
#pragma unroll
      for (int r = 0; r < Stages; ++r) {
        if (r > 0 && step + r * kWarps >= steps)
          break;
        runStep(step + r * kWarps, items[r], items[(r + Stages - 1) % Stages],
                xf[r], xf[(r + 1) % Stages]);
      }
    }
  }

  if constexpr (ablate::kEpilogue) {
    ablate::keep(acc, y);
    return;
  }

  // C fragment: c[e] is column (2j + e / 2) of the lane's 4 and x row
  // 8 mg + 2t + e % 2.
#pragma unroll
  for (int v = 0; v < UN; ++v)
#pragma unroll
    for (int j = 0; j < 2; ++j)
#pragma unroll
      for (int mg = 0; mg < MG; ++mg)
#pragma unroll
        for (int e = 0; e < 4; ++e) {
          const int m = 8 * mg + 2 * t + e % 2;
          const int n = warpColumn + 32 * v + 4 * g + 2 * j + e / 2;
          if (m < liveRows)
            atomicAdd(&partial[m * BlockN + n], acc[v][j][mg][e]);
        }

  // Output columns n, n + 1 of row m: the sums plus the bias, one packed
  // store.
  auto storePair = [&](int m, int n, float s0, float s1) {
    float b0 = 0.0f, b1 = 0.0f;
    if (bias != nullptr) {
      b0 = to_float(bias[col0 + n]);
      b1 = to_float(bias[col0 + n + 1]);
    }
    *reinterpret_cast<uint32_t *>(y + (int64_t)(row0 + m) * outFeatures + col0 +
                                  n) = pack2<T>(s0 + b0, s1 + b1);
  };
  if constexpr (SplitK > 1) {
    // Every CTA's partial tile is complete after the cluster barrier; the
    // CTAs then sum and store one SplitK-th of the tile each.
    cluster::sync();
    cluster::reduce_partials<SplitK, Threads>(
        partial, liveRows * BlockN, [&](int i, const float4 &sum) {
          const int m = i / BlockN, n = i % BlockN;
          storePair(m, n, sum.x, sum.y);
          storePair(m, n + 2, sum.z, sum.w);
        });
    return;
  }
  __syncthreads();
  for (int i = threadIdx.x; i < BlockM * BlockN / 2; i += Threads) {
    const int m = i / (BlockN / 2);
    const int n = 2 * (i % (BlockN / 2));
    if (m >= liveRows)
      continue;
    storePair(m, n, partial[m * BlockN + n], partial[m * BlockN + n + 1]);
  }
}

} // namespace qmm
