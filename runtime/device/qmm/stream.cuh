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
//  - Codes become fp16/bf16 without conversions: OR-ing a code into the
//    mantissa of 1024.0 (fp16) / 128.0 (bf16) gives 1024 + code exactly;
//    subtracting 1024 + zero (exact: small integers) and multiplying by the
//    scale rounds once, the same value the reference's (code - zero) * scale
//    rounds to.
//  - The CTA's warps split K. Each warp streams its steps through a private
//    ring of `Stages` slots in shared memory filled by cp.async: the
//    weights, scales and zeros of Stages - 1 future steps are in flight per
//    lane without costing registers (a register pipeline deep enough to
//    cover DRAM latency would cut occupancy). No barrier is needed: a lane
//    only reads the slot entries it copied itself. Partial sums meet in
//    shared memory (fp32 atomics) and are written once, with the bias, as
//    packed pairs.
//  - x is small and read by every CTA, so it comes from L2 with __ldg, one
//    step ahead in registers: the next step's load overlaps this step's
//    math instead of stalling the start of every step.
//  - Scales and zeros are copied, and turned into registers, only when a
//    lane's quantization group changes between its warp's consecutive
//    steps (once per warp when one group spans all of K).
//
// Act-order layouts and bf16 with 8-bit codes (whose 1.0-spaced range in
// bf16 holds only 128 values) take a per-value path through fp32 instead of
// the magic-number one: correct, not fast.
#pragma once

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

