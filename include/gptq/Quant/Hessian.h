//===- Hessian.h - GPTQ's running-average input Hessian ---------*- C++ -*-===//
//
// H = (2 / n) Σ x xᵀ over every calibration token x of one linear layer, with
// n counted in sequences, not tokens (FORMAT.md §2). Each addBatch of b
// sequences rescales the running H by n / (n + b), then adds XᵀX with
// X = sqrt(2 / (n + b)) · the batch's [b·L, K] inputs, in fp32 like the
// reference, so results agree with it to float rounding.
//
// The Gram matrix is a blocked, register-tiled syrk over token chunks (only
// the lower triangle is computed, then mirrored), spread over threads; K =
// 4096 with 2048 tokens takes 0.7 s on two cores (1.3 s on one).
//
//===----------------------------------------------------------------------===//

#ifndef GPTQ_QUANT_HESSIAN_H
#define GPTQ_QUANT_HESSIAN_H

#include <cstdint>
#include <vector>

namespace gptq::quant {

class HessianAccumulator {
public:
  /// `numThreads` <= 0 uses every hardware thread.
  explicit HessianAccumulator(int64_t K, int numThreads = 0);

  /// Adds `batch` sequences of `tokensPerSequence` tokens, `x` holding
  /// batch · tokensPerSequence rows of K floats (row-major). A batch of 0
  /// sequences changes nothing.
  void addBatch(const float *x, int64_t batch, int64_t tokensPerSequence);

  /// The K×K Hessian, row-major, symmetric.
  const std::vector<float> &hessian() const { return hessian_; }
  int64_t numSamples() const { return numSamples_; }
  int64_t columns() const { return K_; }

private:
  int64_t K_;
  int numThreads_;
  int64_t numSamples_ = 0;
  std::vector<float> hessian_;
};

} // namespace gptq::quant

#endif // GPTQ_QUANT_HESSIAN_H
