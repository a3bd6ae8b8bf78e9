//===- Sampling.h - Choosing the next token from logits ---------*- C++ -*-===//
//
// Generation on every device picks tokens on the host from one row of
// logits, so greedy and nucleus sampling have one implementation and a seed
// reproduces a run exactly.
//
//===----------------------------------------------------------------------===//

#ifndef GPTQ_MODEL_SAMPLING_H
#define GPTQ_MODEL_SAMPLING_H

#include <cstdint>
#include <random>

namespace gptq::model {

struct SamplingOptions {
  double temperature = 0.0; ///< 0: greedy (argmax)
  double topP = 1.0;        ///< nucleus: smallest set with this much mass
  uint64_t seed = 0;
};

class Sampler {
public:
  explicit Sampler(const SamplingOptions &options)
      : options_(options), rng_(options.seed) {}
  /// The next token from logits [vocab].
  int32_t next(const float *logits, int64_t vocab);

private:
  SamplingOptions options_;
  std::mt19937_64 rng_;
};

} // namespace gptq::model

#endif // GPTQ_MODEL_SAMPLING_H
