//===- QuantTestUtils.h - Random data for the Quant unit tests --*- C++ -*-===//

#ifndef GPTQ_TEST_UNIT_QUANT_QUANTTESTUTILS_H
#define GPTQ_TEST_UNIT_QUANT_QUANTTESTUTILS_H

#include <cstdint>
#include <random>
#include <vector>

namespace gptq::quant::test {

inline std::vector<float> randomNormal(int64_t count, uint32_t seed,
                                       float mean = 0.0f, float stddev = 1.0f) {
  std::mt19937 generator(seed);
  std::normal_distribution<float> distribution(mean, stddev);
  std::vector<float> values(count);
  for (float &value : values)
    value = distribution(generator);
  return values;
}

/// Calibration-like inputs: `tokens` × K rows whose features are correlated
/// (a shared low-rank part plus noise) and have unequal scales, so GPTQ's
/// error feedback and act-order have something to work with.
inline std::vector<float> correlatedInputs(int64_t tokens, int64_t K,
                                           uint32_t seed) {
  constexpr int64_t kRank = 4;
  std::vector<float> mixing = randomNormal(kRank * K, seed + 1);
  std::vector<float> latent = randomNormal(tokens * kRank, seed + 2);
  std::vector<float> noise = randomNormal(tokens * K, seed + 3, 0.0f, 0.3f);
  std::vector<float> inputs(tokens * K);
  for (int64_t t = 0; t < tokens; ++t)
    for (int64_t k = 0; k < K; ++k) {
      float value = noise[t * K + k];
      for (int64_t r = 0; r < kRank; ++r)
        value += latent[t * kRank + r] * mixing[r * K + k];
      inputs[t * K + k] = value * (0.5f + float(k % 7) / 4.0f);
    }
  return inputs;
}

} // namespace gptq::quant::test

#endif // GPTQ_TEST_UNIT_QUANT_QUANTTESTUTILS_H
