// dequantize.cuh - GPTQ weights dequantized into a dense fp16/bf16 matrix,
// for the large-batch path (dequantize, then a dense GEMM).
//
// From a few hundred rows up a dequant-matmul is compute bound and the
// dense GEMM engine decides the speed; dequantizing a column chunk of the
// weight once per call (reading the packed weight once, writing K x cols
// values) and handing it to cuBLAS beats the mma.sync tiles there (see
// docs/PERF.md). The values are exactly the reference's: (code - zero) *
// scale is exact in fp32 (a small integer times a 16-bit scale) and is
// rounded once to the activation type, as format::dequantize does.
//
// One thread takes 8 consecutive output columns of one packed unit (the
// smallest whole run of K values: one word, three for 3 bits): 16-byte
// loads of the packed words and 16-byte stores of each output row's 8
// values, coalesced across the warp, whose threads take neighbouring
// column groups. Group size, act-order and a row permutation are runtime
// arguments: the kernel is bandwidth bound, and one module then serves
// every layout of a bit width, zero storage and type.
//
// The JIT (lib/Jit), the model forward and qmm-bench compile it with NVRTC
// on its own, one instantiation per source (rt::dequantizeKernelSource);
// kernel names are qmm_dequantize_b<bits>_z<zero offset>_<f16|bf16>.
#pragma once

#include "qmm/dequant.cuh"
#include "qmm/types.cuh"

namespace qmm {

/// w[row(k)][n - n0] = (code(k, n) - zero(group(k), n)) * scale(group(k), n)
/// for n in [n0, n0 + cols), k in [0, K): group(k) = gIdx[k] when gIdx is
/// set (act-order), else k / groupSize; row(k) = perm[k] when perm is set
/// (a regrouped act-order weight, whose channel k is input channel
/// perm[k]: the dense matrix comes out in the input's order), else k.
/// N, n0 and cols are multiples of 8 (the callers check multiples of 32).
template <int Bits, ZeroStorage Zeros, typename T>
__device__ __forceinline__ void dequantize_columns(
    const uint32_t *__restrict__ qweight, const uint32_t *__restrict__ qzeros,
    const T *__restrict__ scales, const int32_t *__restrict__ gIdx,
    const int32_t *__restrict__ perm, T *__restrict__ w, int K, int N,
    int groupSize, int n0, int cols) {
  using Layout = QuantLayout<Bits, 0, false, Zeros>;
  constexpr int kWords = Bits == 3 ? 3 : 1;
  constexpr int kValues = Bits == 3 ? 32 : 32 / Bits;
  const int columnGroups = cols / 8;
  const int64_t item = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  const int units = K / kValues;
  if (item >= int64_t(units) * columnGroups)
    return;
  const int unit = int(item / columnGroups);
  const int column = 8 * int(item % columnGroups); // within the chunk
  const int n = n0 + column;

  // words[wd][j]: packed word wd of the unit for column n + j.
  uint32_t words[kWords][8];
#pragma unroll
  for (int wd = 0; wd < kWords; ++wd) {
    const uint4 *row = reinterpret_cast<const uint4 *>(
        qweight + (int64_t)(unit * kWords + wd) * N + n);
    const uint4 lo = __ldg(row), hi = __ldg(row + 1);
    words[wd][0] = lo.x, words[wd][1] = lo.y, words[wd][2] = lo.z;
    words[wd][3] = lo.w, words[wd][4] = hi.x, words[wd][5] = hi.y;
    words[wd][6] = hi.z, words[wd][7] = hi.w;
  }

  // Scales and zeros of one group for the 8 columns.
  float scale[8], zero[8];
  int loadedGroup = -1;
  auto loadGroup = [&](int group) {
    if (group == loadedGroup)
      return;
    loadedGroup = group;
    const uint4 packed =
        __ldg(reinterpret_cast<const uint4 *>(scales + (int64_t)group * N + n));
    const uint32_t halves[4] = {packed.x, packed.y, packed.z, packed.w};
#pragma unroll
    for (int j = 0; j < 8; ++j) {
      const unsigned short raw =
          (unsigned short)(halves[j / 2] >> (16 * (j % 2)));
      scale[j] = to_float(*reinterpret_cast<const T *>(&raw));
      zero[j] = float(load_zero_point<Layout>(qzeros, N, group, n + j));
    }
  };

  const int k0 = unit * kValues;
  if (gIdx == nullptr)
    loadGroup(k0 / groupSize); // a unit lies in one group (multiples of 32)
#pragma unroll
  for (int v = 0; v < kValues; ++v) {
    const int k = k0 + v;
    if (gIdx != nullptr)
      loadGroup(__ldg(gIdx + k));
    float values[8];
#pragma unroll
    for (int j = 0; j < 8; ++j) {
      uint32_t column[kWords];
#pragma unroll
      for (int wd = 0; wd < kWords; ++wd)
        column[wd] = words[wd][j];
      values[j] = (float(extract_code<Bits>(column, v)) - zero[j]) * scale[j];
    }
    uint4 out;
    out.x = pack2<T>(values[0], values[1]);
    out.y = pack2<T>(values[2], values[3]);
    out.z = pack2<T>(values[4], values[5]);
    out.w = pack2<T>(values[6], values[7]);
    const int row = perm != nullptr ? __ldg(perm + k) : k;
    *reinterpret_cast<uint4 *>(w + (int64_t)row * cols + column) = out;
  }
}

/// y[m][n] = bias[n] for m < rows, n < cols (y rows `ld` apart): the
/// dense GEMM then adds x · W to it (beta = 1).
template <typename T>
__device__ __forceinline__ void broadcast_rows(const T *__restrict__ bias,
                                               T *__restrict__ y, int rows,
                                               int cols, int ld) {
  const int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i >= int64_t(rows) * cols)
    return;
  const int64_t m = i / cols;
  const int n = int(i - m * cols);
  y[m * ld + n] = bias[n];
}

} // namespace qmm

/// The dense path's two kernels for one bit width, zero storage and type,
/// as extern "C" entry points: NAME (the dequantizer) and NAME_bias. A
/// source defines them once (rt::dequantizeKernelSource), so a layout
/// compiles only what it uses.
#define QMM_DEQUANTIZE_KERNELS(NAME, BITS, ZEROS, T)                           \
  extern "C" __global__ void NAME(                                             \
      const uint32_t *__restrict__ qweight,                                    \
      const uint32_t *__restrict__ qzeros, const T *__restrict__ scales,       \
      const int32_t *__restrict__ gIdx, const int32_t *__restrict__ perm,      \
      T *__restrict__ w, int K, int N, int groupSize, int n0, int cols) {      \
    qmm::dequantize_columns<BITS, qmm::ZeroStorage::ZEROS, T>(                 \
        qweight, qzeros, scales, gIdx, perm, w, K, N, groupSize, n0, cols);    \
  }                                                                            \
  extern "C" __global__ void NAME##_bias(const T *__restrict__ bias,           \
                                         T *__restrict__ y, int rows,          \
                                         int cols, int ld) {                   \
    qmm::broadcast_rows<T>(bias, y, rows, cols, ld);                           \
  }
