//===- NoQmmBundles.cpp - No generated qmm kernels in this build ----------===//
//
// Built when no gptq-opt was available: quantized linears then fall back to
// dequantized fp16 weights (or fail, where the caller forbids that).
//
//===----------------------------------------------------------------------===//

#include "QmmKernels.h"

namespace gptq::model::cuda {
const std::vector<QmmBundle> &qmmBundles() {
  static const std::vector<QmmBundle> none;
  return none;
}
} // namespace gptq::model::cuda
