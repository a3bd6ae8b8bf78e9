//===- QmmKernelGpuTest.cpp - generated kernels against the CPU reference -===//
//
// The GPU half of the foundation's end-to-end check: kernels that gptq-opt
// generated at build time (kernel-sweep.mlir -> CUDA C++ + JSON manifest)
// are compiled by NVRTC through the runtime's kernel cache for the GPU at
// hand, launched on fresh random GPTQ layers, and compared with the CPU
// reference dequant-matmul (fp16 or bf16 activations, with or without a
// bias, whatever each kernel's parameters say). Outputs are poisoned with NaN
// first so an unwritten element fails the check. Without a GPU every test
// skips.
//
// Kernels whose manifest entry says `reordered` get what the runtime would
// prepare at load time for qmm-reorder-act-order: the reference uses the
// act-order layer as stored, the kernel its regrouped qweight and the
// permutation in the g_idx slot.
//
//===----------------------------------------------------------------------===//

#include "gptq/Format/ActOrder.h"
#include "gptq/Format/Dequantize.h"
#include "gptq/Format/Packing.h"
#include "gptq/Runtime/CudaDriver.h"
#include "gptq/Runtime/KernelCache.h"
#include "gptq/Runtime/Module.h"
#include "gptq/Runtime/QmmLaunch.h"
#include "gptq/Support/Half.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

using namespace gptq;

