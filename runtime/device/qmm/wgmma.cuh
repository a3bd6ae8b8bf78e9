// wgmma.cuh - the `wgmma` kernel strategy (sm_90a): warpgroup tensor-core
// tiles whose A operand is the dequantized weight, in registers.
//
// The pipelined kernel's mma.sync tiles read x from shared memory once per
// warp (ldmatrix) and issue one m16n8k16 per 2048 multiply-adds; at 64 and
// more rows that x traffic and the issue slots bound it (H100, ncu: 5.1
// instructions per HMMA, issue 40% busy). Hopper's wgmma takes its B
// operand straight from shared memory for the 4 warps of a warpgroup at
// once, and its A operand from registers. So the product is computed
// transposed: y^T = W^T x^T, the weight's output channels being wgmma's M
// (64 per instruction) and the batch rows its N (BlockM, 16 to 256):
//
//  - Every step (64 input channels) the CTA copies its x tile (BlockM rows
//    of 128 bytes, 16-byte chunks XOR-ed with row & 7: the canonical
//    K-major 128-byte swizzle wgmma reads), its packed weights (8 word rows
//    x BlockN columns) and, where a group starts, the scales and zero words
//    into one of `Stages` shared buffers with cp.async.
//  - Warp w of a warpgroup owns 16 output channels of each of its 64-channel
//    tiles; lane (g, t) needs channels g and g + 8 (wgmma's A rows), which
//    sit at physical columns 2g and 2g + 1 of the warp's 16 so that one
//    8-byte shared read fetches both. Input channels 2t, 2t + 1 (+ 8) are
//    byte t of a packed word: pipelined::NaturalDecode, as the mma.sync
//    tiles decode them.
//  - Per 16 channels the warpgroup issues one wgmma per 64-channel tile,
//    each right after its A fragment is decoded, so decoding the next
//    overlaps the tensor work (overlapping 64-row tiles of one 64-column
//    tile decode the whole step, then issue its wgmmas behind one fence
//    while the previous step's still run: measured faster, see kOneFence);
//    one commit per step. 64-row tiles retire a
//    step's wgmmas before the next step reuses its A registers and stage
//    buffer; larger tiles keep two A buffers and retire one step behind.
//  - Buffers past 48 KB are dynamic shared memory, aligned to 1024 bytes
//    here (the launch passes TileLegality's launchDynamicSharedBytes).
//  - The accumulators (fp32) hold, per lane, rows 8j + 2t (+ 1) of output
//    channels 2g and 2g + 1: adjacent channels, stored as one half2 each.
//  - split_k > 1: the tile's CTAs form a cluster and sum their partial tiles
//    through distributed shared memory (cluster.cuh), as pipelined tiles do.
//
// 4-bit layouts without act-order, fp16 or bf16 activations, group sizes 32
// and multiples of 64 (or one group). sm_90a only: TileLegality refuses
// wgmma tiles elsewhere.
#pragma once

#include "qmm/ablate.cuh"
#include "qmm/cluster.cuh"
#include "qmm/dequant.cuh"
#include "qmm/pipelined.cuh"
#include "qmm/types.cuh"

namespace qmm {
namespace wgmma {

// wgmma.mma_async m64nNk16 with A from registers (4 x b32 per thread, the
// m16n8k16 A fragment of the warp's 16 rows) and B from shared memory
// through a descriptor; D += A B (scale-d true), B not transposed (K-major).
// One macro per N: inline asm takes its operand list literally.
#define QMM_WGMMA_RS_N16(TYPE)                                                 \
  asm volatile("{\n.reg .pred p;\nsetp.ne.b32 p, 1, 0;\n"                      \
               "wgmma.mma_async.sync.aligned.m64n16k16.f32." TYPE "." TYPE     \
               " {"                                                            \
               "%0, %1, %2, %3, %4, %5, %6, %7"                                \
               "}, {%8, %9, %10, %11}, %12, p, 1, 1, 0;\n}\n"                  \
               : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3]), "+f"(d[4]),   \
                 "+f"(d[5]), "+f"(d[6]), "+f"(d[7])                            \
               : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "l"(b))

#define QMM_WGMMA_RS_N32(TYPE)                                                 \
  asm volatile("{\n.reg .pred p;\nsetp.ne.b32 p, 1, 0;\n"                      \
               "wgmma.mma_async.sync.aligned.m64n32k16.f32." TYPE "." TYPE     \
               " {"                                                            \
               "%0, %1, %2, %3, %4, %5, %6, %7, "                              \
               "%8, %9, %10, %11, %12, %13, %14, %15"                          \
               "}, {%16, %17, %18, %19}, %20, p, 1, 1, 0;\n}\n"                \
               : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3]), "+f"(d[4]),   \
                 "+f"(d[5]), "+f"(d[6]), "+f"(d[7]), "+f"(d[8]), "+f"(d[9]),   \
                 "+f"(d[10]), "+f"(d[11]), "+f"(d[12]), "+f"(d[13]),           \
                 "+f"(d[14]), "+f"(d[15])                                      \
               : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "l"(b))

