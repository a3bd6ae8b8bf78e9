//===- HessianTest.cpp - Running-average Hessian accumulation -------------===//

#include "gptq/Quant/Hessian.h"

#include "QuantTestUtils.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdio>

using namespace gptq::quant;

namespace {

/// H = 2/n Σ x xᵀ in double, n = total sequences.
std::vector<double> naiveHessian(const std::vector<float> &inputs,
                                 int64_t tokens, int64_t K, int64_t sequences) {
  std::vector<double> hessian(K * K, 0.0);
  for (int64_t t = 0; t < tokens; ++t)
    for (int64_t i = 0; i < K; ++i)
      for (int64_t j = 0; j < K; ++j)
        hessian[i * K + j] +=
            double(inputs[t * K + i]) * double(inputs[t * K + j]);
  for (double &value : hessian)
    value *= 2.0 / double(sequences);
  return hessian;
}

/// Largest |a - b| relative to sqrt(b_ii · b_jj), the natural scale of
/// entry (i, j) of a Gram matrix.
double maxRelativeError(const std::vector<float> &actual,
                        const std::vector<double> &expected, int64_t K) {
  double worst = 0.0;
  for (int64_t i = 0; i < K; ++i)
    for (int64_t j = 0; j < K; ++j) {
      double scale = std::sqrt(expected[i * K + i] * expected[j * K + j]);
      worst = std::max(
          worst, std::fabs(actual[i * K + j] - expected[i * K + j]) / scale);
    }
  return worst;
}

TEST(Hessian, MatchesNaiveDoubleOverUnevenBatches) {
  // K not a multiple of the 8-column panels or 64-column blocks; batches of
  // different sequence counts and lengths.
  for (int64_t K : {1, 5, 37, 70, 130}) {
    struct Batch {
      int64_t sequences, length;
    };
    const Batch batches[] = {{1, 32}, {3, 7}, {2, 300}, {1, 1}};
    int64_t totalTokens = 0, totalSequences = 0;
    for (const Batch &batch : batches) {
      totalTokens += batch.sequences * batch.length;
      totalSequences += batch.sequences;
    }
    std::vector<float> inputs =
        test::correlatedInputs(totalTokens, K, uint32_t(K));
    HessianAccumulator accumulator(K);
    int64_t offset = 0;
    for (const Batch &batch : batches) {
      accumulator.addBatch(inputs.data() + offset * K, batch.sequences,
                           batch.length);
      offset += batch.sequences * batch.length;
    }
    EXPECT_EQ(accumulator.numSamples(), totalSequences);
    std::vector<double> expected =
        naiveHessian(inputs, totalTokens, K, totalSequences);
    EXPECT_LT(maxRelativeError(accumulator.hessian(), expected, K), 1e-5)
        << "K = " << K;
    const std::vector<float> &hessian = accumulator.hessian();
    for (int64_t i = 0; i < K; ++i)
      for (int64_t j = 0; j < i; ++j)
        ASSERT_EQ(hessian[i * K + j], hessian[j * K + i]);
  }
}

TEST(Hessian, EmptyBatchChangesNothing) {
  const int64_t K = 9;
  std::vector<float> inputs = test::randomNormal(4 * K, 3);
  HessianAccumulator accumulator(K);
  accumulator.addBatch(inputs.data(), 1, 4);
  std::vector<float> before = accumulator.hessian();
  accumulator.addBatch(inputs.data(), 0, 4);
  EXPECT_EQ(accumulator.hessian(), before);
  EXPECT_EQ(accumulator.numSamples(), 1);
}

TEST(Hessian, ThreadCountDoesNotChangeBits) {
  const int64_t K = 300, tokens = 200;
  std::vector<float> inputs = test::correlatedInputs(tokens, K, 11);
  HessianAccumulator single(K, 1), parallel(K, 4);
  single.addBatch(inputs.data(), 2, tokens / 2);
  parallel.addBatch(inputs.data(), 2, tokens / 2);
  EXPECT_EQ(single.hessian(), parallel.hessian());
}

TEST(Hessian, LargeLayerInReasonableTime) {
  // A 2048-token batch at K = 1024 (the K = 4096 case is 16x this work and
  // takes about 0.7 s on two cores).
  const int64_t K = 1024, tokens = 2048;
  std::vector<float> inputs = test::randomNormal(tokens * K, 5);
  HessianAccumulator accumulator(K);
  auto start = std::chrono::steady_clock::now();
  accumulator.addBatch(inputs.data(), 1, tokens);
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  std::printf("Hessian K=%ld, %ld tokens: %.3f s\n", long(K), long(tokens),
              seconds);
  // Spot-check a few entries against double sums.
  for (int64_t i : {0L, 511L, 1023L})
    for (int64_t j : {0L, 700L, 1023L}) {
      double sum = 0.0;
      for (int64_t t = 0; t < tokens; ++t)
        sum += double(inputs[t * K + i]) * double(inputs[t * K + j]);
      double expected = 2.0 * sum;
      EXPECT_NEAR(accumulator.hessian()[i * K + j], expected,
                  1e-5 * 2.0 * tokens);
    }
  EXPECT_LT(seconds, 10.0);
}

} // namespace
