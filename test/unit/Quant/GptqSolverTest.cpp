//===- GptqSolverTest.cpp - The CPU reference GPTQ solver -----------------===//
//
// Properties that hold without the golden file: the result's internal
// consistency, exact reductions (diagonal H = round-to-nearest), act-order
// and g_idx rules, dead channels, damping retries, GPTQ beating
// round-to-nearest on correlated inputs, and one-line errors for bad inputs.
//
//===----------------------------------------------------------------------===//

#include "gptq/Quant/GptqSolver.h"
#include "gptq/Quant/Hessian.h"
#include "gptq/Quant/Quantizer.h"

#include "QuantTestUtils.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

using namespace gptq;
using namespace gptq::quant;

namespace {

struct Layer {
  int64_t N, K;
  std::vector<float> weight, hessian;
};

Layer makeLayer(int64_t N, int64_t K, uint32_t seed, int64_t tokens = 0) {
  Layer layer{N, K, test::randomNormal(N * K, seed), {}};
  if (tokens == 0)
    tokens = 2 * K;
  std::vector<float> inputs = test::correlatedInputs(tokens, K, seed + 100);
  HessianAccumulator accumulator(K);
  accumulator.addBatch(inputs.data(), 1, tokens);
  layer.hessian = accumulator.hessian();
  return layer;
}

GptqResult solveOk(const Layer &layer, const GptqOptions &options) {
  Expected<GptqResult> result = createCpuSolver()->solve(
      layer.weight, layer.N, layer.K, layer.hessian, options);
  EXPECT_TRUE(result.ok()) << result.message();
  if (!result.ok())
    return GptqResult();
  return result.take();
}

/// Round-to-nearest with the same group layout (no error feedback).
std::vector<float> roundToNearest(const Layer &layer,
                                  const GptqOptions &options) {
  QuantizerConfig config;
  config.bits = options.bits;
  config.sym = options.sym;
  Quantizer quantizer = Quantizer::create(config).take();
  int64_t group = options.groupSize == -1 ? layer.K : options.groupSize;
  std::vector<float> values(layer.N * layer.K);
  for (int64_t n = 0; n < layer.N; ++n)
    for (int64_t g0 = 0; g0 < layer.K; g0 += group) {
      const float *slice = layer.weight.data() + n * layer.K + g0;
      QuantParams params = quantizer.findParams(slice, group);
      for (int64_t k = 0; k < group; ++k)
        values[n * layer.K + g0 + k] = quantizer.quantize(slice[k], params);
    }
  return values;
}

/// Every field has its size, codes are in range, and the dequantized values
/// are scale · (code − zero) through g_idx.
void expectConsistent(const GptqResult &result, const GptqOptions &options) {
  int64_t N = result.N, K = result.K;
  int64_t groups = numGroups(K, options.groupSize);
  ASSERT_EQ(int64_t(result.codes.size()), N * K);
  ASSERT_EQ(int64_t(result.dequantized.size()), N * K);
  ASSERT_EQ(int64_t(result.scales.size()), N * groups);
  ASSERT_EQ(int64_t(result.zeros.size()), N * groups);
  ASSERT_EQ(int64_t(result.gIdx.size()), K);
  int32_t maxq = (1 << options.bits) - 1;
  for (int64_t k = 0; k < K; ++k) {
    ASSERT_GE(result.gIdx[k], 0);
    ASSERT_LT(result.gIdx[k], groups);
  }
  for (int64_t n = 0; n < N; ++n)
    for (int64_t k = 0; k < K; ++k) {
      int32_t code = result.codes[n * K + k];
      ASSERT_GE(code, 0);
      ASSERT_LE(code, maxq);
      int64_t group = result.gIdx[k];
      QuantParams params{result.scales[n * groups + group],
                         result.zeros[n * groups + group]};
      ASSERT_EQ(result.dequantized[n * K + k],
                Quantizer::dequantize(code, params))
          << "row " << n << " column " << k;
    }
}

TEST(GptqSolver, ResultsAreConsistentInEveryMode) {
  Layer layer = makeLayer(24, 256, 1);
  for (int bits : {2, 3, 4, 8})
    for (int64_t groupSize : {int64_t(-1), int64_t(32), int64_t(128)})
      for (bool sym : {false, true})
        for (bool actOrder : {false, true})
          for (bool staticGroups : {false, true}) {
            if (staticGroups && groupSize == -1)
              continue;
            GptqOptions options;
            options.bits = bits;
            options.groupSize = groupSize;
            options.sym = sym;
            options.actOrder = actOrder;
            options.staticGroups = staticGroups;
            SCOPED_TRACE(testing::Message()
                         << bits << " bits, g " << groupSize << ", sym " << sym
                         << ", act " << actOrder << ", static "
                         << staticGroups);
            GptqResult result = solveOk(layer, options);
            expectConsistent(result, options);
            EXPECT_EQ(result.dampUsed, 0.01);
            EXPECT_GT(result.loss, 0.0);
          }
}

TEST(GptqSolver, DiagonalHessianIsRoundToNearest) {
  // Without correlations U is diagonal: no error feedback at all.
  Layer layer = makeLayer(16, 128, 2);
  std::fill(layer.hessian.begin(), layer.hessian.end(), 0.0f);
  for (int64_t i = 0; i < layer.K; ++i)
    layer.hessian[i * layer.K + i] = 1.0f + float(i % 5);
  GptqOptions options;
  options.groupSize = 32;
  options.sym = false;
  GptqResult result = solveOk(layer, options);
  EXPECT_EQ(result.dequantized, roundToNearest(layer, options));
  // loss = Σ (w − q)² (H_ii + damp) / 2 when U is diagonal.
  double meanDiagonal = 0.0;
  for (int64_t i = 0; i < layer.K; ++i)
    meanDiagonal += 1.0 + double(i % 5);
  double damp = 0.01 * meanDiagonal / double(layer.K);
  double expectedLoss = 0.0;
  for (int64_t n = 0; n < layer.N; ++n)
    for (int64_t k = 0; k < layer.K; ++k) {
      double diff = double(layer.weight[n * layer.K + k]) -
                    result.dequantized[n * layer.K + k];
      expectedLoss += diff * diff * (1.0 + double(k % 5) + damp) / 2.0;
    }
  EXPECT_NEAR(result.loss, expectedLoss, 1e-5 * expectedLoss);
}

TEST(GptqSolver, BeatsRoundToNearestOnCorrelatedInputs) {
  Layer layer = makeLayer(64, 256, 3);
  for (int bits : {2, 3, 4}) {
    for (bool actOrder : {false, true}) {
      GptqOptions options;
      options.bits = bits;
      options.groupSize = 64;
      options.sym = false;
      options.actOrder = actOrder;
      GptqResult result = solveOk(layer, options);
      double gptqError = proxyError(layer.weight, result.dequantized,
                                    layer.hessian, layer.N, layer.K);
      double rtnError = proxyError(layer.weight, roundToNearest(layer, options),
                                   layer.hessian, layer.N, layer.K);
      EXPECT_LT(gptqError, 0.8 * rtnError) << bits << " bits, act " << actOrder;
    }
  }
}

TEST(GptqSolver, BlockSizeOnlyChangesRounding) {
  // Lazy batching is an exact reorganisation of the column loop (with one
  // group per row, so no group starts inside a block).
  Layer layer = makeLayer(16, 192, 4);
  GptqOptions options;
  options.groupSize = -1;
  options.sym = false;
  options.blockSize = 192;
  GptqResult whole = solveOk(layer, options);
  for (int64_t blockSize : {1, 7, 64, 128}) {
    options.blockSize = blockSize;
    GptqResult blocked = solveOk(layer, options);
    int64_t agree = 0;
    for (size_t i = 0; i < whole.codes.size(); ++i)
      agree += whole.codes[i] == blocked.codes[i];
    EXPECT_GE(double(agree) / double(whole.codes.size()), 0.99)
        << "block " << blockSize;
    EXPECT_NEAR(blocked.loss, whole.loss, 1e-3 * whole.loss);
  }
}

TEST(GptqSolver, ActOrderPermutationAndGroupIndices) {
  const int64_t K = 64, groupSize = 16;
  Layer layer = makeLayer(8, K, 5);
  // Two pairs of equal diagonals: a stable descending sort keeps each pair
  // in column order.
  layer.hessian[10 * K + 10] = layer.hessian[20 * K + 20] = 2e6f;
  layer.hessian[30 * K + 30] = layer.hessian[3 * K + 3] = 1e6f;
  std::vector<int64_t> expectedOrder(K);
  std::iota(expectedOrder.begin(), expectedOrder.end(), 0);
  std::stable_sort(expectedOrder.begin(), expectedOrder.end(),
                   [&](int64_t a, int64_t b) {
                     return layer.hessian[a * K + a] > layer.hessian[b * K + b];
                   });
  EXPECT_EQ(expectedOrder[0], 10);
  EXPECT_EQ(expectedOrder[1], 20);
  EXPECT_EQ(expectedOrder[2], 3);
  EXPECT_EQ(expectedOrder[3], 30);

  GptqOptions options;
  options.groupSize = groupSize;
  options.actOrder = true;
  GptqResult dynamic = solveOk(layer, options);
  for (int64_t position = 0; position < K; ++position)
    EXPECT_EQ(dynamic.gIdx[expectedOrder[position]], position / groupSize);

  options.staticGroups = true;
  GptqResult fixed = solveOk(layer, options);
  for (int64_t k = 0; k < K; ++k)
    EXPECT_EQ(fixed.gIdx[k], k / groupSize);
  expectConsistent(fixed, options);
  // Static groups take their parameters from the original weight.
  Quantizer quantizer = Quantizer::create(QuantizerConfig()).take();
  for (int64_t n = 0; n < layer.N; ++n)
    for (int64_t group = 0; group < K / groupSize; ++group) {
      QuantParams params = quantizer.findParams(
          layer.weight.data() + n * K + group * groupSize, groupSize);
      EXPECT_EQ(fixed.scales[n * (K / groupSize) + group], params.scale);
    }

  options.groupSize = -1;
  options.staticGroups = false;
  GptqResult single = solveOk(layer, options);
  EXPECT_EQ(single.gIdx, std::vector<int32_t>(K, 0));
  EXPECT_EQ(int64_t(single.scales.size()), layer.N);
}

TEST(GptqSolver, DeadChannelsQuantizeToZero) {
  const int64_t K = 96;
  Layer layer = makeLayer(12, K, 6);
  const int64_t dead[] = {0, 17, 50, 95};
  for (int64_t column : dead)
    for (int64_t j = 0; j < K; ++j)
      layer.hessian[column * K + j] = layer.hessian[j * K + column] = 0.0f;
  for (bool actOrder : {false, true}) {
    GptqOptions options;
    options.groupSize = 32;
    options.sym = false;
    options.actOrder = actOrder;
    GptqResult result = solveOk(layer, options);
    expectConsistent(result, options);
    for (int64_t n = 0; n < layer.N; ++n)
      for (int64_t column : dead)
        EXPECT_EQ(result.dequantized[n * K + column], 0.0f);
  }
}

TEST(GptqSolver, RetriesWithLargerDamping) {
  // Eigenvalues 3 and -1: positive diagonal but indefinite. Damping
  // fraction d adds d·1 to the diagonal; it factors once 1 + d > 2.
  Layer layer{2, 2, {0.3f, -0.7f, 1.1f, 0.2f}, {1.0f, 2.0f, 2.0f, 1.0f}};
  GptqOptions options;
  options.groupSize = -1;
  GptqResult result = solveOk(layer, options);
  EXPECT_DOUBLE_EQ(result.dampUsed, 10.0); // 0.01 -> 0.1 -> 1 (singular) -> 10
  expectConsistent(result, options);

  options.maxDampRetries = 2;
  Expected<GptqResult> failed =
      createCpuSolver()->solve(layer.weight, 2, 2, layer.hessian, options);
  ASSERT_FALSE(failed.ok());
  EXPECT_NE(failed.message().find("Cholesky"), std::string::npos)
      << failed.message();

  // A zero damping fraction restarts from 0.01.
  options.maxDampRetries = 5;
  options.dampPercent = 0.0;
  options.dampGrowth = 100.0;
  result = solveOk(layer, options);
  EXPECT_DOUBLE_EQ(result.dampUsed, 100.0); // 0 -> 0.01 -> 1 -> 100
}

TEST(GptqSolver, FewCalibrationTokensStillSolve) {
  // Rank-deficient H (8 tokens for 64 channels): damping makes it definite.
  Layer layer = makeLayer(8, 64, 7, /*tokens=*/8);
  GptqOptions options;
  options.groupSize = 32;
  GptqResult result = solveOk(layer, options);
  expectConsistent(result, options);
}

TEST(GptqSolver, V1StorableZerosInTheSolver) {
  // Non-negative weights: every asymmetric group would get zero point 0.
  Layer layer = makeLayer(32, 128, 8);
  for (float &value : layer.weight)
    value = std::fabs(value);
  GptqOptions options;
  options.bits = 4;
  options.groupSize = 32;
  options.sym = false;
  GptqResult plain = solveOk(layer, options);
  options.v1StorableZeros = true;
  GptqResult storable = solveOk(layer, options);
  expectConsistent(storable, options);
  int64_t zeroPointsZero =
      std::count(plain.zeros.begin(), plain.zeros.end(), 0.0f);
  EXPECT_GT(zeroPointsZero, 0);
  for (float zero : storable.zeros)
    EXPECT_GE(zero, 1.0f);
  double plainError = proxyError(layer.weight, plain.dequantized, layer.hessian,
                                 layer.N, layer.K);
  double storableError = proxyError(layer.weight, storable.dequantized,
                                    layer.hessian, layer.N, layer.K);
  std::printf("v1-storable zeros in GPTQ, 4 bits, %ld of %zu zero points "
              "moved: proxy error %.4g vs %.4g (x%.3f)\n",
              long(zeroPointsZero), plain.zeros.size(), storableError,
              plainError, storableError / plainError);
  EXPECT_LT(storableError, 1.3 * plainError);
}

TEST(GptqSolver, MseSearchRuns) {
  Layer layer = makeLayer(16, 128, 9);
  GptqOptions options;
  options.groupSize = 64;
  options.sym = false;
  options.bits = 3;
  options.mseSearch = true;
  GptqResult result = solveOk(layer, options);
  expectConsistent(result, options);
}

TEST(GptqSolver, Deterministic) {
  Layer layer = makeLayer(40, 128, 10);
  GptqOptions options;
  options.actOrder = true;
  options.groupSize = 32;
  GptqResult first = solveOk(layer, options);
  GptqResult second = solveOk(layer, options);
  EXPECT_EQ(first.codes, second.codes);
  EXPECT_EQ(first.scales, second.scales);
  EXPECT_EQ(first.loss, second.loss);
}

TEST(GptqSolver, ProxyErrorByHand) {
  // (Q − W) = [[1, -2]], H = [[2, 1], [1, 3]]: d H dᵀ = 2 - 4 + 12 = 10.
  std::vector<float> weight = {0.0f, 0.0f};
  std::vector<float> quantized = {1.0f, -2.0f};
  std::vector<float> hessian = {2.0f, 1.0f, 1.0f, 3.0f};
  EXPECT_DOUBLE_EQ(proxyError(weight, quantized, hessian, 1, 2), 10.0);
}

struct BadInput {
  const char *what;
  const char *expectedMessage;
};

TEST(GptqSolver, RejectsBadInputs) {
  const int64_t N = 4, K = 8;
  Layer good = makeLayer(N, K, 11);
  GptqOptions goodOptions;
  goodOptions.groupSize = 4;
  auto solveWith = [&](Layer layer, GptqOptions options) {
    return createCpuSolver()->solve(layer.weight, layer.N, layer.K,
                                    layer.hessian, options);
  };
  ASSERT_TRUE(solveWith(good, goodOptions).ok());

  auto expectError = [&](const Layer &layer, const GptqOptions &options,
                         const std::string &fragment) {
    Expected<GptqResult> result = solveWith(layer, options);
    ASSERT_FALSE(result.ok()) << "expected an error containing: " << fragment;
    EXPECT_NE(result.message().find(fragment), std::string::npos)
        << result.message();
    EXPECT_EQ(result.message().find('\n'), std::string::npos);
    EXPECT_EQ(validateGptqInputs(layer.weight, layer.N, layer.K, layer.hessian,
                                 options)
                  .message(),
              result.message());
  };

  Layer layer = good;
  layer.N = 0;
  expectError(layer, goodOptions, "weight shape must be positive");
  layer = good;
  layer.weight.pop_back();
  expectError(layer, goodOptions, "weight has 31 elements");
  layer = good;
  layer.hessian.resize(K * (K - 1));
  expectError(layer, goodOptions, "hessian has 56 elements, expected a square");
  layer = good;
  layer.weight[5] = std::numeric_limits<float>::quiet_NaN();
  expectError(layer, goodOptions, "weight[0][5] is nan");
  layer = good;
  layer.weight[9] = std::numeric_limits<float>::infinity();
  expectError(layer, goodOptions, "weight[1][1] is inf");
  layer = good;
  layer.hessian[3] = std::numeric_limits<float>::infinity();
  expectError(layer, goodOptions, "hessian[0][3] is inf");
  layer = good;
  layer.hessian[2 * K + 2] = -1.0f;
  expectError(layer, goodOptions, "hessian[2][2] = -1 is negative");
  layer = good;
  layer.hessian[1 * K + 0] += 1.0f;
  expectError(layer, goodOptions, "hessian is not symmetric");

  GptqOptions options = goodOptions;
  options.bits = 5;
  expectError(good, options, "unsupported bits 5");
  options = goodOptions;
  options.groupSize = 3;
  expectError(good, options, "group size 3 does not divide K = 8");
  options.groupSize = 0;
  expectError(good, options, "group size must be positive or -1");
  options.groupSize = -2;
  expectError(good, options, "group size must be positive or -1");
  options = goodOptions;
  options.groupSize = -1;
  options.staticGroups = true;
  expectError(good, options, "static groups need a group size");
  options = goodOptions;
  options.blockSize = 0;
  expectError(good, options, "block size must be positive");
  options = goodOptions;
  options.dampPercent = -0.1;
  expectError(good, options, "damping fraction must be finite and >= 0");
  options.dampPercent = std::numeric_limits<double>::quiet_NaN();
  expectError(good, options, "damping fraction must be finite and >= 0");
  options = goodOptions;
  options.maxDampRetries = -1;
  expectError(good, options, "damping retries must be >= 0");
  options = goodOptions;
  options.dampGrowth = 1.0;
  expectError(good, options, "damping growth must be finite and > 1");
}

} // namespace