#define QMM_WGMMA_RS_N64(TYPE)                                                 \
  asm volatile(                                                                \
      "{\n.reg .pred p;\nsetp.ne.b32 p, 1, 0;\n"                               \
      "wgmma.mma_async.sync.aligned.m64n64k16.f32." TYPE "." TYPE " {"         \
      "%0, %1, %2, %3, %4, %5, %6, %7, "                                       \
      "%8, %9, %10, %11, %12, %13, %14, %15, "                                 \
      "%16, %17, %18, %19, %20, %21, %22, %23, "                               \
      "%24, %25, %26, %27, %28, %29, %30, %31"                                 \
      "}, {%32, %33, %34, %35}, %36, p, 1, 1, 0;\n}\n"                         \
      : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3]), "+f"(d[4]),            \
        "+f"(d[5]), "+f"(d[6]), "+f"(d[7]), "+f"(d[8]), "+f"(d[9]),            \
        "+f"(d[10]), "+f"(d[11]), "+f"(d[12]), "+f"(d[13]), "+f"(d[14]),       \
        "+f"(d[15]), "+f"(d[16]), "+f"(d[17]), "+f"(d[18]), "+f"(d[19]),       \
        "+f"(d[20]), "+f"(d[21]), "+f"(d[22]), "+f"(d[23]), "+f"(d[24]),       \
        "+f"(d[25]), "+f"(d[26]), "+f"(d[27]), "+f"(d[28]), "+f"(d[29]),       \
        "+f"(d[30]), "+f"(d[31])                                               \
      : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "l"(b))

#define QMM_WGMMA_RS_N128(TYPE)                                                \
  asm volatile(                                                                \
      "{\n.reg .pred p;\nsetp.ne.b32 p, 1, 0;\n"                               \
      "wgmma.mma_async.sync.aligned.m64n128k16.f32." TYPE "." TYPE " {"        \
      "%0, %1, %2, %3, %4, %5, %6, %7, "                                       \
      "%8, %9, %10, %11, %12, %13, %14, %15, "                                 \
      "%16, %17, %18, %19, %20, %21, %22, %23, "                               \
      "%24, %25, %26, %27, %28, %29, %30, %31, "                               \
      "%32, %33, %34, %35, %36, %37, %38, %39, "                               \
      "%40, %41, %42, %43, %44, %45, %46, %47, "                               \
      "%48, %49, %50, %51, %52, %53, %54, %55, "                               \
      "%56, %57, %58, %59, %60, %61, %62, %63"                                 \
      "}, {%64, %65, %66, %67}, %68, p, 1, 1, 0;\n}\n"                         \
      : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3]), "+f"(d[4]),            \
        "+f"(d[5]), "+f"(d[6]), "+f"(d[7]), "+f"(d[8]), "+f"(d[9]),            \
        "+f"(d[10]), "+f"(d[11]), "+f"(d[12]), "+f"(d[13]), "+f"(d[14]),       \
        "+f"(d[15]), "+f"(d[16]), "+f"(d[17]), "+f"(d[18]), "+f"(d[19]),       \
        "+f"(d[20]), "+f"(d[21]), "+f"(d[22]), "+f"(d[23]), "+f"(d[24]),       \
        "+f"(d[25]), "+f"(d[26]), "+f"(d[27]), "+f"(d[28]), "+f"(d[29]),       \
        "+f"(d[30]), "+f"(d[31]), "+f"(d[32]), "+f"(d[33]), "+f"(d[34]),       \
        "+f"(d[35]), "+f"(d[36]), "+f"(d[37]), "+f"(d[38]), "+f"(d[39]),       \
        "+f"(d[40]), "+f"(d[41]), "+f"(d[42]), "+f"(d[43]), "+f"(d[44]),       \
        "+f"(d[45]), "+f"(d[46]), "+f"(d[47]), "+f"(d[48]), "+f"(d[49]),       \
        "+f"(d[50]), "+f"(d[51]), "+f"(d[52]), "+f"(d[53]), "+f"(d[54]),       \
        "+f"(d[55]), "+f"(d[56]), "+f"(d[57]), "+f"(d[58]), "+f"(d[59]),       \
        "+f"(d[60]), "+f"(d[61]), "+f"(d[62]), "+f"(d[63])                     \
      : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "l"(b))

