//===- QmmLaunchTest.cpp - kernel arguments by role, launch grid ----------===//

#include "gptq/Runtime/QmmLaunch.h"

#include <gtest/gtest.h>

using namespace gptq;
using namespace gptq::rt;

namespace {

TEST(QmmLaunch, RolesRoundTrip) {
  for (const char *role :
       {"x", "qweight", "qzeros", "scales", "g_idx", "bias", "y", "m", "x_map",
        "qweight_map", "scales_map", "qzeros_map"}) {
    std::optional<QmmParam> param = qmmParamFromRole(role);
    ASSERT_TRUE(param.has_value()) << role;
    EXPECT_STREQ(qmmParamRole(*param), role);
  }
  EXPECT_FALSE(qmmParamFromRole("workspace").has_value());
  EXPECT_FALSE(qmmParamFromRole("").has_value());
}

TEST(QmmLaunch, UnknownOrTooManyRolesNameTheKernel) {
  auto unknown = QmmParamList::fromRoles({"x", "lut", "y"}, "qmm_k");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.message(), "kernel qmm_k has a parameter 'lut' that the "
                               "runtime does not know how to pass");
  std::vector<std::string> thirteen(13, "x");
  auto many = QmmParamList::fromRoles(thirteen, "qmm_k");
  ASSERT_FALSE(many.ok());
  EXPECT_EQ(many.message(), "kernel qmm_k has 13 parameters, more than the "
                            "12 the runtime passes");
}

/// Distinct fake device addresses for every tensor but the bias.
QmmOperands fakeOperands() {
  QmmOperands operands;
  operands.x = 0x1000;
  operands.qweight = 0x2000;
  operands.qzeros = 0x3000;
  operands.scales = 0x4000;
  operands.gIdx = 0x5000;
  operands.y = 0x7000;
  return operands;
}

TEST(QmmLaunch, BindsPointersAndRowsInDeclarationOrder) {
  auto params = QmmParamList::fromRoles(
      {"x", "qweight", "qzeros", "scales", "g_idx", "y", "m"}, "qmm_k");
  ASSERT_TRUE(params.ok()) << params.message();
  const QmmOperands operands = fakeOperands();
  QmmArgs args;
  ASSERT_TRUE(args.bind(*params, operands, 37, "qmm_k").ok());
  const CUdeviceptr expected[] = {0x1000, 0x2000, 0x3000,
                                  0x4000, 0x5000, 0x7000};
  for (int i = 0; i < 6; ++i)
    EXPECT_EQ(*static_cast<CUdeviceptr *>(args.data()[i]), expected[i]) << i;
  EXPECT_EQ(*static_cast<int *>(args.data()[6]), 37);
}

TEST(QmmLaunch, MissingTensorIsAnError) {
  auto params =
      QmmParamList::fromRoles({"x", "qweight", "bias", "y", "m"}, "qmm_k");
  ASSERT_TRUE(params.ok());
  QmmOperands operands;
  operands.x = 0x1000;
  operands.qweight = 0x2000;
  operands.y = 0x7000; // no bias
  QmmArgs args;
  Status bound = args.bind(*params, operands, 1, "qmm_k");
  ASSERT_FALSE(bound.ok());
  EXPECT_EQ(bound.message(),
            "kernel qmm_k takes 'bias', but no such tensor was given");
}

