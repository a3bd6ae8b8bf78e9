//===- GptqSolver.h - The GPTQ layer solver interface -----------*- C++ -*-===//
//
// Quantizes one linear layer's weight W (N out × K in) given its input
// Hessian H (K × K), by the blocked "lazy batch" GPTQ algorithm of
// FORMAT.md §3. One interface for the CPU reference (createCpuSolver) and
// device implementations; all share validateGptqInputs and the result layout,
// which is the golden file's: codes and dequantized values in original column
// order, scales and zeros per group in group-index order, g_idx per input
// channel.
//
//===----------------------------------------------------------------------===//

#ifndef GPTQ_QUANT_GPTQSOLVER_H
#define GPTQ_QUANT_GPTQSOLVER_H

#include "gptq/Support/Status.h"

#include <cstdint>
#include <memory>
#include <vector>

namespace gptq::quant {

struct GptqOptions {
  int bits = 4;
  /// Input columns per quantization group; -1: one group per row.
  int64_t groupSize = 128;
  bool sym = true;
  /// Quantize columns in descending order of diag(H) (desc_act).
  bool actOrder = false;
  /// Group parameters from the original weight, before any error update.
  bool staticGroups = false;
  /// Damping fraction of mean(diag(H)) added to the diagonal.
  double dampPercent = 0.01;
  int64_t blockSize = 128;
  bool mseSearch = false;
  /// Never emit a zero point of 0 (AutoGPTQ v1 cannot store it; see
  /// Quantizer.h for the rule). Only affects asymmetric quantization.
  bool v1StorableZeros = false;
  /// When a Cholesky factorization fails, retry up to this many times with
  /// the damping fraction multiplied by dampGrowth each time (a fraction of 0
  /// becomes 0.01 first). Only non-positive-definite H (rounding, or too few
  /// calibration tokens for K) needs this; the first success is reported in
  /// GptqResult::dampUsed.
  int maxDampRetries = 5;
  double dampGrowth = 10.0;
};

struct GptqResult {
  int64_t N = 0, K = 0;
  /// [N][K] integer codes 0..2^bits-1, original column order.
  std::vector<int32_t> codes;
  /// [N][G] per group, group-index order; zeros are integers held in floats.
  std::vector<float> scales, zeros;
  /// [K] group index of each input channel.
  std::vector<int32_t> gIdx;
  /// Σ (w - q)² / d² / 2 over all entries, as the reference reports it.
  double loss = 0.0;
  /// The damping fraction finally used.
  double dampUsed = 0.0;
  /// [N][K] scale · (code - zero), original column order.
  std::vector<float> dequantized;

  int64_t numGroups() const { return N > 0 ? int64_t(scales.size()) / N : 0; }
};

class GptqSolver {
public:
  virtual ~GptqSolver();
  /// `weight` is [N][K] row-major, `hessian` [K][K] row-major.
  virtual Expected<GptqResult> solve(const std::vector<float> &weight,
                                     int64_t N, int64_t K,
                                     const std::vector<float> &hessian,
                                     const GptqOptions &options) = 0;
};

/// The readable CPU reference implementation (multi-threaded over rows).
std::unique_ptr<GptqSolver> createCpuSolver();

/// Checks sizes, finiteness, a non-negative Hessian diagonal and the options;
/// the message names the first problem found.
Status validateGptqInputs(const std::vector<float> &weight, int64_t N,
                          int64_t K, const std::vector<float> &hessian,
                          const GptqOptions &options);

/// Number of groups per row: K / groupSize, or 1 for groupSize -1.
int64_t numGroups(int64_t K, int64_t groupSize);

/// The layer-output error Σ ((Q − W) H ⊙ (Q − W)) = Σ_n dₙᵀ H dₙ with
/// dₙ the n-th row of Q − W; accumulated in double.
double proxyError(const std::vector<float> &weight,
                  const std::vector<float> &dequantized,
                  const std::vector<float> &hessian, int64_t N, int64_t K);

} // namespace gptq::quant

#endif // GPTQ_QUANT_GPTQSOLVER_H
