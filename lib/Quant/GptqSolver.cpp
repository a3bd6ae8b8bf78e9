//===- GptqSolver.cpp - Shared checks and measures of GPTQ solvers --------===//

#include "gptq/Quant/GptqSolver.h"

#include "gptq/Quant/Quantizer.h"

#include <cmath>

#include <fmt/format.h>

namespace gptq::quant {

GptqSolver::~GptqSolver() = default;

int64_t numGroups(int64_t K, int64_t groupSize) {
  return groupSize == -1 ? 1 : K / groupSize;
}

static Status checkOptions(int64_t K, const GptqOptions &options) {
  GPTQ_RETURN_IF_ERROR(checkQuantBits(options.bits));
  if (options.groupSize != -1) {
    if (options.groupSize <= 0)
      return Status::error(fmt::format(
          "group size must be positive or -1, got {}", options.groupSize));
    if (K % options.groupSize != 0)
      return Status::error(fmt::format("group size {} does not divide K = {}",
                                       options.groupSize, K));
  }
  if (options.staticGroups && options.groupSize == -1)
    return Status::error("static groups need a group size (got -1)");
  if (options.blockSize <= 0)
    return Status::error(
        fmt::format("block size must be positive, got {}", options.blockSize));
  if (!(options.dampPercent >= 0.0) || !std::isfinite(options.dampPercent))
    return Status::error(
        fmt::format("damping fraction must be finite and >= 0, got {}",
                    options.dampPercent));
  if (options.maxDampRetries < 0)
    return Status::error(fmt::format("damping retries must be >= 0, got {}",
                                     options.maxDampRetries));
  if (!(options.dampGrowth > 1.0) || !std::isfinite(options.dampGrowth))
    return Status::error(fmt::format(
        "damping growth must be finite and > 1, got {}", options.dampGrowth));
  return Status::success();
}

Status validateGptqInputs(const std::vector<float> &weight, int64_t N,
                          int64_t K, const std::vector<float> &hessian,
                          const GptqOptions &options) {
  if (N <= 0 || K <= 0)
    return Status::error(
        fmt::format("weight shape must be positive, got {}x{}", N, K));
  if (int64_t(weight.size()) != N * K)
    return Status::error(
        fmt::format("weight has {} elements, expected N*K = {}x{} = {}",
                    weight.size(), N, K, N * K));
  if (int64_t(hessian.size()) != K * K)
    return Status::error(fmt::format(
        "hessian has {} elements, expected a square K*K = {}x{} = {}",
        hessian.size(), K, K, K * K));
  GPTQ_RETURN_IF_ERROR(checkOptions(K, options));

  for (int64_t i = 0; i < N * K; ++i)
    if (!std::isfinite(weight[i]))
      return Status::error(
          fmt::format("weight[{}][{}] is {}", i / K, i % K, weight[i]));
  for (int64_t i = 0; i < K * K; ++i)
    if (!std::isfinite(hessian[i]))
      return Status::error(
          fmt::format("hessian[{}][{}] is {}", i / K, i % K, hessian[i]));
  for (int64_t i = 0; i < K; ++i)
    if (hessian[i * K + i] < 0.0f)
      return Status::error(fmt::format("hessian[{}][{}] = {} is negative", i, i,
                                       hessian[i * K + i]));
  // Loose enough for any fp32 Gram matrix, tight enough to catch a wrong
  // layout or a transposed/partial matrix.
  for (int64_t i = 0; i < K; ++i)
    for (int64_t j = 0; j < i; ++j) {
      double lower = hessian[i * K + j], upper = hessian[j * K + i];
      double magnitude =
          std::sqrt(double(hessian[i * K + i]) * double(hessian[j * K + j])) +
          std::fabs(lower) + std::fabs(upper);
      if (std::fabs(lower - upper) > 1e-4 * magnitude)
        return Status::error(fmt::format(
            "hessian is not symmetric: [{}][{}] = {} but [{}][{}] = {}", i, j,
            lower, j, i, upper));
    }
  return Status::success();
}

double proxyError(const std::vector<float> &weight,
                  const std::vector<float> &dequantized,
                  const std::vector<float> &hessian, int64_t N, int64_t K) {
  double total = 0.0;
  std::vector<double> delta(K);
  for (int64_t n = 0; n < N; ++n) {
    for (int64_t k = 0; k < K; ++k)
      delta[k] = double(dequantized[n * K + k]) - double(weight[n * K + k]);
    for (int64_t i = 0; i < K; ++i) {
      if (delta[i] == 0.0)
        continue;
      const float *row = hessian.data() + i * K;
      double rowDot = 0.0;
      for (int64_t j = 0; j < K; ++j)
        rowDot += double(row[j]) * delta[j];
      total += delta[i] * rowDot;
    }
  }
  return total;
}

} // namespace gptq::quant
