//===- DenseMatmulTest.cpp - The dense path's plan and sources, no GPU ----===//
//
// Chunking and the dequantizer's names and sources; the matmuls themselves
// run in the GPU tests (QmmJitGpuTests, qmm-bench). Each source is also
// compiled here by NVRTC for both shipped architectures.
//
//===----------------------------------------------------------------------===//

#include "gptq/Runtime/DenseMatmul.h"
#include "gptq/Runtime/Nvrtc.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

using namespace gptq;
using namespace gptq::rt;

namespace {

TEST(DenseMatmul, ChunkColumnsAreMultiplesOf32UpToN) {
  EXPECT_EQ(denseChunkColumns(4096, 4096, size_t(96) << 20), 4096);
  EXPECT_EQ(denseChunkColumns(8192, 57344, size_t(96) << 20), 6144);
  // 28672 x 2 bytes = 56 KiB per column: 1755 columns fit, 1728 taken.
  EXPECT_EQ(denseChunkColumns(28672, 8192, size_t(96) << 20), 1728);
  EXPECT_EQ(denseChunkColumns(4096, 4096, 2 * 4096 * 31), 0);
  EXPECT_EQ(denseChunkColumns(4096, 4096, 2 * 4096 * 32), 32);
  EXPECT_EQ(denseChunkColumns(0, 4096, 1 << 20), 0);
}

TEST(DenseMatmul, WorkspaceIsOneChunk) {
  EXPECT_EQ(denseWorkspaceBytes(4096, 11008), size_t(4096) * 11008 * 2);
  EXPECT_EQ(denseWorkspaceBytes(28672, 8192), size_t(28672) * 1728 * 2);
  EXPECT_LE(denseWorkspaceBytes(8192, 57344), kDenseChunkBudgetBytes);
  // A K so large that 32 columns exceed the budget still gets 32.
  const int64_t hugeK = int64_t(kDenseChunkBudgetBytes / 2 / 16);
  EXPECT_EQ(denseWorkspaceBytes(hugeK, 4096), size_t(hugeK) * 32 * 2);
}

TEST(DenseMatmul, PreferredFromMeasuredCrossovers) {
  // Below kDenseMinRows never.
  EXPECT_FALSE(densePreferred(255, false));
  EXPECT_FALSE(densePreferred(255, true));
  // Act-order weights from 256 rows.
  EXPECT_TRUE(densePreferred(256, true));
  // The others keep the tiles until 512 rows.
  EXPECT_FALSE(densePreferred(256, false));
  EXPECT_FALSE(densePreferred(511, false));
  EXPECT_TRUE(densePreferred(512, false));
  // Where the large-batch tiles are the TMA-fed ones: from 2048 rows.
  EXPECT_FALSE(densePreferred(2047, false, true));
  EXPECT_TRUE(densePreferred(2048, false, true));
  EXPECT_TRUE(densePreferred(256, true, true));
  EXPECT_TRUE(tmaTiles(true, 4, false, 4096, 128));
  EXPECT_TRUE(tmaTiles(true, 4, false, 4096, -1));
  EXPECT_FALSE(tmaTiles(false, 4, false, 4096, 128));
  EXPECT_FALSE(tmaTiles(true, 3, false, 4096, 128));
  EXPECT_FALSE(tmaTiles(true, 4, true, 4096, 128));
  EXPECT_FALSE(tmaTiles(true, 4, false, 4096, 64));
  EXPECT_FALSE(tmaTiles(true, 4, false, 4160, -1));
}

TEST(DenseMatmul, KernelNames) {
  EXPECT_EQ(dequantizeKernelName(4, false, false), "qmm_dequantize_b4_z1_f16");
  EXPECT_EQ(dequantizeKernelName(3, true, true), "qmm_dequantize_b3_z0_bf16");
}

TEST(DenseMatmul, TableRejectsUnknownBitWidths) {
  // Refused before anything is compiled or loaded (no device needed).
  KernelCache cache(testing::TempDir() + "/dense-table-cache");
  CompileOptions options;
  options.arch = "sm_90a";
  DequantizerTable table;
  bool compileFailed = true;
  Expected<DequantizeFunctions> functions =
      table.get(cache, options, 5, false, false, &compileFailed);
  ASSERT_FALSE(functions.ok());
  EXPECT_NE(functions.message().find("bits = 5 is not 2, 3, 4 or 8"),
            std::string::npos)
      << functions.message();
  EXPECT_FALSE(compileFailed);
}

class DenseSourceArch : public testing::TestWithParam<const char *> {};

TEST_P(DenseSourceArch, EachSourceDefinesItsTwoKernels) {
  CompileOptions options;
  options.arch = GetParam();
  for (int bits : {2, 3, 4, 8})
    for (bool asIs : {false, true})
      for (bool bf16 : {false, true}) {
        const std::string name = dequantizeKernelName(bits, asIs, bf16);
        Expected<CompileResult> result = compileCuda(
            dequantizeKernelSource(bits, asIs, bf16), name + ".cu", options);
        ASSERT_TRUE(result.ok()) << result.message();
        ASSERT_EQ(result->kernels.size(), 2u) << name;
        std::vector<std::string> names = {result->kernels[0].name,
                                          result->kernels[1].name};
        std::sort(names.begin(), names.end());
        EXPECT_EQ(names[0], name);
        EXPECT_EQ(names[1], name + "_bias");
        for (const KernelResources &kernel : result->kernels)
          EXPECT_EQ(kernel.spillStoreBytes, 0) << kernel.name;
      }
}

INSTANTIATE_TEST_SUITE_P(ShippedArchitectures, DenseSourceArch,
                         testing::Values("sm_80", "sm_90a"));

} // namespace
