//===- CpuForward.h - fp32 reference forward pass on the CPU ----*- C++ -*-===//
//
// The plain meaning of the supported architectures, written to be read: the
// GPU forward, the quantizer's layer-by-layer capture and the perplexity
// numbers in CI are all checked against it. Activations and accumulations are
// fp32; quantized linears run on the weights dequantized once at load.
//
//===----------------------------------------------------------------------===//

#ifndef GPTQ_MODEL_CPUFORWARD_H
#define GPTQ_MODEL_CPUFORWARD_H

#include "gptq/Model/ModelWeights.h"
#include "gptq/Support/Status.h"

#include <cstdint>
#include <vector>

namespace gptq::model {

class CpuForward {
public:
  /// `weights` must outlive this object and hold dense weights for every
  /// linear (LoadOptions::dequantize). `threads` 0: all hardware threads.
  explicit CpuForward(const ModelWeights &weights, unsigned threads = 0);

  /// Logits [T][vocab] for one sequence at positions 0..T-1.
  Expected<std::vector<float>> logits(const std::vector<int32_t> &tokens) const;

private:
  const ModelWeights &weights_;
  unsigned threads_;
};

/// y[T][out] = x[T][in] · W + b, W [in][out]; exposed for tests.
void cpuLinear(const float *x, int64_t T, const Linear &linear, float *y,
               unsigned threads);

} // namespace gptq::model

#endif // GPTQ_MODEL_CPUFORWARD_H
