//===- SpecializeTest.cpp - Every layout lowers and compiles, no device ---===//
//
// CI's half of the JIT: QmmJit::specialize for every bits / group size /
// act-order / sym / dtype / format combination and each kernel strategy
// (decode stream tiles of 16 and 32 rows, mma tiles for large M), and NVRTC
// compiles what comes out for sm_80 and sm_90a. The sources of one
// architecture are compiled as one program (each is a self-contained
// translation unit with guarded includes and its own kernel name): NVRTC's
// start-up and the shared headers then cost once, not once per kernel.
//
//===----------------------------------------------------------------------===//

#include "DescribeDesc.h"
#include "gptq/Jit/QmmJit.h"
#include "gptq/Runtime/Nvrtc.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <set>
#include <thread>

using namespace gptq;
using namespace gptq::jit;
using gptq::jit::test::describe;

namespace {

MatmulDesc baseDesc() {
  MatmulDesc desc;
  desc.layout.bits = 4;
  desc.layout.groupSize = 128;
  desc.M = 1;
  desc.K = 256;
  desc.N = 256;
  return desc;
}

TEST(QmmJitSpecialize, GeometryAndParameters) {
  MatmulDesc desc = baseDesc();
  desc.layout.actOrder = true;
  desc.hasBias = true;
  auto spec = QmmJit::specialize(desc, "sm_90a");
  ASSERT_TRUE(spec.ok()) << spec.message();
  EXPECT_EQ(spec->arch, "sm_90a");
  EXPECT_NE(spec->cudaSource.find("extern \"C\" __global__"),
            std::string::npos);
  EXPECT_NE(spec->cudaSource.find(spec->kernelName), std::string::npos);
  EXPECT_NE(spec->tile.find("strategy = stream"), std::string::npos)
      << spec->tile;
  EXPECT_EQ(spec->geometry.threads % 32, 0u);
  EXPECT_EQ(desc.N % spec->geometry.blockN, 0);
  EXPECT_EQ(spec->geometry.dynamicSharedBytes, 0u);
  // A stream kernel may start before the act-order gather completes.
  EXPECT_TRUE(spec->geometry.earlyStart);
  // The order qmm-tile declares: x, qweight, qzeros, scales, g_idx, bias,
  // y, m.
  const std::vector<KernelParam> expected = {
      KernelParam::X,      KernelParam::Qweight, KernelParam::Qzeros,
      KernelParam::Scales, KernelParam::GIdx,    KernelParam::Bias,
      KernelParam::Y,      KernelParam::M};
  ASSERT_EQ(spec->params.count, expected.size());
  for (size_t i = 0; i < expected.size(); ++i)
    EXPECT_EQ(spec->params.params[i], expected[i]) << "parameter " << i;

  // Without g_idx and bias those parameters are absent.
  desc.layout.actOrder = false;
  desc.hasBias = false;
  desc.M = 300; // the pipelined strategy
  auto plain = QmmJit::specialize(desc, "sm_80");
  ASSERT_TRUE(plain.ok()) << plain.message();
  EXPECT_NE(plain->tile.find("strategy = pipelined"), std::string::npos)
      << plain->tile;
  EXPECT_EQ(plain->params.count, 6u);
  // A pipelined kernel starts after it (measured slower early).
  EXPECT_FALSE(plain->geometry.earlyStart);
}

// wgmma tiles past 48 KB of buffers take them dynamically: the launch
// geometry carries the bytes (TileLegality's launchDynamicSharedBytes, as
// the manifest's dynamic_shared_bytes in emit-manifest-wgmma.mlir).
TEST(QmmJitSpecialize, WgmmaTilesPassDynamicSharedMemory) {
  MatmulDesc desc = baseDesc();
  desc.layout.groupSize = 64; // 64-channel steps: no TMA default here
  desc.K = 4096;
  desc.N = 12288;
  desc.M = 256; // 128 x 128 tiles, 4 stages of 21504 bytes
  auto spec = QmmJit::specialize(desc, "sm_90a");
  ASSERT_TRUE(spec.ok()) << spec.message();
  EXPECT_NE(spec->tile.find("strategy = wgmma,"), std::string::npos)
      << spec->tile;
  EXPECT_EQ(spec->geometry.dynamicSharedBytes, 4u * 21504 + 1024);
  // 64 x 64 tiles (45056 bytes) stay static (N = 22016: no TMA default).
  desc.layout.groupSize = 128;
  desc.N = 22016;
  desc.M = 64;
  auto small = QmmJit::specialize(desc, "sm_90a");
  ASSERT_TRUE(small.ok()) << small.message();
  EXPECT_NE(small->tile.find("strategy = wgmma,"), std::string::npos)
      << small->tile;
  EXPECT_EQ(small->geometry.dynamicSharedBytes, 0u);
}

// TMA tiles: four tensor-map parameters after the pointers, their buffers
// always dynamic, a producer warp beside the warpgroup.
TEST(QmmJitSpecialize, WgmmaTmaTilesTakeTensorMaps) {
  MatmulDesc desc = baseDesc();
  desc.K = 4096;
  desc.N = 4096;
  desc.M = 64; // 64 x 64 tiles, 128-channel steps, 6 stages of 21504 bytes
  auto spec = QmmJit::specialize(desc, "sm_90a");
  ASSERT_TRUE(spec.ok()) << spec.message();
  EXPECT_NE(spec->tile.find("strategy = wgmma_tma"), std::string::npos)
      << spec->tile;
  EXPECT_EQ(spec->geometry.threads, 160u);
  EXPECT_EQ(spec->geometry.splitK, 2u);
  EXPECT_EQ(spec->geometry.blockK, 128u);
  EXPECT_EQ(spec->geometry.dynamicSharedBytes, 6u * 21504 + 1024);
  ASSERT_EQ(spec->params.count, 10u);
  EXPECT_EQ(spec->params.params[6], KernelParam::XMap);
  EXPECT_EQ(spec->params.params[7], KernelParam::QweightMap);
  EXPECT_EQ(spec->params.params[8], KernelParam::ScalesMap);
  EXPECT_EQ(spec->params.params[9], KernelParam::QzerosMap);
  EXPECT_NE(spec->cudaSource.find("const __grid_constant__ qmm::TensorMap "
                                  "x_map"),
            std::string::npos);
  // sm_80 has neither wgmma nor TMA.
  auto sm80 = QmmJit::specialize(desc, "sm_80");
  ASSERT_TRUE(sm80.ok()) << sm80.message();
  EXPECT_EQ(sm80->tile.find("wgmma"), std::string::npos) << sm80->tile;
}

TEST(QmmJitSpecialize, RegroupedActOrderTakesTheReorderedKernel) {
  MatmulDesc desc = baseDesc();
  desc.layout.actOrder = true;
  desc.layout.regrouped = true;
  for (int64_t M : {1, 16, 300}) {
    desc.M = M;
    auto spec = QmmJit::specialize(desc, "sm_90a");
    ASSERT_TRUE(spec.ok()) << spec.message();
    // The grouped stream kernel that gathers x through the permutation
    // passed in the g_idx slot, at every M (only it gathers x).
    EXPECT_NE(spec->kernelName.find("_reord_"), std::string::npos)
        << spec->kernelName;
    EXPECT_NE(spec->tile.find("strategy = stream"), std::string::npos)
        << spec->tile;
    EXPECT_NE(spec->cudaSource.find("reordered = true"), std::string::npos);
    bool hasGIdx = false;
    for (unsigned i = 0; i < spec->params.count; ++i)
      hasGIdx |= spec->params.params[i] == KernelParam::GIdx;
    EXPECT_TRUE(hasGIdx);
  }
  // Not the per-channel act-order kernel of the same layout.
  desc.layout.regrouped = false;
  desc.M = 1;
  auto perChannel = QmmJit::specialize(desc, "sm_90a");
  ASSERT_TRUE(perChannel.ok()) << perChannel.message();
  EXPECT_NE(perChannel->kernelName.find("_act_"), std::string::npos);
}

TEST(QmmJitSpecialize, MInTheSameBucketGivesTheSameKernel) {
  MatmulDesc desc = baseDesc();
  desc.M = 2;
  auto a = QmmJit::specialize(desc, "sm_90a");
  desc.M = 16;
  auto b = QmmJit::specialize(desc, "sm_90a");
  desc.M = 300;
  auto c = QmmJit::specialize(desc, "sm_90a");
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  EXPECT_EQ(a->kernelName, b->kernelName);
  EXPECT_EQ(a->cudaSource, b->cudaSource);
  EXPECT_NE(a->kernelName, c->kernelName);
}

/// Every combination of the layouts with each kernel strategy: M = 1
/// (stream, small row tiles), 33 (stream, 32-row tiles), 300 (mma). The zero
/// point format and the bias vary with act-order, dtype and strategy so that
/// each meets both values without multiplying the sweep; `sym` is left out
/// of those rules, so sym/asym twins differ only where the emitter makes
/// them differ.
std::vector<MatmulDesc> layoutSweep() {
  std::vector<MatmulDesc> descs;
  for (int bits : {2, 3, 4, 8})
    for (int64_t group : {int64_t(-1), int64_t(32), int64_t(64), int64_t(128)})
      for (bool actOrder : {false, true})
        for (bool sym : {false, true})
          for (DType dtype : {DType::F16, DType::BF16})
            for (int64_t M : {1, 33, 300}) {
              MatmulDesc desc = baseDesc();
              desc.layout = {bits, group, actOrder, sym,
                             actOrder != (M == 33)
                                 ? format::CheckpointFormat::GptqV2
                                 : format::CheckpointFormat::GptqV1};
              desc.dtype = dtype;
              desc.M = M;
              desc.hasBias = (dtype == DType::BF16) != (M == 300);
              descs.push_back(desc);
              // Regrouped act-order weights (asymmetric ones; sym twins
              // compile alike) take the reordered kernels.
              if (actOrder && !sym) {
                desc.layout.regrouped = true;
                descs.push_back(desc);
              }
            }
  return descs;
}

/// `source` without its line comments (the emitter describes the layout
/// there, sym included) and with its kernel's name replaced by a
/// placeholder: two specializations equal this way compile alike, so
/// compiling one proves both.
std::string compiledPart(const std::string &source, const std::string &name) {
  std::string result;
  size_t begin = 0;
  while (begin < source.size()) {
    size_t end = source.find('\n', begin);
    end = end == std::string::npos ? source.size() : end + 1;
    const size_t first = source.find_first_not_of(" \t", begin);
    if (first >= end || source.compare(first, 2, "//") != 0)
      result.append(source, begin, end - begin);
    begin = end;
  }
  for (size_t at = result.find(name); at != std::string::npos;
       at = result.find(name, at))
    result.replace(at, name.size(), "KERNEL");
  return result;
}

TEST(QmmJitSpecialize, EveryLayoutCompilesForSm80AndSm90a) {
  const std::vector<MatmulDesc> descs = layoutSweep();
  // One NVRTC program per (arch, worker), compiled concurrently: NVRTC
  // takes most of a second per stream kernel, and programs are
  // independent.
  const unsigned workers = std::max(2u, std::thread::hardware_concurrency());
  struct Program {
    std::string arch, source;
    size_t kernels = 0;
    Status status;
    size_t entries = 0;
  };
  std::vector<Program> programs;
  size_t distinct = 0;
  for (const char *arch : {"sm_80", "sm_90a"}) {
    std::set<std::string> bodies;
    std::vector<Program> archPrograms(workers);
    const auto start = std::chrono::steady_clock::now();
    for (const MatmulDesc &desc : descs) {
      SCOPED_TRACE(describe(desc));
      auto spec = QmmJit::specialize(desc, arch);
      ASSERT_TRUE(spec.ok()) << spec.message();
      if (!bodies.insert(compiledPart(spec->cudaSource, spec->kernelName))
               .second)
        continue;
      Program &program = archPrograms[bodies.size() % workers];
      program.arch = arch;
      program.source += spec->cudaSource;
      ++program.kernels;
    }
    std::printf("%s: %zu descriptions -> %zu distinct kernels, specialized in "
                "%.2f ms each\n",
                arch, descs.size(), bodies.size(),
                std::chrono::duration<double, std::milli>(
                    std::chrono::steady_clock::now() - start)
                        .count() /
                    descs.size());
    distinct += bodies.size();
    for (Program &program : archPrograms)
      if (program.kernels)
        programs.push_back(std::move(program));
  }

  const auto start = std::chrono::steady_clock::now();
  std::atomic<size_t> next{0};
  std::vector<std::thread> threads;
  for (unsigned w = 0; w < workers; ++w)
    threads.emplace_back([&] {
      for (size_t i = next++; i < programs.size(); i = next++) {
        Program &program = programs[i];
        rt::CompileOptions options;
        options.arch = program.arch;
        options.wantCubin = true; // ptxas too: registers, shared memory
        auto compiled =
            rt::compileCuda(program.source, "qmm-jit-sweep.cu", options);
        if (!compiled) {
          program.status = compiled.status();
          continue;
        }
        for (size_t at = compiled->ptx.find(".entry "); at != std::string::npos;
             at = compiled->ptx.find(".entry ", at + 1))
          ++program.entries;
      }
    });
  for (std::thread &thread : threads)
    thread.join();
  size_t entries = 0;
  for (const Program &program : programs) {
    EXPECT_TRUE(program.status.ok())
        << program.arch << ": " << program.status.message();
    EXPECT_EQ(program.entries, program.kernels) << program.arch;
    entries += program.entries;
  }
  EXPECT_EQ(entries, distinct);
  std::printf(
      "NVRTC: %zu kernels for sm_80 and sm_90a in %.1f s on %u "
      "threads\n",
      entries,
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count(),
      workers);
}

} // namespace