#define QMM_WGMMA_RS_N256(TYPE)                                                \
  asm volatile(                                                                \
      "{\n.reg .pred p;\nsetp.ne.b32 p, 1, 0;\n"                               \
      "wgmma.mma_async.sync.aligned.m64n256k16.f32." TYPE "." TYPE " {"        \
      "%0, %1, %2, %3, %4, %5, %6, %7, "                                       \
      "%8, %9, %10, %11, %12, %13, %14, %15, "                                 \
      "%16, %17, %18, %19, %20, %21, %22, %23, "                               \
      "%24, %25, %26, %27, %28, %29, %30, %31, "                               \
      "%32, %33, %34, %35, %36, %37, %38, %39, "                               \
      "%40, %41, %42, %43, %44, %45, %46, %47, "                               \
      "%48, %49, %50, %51, %52, %53, %54, %55, "                               \
      "%56, %57, %58, %59, %60, %61, %62, %63, "                               \
      "%64, %65, %66, %67, %68, %69, %70, %71, "                               \
      "%72, %73, %74, %75, %76, %77, %78, %79, "                               \
      "%80, %81, %82, %83, %84, %85, %86, %87, "                               \
      "%88, %89, %90, %91, %92, %93, %94, %95, "                               \
      "%96, %97, %98, %99, %100, %101, %102, %103, "                           \
      "%104, %105, %106, %107, %108, %109, %110, %111, "                       \
      "%112, %113, %114, %115, %116, %117, %118, %119, "                       \
      "%120, %121, %122, %123, %124, %125, %126, %127"                         \
      "}, {%128, %129, %130, %131}, %132, p, 1, 1, 0;\n}\n"                    \
      : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3]), "+f"(d[4]),            \
        "+f"(d[5]), "+f"(d[6]), "+f"(d[7]), "+f"(d[8]), "+f"(d[9]),            \
        "+f"(d[10]), "+f"(d[11]), "+f"(d[12]), "+f"(d[13]), "+f"(d[14]),       \
        "+f"(d[15]), "+f"(d[16]), "+f"(d[17]), "+f"(d[18]), "+f"(d[19]),       \
        "+f"(d[20]), "+f"(d[21]), "+f"(d[22]), "+f"(d[23]), "+f"(d[24]),       \
        "+f"(d[25]), "+f"(d[26]), "+f"(d[27]), "+f"(d[28]), "+f"(d[29]),       \
        "+f"(d[30]), "+f"(d[31]), "+f"(d[32]), "+f"(d[33]), "+f"(d[34]),       \
        "+f"(d[35]), "+f"(d[36]), "+f"(d[37]), "+f"(d[38]), "+f"(d[39]),       \
        "+f"(d[40]), "+f"(d[41]), "+f"(d[42]), "+f"(d[43]), "+f"(d[44]),       \
        "+f"(d[45]), "+f"(d[46]), "+f"(d[47]), "+f"(d[48]), "+f"(d[49]),       \
        "+f"(d[50]), "+f"(d[51]), "+f"(d[52]), "+f"(d[53]), "+f"(d[54]),       \
        "+f"(d[55]), "+f"(d[56]), "+f"(d[57]), "+f"(d[58]), "+f"(d[59]),       \
        "+f"(d[60]), "+f"(d[61]), "+f"(d[62]), "+f"(d[63]), "+f"(d[64]),       \
        "+f"(d[65]), "+f"(d[66]), "+f"(d[67]), "+f"(d[68]), "+f"(d[69]),       \
        "+f"(d[70]), "+f"(d[71]), "+f"(d[72]), "+f"(d[73]), "+f"(d[74]),       \
        "+f"(d[75]), "+f"(d[76]), "+f"(d[77]), "+f"(d[78]), "+f"(d[79]),       \
        "+f"(d[80]), "+f"(d[81]), "+f"(d[82]), "+f"(d[83]), "+f"(d[84]),       \
        "+f"(d[85]), "+f"(d[86]), "+f"(d[87]), "+f"(d[88]), "+f"(d[89]),       \
        "+f"(d[90]), "+f"(d[91]), "+f"(d[92]), "+f"(d[93]), "+f"(d[94]),       \
        "+f"(d[95]), "+f"(d[96]), "+f"(d[97]), "+f"(d[98]), "+f"(d[99]),       \
        "+f"(d[100]), "+f"(d[101]), "+f"(d[102]), "+f"(d[103]), "+f"(d[104]),  \
        "+f"(d[105]), "+f"(d[106]), "+f"(d[107]), "+f"(d[108]), "+f"(d[109]),  \
        "+f"(d[110]), "+f"(d[111]), "+f"(d[112]), "+f"(d[113]), "+f"(d[114]),  \
        "+f"(d[115]), "+f"(d[116]), "+f"(d[117]), "+f"(d[118]), "+f"(d[119]),  \
        "+f"(d[120]), "+f"(d[121]), "+f"(d[122]), "+f"(d[123]), "+f"(d[124]),  \
        "+f"(d[125]), "+f"(d[126]), "+f"(d[127])                               \
      : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "l"(b))

template <typename T> struct IsHalf { static constexpr bool value = false; };
template <> struct IsHalf<__half> { static constexpr bool value = true; };

