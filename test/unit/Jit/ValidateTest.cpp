//===- ValidateTest.cpp - Bad descriptions and tensors, no device ---------===//
//
// Every documented rejection, with the message naming qmm.matmul and the
// numbers, through both QmmJit::validate and QmmJit::specialize (which
// must fail before building any IR).
//
//===----------------------------------------------------------------------===//

#include "gptq/Jit/QmmJit.h"

#include <gtest/gtest.h>

using namespace gptq;
using namespace gptq::jit;

namespace {

MatmulDesc goodDesc() {
  MatmulDesc desc;
  desc.layout.bits = 4;
  desc.layout.groupSize = 128;
  desc.M = 7;
  desc.K = 4096;
  desc.N = 11008;
  return desc;
}

MatmulTensors goodTensors() {
  MatmulTensors t;
  t.x = 0x10000;
  t.qweight = 0x20000;
  t.qzeros = 0x30000;
  t.scales = 0x40000;
  t.y = 0x50000;
  return t;
}

/// Fails unless `status` failed with a message containing each of `parts`.
void expectError(const Status &status,
                 std::initializer_list<const char *> parts) {
  ASSERT_FALSE(status.ok());
  for (const char *part : parts)
    EXPECT_NE(status.message().find(part), std::string::npos)
        << "'" << part << "' not in: " << status.message();
}

TEST(QmmJitValidate, GoodDescriptionPasses) {
  EXPECT_TRUE(QmmJit::validate(goodDesc()).ok());
  EXPECT_TRUE(QmmJit::validate(goodDesc(), goodTensors()).ok());
}

TEST(QmmJitValidate, BitsOutsideTheSupportedSet) {
  for (int bits : {0, 1, 5, 6, 7, 16}) {
    MatmulDesc desc = goodDesc();
    desc.layout.bits = bits;
    expectError(QmmJit::validate(desc),
                {"qmm.matmul", ("bits = " + std::to_string(bits)).c_str(),
                 "2, 3, 4 or 8"});
    expectError(QmmJit::specialize(desc, "sm_90a").status(), {"bits"});
  }
}

TEST(QmmJitValidate, ShapesNameTheOpAndTheNumbers) {
  MatmulDesc desc = goodDesc();
  desc.K = 4100;
  expectError(QmmJit::validate(desc),
              {"qmm.matmul", "K = 4100", "multiple of 32"});
  desc = goodDesc();
  desc.K = 4096 + 32; // a multiple of 32 but not of the group size
  expectError(QmmJit::validate(desc),
              {"qmm.matmul", "K = 4128", "group_size = 128"});
  desc = goodDesc();
  desc.N = 11000;
  expectError(QmmJit::validate(desc),
              {"qmm.matmul", "N = 11000", "multiple of 32"});
  desc = goodDesc();
  desc.N = 0;
  expectError(QmmJit::validate(desc), {"N = 0"});
  desc = goodDesc();
  desc.M = 0;
  expectError(QmmJit::validate(desc), {"qmm.matmul", "M = 0"});
  desc = goodDesc();
  desc.layout.groupSize = 48;
  expectError(QmmJit::validate(desc), {"group_size = 48"});
  desc.layout.groupSize = 0;
  expectError(QmmJit::validate(desc), {"group_size = 0"});
  // Specialization refuses the same descriptions without building IR.
  desc = goodDesc();
  desc.K = 100;
  expectError(QmmJit::specialize(desc, "sm_80").status(),
              {"qmm.matmul", "K = 100"});
}

TEST(QmmJitValidate, EnumsOutOfRange) {
  MatmulDesc desc = goodDesc();
  desc.dtype = static_cast<DType>(7);
  expectError(QmmJit::validate(desc), {"dtype 7"});
  desc = goodDesc();
  desc.layout.format = static_cast<format::CheckpointFormat>(9);
  expectError(QmmJit::validate(desc), {"format 9"});
}

TEST(QmmJitValidate, RegroupedNeedsActOrder) {
  MatmulDesc desc = goodDesc();
  desc.layout.regrouped = true;
  expectError(QmmJit::validate(desc), {"regrouped", "act_order"});
  desc.layout.actOrder = true;
  EXPECT_TRUE(QmmJit::validate(desc).ok());
}

TEST(QmmJitValidate, RegroupArguments) {
  MatmulDesc desc = goodDesc();
  MatmulTensors t = goodTensors();
  t.gIdx = 0x60000;
  const CUdeviceptr regrouped = 0x90000, perm = 0xa0000;
  expectError(QmmJit::validateRegroup(desc, t, regrouped, perm),
              {"qmm.matmul", "act-order layout that is not regrouped"});
  desc.layout.actOrder = true;
  EXPECT_TRUE(QmmJit::validateRegroup(desc, t, regrouped, perm).ok());
  desc.layout.regrouped = true;
  expectError(QmmJit::validateRegroup(desc, t, regrouped, perm),
              {"not regrouped yet"});
  desc.layout.regrouped = false;
  t.gIdx = 0;
  expectError(QmmJit::validateRegroup(desc, t, regrouped, perm),
              {"g_idx is a null pointer"});
  t.gIdx = 0x60000;
  expectError(QmmJit::validateRegroup(desc, t, 0x90002, perm),
              {"the regrouped qweight (0x90002)", "4-byte aligned"});
  expectError(QmmJit::validateRegroup(desc, t, regrouped, 0),
              {"perm is a null pointer"});
  desc.K = 100;
  expectError(QmmJit::validateRegroup(desc, t, regrouped, perm), {"K = 100"});
}

TEST(QmmJitValidate, Pointers) {
  MatmulDesc desc = goodDesc();
  MatmulTensors t = goodTensors();
  t.qzeros = 0;
  expectError(QmmJit::validate(desc, t), {"qmm.matmul", "qzeros", "null"});
  t = goodTensors();
  t.x = 0x10008;
  expectError(QmmJit::validate(desc, t), {"x (0x10008)", "16-byte aligned"});

  desc.layout.actOrder = true;
  t = goodTensors();
  expectError(QmmJit::validate(desc, t), {"g_idx", "act_order", "null"});
  t.gIdx = 0x60000;
  EXPECT_TRUE(QmmJit::validate(desc, t).ok());

  // A regrouped weight also needs the workspace its x is gathered into.
  desc.layout.regrouped = true;
  expectError(QmmJit::validate(desc, t), {"workspace", "null"});
  t.workspace = 0x80008;
  expectError(QmmJit::validate(desc, t), {"workspace", "16-byte aligned"});
  t.workspace = 0x80000;
  EXPECT_TRUE(QmmJit::validate(desc, t).ok());
  desc.layout.regrouped = false;

  // g_idx without act-order is ignored: AutoGPTQ checkpoints always have it.
  desc = goodDesc();
  t = goodTensors();
  t.gIdx = 0x60000;
  EXPECT_TRUE(QmmJit::validate(desc, t).ok());

  desc.hasBias = true;
  expectError(QmmJit::validate(desc, t), {"bias", "has_bias", "null"});
  t.bias = 0x70000;
  EXPECT_TRUE(QmmJit::validate(desc, t).ok());
  desc.hasBias = false;
  expectError(QmmJit::validate(desc, t), {"bias is given", "has_bias"});
}

TEST(QmmJitValidate, WorkspaceNeedsItsPointer) {
  MatmulDesc desc = goodDesc();
  MatmulTensors t = goodTensors();
  t.workspaceBytes = 4096;
  expectError(QmmJit::validate(desc, t),
              {"workspace_bytes = 4096", "workspace is NULL"});
  t.workspace = 0x80004;
  expectError(QmmJit::validate(desc, t), {"workspace", "16-byte aligned"});
  t.workspace = 0x80000;
  EXPECT_TRUE(QmmJit::validate(desc, t).ok());
}

TEST(QmmJitWorkspace, BytesPerPath) {
  MatmulDesc desc = goodDesc(); // M = 7, K = 4096, N = 11008
  EXPECT_EQ(QmmJit::workspaceBytes(desc), 0u);
  desc.layout.actOrder = true;
  EXPECT_EQ(QmmJit::workspaceBytes(desc), 0u); // g_idx read in the kernel
  desc.layout.regrouped = true;
  EXPECT_EQ(QmmJit::workspaceBytes(desc), 7u * 4096 * 2); // x gathered
  // Where the dense path is preferred (rt::densePreferred: from 512 rows,
  // from 256 for act-order weights): its chunk, here the whole 4096 x
  // 11008 weight in fp16 (86 MiB, under the 96 MiB budget).
  desc = goodDesc();
  desc.M = 256;
  EXPECT_EQ(QmmJit::workspaceBytes(desc), 0u);
  desc.M = 512;
  EXPECT_EQ(QmmJit::workspaceBytes(desc), 4096u * 11008 * 2);
  desc = goodDesc();
  desc.M = 256;
  desc.layout.actOrder = true;
  EXPECT_EQ(QmmJit::workspaceBytes(desc), 4096u * 11008 * 2);
  desc.layout.actOrder = false;
  desc.M = 512;
  // A wider weight gets the budget's chunk of columns (a multiple of 32).
  desc.K = 8192;
  desc.N = 57344;
  EXPECT_EQ(QmmJit::workspaceBytes(desc), 8192u * 6144 * 2);
  // Regrouped with many rows: the larger of the gather and the chunk.
  desc.layout.actOrder = desc.layout.regrouped = true;
  desc.M = 65536;
  EXPECT_EQ(QmmJit::workspaceBytes(desc), 65536u * 8192 * 2);
}

TEST(QmmJitValidate, Architecture) {
  expectError(QmmJit::specialize(goodDesc(), "").status(),
              {"not a GPU architecture"});
  expectError(QmmJit::specialize(goodDesc(), "compute_90").status(),
              {"'compute_90'"});
}

} // namespace
