// gather_columns.cuh - x's columns gathered by a permutation, for act-order
// weights regrouped at load.
//
// A regrouped act-order weight is a plain grouped weight whose channel k is
// input channel perm[k]. Gathering x once per call (out[m][k] =
// x[m][perm[k]]) lets it run on the plain kernels: M x K 16-bit values
// copied, against gathering every x value inside the matmul (an extra
// dependent load per value, in every CTA). fp16 and bf16 alike: the values
// are moved as bits. The JIT (lib/Jit) and qmm-bench compile this with
// NVRTC on its own.
#pragma once

#include "qmm/types.cuh"

/// One thread per output value; grid ceil(rows * cols / blockDim.x).
extern "C" __global__ void
qmm_gather_columns(const unsigned short *__restrict__ x,
                   const int32_t *__restrict__ perm,
                   unsigned short *__restrict__ out, int rows, int cols) {
  // The matmul that reads `out` may start now and prefetch its weights; it
  // waits for this grid's writes before reading x (types.cuh).
  qmm::allow_dependent_grids();
  const int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i >= int64_t(rows) * cols)
    return;
  const int64_t row = i / cols;
  const int k = int(i - row * cols);
  out[i] = x[row * cols + __ldg(perm + k)];
}