/// d[N / 2] += A (64 x 16, registers) x B (16 x N, shared memory at `b`).
template <int N, typename T>
__device__ __forceinline__ void mma_async(float (&d)[N / 2],
                                          const uint32_t (&a)[4], uint64_t b) {
#if defined(__CUDA_ARCH_FEAT_SM90_ALL)
  if constexpr (IsHalf<T>::value) {
    if constexpr (N == 16)
      QMM_WGMMA_RS_N16("f16");
    else if constexpr (N == 32)
      QMM_WGMMA_RS_N32("f16");
    else if constexpr (N == 64)
      QMM_WGMMA_RS_N64("f16");
    else if constexpr (N == 128)
      QMM_WGMMA_RS_N128("f16");
    else
      QMM_WGMMA_RS_N256("f16");
  } else {
    if constexpr (N == 16)
      QMM_WGMMA_RS_N16("bf16");
    else if constexpr (N == 32)
      QMM_WGMMA_RS_N32("bf16");
    else if constexpr (N == 64)
      QMM_WGMMA_RS_N64("bf16");
    else if constexpr (N == 128)
      QMM_WGMMA_RS_N128("bf16");
    else
      QMM_WGMMA_RS_N256("bf16");
  }
#endif
}

#undef QMM_WGMMA_RS_N16
#undef QMM_WGMMA_RS_N32
#undef QMM_WGMMA_RS_N64
#undef QMM_WGMMA_RS_N128
#undef QMM_WGMMA_RS_N256

#if defined(__CUDA_ARCH_FEAT_SM90_ALL)
/// Orders this warpgroup's register writes before the wgmmas that follow.
__device__ __forceinline__ void fence() {
  asm volatile("wgmma.fence.sync.aligned;\n" ::: "memory");
}
__device__ __forceinline__ void commit() {
  asm volatile("wgmma.commit_group.sync.aligned;\n" ::: "memory");
}
/// Waits until at most `Pending` committed groups are still running.
template <int Pending> __device__ __forceinline__ void wait() {
  asm volatile("wgmma.wait_group.sync.aligned %0;\n" ::"n"(Pending) : "memory");
}
#else
__device__ __forceinline__ void fence() {}
__device__ __forceinline__ void commit() {}
template <int Pending> __device__ __forceinline__ void wait() {}
#endif

/// Makes this thread's generic-proxy shared-memory writes (cp.async's
/// included) visible to the async proxy that wgmma reads B through.
__device__ __forceinline__ void fence_proxy_async() {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
  asm volatile("fence.proxy.async.shared::cta;\n" ::: "memory");
#endif
}

/// Registers an in-flight wgmma reads or writes must not be touched, nor
/// their values moved, by code the compiler places around it: an empty asm
/// that "reads and writes" each one pins them where it stands.
template <int R> __device__ __forceinline__ void pin(float (&d)[R]) {
#pragma unroll
  for (int i = 0; i < R; ++i)
    asm volatile("" : "+f"(d[i])::"memory");
}
template <int R> __device__ __forceinline__ void pin(uint32_t (&d)[R]) {
#pragma unroll
  for (int i = 0; i < R; ++i)
    asm volatile("" : "+r"(d[i])::"memory");
}

/// Shared-memory matrix descriptor of a K-major 16-bit tile laid out in
/// the 128-byte swizzle (rows of 64 values, 8-row atoms of 1024 bytes
/// which must start 1024-byte aligned): start address, stride between
/// 8-row atoms 1024 bytes, leading offset unused (1), layout type 1.
__device__ __forceinline__ uint64_t descriptor_sw128(uint32_t address) {
  return uint64_t((address & 0x3ffffu) >> 4) | uint64_t(1) << 16 |
         uint64_t(1024 >> 4) << 32 | uint64_t(1) << 62;
}

/// The compile-time geometry of one configuration.
template <typename Layout, int Threads, int BlockM, int BlockN, int Stages>
struct Geometry {
  static constexpr int kBlockK = 64;
  static constexpr int kWarpGroups = Threads / 128;
  static constexpr int kTiles = BlockN / (64 * kWarpGroups); // per group
  static constexpr int kGroupSize = Layout::kGroupSize;
  // Scale rows one step touches: groups of 32 give two.
  static constexpr int kScaleRows = kGroupSize >= kBlockK ? 1 : 2;
  static constexpr int kZeroWords = BlockN * 4 / 32; // per scale row

  // Stage buffer layout in bytes: the x tile first (1024-byte aligned, as
  // the swizzle needs), then weights, scales, zero words.
  static constexpr int kXBytes = BlockM * 128;
  static constexpr int kWeightBytes = 8 * BlockN * 4;
  static constexpr int kScaleBytes = kScaleRows * BlockN * 2;
  static constexpr int kZeroBytes = kScaleRows * kZeroWords * 4;
  static constexpr int kWeightOffset = kXBytes;
  static constexpr int kScaleOffset = kWeightOffset + kWeightBytes;
  static constexpr int kZeroOffset = kScaleOffset + kScaleBytes;
  static constexpr int kStageBytes =
      (kZeroOffset + kZeroBytes + 1023) / 1024 * 1024;
  static constexpr int kSharedBytes = Stages * kStageBytes;