/// Pairs of (magic + code) halves from one column's unit words, in
/// UnitShape order.
template <int Bits, uint32_t Magic2>
__device__ __forceinline__ void
magic_pairs(const uint32_t (&w)[UnitShape<Bits>::kWords],
            uint32_t (&h)[UnitShape<Bits>::kPairs]) {
  if constexpr (Bits == 4) {
#pragma unroll
    for (int i = 0; i < 4; ++i)
      h[i] = ((w[0] >> (4 * i)) & 0x000f000fu) | Magic2;
  } else if constexpr (Bits == 2) {
#pragma unroll
    for (int i = 0; i < 8; ++i)
      h[i] = ((w[0] >> (2 * i)) & 0x00030003u) | Magic2;
  } else if constexpr (Bits == 8) {
    // Result bytes: code, magic high byte, code, magic high byte.
    h[0] = __byte_perm(w[0], Magic2 >> 8, 0x4140);
    h[1] = __byte_perm(w[0], Magic2 >> 8, 0x4342);
  } else {
    // 3 bits: values 0..9 of word 0 sit at bits 3i. Moving bits 15.. up by
    // one puts value 5 + i 16 bits above value i, so pairs (i, i + 5) are one
    // shift and mask each; words 1 and 2 are aligned the same way first.
    // Values 10 and 21 straddle words and form the last pair.
    const uint32_t u0 = (w[0] & 0x7fffu) | ((w[0] << 1) & 0xffff0000u);
    const uint32_t u1 = ((w[1] >> 1) & 0x7fffu) | (w[1] & 0xffff0000u);
    const uint32_t u2 = ((w[2] >> 2) & 0x7fffu) | ((w[2] >> 1) & 0xffff0000u);
#pragma unroll
    for (int i = 0; i < 5; ++i) {
      h[i] = ((u0 >> (3 * i)) & 0x00070007u) | Magic2;
      h[5 + i] = ((u1 >> (3 * i)) & 0x00070007u) | Magic2;
      h[10 + i] = ((u2 >> (3 * i)) & 0x00070007u) | Magic2;
    }
    const uint32_t v10 = (w[0] >> 30) | ((w[1] & 1u) << 2);
    const uint32_t v21 = (w[1] >> 31) | ((w[2] & 3u) << 1);
    h[15] = v10 | (v21 << 16) | Magic2;
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

/// cp.async of 16, 8 or 4 bytes (zero-filled when `pred` is false, which
/// reads nothing from `src`). 16-byte copies bypass L1: weights are read
/// once.
__device__ __forceinline__ uint32_t shared_address(const void *p) {
  uint32_t address;
  asm("{ .reg .u64 a; cvta.to.shared.u64 a, %1; cvt.u32.u64 %0, a; }\n"
      : "=r"(address)
      : "l"(p));
  return address;
}
__device__ __forceinline__ void copy16(void *dst, const void *src, bool pred) {
  asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n" ::"r"(
                   shared_address(dst)),
               "l"(src), "r"(pred ? 16 : 0)
               : "memory");
}
__device__ __forceinline__ void copy8(void *dst, const void *src, bool pred) {
  asm volatile("cp.async.ca.shared.global [%0], [%1], 8, %2;\n" ::"r"(
                   shared_address(dst)),
               "l"(src), "r"(pred ? 8 : 0)
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

} // namespace stream

/// qmm.tile.stream_matmul: y[row0 : row0 + BlockM, col0 : col0 + BlockN] =
/// x[row0 :, :] · W[:, col0 :] (+ bias), rows at or past `rows` untouched.
///
/// Threads = 32 * warps; the warps split K. BlockK is the number of input
/// channels one warp consumes per step (4 lanes x UK units). Stages is the
/// depth of each warp's cp.async ring in shared memory: a lane keeps the
/// weights (and scales and zeros) of Stages - 1 future steps in flight
/// without spending registers on them. x comes from L2/L1 (it is small and
/// shared by every CTA) into registers one step ahead where the tile's x
/// fragment is small enough to hold twice.
template <int Threads, typename Layout, int BlockM, int BlockN, int BlockK,
          int Stages, typename T>
__device__ __forceinline__ void
stream_matmul(const T *__restrict__ x, const uint32_t *__restrict__ qweight,
              const uint32_t *__restrict__ qzeros, const T *__restrict__ scales,
              const int32_t *__restrict__ gIdx,
              const typename NonDeduced<T>::type *__restrict__ bias,
              T *__restrict__ y, int rows, int inFeatures, int outFeatures,
              int row0, int col0) {
  constexpr int Bits = Layout::kBits;
  using U = stream::UnitShape<Bits>;
  constexpr int kWarps = Threads / 32;
  constexpr int MG = BlockM / 8;                // 8-row x groups (mma n8 tiles)
  constexpr int UN = BlockN / 32;               // uint4 column vectors per lane
  constexpr int UK = BlockK / (4 * U::kValues); // units per lane per step
  static_assert(BlockM % 16 == 0 && MG <= 4, "block_m is 16 or 32");
  static_assert(BlockN == 32 || BlockN == 64, "block_n is 32 or 64");
  static_assert(UK >= 1 && UK * 4 * U::kValues == BlockK,
                "block_k is 4 lanes x whole units");
  // A lane's units of one step lie in one quantization group (group sizes
  // are multiples of 32), so one set of scales and zeros serves the step.
  static_assert(UK * U::kValues <= 32, "a lane's step stays within 32 values");
  static_assert(Stages >= 2, "the ring needs a slot in use and one filling");
  constexpr bool kMagicPath =
      !Layout::kActOrder && !(Bits == 8 && stream::Magic<T>::kBits == 0x4300u);
  // Holding the next step's x beside this step's doubles the x registers.
  // That measured faster on 16-row tiles (up to 32 x registers per step);
  // 32-row tiles with 32 values per lane (64 per step) would risk spills,
  // so they load x at the start of each step instead.
  constexpr bool kPrefetchX = MG * UK * U::kPairs <= 32;
  // Ring slot items (uint4 per lane): the weight words, then per column
  // vector one item holding 4 scales (.x, .y) and the zero-point words
  // (.z, .w: a 3-bit field may straddle two).
  constexpr int kWeightItems = UK * U::kWords * UN;
  constexpr int kItems = kWeightItems + (Layout::kActOrder ? 0 : UN);

  __shared__ uint4 ring[kWarps][Stages][kItems][32];
  __shared__ float partial[BlockM * BlockN];
  for (int i = threadIdx.x; i < BlockM * BlockN; i += Threads)
    partial[i] = 0.0f;
  __syncthreads();

  const int warp = threadIdx.x / 32;
  const int lane = threadIdx.x % 32;
  const int g = lane / 4;
  const int t = lane % 4;
  const int units = inFeatures / U::kValues;
  const int steps = (units + 4 * UK - 1) / (4 * UK);
  // Rows of this CTA that exist; x groups past them are never loaded and
  // their mma skipped (warp-uniform).
  const int liveRows = rows - row0 < BlockM ? rows - row0 : BlockM;
  const int zeroWords = outFeatures * Bits / 32;

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
  // reads them from the ring only then; otherwise the registers still hold
  // them.
  auto newGroup = [&](int step) {
    const int unit0 = step * 4 * UK + t * UK;
    const int previous = unit0 - kWarps * 4 * UK;
    return step == warp || unit0 >= units ||
           unit0 * U::kValues / Layout::kGroupSize !=
               previous * U::kValues / Layout::kGroupSize;
  };

  // Starts the copies of `step` (none past the end) into ring slot `slot`.
  auto issue = [&](int slot, int step) {
    const int unit0 = step * 4 * UK + t * UK;
    const bool stepValid = step < steps;
#pragma unroll
    for (int u = 0; u < UK; ++u) {
      const int unit = unit0 + u;
      const bool valid = stepValid && unit < units;
#pragma unroll
      for (int wd = 0; wd < U::kWords; ++wd)
#pragma unroll
        for (int v = 0; v < UN; ++v)
          stream::copy16(
              &ring[warp][slot][(u * U::kWords + wd) * UN + v][lane],
              valid ? qweight + (int64_t)(unit * U::kWords + wd) * outFeatures +
                          col0 + 32 * v + 4 * g
                    : qweight,
              valid);
    }
    if constexpr (!Layout::kActOrder) {
      if (stepValid && newGroup(step)) {
        const bool valid = unit0 < units;
        const int group = valid ? unit0 * U::kValues / Layout::kGroupSize : 0;
#pragma unroll
        for (int v = 0; v < UN; ++v) {
          const int col = col0 + 32 * v + 4 * g;
          uint4 *item = &ring[warp][slot][kWeightItems + v][lane];
          stream::copy8(item, scales + (int64_t)group * outFeatures + col,
                        valid);
          const uint32_t *zeroRow = qzeros + (int64_t)group * zeroWords;
          const int bit = col * Bits;
          stream::copy4(&item->z, zeroRow + (bit >> 5), valid);
          stream::copy4(&item->w, zeroRow + (bit >> 5) + 1,
                        valid && (bit & 31) + 4 * Bits > 32);
        }
      }
    }
  };

  // x of `step` in natural order (rows past the CTA's live rows and units
  // past K are zero, which also zeroes their products).
  using XFragment = uint32_t[UK][MG][U::kPairs];
  auto loadX = [&](XFragment &xs, int step) {
    const int unit0 = step * 4 * UK + t * UK;
#pragma unroll
    for (int u = 0; u < UK; ++u)
#pragma unroll
      for (int mg = 0; mg < MG; ++mg) {
        const int m = 8 * mg + g;
        const bool live = unit0 + u < units && m < liveRows;
        const T *src =
            x + (int64_t)(row0 + m) * inFeatures + (unit0 + u) * U::kValues;
        if constexpr (U::kPairs >= 4) {
#pragma unroll
          for (int q = 0; q < U::kPairs / 4; ++q) {
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

  // Per column: the zero as (magic + zero) and the scale, both broadcast to
  // half2 (magic path) or as floats; kept across steps of one group.
  uint32_t z2[UN][4] = {}, s2[UN][4] = {};
  float zf[UN][4] = {}, sf[UN][4] = {};

  if (warp < steps) {
#pragma unroll
    for (int s = 0; s < Stages - 1; ++s) {
      issue(s, warp + s * kWarps);
      stream::commit();
    }
    XFragment xs;
    if constexpr (kPrefetchX)
      loadX(xs, warp);
    int slot = 0;
    for (int step = warp; step < steps; step += kWarps) {
      {
        int fill = slot + Stages - 1;
        fill = fill >= Stages ? fill - Stages : fill;
        issue(fill, step + (Stages - 1) * kWarps);
        stream::commit();
      }
      const int unit0 = step * 4 * UK + t * UK;
      // xs is this step's x; xn the next step's (all zero past the end), in
      // flight during this step's math.
      [[maybe_unused]] XFragment xn;
      if constexpr (kPrefetchX)
        loadX(xn, step + kWarps);
      else
        loadX(xs, step);
      // This step's copies are the oldest of the Stages in flight.
      stream::wait<Stages - 1>();

      if constexpr (!Layout::kActOrder) {
        if (newGroup(step)) {
#pragma unroll
          for (int v = 0; v < UN; ++v) {
            const uint4 item = ring[warp][slot][kWeightItems + v][lane];
            const int shift = ((col0 + 32 * v + 4 * g) * Bits) & 31;
            uint32_t fields = item.z >> shift;
            if (shift + 4 * Bits > 32)
              fields |= item.w << (32 - shift);
#pragma unroll
            for (int c = 0; c < 4; ++c) {
              const uint32_t zero = ((fields >> (Bits * c)) & Layout::kMask) +
                                    Layout::kZeroOffset;
              const uint32_t scaleBits =
                  ((c < 2 ? item.x : item.y) >> (16 * (c % 2))) & 0xffffu;
              z2[v][c] = (stream::Magic<T>::kBits + zero) * 0x00010001u;
              s2[v][c] = scaleBits * 0x00010001u;
              const unsigned short raw = (unsigned short)scaleBits;
              sf[v][c] = to_float(*reinterpret_cast<const T *>(&raw));
              zf[v][c] = float(zero);
            }
          }
        }
      }

#pragma unroll
      for (int u = 0; u < UK; ++u) {
        uint32_t xp[MG][U::kPairs];
#pragma unroll
        for (int mg = 0; mg < MG; ++mg)
          stream::permute_x<Bits>(xs[u][mg], xp[mg]);
#pragma unroll
        for (int v = 0; v < UN; ++v) {
          uint4 wv[U::kWords];
#pragma unroll
          for (int wd = 0; wd < U::kWords; ++wd)
            wv[wd] = ring[warp][slot][(u * U::kWords + wd) * UN + v][lane];
          uint32_t h[4][U::kPairs];
#pragma unroll
          for (int c = 0; c < 4; ++c) {
            uint32_t words[U::kWords];
#pragma unroll
            for (int wd = 0; wd < U::kWords; ++wd)
              words[wd] = stream::component(wv[wd], c);
            if constexpr (kMagicPath) {
              constexpr uint32_t kMagic2 =
                  stream::Magic<T>::kBits | (stream::Magic<T>::kBits << 16);
              stream::magic_pairs<Bits, kMagic2>(words, h[c]);
#pragma unroll
              for (int i = 0; i < U::kPairs; ++i)
                h[c][i] = stream::sub_mul2<T>(h[c][i], z2[v][c], s2[v][c]);
            } else {
              // Per value through fp32: act-order (group per k) or bf16
              // 8-bit.
              const int col = col0 + 32 * v + 4 * g + c;
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
                    const int group = valid ? __ldg(gIdx + kUnit + index) : 0;
                    scale =
                        to_float(scales[(int64_t)group * outFeatures + col]);
                    zero = float(load_zero_point<Layout>(qzeros, outFeatures,
                                                         group, col));
                  } else {
                    scale = sf[v][c];
                    zero = zf[v][c];
                  }
                  pair[half] =
                      (float(extract_code<Bits>(words, index)) - zero) * scale;
                }
                h[c][i] = pack2<T>(pair[0], pair[1]);
              }
            }
          }
#pragma unroll
          for (int p = 0; p < U::kPairs / 2; ++p)
#pragma unroll
            for (int j = 0; j < 2; ++j) {
              // Rows g and g+8 of A tile j are columns 2j and 2j+1 of the
              // lane's 4; logical k (2t, 2t+1) is pair 2p, (2t+8, 2t+9) is
              // pair 2p+1.
              const uint32_t a[4] = {h[2 * j][2 * p], h[2 * j + 1][2 * p],
                                     h[2 * j][2 * p + 1],
                                     h[2 * j + 1][2 * p + 1]};
#pragma unroll
              for (int mg = 0; mg < MG; ++mg)
                if (mg == 0 || 8 * mg < liveRows)
                  mma_m16n8k16<T>(acc[v][j][mg], a, xp[mg][2 * p],
                                  xp[mg][2 * p + 1]);
            }
        }
      }
      if constexpr (kPrefetchX) {
#pragma unroll
        for (int u = 0; u < UK; ++u)
#pragma unroll
          for (int mg = 0; mg < MG; ++mg)
#pragma unroll
            for (int i = 0; i < U::kPairs; ++i)
              xs[u][mg][i] = xn[u][mg][i];
      }
      slot = slot + 1 == Stages ? 0 : slot + 1;
    }
    stream::wait<0>();
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
          const int n = 32 * v + 4 * g + 2 * j + e / 2;
          if (m < liveRows)
            atomicAdd(&partial[m * BlockN + n], acc[v][j][mg][e]);
        }
  __syncthreads();

  for (int i = threadIdx.x; i < BlockM * BlockN / 2; i += Threads) {
    const int m = i / (BlockN / 2);
    const int n = 2 * (i % (BlockN / 2));
    if (m >= liveRows)
      continue;
    float b0 = 0.0f, b1 = 0.0f;
    if (bias != nullptr) {
      b0 = to_float(bias[col0 + n]);
      b1 = to_float(bias[col0 + n + 1]);
    }
    *reinterpret_cast<uint32_t *>(y + (int64_t)(row0 + m) * outFeatures + col0 +
                                  n) =
        pack2<T>(partial[m * BlockN + n] + b0,
                 partial[m * BlockN + n + 1] + b1);
  }
}

} // namespace qmm
