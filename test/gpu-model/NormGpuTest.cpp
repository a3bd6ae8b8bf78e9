//===- NormGpuTest.cpp - the forward's RMSNorm against fp32 ---------------===//
//
// cuda::rmsNorm and cuda::addRmsNorm (lib/Model/cuda/Kernels.cu) on random
// rows against the CPU: widths for each register-resident variant (1, 2,
// 4 and 8 values per thread: 512 to 8192) and the loop kernel beyond
// (12288), with and without the residual delta and the act-order
// permutation of the output columns. Skips without a GPU.
//
//===----------------------------------------------------------------------===//

#include "GpuTestSupport.h"
#include "Kernels.h"
#include "gptq/Model/GpuForward.h"
#include "gptq/Runtime/Module.h"
#include "gptq/Support/Half.h"

#include <cuda_runtime_api.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>
#include <tuple>
#include <vector>

using namespace gptq;
namespace cuda = gptq::model::cuda;

namespace {

using test::uploadToDevice;

class NormGpuTest
    : public ::testing::TestWithParam<std::tuple<int64_t, bool, bool>> {};

TEST_P(NormGpuTest, MatchesFp32Reference) {
  std::string whyNot;
  if (!model::gpuAvailable(&whyNot))
    GTEST_SKIP() << "No CUDA device: " << whyNot;
  ASSERT_EQ(cudaSetDevice(0), cudaSuccess);
  ASSERT_EQ(cudaFree(nullptr), cudaSuccess); // the primary context
  auto context = rt::CudaContext::create(0);
  ASSERT_TRUE(context.ok()) << context.message();

  const auto [hidden, withDelta, withPerm] = GetParam();
  const int64_t rows = 3;
  std::mt19937 rng(int(hidden) + 2 * withDelta + withPerm);
  std::uniform_real_distribution<float> unit(-1.0f, 1.0f);
  auto randomHalves = [&](int64_t count) {
    std::vector<uint16_t> values(static_cast<size_t>(count));
    for (uint16_t &v : values)
      v = floatToHalf(2.0f * unit(rng));
    return values;
  };
  const std::vector<uint16_t> x = randomHalves(rows * hidden),
                              delta = randomHalves(rows * hidden),
                              weight = randomHalves(hidden);
  std::vector<int32_t> perm(static_cast<size_t>(hidden));
  std::iota(perm.begin(), perm.end(), 0);
  std::shuffle(perm.begin(), perm.end(), rng);
  rt::DeviceBuffer dX = uploadToDevice(x.data(), x.size() * 2),
                   dDelta = uploadToDevice(delta.data(), delta.size() * 2),
                   dWeight = uploadToDevice(weight.data(), weight.size() * 2),
                   dPerm = uploadToDevice(perm.data(), perm.size() * 4),
                   dOut = uploadToDevice(x.data(), x.size() * 2);
  ASSERT_TRUE(dOut.fillBytes(0xff).ok()); // NaN: unwritten shows
  auto half = [](CUdeviceptr p) { return reinterpret_cast<uint16_t *>(p); };
  const int32_t *permPointer =
      withPerm ? reinterpret_cast<const int32_t *>(dPerm.ptr()) : nullptr;
  const float eps = 1e-5f;
  if (withDelta)
    cuda::addRmsNorm(half(dX.ptr()), half(dDelta.ptr()), half(dWeight.ptr()),
                     rows, hidden, eps, half(dOut.ptr()), nullptr, permPointer);
  else
    cuda::rmsNorm(half(dX.ptr()), half(dWeight.ptr()), rows, hidden, eps,
                  half(dOut.ptr()), nullptr, permPointer);
  ASSERT_EQ(cudaGetLastError(), cudaSuccess);
  ASSERT_EQ(cudaDeviceSynchronize(), cudaSuccess);
  std::vector<uint16_t> out(x.size()), xAfter(x.size());
  ASSERT_TRUE(dOut.copyToHost(out.data(), out.size() * 2).ok());
  ASSERT_TRUE(dX.copyToHost(xAfter.data(), xAfter.size() * 2).ok());

  double error = 0.0, norm = 0.0;
  for (int64_t r = 0; r < rows; ++r) {
    std::vector<float> row(static_cast<size_t>(hidden));
    double squares = 0.0;
    for (int64_t i = 0; i < hidden; ++i) {
      float v = halfToFloat(x[r * hidden + i]);
      if (withDelta) // the residual stream keeps the fp16 sum
        v = halfToFloat(floatToHalf(v + halfToFloat(delta[r * hidden + i])));
      row[i] = v;
      squares += double(v) * v;
      ASSERT_EQ(halfToFloat(xAfter[r * hidden + i]), v)
          << "x[" << r << "][" << i << "]";
    }
    const double scale = 1.0 / std::sqrt(squares / double(hidden) + eps);
    for (int64_t i = 0; i < hidden; ++i) {
      const int64_t j = withPerm ? perm[i] : i;
      const double want = halfToFloat(weight[j]) * row[j] * scale;
      const double got = halfToFloat(out[r * hidden + i]);
      ASSERT_TRUE(std::isfinite(got)) << "row " << r << " column " << i;
      error += (got - want) * (got - want);
      norm += want * want;
    }
  }
  const double relative = std::sqrt(error / norm);
  std::printf("rmsNorm width %lld%s%s: relative error %.2e\n",
              (long long)hidden, withDelta ? ", residual added" : "",
              withPerm ? ", permuted" : "", relative);
  EXPECT_LT(relative, 2e-3);
}

INSTANTIATE_TEST_SUITE_P(
    Widths, NormGpuTest,
    ::testing::Combine(::testing::Values(512, 1536, 4096, 5120, 8192, 12288),
                       ::testing::Bool(), ::testing::Bool()));

} // namespace