  static_assert(Layout::kBits == 4 && !Layout::kActOrder && !Layout::kXPermuted,
                "wgmma tiles take 4-bit layouts without act-order");
  static_assert(Threads % 128 == 0 && kWarpGroups >= 1 &&
                    kTiles * 64 * kWarpGroups == BlockN && kTiles >= 1 &&
                    kTiles <= 2,
                "warpgroups own one or two 64-column tiles each");
  static_assert(BlockM % 16 == 0 && BlockM >= 16 && BlockM <= 256 &&
                    (BlockM & (BlockM - 1)) == 0,
                "block_m is wgmma's N: 16, 32, 64, 128 or 256");
  static_assert(kGroupSize == 32 || kGroupSize % kBlockK == 0,
                "a step covers two groups of 32 or lies inside one group");
  static_assert(kZeroWords % 4 == 0, "zero rows copy as 16-byte chunks");
  static_assert(Stages >= 2, "one buffer computed, at least one loading");
  // Past 48 KB the buffers are dynamic shared memory (the launch passes
  // kDynamicBytes: the buffers plus 1024 bytes to align them).
  static constexpr bool kDynamic = kSharedBytes > 48 * 1024;
  static constexpr int kDynamicBytes = kDynamic ? kSharedBytes + 1024 : 0;
  static_assert(kSharedBytes <= 227 * 1024,
                "an sm_90 CTA has at most 227 KB of shared memory");
};

} // namespace wgmma

/// qmm.tile.wgmma_matmul: y[row0 : row0 + BlockM, col0 : col0 + BlockN] =
/// x[row0 :, :] · W[:, col0 :] (+ bias), rows at or past `rows` untouched.
/// With SplitK > 1 the tile's SplitK CTAs (one cluster) take consecutive
/// runs of the steps and sum their partial tiles at the end.
template <int Threads, typename Layout, int BlockM, int BlockN, int BlockK,
          int Stages, int SplitK = 1, typename T>
