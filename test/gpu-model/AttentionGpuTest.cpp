//===- AttentionGpuTest.cpp - the forward's attention against fp32 --------===//
//
// cuda::attention (lib/Model/cuda/Kernels.cu) on random fp16 queries and
// caches against a CPU fp32 softmax attention: head sizes with the 16-byte
// split kernel (32, 64, 128, 256) and without (96, the one-key-per-lane
// kernel), decode rows whose keys split over blocks (with the workspace),
// a few rows at once, a prefill without split, strided queries (the joined
// q-k-v output) and an output scattered through a permutation. The split
// tickets must be back at zero after every launch. Skips without a GPU.
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
#include <vector>

using namespace gptq;
namespace cuda = gptq::model::cuda;

namespace {

using test::uploadToDevice;

struct Case {
  int64_t headDim, T, start;
  bool split, scatter;
};

class AttentionGpuTest : public ::testing::TestWithParam<Case> {};

TEST_P(AttentionGpuTest, MatchesFp32Reference) {
  std::string whyNot;
  if (!model::gpuAvailable(&whyNot))
    GTEST_SKIP() << "No CUDA device: " << whyNot;
  ASSERT_EQ(cudaSetDevice(0), cudaSuccess);
  ASSERT_EQ(cudaFree(nullptr), cudaSuccess); // the primary context
  auto context = rt::CudaContext::create(0);
  ASSERT_TRUE(context.ok()) << context.message();

  const Case c = GetParam();
  const int64_t batch = 2, heads = 4, kvHeads = 2, d = c.headDim;
  const int64_t maxSeq = c.start + c.T + 5, rows = batch * c.T;
  const int64_t qStride = heads * d + 2 * kvHeads * d; // as in q | k | v
  std::mt19937 rng(int(d * 1000 + c.T * 10 + c.start));
  std::uniform_real_distribution<float> unit(-1.0f, 1.0f);
  auto randomHalves = [&](int64_t count, float scale) {
    std::vector<uint16_t> values(static_cast<size_t>(count));
    for (uint16_t &v : values)
      v = floatToHalf(scale * unit(rng));
    return values;
  };
  const std::vector<uint16_t> q = randomHalves(rows * qStride, 2.0f);
  const int64_t cacheCount = batch * kvHeads * maxSeq * d;
  const std::vector<uint16_t> k = randomHalves(cacheCount, 2.0f),
                              v = randomHalves(cacheCount, 1.0f);
  std::vector<int32_t> scatter(size_t(heads * d));
  std::iota(scatter.begin(), scatter.end(), 0);
  std::shuffle(scatter.begin(), scatter.end(), rng);

  rt::DeviceBuffer dQ = uploadToDevice(q.data(), q.size() * 2),
                   dK = uploadToDevice(k.data(), k.size() * 2),
                   dV = uploadToDevice(v.data(), v.size() * 2),
                   dScatter =
                       uploadToDevice(scatter.data(), scatter.size() * 4),
                   dOut = uploadToDevice(nullptr, size_t(rows * heads * d) * 2);
  ASSERT_TRUE(dOut.fillBytes(0xff).ok()); // NaN: unwritten shows
  cuda::AttentionWorkspace workspace;
  rt::DeviceBuffer dPartials, dTickets;
  if (c.split) {
    workspace.pairs = 64;
    workspace.maxSplits = 16;
    dPartials =
        uploadToDevice(nullptr, size_t(cuda::attentionWorkspaceFloats(
                                    workspace.pairs, workspace.maxSplits, d)) *
                                    4);
    dTickets = uploadToDevice(nullptr, size_t(workspace.pairs) * 4);
    ASSERT_TRUE(dTickets.fillBytes(0).ok());
    workspace.partials = reinterpret_cast<float *>(dPartials.ptr());
    workspace.tickets = reinterpret_cast<unsigned *>(dTickets.ptr());
  }
  auto half = [](CUdeviceptr p) { return reinterpret_cast<uint16_t *>(p); };
  // Twice: the second launch finds the tickets the first left.
  for (int launch = 0; launch < 2; ++launch)
    cuda::attention(
        half(dQ.ptr()), qStride, half(dK.ptr()), half(dV.ptr()), batch, c.T,
        c.start, heads, kvHeads, d, maxSeq, half(dOut.ptr()), nullptr,
        c.scatter ? reinterpret_cast<const int32_t *>(dScatter.ptr()) : nullptr,
        workspace);
  ASSERT_EQ(cudaGetLastError(), cudaSuccess);
  ASSERT_EQ(cudaDeviceSynchronize(), cudaSuccess);
  std::vector<uint16_t> out(size_t(rows * heads * d));
  ASSERT_TRUE(dOut.copyToHost(out.data(), out.size() * 2).ok());
  if (c.split) {
    std::vector<unsigned> tickets(size_t(workspace.pairs));
    ASSERT_TRUE(dTickets.copyToHost(tickets.data(), tickets.size() * 4).ok());
    for (unsigned ticket : tickets)
      ASSERT_EQ(ticket, 0u);
  }

  double error = 0.0, norm = 0.0;
  const float scale = 1.0f / std::sqrt(float(d));
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t t = 0; t < c.T; ++t)
      for (int64_t h = 0; h < heads; ++h) {
        const int64_t row = b * c.T + t, kvh = h / (heads / kvHeads);
        const int64_t keys = c.start + t + 1;
        std::vector<double> score(static_cast<size_t>(keys));
        double top = -INFINITY;
        for (int64_t s = 0; s < keys; ++s) {
          double dot = 0.0;
          for (int64_t i = 0; i < d; ++i)
            dot += double(halfToFloat(q[row * qStride + h * d + i]) * scale) *
                   halfToFloat(k[((b * kvHeads + kvh) * maxSeq + s) * d + i]);
          score[s] = dot;
          top = std::max(top, dot);
        }
        double sum = 0.0;
        for (double &value : score)
          sum += value = std::exp(value - top);
        for (int64_t i = 0; i < d; ++i) {
          double want = 0.0;
          for (int64_t s = 0; s < keys; ++s)
            want += score[s] *
                    halfToFloat(v[((b * kvHeads + kvh) * maxSeq + s) * d + i]);
          want /= sum;
          const int64_t column = h * d + i;
          const double got = halfToFloat(
              out[row * heads * d + (c.scatter ? scatter[column] : column)]);
          ASSERT_TRUE(std::isfinite(got))
              << "row " << row << " column " << column;
          error += (got - want) * (got - want);
          norm += want * want;
        }
      }
  const double relative = std::sqrt(error / norm);
  std::printf("attention head_dim %lld, T %lld, start %lld%s%s: relative "
              "error %.2e\n",
              (long long)d, (long long)c.T, (long long)c.start,
              c.split ? ", split keys" : "", c.scatter ? ", scattered" : "",
              relative);
  EXPECT_LT(relative, 2e-3);
}

INSTANTIATE_TEST_SUITE_P(HeadSizesAndRows, AttentionGpuTest,
                         ::testing::Values(Case{128, 1, 299, true, false},
                                           Case{128, 1, 0, true, false},
                                           Case{128, 3, 40, true, true},
                                           Case{128, 33, 0, false, false},
                                           Case{64, 1, 517, true, true},
                                           Case{64, 1, 9, true, false},
                                           Case{32, 1, 250, true, false},
                                           Case{256, 1, 130, true, false},
                                           Case{256, 7, 3, false, true},
                                           Case{96, 1, 200, true, false},
                                           Case{96, 5, 11, false, true}));

} // namespace
