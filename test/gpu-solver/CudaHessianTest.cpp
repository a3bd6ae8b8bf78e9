//===- CudaHessianTest.cpp - GPU Hessian against a double reference -------===//
//
// The running average of FORMAT.md §2 equals (2 / n) Σ x xᵀ over all tokens
// with n the number of sequences; computed here in double from the same
// fp16 inputs, it is the exact answer that both device paths (fp32 syrk and
// fp16 tensor cores) must reach to fp32 accumulation noise, over batches of
// different sizes so the rescaling between batches is exercised.
//
//===----------------------------------------------------------------------===//

#include "gptq/QuantCuda/CudaSolver.h"
#include "gptq/Support/Half.h"

#include "QuantTestUtils.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>

using namespace gptq;
using namespace gptq::quant;

namespace {

struct Batch {
  int64_t sequences;
  std::vector<uint16_t> values; // sequences × tokens × K fp16
};

void checkAgainstDouble(CudaHessian::Math math, int64_t K, double tolerance,
                        const char *label) {
  std::string whyNot;
  if (!cudaSolverAvailable(&whyNot))
    GTEST_SKIP() << whyNot;
  const int64_t tokens = 48;
  const int64_t sequenceCounts[] = {1, 3, 2, 1};
  std::vector<Batch> batches;
  uint32_t seed = 1;
  for (int64_t sequences : sequenceCounts) {
    std::vector<float> x = test::correlatedInputs(sequences * tokens, K, seed);
    seed += 10;
    Batch batch{sequences, std::vector<uint16_t>(x.size())};
    for (size_t i = 0; i < x.size(); ++i)
      batch.values[i] = floatToHalf(x[i]);
    batches.push_back(std::move(batch));
  }

  Expected<std::unique_ptr<CudaHessian>> hessian =
      CudaHessian::create(K, 0, math);
  ASSERT_TRUE(hessian.ok()) << hessian.message();
  for (const Batch &batch : batches) {
    Status status =
        (*hessian)->addBatch(batch.values.data(), batch.sequences, tokens);
    ASSERT_TRUE(status.ok()) << status.message();
  }
  Expected<std::vector<float>> ours = (*hessian)->hessian();
  ASSERT_TRUE(ours.ok()) << ours.message();

  int64_t samples = 0;
  std::vector<double> reference(K * K, 0.0);
  for (const Batch &batch : batches) {
    samples += batch.sequences;
    for (int64_t t = 0; t < batch.sequences * tokens; ++t) {
      const uint16_t *row = batch.values.data() + t * K;
      for (int64_t i = 0; i < K; ++i) {
        double xi = halfToFloat(row[i]);
        for (int64_t j = 0; j < K; ++j)
          reference[i * K + j] += xi * double(halfToFloat(row[j]));
      }
    }
  }
  EXPECT_EQ((*hessian)->numSamples(), samples);
  for (double &value : reference)
    value *= 2.0 / double(samples);

  double worst = 0.0, differenceSquares = 0.0, referenceSquares = 0.0;
  for (int64_t i = 0; i < K; ++i)
    for (int64_t j = 0; j < K; ++j) {
      double a = (*ours)[i * K + j], b = reference[i * K + j];
      ASSERT_EQ((*ours)[i * K + j], (*ours)[j * K + i]) << "not symmetric";
      differenceSquares += (a - b) * (a - b);
      referenceSquares += b * b;
      double scale = std::sqrt(reference[i * K + i] * reference[j * K + j]);
      worst = std::max(worst, std::fabs(a - b) / scale);
    }
  double relative = std::sqrt(differenceSquares / referenceSquares);
  std::printf("%-28s K=%ld: relative error %.2e (Frobenius), %.2e (worst "
              "entry / sqrt(H_ii H_jj))\n",
              label, long(K), relative, worst);
  EXPECT_LT(relative, tolerance);
  EXPECT_LT(worst, tolerance);
}

TEST(CudaHessian, Fp32MatchesDoubleReference) {
  checkAgainstDouble(CudaHessian::Math::Fp32, 200, 1e-5, "fp32 syrk");
}

TEST(CudaHessian, Fp32MatchesDoubleReferenceLargerK) {
  checkAgainstDouble(CudaHessian::Math::Fp32, 640, 1e-5, "fp32 syrk");
}

TEST(CudaHessian, TensorCoresMatchDoubleReference) {
  checkAgainstDouble(CudaHessian::Math::Fp16TensorCores, 256, 1e-5,
                     "fp16 tensor cores");
}

TEST(CudaHessian, OneShotHelperAndEmptyBatch) {
  std::string whyNot;
  if (!cudaSolverAvailable(&whyNot))
    GTEST_SKIP() << whyNot;
  const int64_t K = 64, tokens = 16;
  std::vector<uint16_t> x(2 * tokens * K);
  std::vector<float> values = test::randomNormal(int64_t(x.size()), 4u);
  for (size_t i = 0; i < x.size(); ++i)
    x[i] = floatToHalf(values[i]);
  Expected<std::vector<float>> h =
      accumulateHessianCuda(x.data(), 2, 1, tokens, K);
  ASSERT_TRUE(h.ok()) << h.message();
  // Diagonal entries: (2 / 2) Σ x_k², all positive.
  for (int64_t k = 0; k < K; ++k) {
    double expected = 0.0;
    for (int64_t t = 0; t < 2 * tokens; ++t) {
      double v = halfToFloat(x[t * K + k]);
      expected += v * v;
    }
    EXPECT_NEAR((*h)[k * K + k], expected, 1e-5 * expected);
  }
  Expected<std::unique_ptr<CudaHessian>> empty = CudaHessian::create(K);
  ASSERT_TRUE(empty.ok()) << empty.message();
  ASSERT_TRUE((*empty)->addBatch(x.data(), 0, tokens).ok());
  EXPECT_EQ((*empty)->numSamples(), 0);
}

} // namespace
