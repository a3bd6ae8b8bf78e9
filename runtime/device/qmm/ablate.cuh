// ablate.cuh - timing switches that take one part out of the pipelined and
// wgmma tiles (x, the weights and the epilogue also out of stream tiles), to
// measure what the rest costs.
//
// Off unless defined when the kernels are compiled; qmm-bench passes them
// through QMM_BENCH_NVRTC_OPTIONS, e.g.
//   QMM_BENCH_NVRTC_OPTIONS="-DQMM_ABLATE_X -DQMM_ABLATE_W" qmm-bench
// With any of them the results are wrong (qmm-bench still prints rel.err):
// they exist only for timing. Undefined, every switch below is a
// compile-time false and the kernels are the same instructions as without
// this header. docs/PERF.md has the decomposition they gave on the H100.
//
//   QMM_ABLATE_X  x tiles are copied only for the CTA's first `Stages`
//                 steps (later steps compute on stale x)
//   QMM_ABLATE_W  the same for the packed weights (stream tiles: and their
//                 scales and zero points)
//   QMM_ABLATE_S  the same for the scales and zero points
//   QMM_ABLATE_C  no dequantization and no mma (the copies and barriers
//                 still run)
//   QMM_ABLATE_E  no epilogue: no split-K reduction and no stores (the
//                 accumulators are kept alive by a test that never stores);
//                 stream tiles too (no cross-warp sums either)
//   QMM_ABLATE_R  split-K tiles write their partial tiles and meet at the
//                 first cluster barrier, then skip the sum and the stores
#pragma once

namespace qmm {
namespace ablate {

// Enumerators rather than constexpr variables: NVRTC emits a global for
// each namespace-scope variable, which would change the PTX.
enum : bool {
#ifdef QMM_ABLATE_X
  kX = true,
#else
  kX = false,
#endif
#ifdef QMM_ABLATE_W
  kW = true,
#else
  kW = false,
#endif
#ifdef QMM_ABLATE_S
  kS = true,
#else
  kS = false,
#endif
#ifdef QMM_ABLATE_C
  kCompute = true,
#else
  kCompute = false,
#endif
#ifdef QMM_ABLATE_E
  kEpilogue = true,
#else
  kEpilogue = false,
#endif
#ifdef QMM_ABLATE_R
  kReduction = true,
#else
  kReduction = false,
#endif
};

/// Whether a copy switched off by `skip` still runs at step `step` of a run
/// starting at `stepBegin`: always without the switch, else only while the
/// stage ring fills.
template <int Stages>
__device__ __forceinline__ bool copies(bool skip, int step, int stepBegin) {
  return !skip || step < stepBegin + Stages;
}

/// The sum of every element of an accumulator array of any rank.
__device__ __forceinline__ float sum_all(float value) { return value; }
template <typename A, int N>
__device__ __forceinline__ float sum_all(const A (&values)[N]) {
  float sum = 0.0f;
#pragma unroll
  for (int i = 0; i < N; ++i)
    sum += sum_all(values[i]);
  return sum;
}

/// Keeps the accumulators `acc` alive without storing them: their sum is
/// compared with a value it never has.
template <typename A, typename T>
__device__ __forceinline__ void keep(const A &acc, T *__restrict__ y) {
  if (sum_all(acc) == 1.2345e-30f)
    y[0] = T(0.0f);
}

} // namespace ablate
} // namespace qmm
