//===- QmmKernelTableTest.cpp - the model's kernel table, without a GPU --===//
//
// QmmKernels::create reads the embedded bundles' manifests (no CUDA call):
// per layer shape a dynamic-M general kernel linked to its decode, 16-row
// and prefill variants, and which kernels may start before the act-order
// gather ends (`strategy` = stream in the manifest: earlyStart). Checked
// here for both bundle families on CPU, so CI sees it; the GPU test
// (test/gpu-model/QmmKernelsGpuTest.cpp) runs the kernels.
//
//===----------------------------------------------------------------------===//

#include "QmmKernels.h"

#include <gtest/gtest.h>

#include <regex>
#include <string>
#include <utility>

using namespace gptq::model;

namespace {

bool contains(const std::string &text, const char *part) {
  return text.find(part) != std::string::npos;
}

/// A spec's early starts follow its strategy and split (the kernel name
/// says both): after the act-order gather only stream kernels, after the
/// forward's other kernels stream and split pipelined ones.
void expectEarlyStartFromStrategy(const cuda::QmmKernelSpec &spec) {
  const bool stream = contains(spec.name, "_stream_");
  const bool splitPipelined =
      std::regex_search(spec.name, std::regex("_pipe_.*s[0-9]+c[0-9]+$"));
  EXPECT_EQ(spec.earlyStart, stream) << spec.name;
  EXPECT_EQ(spec.earlyStartAfterKernel, stream || splitPipelined) << spec.name;
  // And so does how the forward launches it (QmmKernels::startsEarly).
  using Overlap = cuda::QmmKernels::Overlap;
  EXPECT_EQ(cuda::QmmKernels::startsEarly(spec, Overlap::AfterGather), stream)
      << spec.name;
  EXPECT_EQ(cuda::QmmKernels::startsEarly(spec, Overlap::AfterKernel),
            stream || splitPipelined)
      << spec.name;
  EXPECT_FALSE(cuda::QmmKernels::startsEarly(spec, Overlap::None)) << spec.name;
}

TEST(QmmKernelTable, LlamaSevenBShapesAndTheirVariants) {
  for (const char *arch : {"sm_90a", "sm_80"}) {
    SCOPED_TRACE(arch);
    auto kernels = cuda::QmmKernels::create(arch);
    ASSERT_TRUE(kernels.ok()) << kernels.message();
    for (auto [K, N] : {std::pair<int64_t, int64_t>{4096, 4096},
                        {4096, 11008},
                        {11008, 4096}}) {
      SCOPED_TRACE(std::to_string(K) + "x" + std::to_string(N));
      const cuda::QmmKernelSpec *spec =
          (*kernels)->find(K, N, 4, 128, false, true);
      if (!spec)
        GTEST_SKIP() << "built without gptq-opt: no qmm bundles";
      EXPECT_EQ(spec->K, K);
      EXPECT_EQ(spec->N, N);
      EXPECT_FALSE(spec->variantOnly());
      expectEarlyStartFromStrategy(*spec);
      // Decode: the stream kernel's 8-row tiles.
      ASSERT_NE(spec->decode, nullptr);
      EXPECT_TRUE(spec->decode->decodeOnly);
      EXPECT_TRUE(contains(spec->decode->name, "_stream_m8"))
          << spec->decode->name;
      expectEarlyStartFromStrategy(*spec->decode);
      EXPECT_TRUE(spec->decode->earlyStart);
      // Prefill: TMA-fed wgmma tiles on sm_90a, pipelined ones on sm_80.
      ASSERT_NE(spec->prefill, nullptr);
      EXPECT_TRUE(contains(spec->prefill->name, std::string(arch) == "sm_90a"
                                                    ? "_wgtma_m128"
                                                    : "_pipe_"))
          << spec->prefill->name;
      EXPECT_FALSE(spec->prefill->earlyStart);
      // wgmma_tma, or unsplit pipelined on sm_80: never early.
      EXPECT_FALSE(spec->prefill->earlyStartAfterKernel);
      expectEarlyStartFromStrategy(*spec->prefill);
      // The 128-row TMA tiles' stage buffers (4 x 37-41 KB) are
      // dynamic shared memory, which the launch passes from the manifest;
      // pipelined tiles have only static buffers.
      if (std::string(arch) == "sm_90a")
        EXPECT_GT(spec->prefill->dynamicSharedBytes, 48 * 1024);
      else
        EXPECT_EQ(spec->prefill->dynamicSharedBytes, 0);
      // 9-16 rows: on sm_90a 16-row pipelined tiles (their own kernel, no
      // early start); sm_80's 16-row tile is the general kernel itself.
      if (std::string(arch) == "sm_90a") {
        ASSERT_NE(spec->smallBatch, nullptr);
        EXPECT_TRUE(spec->smallBatch->smallBatchOnly);
        EXPECT_TRUE(contains(spec->smallBatch->name, "_pipe_m16"))
            << spec->smallBatch->name;
        EXPECT_FALSE(spec->smallBatch->earlyStart);
        // Split: started early after the norms, attention and SiLU product.
        EXPECT_TRUE(spec->smallBatch->earlyStartAfterKernel);
        expectEarlyStartFromStrategy(*spec->smallBatch);
        // The manifest's split_k is the one the kernel was generated with
        // (its name ends in s<stages>c<split_k> when split).
        std::smatch split;
        const std::string &name = spec->smallBatch->name;
        const int64_t named =
            std::regex_search(name, split, std::regex("s[0-9]+c([0-9]+)$"))
                ? std::stoll(split[1].str())
                : 1;
        EXPECT_EQ(spec->smallBatch->splitK, named) << name;
        EXPECT_GT(spec->smallBatch->splitK, 1) << name;
      } else {
        EXPECT_EQ(spec->smallBatch, nullptr);
        EXPECT_EQ(spec->splitK, 1);
      }
      // 17-64 rows (batched decode): a 64-row tile of its own, wgmma on
      // sm_90a instead of the 128-row prefill tile; sm_80's bucket tile
      // (32- or 64-row) differs from its 16-row general kernel too.
      ASSERT_NE(spec->midBatch, nullptr);
      EXPECT_TRUE(spec->midBatch->midBatchOnly);
      EXPECT_NE(spec->midBatch->name, spec->name);
      if (std::string(arch) == "sm_90a") {
        EXPECT_EQ(spec->midBatch->blockM, 64) << spec->midBatch->name;
        EXPECT_TRUE(contains(spec->midBatch->name, "_wg"))
            << spec->midBatch->name;
      } else {
        EXPECT_GE(spec->midBatch->blockM, 32) << spec->midBatch->name;
      }
      expectEarlyStartFromStrategy(*spec->midBatch);
    }
  }
}

} // namespace