namespace {

struct KernelSpec {
  std::string name;
  int64_t inFeatures = 0, outFeatures = 0;
  int bits = 4;
  int64_t groupSize = 128;
  bool actOrder = false, sym = true, v1 = true, bf16 = false;
  bool reordered = false; // act-order regrouped at load time (see top)
  int64_t blockM = 16, blockN = 64, blockK = 64, threads = 128;
  int64_t splitK = 1;             // the grid's z extent (one cluster per tile)
  int64_t dynamicSharedBytes = 0; // wgmma tiles past 48 KB
  std::vector<std::string> params;
};

std::string readFile(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

std::vector<KernelSpec> readManifest(const std::string &path) {
  nlohmann::json manifest = nlohmann::json::parse(readFile(path));
  std::vector<KernelSpec> specs;
  for (const auto &kernel : manifest.at("kernels")) {
    KernelSpec spec;
    spec.name = kernel.at("name");
    spec.inFeatures = kernel.at("in_features");
    spec.outFeatures = kernel.at("out_features");
    spec.bits = kernel.at("bits");
    spec.groupSize = kernel.at("group_size");
    spec.actOrder = kernel.at("act_order");
    spec.reordered = kernel.at("reordered");
    spec.sym = kernel.at("sym");
    spec.v1 = kernel.at("format") == "gptq_v1";
    spec.bf16 = kernel.at("element_type") == "bf16";
    spec.blockM = kernel.at("block_m");
    spec.blockN = kernel.at("block_n");
    spec.blockK = kernel.at("block_k");
    spec.threads = kernel.at("threads");
    spec.splitK = kernel.at("split_k");
    spec.dynamicSharedBytes = kernel.at("dynamic_shared_bytes");
    spec.params = kernel.at("params").get<std::vector<std::string>>();
    specs.push_back(spec);
  }
  return specs;
}

/// `value` rounded to the kernel's element type (fp16 or bf16), as a float.
float roundToElement(float value, bool bf16) {
  return bf16 ? bf16ToFloat(floatToBf16(value))
              : halfToFloat(floatToHalf(value));
}

/// Raw fp16 or bf16 bits of `value` (exactly representable after
/// roundToElement).
uint16_t elementBits(float value, bool bf16) {
  return bf16 ? floatToBf16(value) : floatToHalf(value);
}

/// A random layer in checkpoint form: codes, zero points (storable in the
/// chosen format), positive fp16 scales, and with act-order a random g_idx.
format::QuantizedLinear randomLayer(const KernelSpec &spec, std::mt19937 &rng) {
  format::QuantizedLinear layer;
  layer.K = spec.inFeatures;
  layer.N = spec.outFeatures;
  layer.bits = spec.bits;
  layer.groupSize = spec.groupSize;
  layer.format = spec.v1 ? format::CheckpointFormat::GptqV1
                         : format::CheckpointFormat::GptqV2;
  const int maxq = (1 << spec.bits) - 1;
  const int64_t groups = layer.numGroups();
  std::vector<int32_t> codes(layer.K * layer.N), zeros(groups * layer.N);
  for (auto &code : codes)
    code = int32_t(rng() % (maxq + 1));
  for (auto &zero : zeros)
    zero = spec.sym ? (maxq + 1) / 2
                    : int32_t(spec.v1 ? 1 + rng() % maxq : rng() % (maxq + 1));
  std::uniform_real_distribution<float> scale(0.002f, 0.02f);
  layer.scales.resize(groups * layer.N);
  for (auto &value : layer.scales)
    value = roundToElement(scale(rng), spec.bf16);
  if (spec.actOrder) {
    layer.gIdx.resize(layer.K);
    if (spec.reordered) {
      // Regrouping needs what GPTQ's act-order produces: every group holds
      // exactly group_size channels, scattered over K.
      const int64_t groupSize = layer.K / groups;
      for (int64_t k = 0; k < layer.K; ++k)
        layer.gIdx[k] = int32_t(k / groupSize);
      std::shuffle(layer.gIdx.begin(), layer.gIdx.end(), rng);
    } else {
      for (auto &group : layer.gIdx)
        group = int32_t(rng() % groups);
    }
  }
  layer.qweight = *format::packWeights(codes, layer.K, layer.N, layer.bits);
  layer.qzeros =
      *format::packZeros(zeros, groups, layer.N, layer.bits, layer.format);
  return layer;
}

/// y = x · W in double, split over the host's cores (M x K x N reaches 2e10
/// multiply-adds for the largest sweep case).
std::vector<double> referenceMatmul(const std::vector<float> &x,
                                    const std::vector<float> &weight, int64_t M,
                                    int64_t K, int64_t N) {
  std::vector<double> y(M * N, 0.0);
  unsigned workers = std::max(1u, std::thread::hardware_concurrency());
  std::vector<std::thread> threads;
  for (unsigned w = 0; w < workers; ++w)
    threads.emplace_back([&, w] {
      std::vector<double> row(N);
      for (int64_t m = w; m < M; m += workers) {
        std::fill(row.begin(), row.end(), 0.0);
        for (int64_t k = 0; k < K; ++k) {
          const double xv = x[m * K + k];
          const float *wrow = &weight[k * N];
          for (int64_t n = 0; n < N; ++n)
            row[n] += xv * wrow[n];
        }
        std::copy(row.begin(), row.end(), y.begin() + m * N);
      }
    });
  for (auto &thread : threads)
    thread.join();
  return y;
}

class QmmKernelGpuTest : public ::testing::Test {
protected:
  void SetUp() override {
    std::string whyNot;
    if (!rt::cudaDeviceAvailable(&whyNot))
      GTEST_SKIP() << "No CUDA device: " << whyNot;
  }
};

TEST_F(QmmKernelGpuTest, GeneratedKernelsMatchCpuReference) {
  auto context = rt::CudaContext::create(0);
  ASSERT_TRUE(context.ok()) << context.message();
  const rt::DeviceInfo info = (*context)->info();
  std::printf("device: %s (%s), driver %d\n", info.name.c_str(),
              info.arch().c_str(), info.driverVersion);

  const std::string source = readFile(GPTQ_GPU_KERNELS_CU);
  const std::vector<KernelSpec> specs = readManifest(GPTQ_GPU_KERNELS_JSON);
  ASSERT_FALSE(specs.empty());

  auto cacheDir = std::filesystem::temp_directory_path() /
                  ("gptq-gpu-test-cache-" + std::to_string(::getpid()));
  rt::KernelCache cache(cacheDir.string());
  rt::CompileOptions options;
  options.arch = info.arch();
  auto compiled = cache.getOrCompile(source, "kernel-sweep.cu", options);
  ASSERT_TRUE(compiled.ok()) << compiled.message();
  auto module = rt::LoadedModule::load(**compiled);
  ASSERT_TRUE(module.ok()) << module.message();

  std::mt19937 rng(std::random_device{}());
  int checks = 0;
  for (const KernelSpec &spec : specs) {
    auto function = module->function(spec.name);
    ASSERT_TRUE(function.ok()) << function.message();
    for (int64_t M : {1, 7, 16, 64, 300}) {
      SCOPED_TRACE(spec.name + " M=" + std::to_string(M));
      const int64_t K = spec.inFeatures, N = spec.outFeatures;
      format::QuantizedLinear layer = randomLayer(spec, rng);
      std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
      std::vector<uint16_t> xBits(M * K);
      std::vector<float> x(M * K);
      for (int64_t i = 0; i < M * K; ++i) {
        x[i] = roundToElement(uniform(rng), spec.bf16);
        xBits[i] = elementBits(x[i], spec.bf16);
      }
      const bool hasBias = std::find(spec.params.begin(), spec.params.end(),
                                     "bias") != spec.params.end();
      std::vector<uint16_t> biasBits;
      if (hasBias) {
        layer.bias.resize(N);
        biasBits.resize(N);
        for (int64_t n = 0; n < N; ++n) {
          layer.bias[n] = roundToElement(uniform(rng), spec.bf16);
          biasBits[n] = elementBits(layer.bias[n], spec.bf16);
        }
      }
      auto weight = format::dequantize(layer);
      ASSERT_TRUE(weight.ok()) << weight.message();
      std::vector<double> reference = referenceMatmul(x, *weight, M, K, N);
      if (hasBias)
        for (int64_t m = 0; m < M; ++m)
          for (int64_t n = 0; n < N; ++n)
            reference[m * N + n] += layer.bias[n];

      // The load-time preparation of a reordered kernel, after the
      // reference has used the layer as stored: channel k' of the kernel's
      // weight is channel perm[k'] of the layer, and the kernel reads x
      // column perm[k'] for it.
      std::vector<int32_t> kernelQweight = layer.qweight;
      std::vector<int32_t> kernelGIdx = layer.gIdx;
      if (spec.reordered) {
        auto perm = format::actOrderPermutation(layer.gIdx, layer.groupSize);
        ASSERT_TRUE(perm.ok()) << perm.message();
        auto permuted =
            format::permutePackedRows(layer.qweight, K, N, layer.bits, *perm);
        ASSERT_TRUE(permuted.ok()) << permuted.message();
        kernelQweight = std::move(*permuted);
        kernelGIdx = std::move(*perm);
      }

      std::vector<uint16_t> scaleBits(layer.scales.size());
      for (size_t i = 0; i < scaleBits.size(); ++i)
        scaleBits[i] = elementBits(layer.scales[i], spec.bf16);

      auto upload = [&](const void *data, size_t bytes) {
        auto buffer = rt::DeviceBuffer::create(bytes);
        EXPECT_TRUE(buffer.ok()) << buffer.message();
        EXPECT_TRUE(buffer->copyFromHost(data, bytes).ok());
        return buffer.take();
      };
      rt::DeviceBuffer dX = upload(xBits.data(), xBits.size() * 2);
      rt::DeviceBuffer dQweight =
          upload(kernelQweight.data(), kernelQweight.size() * 4);
      rt::DeviceBuffer dQzeros =
          upload(layer.qzeros.data(), layer.qzeros.size() * 4);
      rt::DeviceBuffer dScales = upload(scaleBits.data(), scaleBits.size() * 2);
      rt::DeviceBuffer dGIdx =
          upload(kernelGIdx.empty() ? nullptr : kernelGIdx.data(),
                 kernelGIdx.size() * 4);
      rt::DeviceBuffer dBias = upload(
          biasBits.empty() ? nullptr : biasBits.data(), biasBits.size() * 2);
      auto yBuffer = rt::DeviceBuffer::create(M * N * 2);
      ASSERT_TRUE(yBuffer.ok()) << yBuffer.message();
      ASSERT_TRUE(yBuffer->fillBytes(0xff).ok()); // fp16/bf16 NaN everywhere

      auto params = rt::QmmParamList::fromRoles(spec.params, spec.name);
      ASSERT_TRUE(params.ok()) << params.message();
      const rt::QmmOperands operands{
          dX.ptr(),    dQweight.ptr(), dQzeros.ptr(), dScales.ptr(),
          dGIdx.ptr(), dBias.ptr(),    yBuffer->ptr()};
      const rt::QmmMapShape maps{K,           N,           spec.groupSize,
                                 spec.blockM, spec.blockN, spec.bf16,
                                 spec.blockK};
      rt::QmmArgs args;
      Status bound = args.bind(*params, operands, int(M), spec.name, maps);
      ASSERT_TRUE(bound.ok()) << bound.message();
      const rt::Dim3 grid =
          rt::qmmGrid(N, M, unsigned(spec.blockN), unsigned(spec.blockM),
                      unsigned(spec.splitK));
      rt::Dim3 block{unsigned(spec.threads), 1, 1};
      // As the runtime launches them: the weights streaming in L2.
      ASSERT_TRUE(
          rt::launch(*function, grid, block, unsigned(spec.dynamicSharedBytes),
                     nullptr, args.data(), /*overlapPrevious=*/false,
                     rt::qmmWeightWindow(dQweight.ptr(), K, N, spec.bits,
                                         info.maxAccessPolicyWindowBytes))
              .ok());
      ASSERT_TRUE(rt::synchronize().ok());

      std::vector<uint16_t> yBits(M * N);
      ASSERT_TRUE(yBuffer->copyToHost(yBits.data(), yBits.size() * 2).ok());
      double errorSquared = 0.0, referenceSquared = 0.0;
      int64_t unwritten = 0;
      for (int64_t i = 0; i < M * N; ++i) {
        const float value =
            spec.bf16 ? bf16ToFloat(yBits[i]) : halfToFloat(yBits[i]);
        if (!std::isfinite(value)) {
          ++unwritten;
          continue;
        }
        errorSquared += (value - reference[i]) * (value - reference[i]);
        referenceSquared += reference[i] * reference[i];
      }
      const double relative = std::sqrt(errorSquared / referenceSquared);
      std::printf("  %-48s M=%4lld  rel.err %.3e  unwritten %lld\n",
                  spec.name.c_str(), (long long)M, relative,
                  (long long)unwritten);
      EXPECT_EQ(unwritten, 0);
      // Rounding the output (and, inside the kernel, each dequantized weight)
      // to 8 mantissa bits instead of 11 costs bf16 about 8x the error.
      EXPECT_LT(relative, spec.bf16 ? 5e-3 : 2e-3);
      ++checks;
    }
  }
  std::printf("%d kernel/M checks against the CPU reference\n", checks);
  std::filesystem::remove_all(cacheDir);
}

} // namespace
