//===- NvrtcTest.cpp - NVRTC compilation without a GPU --------------------===//
//
// NVRTC needs no device: these run in CI. They compile a small kernel that
// uses the embedded device headers for the two architectures we ship for,
// and check the resource report and the error messages.
//
//===----------------------------------------------------------------------===//

#include "gptq/Runtime/Nvrtc.h"

#include <gtest/gtest.h>

using namespace gptq;
using namespace gptq::rt;

namespace {

const char *const kSaxpy = R"(
#include "qmm/types.cuh"
extern "C" __global__ void scale_add(const __half *x, __half *y, float a, int n) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n)
    y[i] = __float2half(a * __half2float(x[i]) + __half2float(y[i]));
}
)";

TEST(Nvrtc, EmbedsTheDeviceHeaders) {
  bool sawTypes = false, sawTileOps = false;
  for (const auto &[name, contents] : embeddedDeviceHeaders()) {
    sawTypes |= name == "qmm/types.cuh";
    sawTileOps |= name == "qmm/tile_ops.cuh";
    EXPECT_FALSE(contents.empty()) << name;
  }
  EXPECT_TRUE(sawTypes);
  EXPECT_TRUE(sawTileOps);
}

class NvrtcArch : public testing::TestWithParam<const char *> {};

TEST_P(NvrtcArch, CompilesToPtxAndCubinWithResources) {
  CompileOptions options;
  options.arch = GetParam();
  Expected<CompileResult> result = compileCuda(kSaxpy, "saxpy.cu", options);
  ASSERT_TRUE(result.ok()) << result.message();
  EXPECT_NE(result->ptx.find(".entry scale_add"), std::string::npos);
  EXPECT_NE(result->ptx.find(".target " + std::string(GetParam())),
            std::string::npos);
  // A cubin is an ELF file.
  ASSERT_GE(result->cubin.size(), 4u);
  EXPECT_EQ(result->cubin.substr(0, 4), "\x7f"
                                        "ELF");
  ASSERT_EQ(result->kernels.size(), 1u);
  EXPECT_EQ(result->kernels[0].name, "scale_add");
  EXPECT_GT(result->kernels[0].registers, 0);
  EXPECT_EQ(result->kernels[0].spillStoreBytes, 0);
}

INSTANTIATE_TEST_SUITE_P(ShippedArchitectures, NvrtcArch,
                         testing::Values("sm_80", "sm_90a"));

// The x gather the JIT and qmm-bench compile on their own (not through
// gptq-opt); the dense path's sources are compiled in DenseMatmulTest.
TEST_P(NvrtcArch, CompilesTheGatherKernel) {
  CompileOptions options;
  options.arch = GetParam();
  Expected<CompileResult> gather = compileCuda(
      "#include \"qmm/gather_columns.cuh\"\n", "gather.cu", options);
  ASSERT_TRUE(gather.ok()) << gather.message();
  ASSERT_EQ(gather->kernels.size(), 1u);
  EXPECT_EQ(gather->kernels[0].name, "qmm_gather_columns");
}

TEST(Nvrtc, PtxOnlyWhenNoCubinWanted) {
  CompileOptions options;
  options.arch = "compute_80";
  options.wantCubin = false;
  Expected<CompileResult> result = compileCuda(kSaxpy, "saxpy.cu", options);
  ASSERT_TRUE(result.ok()) << result.message();
  EXPECT_TRUE(result->cubin.empty());
  EXPECT_TRUE(result->kernels.empty());
  EXPECT_NE(result->ptx.find(".entry scale_add"), std::string::npos);
}

TEST(Nvrtc, SyntaxErrorCarriesTheLog) {
  CompileOptions options;
  options.arch = "sm_80";
  Expected<CompileResult> result = compileCuda(
      "extern \"C\" __global__ void broken( { }", "broken.cu", options);
  ASSERT_FALSE(result.ok());
  EXPECT_NE(
      result.message().find("NVRTC could not compile broken.cu for sm_80"),
      std::string::npos)
      << result.message();
  EXPECT_NE(result.message().find("broken.cu("), std::string::npos)
      << "the log with the line number is missing: " << result.message();
}

TEST(Nvrtc, UnknownArchitectureIsAnError) {
  CompileOptions options;
  options.arch = "sm_7";
  Expected<CompileResult> result = compileCuda(kSaxpy, "saxpy.cu", options);
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.message().find("sm_7"), std::string::npos)
      << result.message();
}

TEST(Nvrtc, ParsesThePtxasReport) {
  const std::string log =
      "ptxas info    : 0 bytes gmem\n"
      "ptxas info    : Compiling entry function 'kernel_a' for 'sm_90a'\n"
      "ptxas info    : Function properties for kernel_a\n"
      "    16 bytes stack frame, 8 bytes spill stores, 4 bytes spill loads\n"
      "ptxas info    : Used 96 registers, used 1 barriers, 39168 bytes smem, "
      "400 bytes cmem[0]\n"
      "ptxas info    : Compiling entry function 'kernel_b' for 'sm_90a'\n"
      "ptxas info    : Function properties for kernel_b\n"
      "    0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads\n"
      "ptxas info    : Used 32 registers, 380 bytes cmem[0]\n";
  std::vector<KernelResources> kernels = parsePtxasReport(log);
  ASSERT_EQ(kernels.size(), 2u);
  EXPECT_EQ(kernels[0].name, "kernel_a");
  EXPECT_EQ(kernels[0].registers, 96);
  EXPECT_EQ(kernels[0].sharedBytes, 39168);
  EXPECT_EQ(kernels[0].stackBytes, 16);
  EXPECT_EQ(kernels[0].spillStoreBytes, 8);
  EXPECT_EQ(kernels[0].spillLoadBytes, 4);
  EXPECT_EQ(kernels[1].name, "kernel_b");
  EXPECT_EQ(kernels[1].registers, 32);
  EXPECT_EQ(kernels[1].sharedBytes, 0);
}

} // namespace