__device__ __forceinline__ void
wgmma_matmul(const T *__restrict__ x, const uint32_t *__restrict__ qweight,
             const uint32_t *__restrict__ qzeros, const T *__restrict__ scales,
             const typename NonDeduced<T>::type *__restrict__ bias,
             T *__restrict__ y, int rows, int inFeatures, int outFeatures,
             int row0, int col0) {
  using G = wgmma::Geometry<Layout, Threads, BlockM, BlockN, Stages>;
  static_assert(BlockK == G::kBlockK, "wgmma tiles step 64 channels");
  constexpr int kTiles = G::kTiles;
  constexpr int kAcc = BlockM / 2; // accumulators per lane and tile
  // Tiles of 128 and 256 rows, and 64-row tiles of one warpgroup and one
  // 64-column tile, decode step s + 1 while step s's wgmmas run (two A
  // buffers; a buffer is refilled once the step that used it has retired,
  // so Stages - 2 steps of copies are in flight). Measured on the H100
  // (2026-11-27) against retiring every step before the next decodes:
  // 1.04-1.14x faster at M = 256 (70B.gate-up m128 n128 s4 546 against
  // 605 us, 70B.o 80.7 against 88.8), 0.98-1.06x on m64 n64 w4 s4 tiles
  // (70B.gate-up 187.7 against 196.3 us, 7B.gate-up 45.8 against 48.8,
  // 70B.o 42.4 against 42.0), but 1-3% slower on 64-row tiles of two
  // warpgroups and up to 40% on those of two 64-column tiles per
  // warpgroup (7B.qkv m64 n128 w4 s4 split 3 49.4 against 35.4 us), whose
  // accumulators leave fewer registers for the second buffer.
  constexpr bool kOverlap =
      Stages >= 3 && (BlockM >= 128 || (kTiles == 1 && G::kWarpGroups == 1));
  // Overlapping 64-row tiles decode the whole step first and issue its
  // wgmmas behind one register fence (step s - 1's run meanwhile) instead
  // of one fence per 16 channels. gptq-tune on the H100 (2026-11-27 16:56
  // UTC, two rounds of 20 repetitions against the interleaved order in the
  // same call): m64 n64 w4 s4 at M = 64 7B.gate-up 38.8 and 39.4 against
  // 40.8 and 40.4 us, 70B.gate-up 160.2 and 160.0 against 165.0 and 164.8.
  // The 128 x 128 tiles (two 64-column tiles per warpgroup) ran 5-15%
  // slower that way (M = 256 7B.qkv 69.8-70.7 against 60.9-64.4,
  // 70B.gate-up 447.5 against 419.2-419.5): they keep the interleaved
  // order. (wgmma_tma.cuh, fed by TMA, takes one fence per step too.)
  constexpr bool kOneFence = kOverlap && BlockM == 64 && kTiles == 1;

  unsigned char *smem;
  if constexpr (G::kDynamic) {
    extern __shared__ __align__(1024) unsigned char dynamicShared[];
    const uint32_t misalign = pipelined::shared_address(dynamicShared) & 1023u;
    smem = dynamicShared + (misalign == 0 ? 0 : 1024 - misalign);
  } else {
    __shared__ __align__(1024) unsigned char staticShared[G::kSharedBytes];
    smem = staticShared;
  }

  const int tid = threadIdx.x;
  const int warp = tid / 32;
  const int lane = tid % 32;
  const int g = lane / 4;
  const int t = lane % 4;
  // The lane's first physical column of each of its tiles (within the CTA
  // tile): warpgroup, tile, warp within the group, 2g.
  const int laneCol = (warp / 4) * kTiles * 64 + (warp % 4) * 16 + 2 * g;

  int stepBegin = 0, stepEnd = (inFeatures + BlockK - 1) / BlockK;
  if constexpr (SplitK > 1) {
    static_assert(SplitK <= 8, "clusters hold at most 8 CTAs");
    const int share = (stepEnd + SplitK - 1) / SplitK;
    stepBegin = cluster::rank() * share;
    stepEnd = min(stepEnd, stepBegin + share);
  }
  const int weightRowsTotal = inFeatures / 8;
  constexpr int groupSize = G::kGroupSize;
  const int numGroups = (inFeatures + groupSize - 1) / groupSize;
  const int zeroWordsPerRow = outFeatures / 8;
  const bool partialLastStep = inFeatures % BlockK != 0;

  // Copy slots (see pipelined.cuh): each thread copies the same chunks
  // every step, moved along K.
  constexpr int kXItems = BlockM * 8;
  constexpr int kXSlots = (kXItems + Threads - 1) / Threads;
  const T *xSlot[kXSlots];
  uint32_t xSlotDst[kXSlots];
  int xSlotChunk[kXSlots];
  bool xSlotLive[kXSlots];
#pragma unroll
  for (int j = 0; j < kXSlots; ++j) {
    const int i = tid + j * Threads;
    const int r = i / 8;
    const int c = i % 8;
    xSlotLive[j] = (kXItems % Threads == 0 || i < kXItems) && row0 + r < rows;
    const int row = min(row0 + r, rows - 1);
    xSlot[j] = x + (int64_t)row * inFeatures + 8 * c;
    xSlotDst[j] = r * 128 + ((c ^ (r & 7)) * 16);
    xSlotChunk[j] = c;
  }
  pipelined::WeightCopies<Threads, BlockN, 8> weights;
  weights.init(qweight, outFeatures, col0, tid, G::kWeightOffset,
               [](int) { return 0; });

  auto issue = [&](unsigned char *base, int step) {
    if (step >= stepEnd)
      return;
    const int k0 = step * BlockK;
#pragma unroll
    for (int j = 0; j < kXSlots; ++j) {
      if ((kXItems % Threads != 0 && tid + j * Threads >= kXItems) ||
          !ablate::copies<Stages>(ablate::kX, step, stepBegin))
        continue;
      const bool inK = !partialLastStep || k0 + 8 * xSlotChunk[j] < inFeatures;
      pipelined::copy16(base + xSlotDst[j], inK ? xSlot[j] + k0 : x,
                        xSlotLive[j] && inK);
    }
    if (ablate::copies<Stages>(ablate::kW, step, stepBegin))
      weights.issue(base, qweight, outFeatures, k0 / 8, partialLastStep,
                    weightRowsTotal);
    if ((k0 % groupSize == 0 || (SplitK > 1 && step == stepBegin)) &&
        ablate::copies<Stages>(ablate::kS, step, stepBegin)) {
      const int group0 = k0 / groupSize;
      constexpr int kSChunksPerRow = BlockN / 8;
      constexpr int kSChunks = G::kScaleRows * kSChunksPerRow;
      constexpr int kZChunksPerRow = G::kZeroWords / 4;
      constexpr int kZChunks = G::kScaleRows * kZChunksPerRow;
#pragma unroll
      for (int i0 = 0; i0 < kSChunks + kZChunks; i0 += Threads) {
        const int i = i0 + tid;
        if (i >= kSChunks + kZChunks)
          break;
        if (i < kSChunks) {
          const int r = i / kSChunksPerRow, c = i % kSChunksPerRow;
          const bool valid = group0 + r < numGroups;
          const T *src = valid ? scales + (int64_t)(group0 + r) * outFeatures +
                                     col0 + 8 * c
                               : scales;
          pipelined::copy16(base + G::kScaleOffset +
                                (r * kSChunksPerRow + c) * 16,
                            src, valid);
        } else {
          const int r = (i - kSChunks) / kZChunksPerRow;
          const int c = (i - kSChunks) % kZChunksPerRow;
          const bool valid = group0 + r < numGroups;
          const uint32_t *src =
              valid ? qzeros + (int64_t)(group0 + r) * zeroWordsPerRow +
                          col0 / 8 + 4 * c
                    : qzeros;
          pipelined::copy16(base + G::kZeroOffset +
                                (r * kZChunksPerRow + c) * 16,
                            src, valid);
        }
      }
    }
  };

  float acc[kTiles][kAcc];
#pragma unroll
  for (int f = 0; f < kTiles; ++f)
#pragma unroll
    for (int i = 0; i < kAcc; ++i)
      acc[f][i] = 0.0f;
  // A fragments of a step (4 x 16 channels) in two buffers, each kept
  // live until the wait that retires its step's wgmmas (they read them
  // asynchronously): step s decodes into buffer s % 2 while step s - 1's
  // wgmmas still run.
  using Fragments = uint32_t[4][kTiles][4];
  Fragments a[2];
  // Per tile, the lane's two columns: (1024 + zero) offsets and scales.
  uint32_t z2[kTiles][2] = {}, s2[kTiles][2] = {};
  const uint32_t byteSelector = pipelined::NaturalDecode<T>::selector(t);

  auto decodeFactors = [&](const unsigned char *base, int scaleRow) {
#pragma unroll
    for (int f = 0; f < kTiles; ++f) {
      const int col = laneCol + 64 * f;
      const uint32_t scalePair = *reinterpret_cast<const uint32_t *>(
          base + G::kScaleOffset + (scaleRow * BlockN + col) * 2);
      const uint32_t word = reinterpret_cast<const uint32_t *>(
          base + G::kZeroOffset)[scaleRow * G::kZeroWords + col / 8];
      const uint32_t fields = word >> (4 * (col % 8));
#pragma unroll
      for (int c = 0; c < 2; ++c) {
        const uint32_t zero =
            ((fields >> (4 * c)) & Layout::kMask) + Layout::kZeroOffset;
        z2[f][c] = pipelined::NaturalDecode<T>::offsets(zero);
        s2[f][c] = ((scalePair >> (16 * c)) & 0xffffu) * 0x00010001u;
      }
    }
  };

  auto compute = [&](const unsigned char *base, int step, Fragments &aStep) {
    const int k0 = step * BlockK;
    if constexpr (G::kScaleRows == 1) {
      if (k0 % groupSize == 0 || (SplitK > 1 && step == stepBegin))
        decodeFactors(base, 0);
    }
    // The step's packed words: word rows 2kk and 2kk + 1 of each 16
    // channels, the lane's two columns of each tile.
    uint2 words[4][kTiles][2];
#pragma unroll
    for (int kk = 0; kk < 4; ++kk)
#pragma unroll
      for (int f = 0; f < kTiles; ++f)
#pragma unroll
        for (int h = 0; h < 2; ++h)
          words[kk][f][h] = *reinterpret_cast<const uint2 *>(
              base + G::kWeightOffset +
              ((2 * kk + h) * BlockN + laneCol + 64 * f) * 4);
    const uint32_t xTile = pipelined::shared_address(base);
    // The wgmmas of sub-step kk: each 64-column tile on its 16 channels.
    auto issue = [&](const Fragments &fragments, int kk) {
      const uint64_t desc = wgmma::descriptor_sw128(xTile + 32 * kk);
#pragma unroll
      for (int f = 0; f < kTiles; ++f)
        wgmma::mma_async<BlockM, T>(acc[f], fragments[kk][f], desc);
    };
#pragma unroll
    for (int kk = 0; kk < 4; ++kk) {
      if constexpr (G::kScaleRows == 2) {
        if (kk % 2 == 0)
          decodeFactors(base, kk / 2);
      }
#pragma unroll
      for (int f = 0; f < kTiles; ++f) {
        // a0/a2: channel g (column 2g), a1/a3: channel g + 8 (column
        // 2g + 1); a0/a1 input channels 2t, 2t + 1, a2/a3 those + 8.
        aStep[kk][f][0] = pipelined::NaturalDecode<T>::pair(
            words[kk][f][0].x, byteSelector, z2[f][0], s2[f][0]);
        aStep[kk][f][1] = pipelined::NaturalDecode<T>::pair(
            words[kk][f][0].y, byteSelector, z2[f][1], s2[f][1]);
        aStep[kk][f][2] = pipelined::NaturalDecode<T>::pair(
            words[kk][f][1].x, byteSelector, z2[f][0], s2[f][0]);
        aStep[kk][f][3] = pipelined::NaturalDecode<T>::pair(
            words[kk][f][1].y, byteSelector, z2[f][1], s2[f][1]);
      }
      if constexpr (!kOneFence) {
        wgmma::fence();
        issue(aStep, kk);
      }
    }
    if constexpr (kOneFence) {
      wgmma::fence();
#pragma unroll
      for (int kk = 0; kk < 4; ++kk)
        issue(aStep, kk);
    }
    wgmma::commit();
  };

  auto pinA = [&](Fragments &aStep) {
#pragma unroll
    for (int kk = 0; kk < 4; ++kk)
#pragma unroll
      for (int f = 0; f < kTiles; ++f)
        wgmma::pin(aStep[kk][f]);
  };

  wait_for_prior_grids();
#pragma unroll
  for (int s = 0; s < Stages - 1; ++s) {
    issue(smem + s * G::kStageBytes, stepBegin + s);
    pipelined::commit();
  }
#pragma unroll
  for (int f = 0; f < kTiles; ++f)
    wgmma::pin(acc[f]);
  constexpr uint32_t kRingBytes = Stages * G::kStageBytes;
  uint32_t computeAt = 0, fillAt = (Stages - 1) * G::kStageBytes;
  auto advance = [&]() {
    computeAt = computeAt + G::kStageBytes == kRingBytes
                    ? 0
                    : computeAt + G::kStageBytes;
    fillAt =
        fillAt + G::kStageBytes == kRingBytes ? 0 : fillAt + G::kStageBytes;
  };
  if constexpr (kOverlap) {
    // Step s: its wgmmas are issued, then those of step s - 1 retired; the
    // barrier after that frees step s - 1's buffer for step s + Stages - 1
    // and (with the copy wait before it) makes step s + 1's visible.
    pipelined::wait<Stages - 2>();
    wgmma::fence_proxy_async();
    __syncthreads();
    int step = stepBegin;
    // `current` and `previous` swap between calls, so the buffers stay
    // registers (no dynamic indexing).
    auto body = [&](Fragments &current, Fragments &previous) {
      if constexpr (!ablate::kCompute)
        compute(smem + computeAt, step, current);
      wgmma::wait<1>();
      pinA(previous);
      pipelined::wait<Stages - 3>();
      wgmma::fence_proxy_async();
      __syncthreads();
      issue(smem + fillAt, step + Stages - 1);
      pipelined::commit();
      advance();
      ++step;
    };
    while (step + 1 < stepEnd) {
      body(a[0], a[1]);
      body(a[1], a[0]);
    }
    if (step < stepEnd)
      body(a[0], a[1]);
  } else {
    for (int step = stepBegin; step < stepEnd; ++step) {
      pipelined::wait<Stages - 2>();
      wgmma::fence_proxy_async();
      // The previous step's wgmmas still read its stage buffer, the one
      // refilled below, and its A registers.
      wgmma::wait<0>();
      pinA(a[0]);
      __syncthreads();
      issue(smem + fillAt, step + Stages - 1);
      pipelined::commit();
      if constexpr (!ablate::kCompute)
        compute(smem + computeAt, step, a[0]);
      advance();
    }
  }
  wgmma::wait<0>();
#pragma unroll
  for (int f = 0; f < kTiles; ++f)
    wgmma::pin(acc[f]);
  pinA(a[0]);
  pinA(a[1]);
  pipelined::wait<0>();
  if constexpr (ablate::kEpilogue) {
    ablate::keep(acc, y);
    return;
  }

  // Accumulator i of tile f: row 8 (i / 4) + 2t + i % 2, column laneCol +
  // 64 f + (i / 2) % 2.
  if constexpr (SplitK == 1) {
#pragma unroll
    for (int f = 0; f < kTiles; ++f) {
      const int col = laneCol + 64 * f;
      const float b0 = bias != nullptr ? to_float(bias[col0 + col]) : 0.0f;
      const float b1 = bias != nullptr ? to_float(bias[col0 + col + 1]) : 0.0f;
#pragma unroll
      for (int i = 0; i < kAcc; i += 4)
#pragma unroll
        for (int e = 0; e < 2; ++e) {
          const int row = i / 4 * 8 + 2 * t + e;
          if (row0 + row >= rows)
            continue;
          *reinterpret_cast<uint32_t *>(
              y + (int64_t)(row0 + row) * outFeatures + col0 + col) =
              pack2<T>(acc[f][i + e] + b0, acc[f][i + 2 + e] + b1);
        }
    }
  } else {
    static_assert(SplitK == 1 || BlockM * BlockN * 4 <= G::kSharedBytes,
                  "the split-K partial sums fit in the pipeline's buffers");
    float *partial = reinterpret_cast<float *>(smem);
    __syncthreads();
#pragma unroll
    for (int f = 0; f < kTiles; ++f) {
      const int col = laneCol + 64 * f;
#pragma unroll
      for (int i = 0; i < kAcc; i += 4)
#pragma unroll
        for (int e = 0; e < 2; ++e) {
          const int row = i / 4 * 8 + 2 * t + e;
          *reinterpret_cast<float2 *>(partial + row * BlockN + col) =
              make_float2(acc[f][i + e], acc[f][i + 2 + e]);
        }
    }
    cluster::store_cluster_sum<SplitK, Threads, BlockM, BlockN>(
        partial, bias, y, rows, outFeatures, row0, col0);
  }
}

} // namespace qmm
