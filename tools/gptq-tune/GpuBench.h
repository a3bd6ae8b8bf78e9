//===- GpuBench.h - timing candidate kernels on the present GPU -*- C++ -*-===//
//
// The measuring habits of qmm-bench (and ../shared/DEVICE.md), for one
// kernel at a time: random non-zero inputs, CUDA-event timings after
// warm-up, the L2 flushed before every repetition by writing a buffer
// several times its size, the median reported; outputs poisoned with NaN
// before the run whose result is checked.
//
//===----------------------------------------------------------------------===//

#ifndef GPTQ_TOOLS_GPTQTUNE_GPUBENCH_H
#define GPTQ_TOOLS_GPTQTUNE_GPUBENCH_H

#include "gptq/Autotune/AutotuneCache.h"
#include "gptq/Runtime/Module.h"
#include "gptq/Runtime/QmmLaunch.h"
#include "gptq/Support/Status.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace gptq::tune {

/// A loaded candidate kernel and how to launch it.
struct KernelLaunch {
  rt::KernelFunction function; // opted in to dynamicSharedBytes
  rt::QmmParamList params;
  autotune::TileConfig tile;
  unsigned dynamicSharedBytes = 0; // TileLegality's launchDynamicSharedBytes
};

class GpuBench {
public:
  /// Needs a current CUDA context (rt::CudaContext) on the calling thread.
  /// Candidates are timed with the L2 window the runtime's launches give
  /// the weights (rt::qmmWeightWindow), up to `maxWindowBytes`
  /// (DeviceInfo::maxAccessPolicyWindowBytes; 0: no window).
  static Expected<std::unique_ptr<GpuBench>> create(int repetitions,
                                                    size_t maxWindowBytes);
  ~GpuBench();

  /// Random weights (packed codes and zero points, positive scales, and a
  /// g_idx that permutes the groups under act-order) for `layout`, K x N.
  Status setWeights(const autotune::LayoutKey &layout, int64_t inFeatures,
                    int64_t outFeatures, uint64_t seed);
  /// Random activations for M rows (in [-1, 1)) and the output buffer.
  Status setRows(int64_t rows, uint64_t seed);

  /// Poisons the output, runs `kernel` once, returns the output (fp16 or
  /// bf16 bit patterns).
  Expected<std::vector<uint16_t>> runOnce(const KernelLaunch &kernel);
  /// Median microseconds over the repetitions. A kernel whose first timed
  /// run exceeds `giveUpUs` (> 0) is not timed further: that run is
  /// returned, since it cannot become the fastest.
  Expected<double> medianUs(const KernelLaunch &kernel, double giveUpUs);

  size_t flushBytes() const { return flushBytes_; }

private:
  GpuBench() = default;
  Status launch(const KernelLaunch &kernel);

  int repetitions_ = 20;
  void *flush_ = nullptr;
  size_t flushBytes_ = 0;
  void *start_ = nullptr, *stop_ = nullptr; // cudaEvent_t
  bool bf16_ = false;
  int bits_ = 4;
  size_t maxWindowBytes_ = 0; // rt::qmmWeightWindow's limit
  int64_t inFeatures_ = 0, outFeatures_ = 0, rows_ = 0;
  int64_t groupSize_ = -1; // channels per group (K for one group)
  rt::DeviceBuffer qweight_, qzeros_, scales_, gIdx_, x_, y_;
};

/// ‖a − b‖ / ‖b‖ over fp16 (or bf16) bit patterns; infinity when either
/// holds a NaN or infinity (an output element never written stays NaN).
double relativeError(const std::vector<uint16_t> &a,
                     const std::vector<uint16_t> &b, bool bf16);

} // namespace gptq::tune

#endif // GPTQ_TOOLS_GPTQTUNE_GPUBENCH_H
