//===- Dequantize.h - CPU reference for GPTQ linear layers ------*- C++ -*-===//
//
// The plain, obviously-correct meaning of a quantized linear layer as a
// checkpoint stores it (FORMAT.md §4): unpack, subtract the zero point,
// multiply by the scale. The GPU kernels and the golden tests are checked
// against these functions, so they favour clarity over speed.
//
//===----------------------------------------------------------------------===//

#ifndef GPTQ_FORMAT_DEQUANTIZE_H
#define GPTQ_FORMAT_DEQUANTIZE_H

#include "gptq/Format/Packing.h"
#include "gptq/Support/Status.h"

#include <cstdint>
#include <vector>

namespace gptq::format {

/// One GPTQ linear layer in checkpoint layout (y = x · W, W is [K][N]).
struct QuantizedLinear {
  int64_t K = 0, N = 0;
  int bits = 4;
  /// Input channels per group; -1 means one group spanning all of K.
  int64_t groupSize = 128;
  CheckpointFormat format = CheckpointFormat::GptqV1;
  std::vector<int32_t> qweight; ///< [K*bits/32][N]
  std::vector<int32_t> qzeros;  ///< [G][N*bits/32]
  std::vector<int32_t> gIdx;    ///< [K], or empty for k / groupSize
  std::vector<float> scales;    ///< [G][N]
  std::vector<float> bias;      ///< [N], or empty

  /// G: ceil(K / groupSize) as AutoGPTQ allocates it, 1 for groupSize -1.
  int64_t numGroups() const;
  /// Group of input channel k (gIdx[k], or k / groupSize when gIdx is empty).
  int64_t groupOf(int64_t k) const;
  /// Checks bit width, group size, every array's size and every g_idx entry.
  Status validate() const;
};

/// W as [K][N] floats: scales[g][n] * (code[k][n] - zero[g][n]), g = group of
/// k.
Expected<std::vector<float>> dequantize(const QuantizedLinear &layer);

/// y[M][N] = x[M][K] · W (+ bias), accumulated in fp32. x is [M][K].
Expected<std::vector<float>>
referenceDequantMatmul(const std::vector<float> &x, int64_t M,
                       const QuantizedLinear &layer);

} // namespace gptq::format

#endif // GPTQ_FORMAT_DEQUANTIZE_H
