//===- BenchTiming.h - how the benchmarks time and bound their kernels ----===//
//
// The timing every table of docs/PERF.md rests on, in one place so the
// benchmarks measure alike: CUDA-event medians with the L2 flushed (a
// memset of a buffer well above the 50 MB L2) before each repetition, as
// triton's do_bench does for PEERS.md, and the copy-bandwidth ceiling (a
// 1 GiB device-to-device copy, bytes read + written).
//
//===----------------------------------------------------------------------===//

#pragma once

#include <cuda_runtime.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <vector>

namespace gptq::bench {

/// Exits with `what` and CUDA's reason when `error` is not cudaSuccess.
inline void checkCuda(cudaError_t error, const char *what) {
  if (error == cudaSuccess)
    return;
  std::fprintf(stderr, "%s failed: %s\n", what, cudaGetErrorString(error));
  std::exit(1);
}

/// Median of `reps` event-timed runs of `body`, each after an L2 flush
/// (a memset of the `flushBytes` at `flush`), after three untimed runs.
template <typename Body>
double medianMicroseconds(Body &&body, void *flush, size_t flushBytes,
                          int reps = 20) {
  cudaEvent_t start, stop;
  checkCuda(cudaEventCreate(&start), "cudaEventCreate");
  checkCuda(cudaEventCreate(&stop), "cudaEventCreate");
  for (int i = 0; i < 3; ++i)
    body();
  std::vector<double> times;
  for (int i = 0; i < reps; ++i) {
    checkCuda(cudaMemsetAsync(flush, i, flushBytes), "the L2 flush");
    checkCuda(cudaEventRecord(start), "cudaEventRecord");
    body();
    checkCuda(cudaEventRecord(stop), "cudaEventRecord");
    checkCuda(cudaEventSynchronize(stop), "cudaEventSynchronize");
    float ms = 0;
    checkCuda(cudaEventElapsedTime(&ms, start, stop), "cudaEventElapsedTime");
    times.push_back(ms * 1000.0);
  }
  checkCuda(cudaEventDestroy(start), "cudaEventDestroy");
  checkCuda(cudaEventDestroy(stop), "cudaEventDestroy");
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}

/// The copy-bandwidth ceiling in bytes per microsecond (read + write): the
/// median of 10 device-to-device copies of 1 GiB, L2 flushed before each.
inline double copyCeilingBytesPerUs(void *flush, size_t flushBytes) {
  const size_t copyBytes = size_t(1) << 30;
  void *source, *dest;
  checkCuda(cudaMalloc(&source, copyBytes), "cudaMalloc (copy ceiling)");
  checkCuda(cudaMalloc(&dest, copyBytes), "cudaMalloc (copy ceiling)");
  checkCuda(cudaMemset(source, 1, copyBytes), "cudaMemset (copy ceiling)");
  const double us = medianMicroseconds(
      [&] {
        checkCuda(
            cudaMemcpyAsync(dest, source, copyBytes, cudaMemcpyDeviceToDevice),
            "the ceiling's copy");
      },
      flush, flushBytes, 10);
  checkCuda(cudaFree(source), "cudaFree");
  checkCuda(cudaFree(dest), "cudaFree");
  return 2.0 * copyBytes / us;
}

} // namespace gptq::bench
