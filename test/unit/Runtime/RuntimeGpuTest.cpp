//===- RuntimeGpuTest.cpp - Load, launch and error paths on a device ------===//
//
// Needs a GPU (ctest label gpu); skips, saying why, without one. Checks that a
// kernel compiled through the cache loads and computes the right values, and
// that faults and misuse come back as messages rather than crashes.
//
//===----------------------------------------------------------------------===//

#include "gptq/Runtime/KernelCache.h"
#include "gptq/Runtime/Module.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <random>

using namespace gptq;
using namespace gptq::rt;

namespace {

const char *const kSource = R"(
extern "C" __global__ void axpy(float *y, const float *x, float a, int n) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) y[i] = a * x[i] + y[i];
}
)";

class RuntimeGpuTest : public testing::Test {
protected:
  void SetUp() override {
    std::string whyNot;
    if (!cudaDeviceAvailable(&whyNot))
      GTEST_SKIP() << "No CUDA device: " << whyNot;
    auto created = CudaContext::create(0);
    ASSERT_TRUE(created.ok()) << created.message();
    context = created.take();
    cacheDir = std::filesystem::temp_directory_path() /
               ("gptq-runtime-gpu-" + std::to_string(::getpid()));
  }
  void TearDown() override { std::filesystem::remove_all(cacheDir); }

  std::unique_ptr<CudaContext> context;
  std::filesystem::path cacheDir;
};

TEST_F(RuntimeGpuTest, CompileCacheLoadLaunch) {
  std::printf("device: %s (%s), %d SMs, driver %d\n",
              context->info().name.c_str(), context->info().arch().c_str(),
              context->info().multiprocessors, context->info().driverVersion);
  CompileOptions options;
  options.arch = context->info().arch();
  KernelCache cache(cacheDir.string());
  auto compiled = cache.getOrCompile(kSource, "axpy.cu", options);
  ASSERT_TRUE(compiled.ok()) << compiled.message();

  // A second cache on the same directory loads from disk, fast.
  KernelCache second(cacheDir.string());
  auto start = std::chrono::steady_clock::now();
  auto hit = second.getOrCompile(kSource, "axpy.cu", options);
  auto module = LoadedModule::load(**hit);
  double ms = std::chrono::duration<double, std::milli>(
                  std::chrono::steady_clock::now() - start)
                  .count();
  ASSERT_TRUE(module.ok()) << module.message();
  EXPECT_EQ(second.stats().diskHits, 1u);
  std::printf("cache hit + module load: %.2f ms\n", ms);

  auto function = module->function("axpy");
  ASSERT_TRUE(function.ok()) << function.message();
  const int n = 100003;
  std::mt19937 rng(std::random_device{}());
  std::uniform_real_distribution<float> uniform(-2.0f, 2.0f);
  std::vector<float> x(n), y(n);
  for (int i = 0; i < n; ++i) {
    x[i] = uniform(rng);
    y[i] = uniform(rng);
  }
  auto dX = DeviceBuffer::create(n * 4), dY = DeviceBuffer::create(n * 4);
  ASSERT_TRUE(dX.ok() && dY.ok());
  ASSERT_TRUE(dX->copyFromHost(x.data(), n * 4).ok());
  ASSERT_TRUE(dY->copyFromHost(y.data(), n * 4).ok());
  CUdeviceptr px = dX->ptr(), py = dY->ptr();
  float a = 1.5f;
  int count = n;
  void *args[] = {&py, &px, &a, &count};
  ASSERT_TRUE(
      launch(*function, {unsigned((n + 255) / 256)}, {256}, 0, nullptr, args)
          .ok());
  ASSERT_TRUE(synchronize().ok());
  std::vector<float> out(n);
  ASSERT_TRUE(dY->copyToHost(out.data(), n * 4).ok());
  // The device may fuse the multiply-add (one rounding instead of two), so
  // compare against the double-precision value with a few ulps of slack.
  for (int i = 0; i < n; ++i) {
    const double expected = double(a) * x[i] + y[i];
    ASSERT_NEAR(out[i], expected, 1e-6 * (std::fabs(expected) + 1.0)) << i;
  }
}

