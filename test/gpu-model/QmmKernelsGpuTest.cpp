//===- QmmKernelsGpuTest.cpp - the model's kernel choice per row count ---===//
//
// The model's embedded bundles hold, per layer shape, a decode kernel, a
// dynamic-M general kernel, small- and mid-batch kernels and a prefill
// kernel (lib/Model/cuda/QmmKernelSet.cmake). On sm_90a the Llama-2-7B
// shapes (4096 x 4096, 4096 x 11008, 11008 x 4096; 4-bit) get 16-row
// pipelined small-batch kernels and 64-row wgmma mid-batch kernels that
// the general kernels are not; their results at 9-16 and 17-64 rows must
// match the decode (stream) kernel's on the same fresh random inputs.
// Without a GPU the test skips.
//
//===----------------------------------------------------------------------===//

#include "GpuTestSupport.h"
#include "QmmKernels.h"

#include "gptq/Model/GpuForward.h"
#include "gptq/Runtime/Module.h"
#include "gptq/Support/Half.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <random>
#include <utility>
#include <vector>

using namespace gptq;
using namespace gptq::model;

namespace {

using test::uploadToDevice;

class QmmKernelsGpu : public ::testing::TestWithParam<std::pair<int, int>> {};

TEST_P(QmmKernelsGpu, SmallBatchKernelMatchesDecodeKernel) {
  std::string whyNot;
  if (!gpuAvailable(&whyNot))
    GTEST_SKIP() << "No CUDA device: " << whyNot;
  auto context = rt::CudaContext::create(0);
  ASSERT_TRUE(context.ok()) << context.message();
  auto kernels = cuda::QmmKernels::create(
      (*context)->info().arch(), (*context)->info().maxAccessPolicyWindowBytes);
  ASSERT_TRUE(kernels.ok()) << kernels.message();
  const int64_t K = GetParam().first, N = GetParam().second, groups = K / 128;
  const cuda::QmmKernelSpec *spec = (*kernels)->find(K, N, 4, 128, false, true);
  ASSERT_NE(spec, nullptr);
  ASSERT_NE(spec->decode, nullptr);
  if (!spec->smallBatch && !spec->midBatch)
    GTEST_SKIP() << "the " << (*context)->info().arch()
                 << " bundle has no separate small- or mid-batch kernel for "
                    "this shape (sm_90a does)";
  if (spec->smallBatch)
    EXPECT_NE(spec->smallBatch->name.find("_pipe_m16"), std::string::npos)
        << spec->smallBatch->name;

  std::mt19937 rng(7);
  std::uniform_int_distribution<uint32_t> word;
  std::uniform_real_distribution<float> unit(-1.0f, 1.0f);
  std::vector<uint32_t> qweight(K / 8 * N), qzeros(groups * N / 8);
  for (uint32_t &w : qweight)
    w = word(rng);
  for (uint32_t &w : qzeros)
    w = word(rng);
  std::vector<uint16_t> scales(groups * N);
  for (uint16_t &s : scales)
    s = floatToHalf(0.002f + 0.01f * std::abs(unit(rng)));
  rt::DeviceBuffer dQweight =
      uploadToDevice(qweight.data(), qweight.size() * 4);
  rt::DeviceBuffer dQzeros = uploadToDevice(qzeros.data(), qzeros.size() * 4);
  rt::DeviceBuffer dScales = uploadToDevice(scales.data(), scales.size() * 2);

  for (int64_t m : {9, 16, 17, 33, 64}) {
    const cuda::QmmKernelSpec *variant =
        m <= cuda::kSmallBatchRows ? spec->smallBatch : spec->midBatch;
    if (!variant)
      continue;
    SCOPED_TRACE("m = " + std::to_string(m));
    std::vector<uint16_t> x(m * K);
    for (uint16_t &value : x)
      value = floatToHalf(unit(rng));
    rt::DeviceBuffer dX = uploadToDevice(x.data(), x.size() * 2);
    auto small = rt::DeviceBuffer::create(m * N * 2);
    auto reference = rt::DeviceBuffer::create(m * N * 2);
    ASSERT_TRUE(small.ok() && reference.ok());
    ASSERT_TRUE(small->fillBytes(0xff).ok()); // NaN: unwritten shows
    ASSERT_TRUE(reference->fillBytes(0xff).ok());
    cuda::QmmOperands operands;
    operands.x = dX.ptr();
    operands.qweight = dQweight.ptr();
    operands.qzeros = dQzeros.ptr();
    operands.scales = dScales.ptr();
    operands.y = small->ptr();
    // The general spec picks its small-batch kernel for these rows; the
    // decode spec, launched directly, is the stream kernel for any m.
    ASSERT_TRUE((*kernels)->launch(*spec, operands, m, nullptr).ok());
    operands.y = reference->ptr();
    ASSERT_TRUE((*kernels)->launch(*spec->decode, operands, m, nullptr).ok());
    std::vector<uint16_t> got(m * N), want(m * N);
    ASSERT_TRUE(small->copyToHost(got.data(), got.size() * 2).ok());
    ASSERT_TRUE(reference->copyToHost(want.data(), want.size() * 2).ok());
    double error = 0.0, norm = 0.0;
    for (size_t i = 0; i < got.size(); ++i) {
      const double a = halfToFloat(got[i]), b = halfToFloat(want[i]);
      ASSERT_TRUE(std::isfinite(a) && std::isfinite(b)) << "element " << i;
      error += (a - b) * (a - b);
      norm += b * b;
    }
    const double relative = std::sqrt(error / norm);
    std::printf("%s at m = %lld against %s: relative error %.2e\n",
                variant->name.c_str(), (long long)m, spec->decode->name.c_str(),
                relative);
    EXPECT_LT(relative, 2e-3);
  }
}

// q/k/v/o and down (N = 4096: 64-column tiles of 2 warps) and gate/up
// (N = 11008: 128-column tiles), autotune/DefaultConfigs.cpp.
INSTANTIATE_TEST_SUITE_P(Llama7B, QmmKernelsGpu,
                         ::testing::Values(std::make_pair(4096, 4096),
                                           std::make_pair(4096, 11008),
                                           std::make_pair(11008, 4096)));

} // namespace