// Tensor maps are encoded from the layer's shape, which the launcher must
// give; what TMA cannot read is refused before the driver is asked (the
// encoding itself is covered on the GPU: QmmKernelGpuTest's wgmma_tma
// kernels).
TEST(QmmLaunch, TensorMapsNeedAShapeAndAlignedTensors) {
  auto params = QmmParamList::fromRoles({"x", "qweight", "qzeros", "scales",
                                         "y", "m", "x_map", "qweight_map",
                                         "scales_map", "qzeros_map"},
                                        "qmm_t");
  ASSERT_TRUE(params.ok()) << params.message();
  QmmOperands operands = fakeOperands();
  QmmArgs noShape;
  Status bound = noShape.bind(*params, operands, 64, "qmm_t");
  ASSERT_FALSE(bound.ok());
  EXPECT_EQ(bound.message(), "kernel qmm_t takes tensor maps, but its "
                             "launcher gave no layer shape to make them from");

  const QmmMapShape shape{4096, 4096, 128, 64, 64, false};
  // encodeQmmTensorMaps on its own (bind reports a missing pointer
  // parameter first).
  operands.qzeros = 0;
  CUtensorMap maps[4];
  bound = encodeQmmTensorMaps(operands, 64, shape, "qmm_t", maps);
  ASSERT_FALSE(bound.ok());
  EXPECT_EQ(bound.message(), "kernel qmm_t takes a tensor map of 'qzeros', "
                             "but no such tensor was given");

  operands.qzeros = 0x3000;
  operands.scales = 0x4008; // a view 8 bytes into a buffer
  QmmArgs misaligned;
  bound = misaligned.bind(*params, operands, 64, "qmm_t", shape);
  ASSERT_FALSE(bound.ok());
  EXPECT_EQ(bound.message(),
            "kernel qmm_t reads 'scales' through a TMA tensor map, which "
            "needs a 16-byte aligned address, got 0x4008");

  operands.scales = 0x4000;
  QmmMapShape badBlock = shape;
  badBlock.blockM = 256;
  QmmArgs wrongTile;
  bound = wrongTile.bind(*params, operands, 64, "qmm_t", badBlock);
  ASSERT_FALSE(bound.ok());
  EXPECT_EQ(bound.message(),
            "kernel qmm_t takes tensor maps, but the launch describes K = "
            "4096, N = 4096, 64 rows, block_m = 256, block_n = 64, block_k = "
            "64 (wgmma_tma tiles need block_k 64 or 128, K a multiple of it, "
            "N of 64, block_m 16-128, block_n 64 or 128)");
}

TEST(QmmLaunch, GridCoversRowsAndColumns) {
  Dim3 grid = qmmGrid(4096, 1, 32, 8, 1);
  EXPECT_EQ(grid.x, 128u);
  EXPECT_EQ(grid.y, 1u);
  EXPECT_EQ(grid.z, 1u);
  grid = qmmGrid(8192, 300, 128, 64, 3);
  EXPECT_EQ(grid.x, 64u);
  EXPECT_EQ(grid.y, 5u); // ceil(300 / 64)
  EXPECT_EQ(grid.z, 3u);
}

TEST(QmmLaunch, WeightWindowCoversThePackedWeights) {
  // 4096 x 4096 at 4 bits: 8 MiB, under the H100's 128 MiB limit.
  StreamingWindow window =
      qmmWeightWindow(0x10000, 4096, 4096, 4, size_t(128) << 20);
  EXPECT_EQ(window.base, CUdeviceptr(0x10000));
  EXPECT_EQ(window.bytes, size_t(8) << 20);
  // 3 bits: K * 3 / 32 words per column.
  window = qmmWeightWindow(0x10000, 4096, 12288, 3, size_t(128) << 20);
  EXPECT_EQ(window.bytes, size_t(4096) * 3 / 32 * 12288 * 4);
  // Llama-2-70B gate-up (235 MB) is cut to the device's limit.
  window = qmmWeightWindow(0x10000, 8192, 57344, 4, size_t(128) << 20);
  EXPECT_EQ(window.bytes, size_t(128) << 20);
}

TEST(QmmLaunch, LaunchesWithAWindowNameCuLaunchKernelEx) {
  // checkCu's messages name the call launchKernel makes: the weight window
  // is a launch attribute, as programmatic serialization is.
  EXPECT_STREQ(launchKernelCall(false, {}), "cuLaunchKernel");
  EXPECT_STREQ(launchKernelCall(true, {}), "cuLaunchKernelEx");
  EXPECT_STREQ(launchKernelCall(false, {0x10000, 4096}), "cuLaunchKernelEx");
}

TEST(QmmLaunch, NoWeightWindowWithoutDeviceSupportOrWeights) {
  EXPECT_EQ(qmmWeightWindow(0x10000, 4096, 4096, 4, 0).bytes, 0u);
  EXPECT_EQ(qmmWeightWindow(0, 4096, 4096, 4, size_t(128) << 20).bytes, 0u);
  EXPECT_EQ(qmmWeightWindow(0x10000, 0, 4096, 4, size_t(128) << 20).bytes, 0u);
}

} // namespace