TEST_F(RuntimeGpuTest, MissingKernelNamesWhatExists) {
  CompileOptions options;
  options.arch = context->info().arch();
  auto compiled = compileCuda(kSource, "axpy.cu", options);
  ASSERT_TRUE(compiled.ok()) << compiled.message();
  std::printf("NVRTC %s log (%zu bytes): %s\n", nvrtcVersionString().c_str(),
              compiled->log.size(), compiled->log.substr(0, 400).c_str());
  auto module = LoadedModule::load(*compiled);
  ASSERT_TRUE(module.ok()) << module.message();
  auto missing = module->function("nope");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.message().find("'nope'"), std::string::npos)
      << missing.message();
  EXPECT_NE(missing.message().find("axpy"), std::string::npos)
      << missing.message();
  EXPECT_NE(missing.message().find("CUDA_ERROR_NOT_FOUND"), std::string::npos)
      << missing.message();
}

TEST_F(RuntimeGpuTest, OversizedCopyAndBadLaunchAreErrors) {
  auto buffer = DeviceBuffer::create(16);
  ASSERT_TRUE(buffer.ok());
  float data[8] = {1, 2, 3, 4, 5, 6, 7, 8};
  Status copy = buffer->copyFromHost(data, sizeof(data));
  ASSERT_FALSE(copy.ok());
  EXPECT_NE(copy.message().find("16-byte"), std::string::npos)
      << copy.message();

  CompileOptions options;
  options.arch = context->info().arch();
  auto compiled = compileCuda(kSource, "axpy.cu", options);
  ASSERT_TRUE(compiled.ok());
  auto module = LoadedModule::load(*compiled);
  auto function = module->function("axpy");
  ASSERT_TRUE(function.ok());
  CUdeviceptr p = buffer->ptr();
  float a = 1;
  int n = 4;
  void *args[] = {&p, &p, &a, &n};
  Status status = launch(*function, {1}, {4096}, 0, nullptr, args);
  ASSERT_FALSE(status.ok()) << "4096 threads per block must be rejected";
  EXPECT_NE(status.message().find("cuLaunchKernel"), std::string::npos)
      << status.message();
}

// Launchers opt a function in to dynamic shared memory past 48 KiB once,
// when they load it; the function records it so that launch() makes no
// driver call for it again. A request past what the GPU allows is an error
// naming the function, and records nothing.
TEST_F(RuntimeGpuTest, DynamicSharedOptInIsRecorded) {
  CompileOptions options;
  options.arch = context->info().arch();
  auto compiled = compileCuda(kSource, "axpy.cu", options);
  ASSERT_TRUE(compiled.ok()) << compiled.message();
  auto module = LoadedModule::load(*compiled);
  ASSERT_TRUE(module.ok()) << module.message();
  auto function = module->function("axpy");
  ASSERT_TRUE(function.ok()) << function.message();

  // Up to 48 KiB needs no opt-in.
  ASSERT_TRUE(allowDynamicShared(*function, 48 * 1024).ok());
  EXPECT_EQ(function->dynamicSharedAllowed, 0u);
  // 64 KiB (every GPU from sm_80 allows it) is opted in and recorded.
  Status allowed = allowDynamicShared(*function, 64 * 1024);
  ASSERT_TRUE(allowed.ok()) << allowed.message();
  EXPECT_EQ(function->dynamicSharedAllowed, 64u * 1024);
  // ... and the launch with that much runs.
  auto buffer = DeviceBuffer::create(16);
  ASSERT_TRUE(buffer.ok());
  CUdeviceptr p = buffer->ptr();
  float a = 1;
  int n = 4;
  void *args[] = {&p, &p, &a, &n};
  Status launched = launch(*function, {1}, {32}, 64 * 1024, nullptr, args);
  EXPECT_TRUE(launched.ok()) << launched.message();
  // 1 MiB is more than any GPU's CTA may have.
  Status tooMuch = allowDynamicShared(*function, 1024 * 1024);
  ASSERT_FALSE(tooMuch.ok());
  EXPECT_NE(tooMuch.message().find("axpy"), std::string::npos)
      << tooMuch.message();
  EXPECT_NE(tooMuch.message().find("dynamic shared memory"), std::string::npos)
      << tooMuch.message();
  EXPECT_EQ(function->dynamicSharedAllowed, 64u * 1024);
}

} // namespace
