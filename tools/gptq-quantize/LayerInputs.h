//===- LayerInputs.h - Load and check a layer's weight and Hessian -*- C++ -*-//
//
// `gptq-quantize layer` names its inputs as FILE.safetensors:TENSOR. This
// loads both, after checking everything the headers can tell (file, tensor,
// dtype, rank, shapes, group and packing divisibility) and then that the
// values are finite, so that each problem is reported in the user's terms
// (the flag and the spec) before any solving.
//
//===----------------------------------------------------------------------===//

#ifndef GPTQ_TOOLS_GPTQ_QUANTIZE_LAYERINPUTS_H
#define GPTQ_TOOLS_GPTQ_QUANTIZE_LAYERINPUTS_H

#include "gptq/Support/Status.h"

#include <cstdint>
#include <string>
#include <vector>

namespace gptq::tools {

/// A FILE:TENSOR spec split at its last ':'.
struct TensorSpec {
  std::string path, tensor;
};

/// `flag` names the option in the error message.
Expected<TensorSpec> parseTensorSpec(const std::string &flag,
                                     const std::string &spec);

struct LayerInputs {
  int64_t N = 0, K = 0;
  /// [N][K] and [K][K], row-major, converted to float.
  std::vector<float> weight, hessian;
};

/// Loads the weight ([N][K], F16/BF16/F32) and the Hessian ([K][K],
/// F32/F16/F64) and checks them against `bits` and `groupSize` (-1: one
/// group per row).
Expected<LayerInputs> loadLayerInputs(const std::string &weightSpec,
                                      const std::string &hessianSpec, int bits,
                                      int64_t groupSize);

} // namespace gptq::tools

#endif // GPTQ_TOOLS_GPTQ_QUANTIZE_LAYERINPUTS_H
