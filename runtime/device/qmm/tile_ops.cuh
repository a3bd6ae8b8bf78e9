// tile_ops.cuh - the building blocks that qmm.tile.* ops are emitted as.
//
// One function per tile op; every thread of the CTA calls each one. Shapes
// are template parameters so NVRTC unrolls every loop of a specialization.
// Layout decisions:
//  - Shared tiles pad each row by 8 elements (16 bytes). A warp's mma
//    fragment load touches 8 rows x 4 consecutive words; with the padding,
//    row r starts (Cols/2 + 4) * r words in, i.e. 4 banks further per row
//    when Cols is a multiple of 64, so the 32 words land in 32 banks.
//  - Weight tiles are n-major (one row per output column, K contiguous): the
//    B fragment of m16n8k16 then is two aligned 32-bit loads, like A's.
//  - The warps split the tile's columns; each warp covers every row, so one
//    A fragment load feeds all of the warp's n8 tiles.
#pragma once

#include "qmm/dequant.cuh"
#include "qmm/mma.cuh"
#include "qmm/types.cuh"

namespace qmm {

/// Keeps a parameter out of template argument deduction (so `nullptr` can be
/// passed for an optional pointer whose type another argument fixes).
template <typename T> struct NonDeduced { using type = T; };

template <typename T, int Rows, int Cols> struct SharedTile {
  static_assert(Cols % 8 == 0, "rows are moved in 16-byte vectors");
  static constexpr int kRows = Rows;
  static constexpr int kCols = Cols;
  static constexpr int kStride = Cols + 8;
  __align__(16) T data[Rows * kStride];

  __device__ __forceinline__ T *row(int r) { return data + r * kStride; }
  __device__ __forceinline__ const T *row(int r) const {
    return data + r * kStride;
  }
};

template <int BlockM, int BlockN, int Warps> struct Accumulator {
  static_assert(BlockM % 16 == 0, "mma rows come in 16s");
  static_assert(BlockN % (8 * Warps) == 0, "each warp owns n8 tiles");
  static constexpr int kWarps = Warps;
  static constexpr int kRowTiles = BlockM / 16;
  static constexpr int kColsPerWarp = BlockN / Warps;
  static constexpr int kColTiles = kColsPerWarp / 8;
  float c[kRowTiles][kColTiles][4];
};

template <int M, int N, int W>
__device__ __forceinline__ void zero(Accumulator<M, N, W> &acc) {
#pragma unroll
  for (int mt = 0; mt < Accumulator<M, N, W>::kRowTiles; ++mt)
#pragma unroll
    for (int nt = 0; nt < Accumulator<M, N, W>::kColTiles; ++nt)
#pragma unroll
      for (int i = 0; i < 4; ++i)
        acc.c[mt][nt][i] = 0.0f;
}

/// qmm.tile.load_act: dst = x[row0 : row0 + Rows, k0 : k0 + Cols], rows at
/// or past `rows` zero-filled. x is row-major with `inFeatures` columns.
template <int Threads, typename T, int Rows, int Cols>
__device__ __forceinline__ void load_act(SharedTile<T, Rows, Cols> &dst,
                                         const T *__restrict__ x, int rows,
                                         int inFeatures, int row0, int k0) {
  // x may come from the kernel before this one (types.cuh); after the
  // first step this returns at once.
  wait_for_prior_grids();
  constexpr int kVectorsPerRow = Cols / 8;
#pragma unroll
  for (int i = threadIdx.x; i < Rows * kVectorsPerRow; i += Threads) {
    const int r = i / kVectorsPerRow;
    const int c = (i % kVectorsPerRow) * 8;
    uint4 value = make_uint4(0u, 0u, 0u, 0u);
    if (row0 + r < rows)
      value = __ldg(reinterpret_cast<const uint4 *>(
          x + (int64_t)(row0 + r) * inFeatures + k0 + c));
    *reinterpret_cast<uint4 *>(dst.row(r) + c) = value;
  }
}

/// qmm.tile.load_dequant: dst[j][i] = W[k0 + i][n0 + j] for the Rows output
/// columns and Cols input channels of the tile. One work item is one column
/// and 32 consecutive channels: exactly Bits packed words (32 values start
/// word-aligned at every bit width), read coalesced across the warp because
/// neighbouring threads take neighbouring columns.
template <int Threads, typename Layout, typename T, int Rows, int Cols>
__device__ __forceinline__ void load_dequant(
    SharedTile<T, Rows, Cols> &dst, const uint32_t *__restrict__ qweight,
    const uint32_t *__restrict__ qzeros, const T *__restrict__ scales,
    const int32_t *__restrict__ gIdx, int outFeatures, int k0, int n0) {
  constexpr int Bits = Layout::kBits;
  constexpr int kChunks = Cols / 32;
  static_assert(Cols % 32 == 0, "whole 32-value chunks");
  // Without act-order a 32-channel chunk lies inside one group when the
  // group size is a multiple of 32, so its scale and zero are loaded once.
  constexpr bool kUniformGroup =
      !Layout::kActOrder && Layout::kGroupSize % 32 == 0;
  for (int item = threadIdx.x; item < Rows * kChunks; item += Threads) {
    const int j = item % Rows;
    const int chunk = item / Rows;
    const int n = n0 + j;
    const int kBase = k0 + chunk * 32;
    uint32_t words[Bits];
#pragma unroll
    for (int w = 0; w < Bits; ++w)
      words[w] =
          __ldg(qweight + (int64_t)(kBase / 32 * Bits + w) * outFeatures + n);

    float scale = 0.0f;
    float zero = 0.0f;
    if (kUniformGroup) {
      const int group = kBase / Layout::kGroupSize;
      scale = to_float(scales[(int64_t)group * outFeatures + n]);
      zero = float(load_zero_point<Layout>(qzeros, outFeatures, group, n));
    }
    T *out = dst.row(j) + chunk * 32;
#pragma unroll
    for (int v = 0; v < 32; v += 2) {
      float pair[2];
#pragma unroll
      for (int h = 0; h < 2; ++h) {
        const int k = kBase + v + h;
        if (!kUniformGroup) {
          const int group =
              Layout::kActOrder ? __ldg(gIdx + k) : k / Layout::kGroupSize;
          scale = to_float(scales[(int64_t)group * outFeatures + n]);
          zero = float(load_zero_point<Layout>(qzeros, outFeatures, group, n));
        }
        // (code - zero) is a small exact integer and the product of a 16-bit
        // scale with it is exact in fp32, so rounding once to T gives the
        // same value as the reference's fp16 multiply.
        pair[h] = (float(extract_code<Bits>(words, v + h)) - zero) * scale;
      }
      *reinterpret_cast<uint32_t *>(out + v) = pack2<T>(pair[0], pair[1]);
    }
  }
}

/// qmm.tile.mma: acc += lhs · rhsᵀ, lhs BlockM x K, rhs BlockN x K.
template <int BlockM, int BlockN, int Warps, typename T, int K>
__device__ __forceinline__ void mma(Accumulator<BlockM, BlockN, Warps> &acc,
                                    const SharedTile<T, BlockM, K> &lhs,
                                    const SharedTile<T, BlockN, K> &rhs) {
  using Acc = Accumulator<BlockM, BlockN, Warps>;
  const int warp = threadIdx.x / 32;
  const int lane = threadIdx.x % 32;
  const int g = lane / 4;
  const int t = lane % 4;
  const int warpCol0 = warp * Acc::kColsPerWarp;
#pragma unroll
  for (int kk = 0; kk < K; kk += 16) {
    uint32_t a[Acc::kRowTiles][4];
#pragma unroll
    for (int mt = 0; mt < Acc::kRowTiles; ++mt) {
      const T *upper = lhs.row(mt * 16 + g) + kk + 2 * t;
      const T *lower = lhs.row(mt * 16 + g + 8) + kk + 2 * t;
      a[mt][0] = *reinterpret_cast<const uint32_t *>(upper);
      a[mt][1] = *reinterpret_cast<const uint32_t *>(lower);
      a[mt][2] = *reinterpret_cast<const uint32_t *>(upper + 8);
      a[mt][3] = *reinterpret_cast<const uint32_t *>(lower + 8);
    }
#pragma unroll
    for (int nt = 0; nt < Acc::kColTiles; ++nt) {
      const T *column = rhs.row(warpCol0 + nt * 8 + g) + kk + 2 * t;
      const uint32_t b0 = *reinterpret_cast<const uint32_t *>(column);
      const uint32_t b1 = *reinterpret_cast<const uint32_t *>(column + 8);
#pragma unroll
      for (int mt = 0; mt < Acc::kRowTiles; ++mt)
        mma_m16n8k16<T>(acc.c[mt][nt], a[mt], b0, b1);
    }
  }
}

/// qmm.tile.store: y[row0 + i][n0 + j] = acc[i][j] (+ bias[n0 + j]) for
/// rows below `rows`; y is row-major with `outFeatures` columns.
template <int BlockM, int BlockN, int Warps, typename T>
__device__ __forceinline__ void
store(const Accumulator<BlockM, BlockN, Warps> &acc, T *__restrict__ y,
      const typename NonDeduced<T>::type *__restrict__ bias, int rows,
      int outFeatures, int row0, int n0) {
  using Acc = Accumulator<BlockM, BlockN, Warps>;
  const int warp = threadIdx.x / 32;
  const int lane = threadIdx.x % 32;
  const int g = lane / 4;
  const int t = lane % 4;
#pragma unroll
  for (int nt = 0; nt < Acc::kColTiles; ++nt) {
    const int col = n0 + warp * Acc::kColsPerWarp + nt * 8 + 2 * t;
    float bias0 = 0.0f, bias1 = 0.0f;
    if (bias != nullptr) {
      bias0 = to_float(bias[col]);
      bias1 = to_float(bias[col + 1]);
    }
#pragma unroll
    for (int mt = 0; mt < Acc::kRowTiles; ++mt) {
      const int row = row0 + mt * 16 + g;
      const float *c = acc.c[mt][nt];
      if (row < rows)
        *reinterpret_cast<uint32_t *>(y + (int64_t)row * outFeatures + col) =
            pack2<T>(c[0] + bias0, c[1] + bias1);
      if (row + 8 < rows)
        *reinterpret_cast<uint32_t *>(y + (int64_t)(row + 8) * outFeatures +
                                      col) =
            pack2<T>(c[2] + bias0, c[3] + bias1);
    }
  }
}

} // namespace qmm
