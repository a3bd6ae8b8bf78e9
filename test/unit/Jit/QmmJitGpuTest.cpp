//===- QmmJitGpuTest.cpp - The JIT on a device (ctest label gpu) ----------===//
//
// Needs a GPU; every test skips, saying why, without one. Checks, through
// the C API and the C++ API:
//  - results against the CPU reference (referenceDequantMatmul) on fresh
//    random GPTQ layers, outputs poisoned with NaN first;
//  - the warm path compiles nothing (kernel cache stats and the
//    specialization count unchanged) and allocates nothing on the host
//    (operator new and malloc are counted in this binary around the call);
//  - concurrent misses of one key compile it once;
//  - a second process finds the kernel in the disk cache: the test runs
//    this executable twice more with one GPTQ_KERNEL_CACHE_DIR, and the
//    second run asserts zero NVRTC compilations;
//  - the time of one NVRTC compile and of a cache hit + module load.
//
//===----------------------------------------------------------------------===//

#include "DescribeDesc.h"
#include "gptq/Format/Dequantize.h"
#include "gptq/Format/Packing.h"
#include "gptq/Format/Safetensors.h"
#include "gptq/Jit/QmmJit.h"
#include "gptq/Runtime/CudaDriver.h"
#include "gptq/Runtime/DenseMatmul.h"
#include "gptq/Runtime/KernelCache.h"
#include "gptq/Runtime/Module.h"
#include "gptq/Support/Half.h"
#include "gptq/qmm.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <new>
#include <random>
#include <thread>

#include <cstring>

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

using namespace gptq;
using namespace gptq::jit;
using gptq::jit::test::describe;

//===----------------------------------------------------------------------===//
// Host allocation counting. Every operator new of this binary and every
// malloc/calloc/realloc call it makes (the link wraps them, see
// CMakeLists.txt) passes here; only calls on a thread that set
// `tCountAllocations` are counted, so the driver's own threads do not
// disturb the count.
//===----------------------------------------------------------------------===//

namespace {
thread_local bool tCountAllocations = false;
std::atomic<uint64_t> gAllocations{0};

void noteAllocation() {
  if (tCountAllocations)
    gAllocations.fetch_add(1, std::memory_order_relaxed);
}

/// Allocations made on this thread while `fn` runs.
template <typename Fn> uint64_t countAllocations(Fn &&fn) {
  const uint64_t before = gAllocations.load();
  tCountAllocations = true;
  fn();
  tCountAllocations = false;
  return gAllocations.load() - before;
}
} // namespace

extern "C" {
void *__real_malloc(size_t size);
void *__real_calloc(size_t count, size_t size);
void *__real_realloc(void *pointer, size_t size);
void *__wrap_malloc(size_t size) {
  noteAllocation();
  return __real_malloc(size);
}
void *__wrap_calloc(size_t count, size_t size) {
  noteAllocation();
  return __real_calloc(count, size);
}
void *__wrap_realloc(void *pointer, size_t size) {
  noteAllocation();
  return __real_realloc(pointer, size);
}
}

void *operator new(size_t size) {
  noteAllocation();
  if (void *pointer = std::malloc(size ? size : 1))
    return pointer;
  throw std::bad_alloc();
}
void *operator new[](size_t size) { return ::operator new(size); }
void *operator new(size_t size, const std::nothrow_t &) noexcept {
  noteAllocation();
  return std::malloc(size ? size : 1);
}
void *operator new[](size_t size, const std::nothrow_t &tag) noexcept {
  return ::operator new(size, tag);
}
void *operator new(size_t size, std::align_val_t align) {
  noteAllocation();
  void *pointer = nullptr;
  if (posix_memalign(&pointer, std::max(sizeof(void *), size_t(align)),
                     size ? size : 1) == 0)
    return pointer;
  throw std::bad_alloc();
}
void *operator new[](size_t size, std::align_val_t align) {
  return ::operator new(size, align);
}
void operator delete(void *pointer) noexcept { std::free(pointer); }
void operator delete[](void *pointer) noexcept { std::free(pointer); }
void operator delete(void *pointer, size_t) noexcept { std::free(pointer); }
void operator delete[](void *pointer, size_t) noexcept { std::free(pointer); }
void operator delete(void *pointer, std::align_val_t) noexcept {
  std::free(pointer);
}
void operator delete[](void *pointer, std::align_val_t) noexcept {
  std::free(pointer);
}
void operator delete(void *pointer, size_t, std::align_val_t) noexcept {
  std::free(pointer);
}
void operator delete[](void *pointer, size_t, std::align_val_t) noexcept {
  std::free(pointer);
}

namespace {

double msSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(
             std::chrono::steady_clock::now() - start)
      .count();
}

float roundTo(float value, bool bf16) {
  return bf16 ? bf16ToFloat(floatToBf16(value))
              : halfToFloat(floatToHalf(value));
}

uint16_t bitsOf(float value, bool bf16) {
  return bf16 ? floatToBf16(value) : floatToHalf(value);
}

/// A matmul's operands on the host (checkpoint layout, fp16/bf16 as raw
/// bits) and on the device, with y poisoned (0xff bytes: NaN).
struct Problem {
  MatmulDesc desc;
  format::QuantizedLinear layer;
  std::vector<float> x; // rounded to the element type
  rt::DeviceBuffer dX, dQweight, dQzeros, dScales, dGIdx, dBias, dY;

  MatmulTensors tensors() const {
    MatmulTensors t;
    t.x = dX.ptr();
    t.qweight = dQweight.ptr();
    t.qzeros = dQzeros.ptr();
    t.scales = dScales.ptr();
    t.gIdx = dGIdx.ptr();
    t.bias = dBias.ptr();
    t.y = dY.ptr();
    return t;
  }
  qmm_tensors_t cTensors() const {
    auto pointer = [](const rt::DeviceBuffer &buffer) {
      return reinterpret_cast<void *>(uintptr_t(buffer.ptr()));
    };
    qmm_tensors_t t = {};
    t.x = pointer(dX);
    t.qweight = pointer(dQweight);
    t.qzeros = pointer(dQzeros);
    t.scales = pointer(dScales);
    t.g_idx = pointer(dGIdx);
    t.bias = pointer(dBias);
    t.y = pointer(dY);
    return t;
  }
  qmm_matmul_desc_t cDesc() const {
    qmm_matmul_desc_t d = {};
    d.bits = desc.layout.bits;
    d.group_size = int(desc.layout.groupSize);
    d.act_order = desc.layout.regrouped  ? QMM_ACT_ORDER_REGROUPED
                  : desc.layout.actOrder ? QMM_ACT_ORDER_G_IDX
                                         : 0;
    d.sym = desc.layout.sym;
    d.format = desc.layout.format == format::CheckpointFormat::GptqV2
                   ? QMM_FORMAT_GPTQ_V2
                   : QMM_FORMAT_GPTQ_V1;
    d.dtype = desc.dtype == DType::BF16 ? QMM_DTYPE_BF16 : QMM_DTYPE_F16;
    d.m = desc.M;
    d.k = desc.K;
    d.n = desc.N;
    d.has_bias = desc.hasBias;
    return d;
  }
};

Expected<rt::DeviceBuffer> upload(const void *data, size_t bytes) {
  auto buffer = rt::DeviceBuffer::create(bytes);
  if (!buffer)
    return buffer.status();
  GPTQ_RETURN_IF_ERROR(buffer->copyFromHost(data, bytes));
  return buffer;
}

/// Random codes, zero points storable in the desc's format, positive scales
/// exact in the element type, a random g_idx with act-order, a bias if asked.
Expected<std::unique_ptr<Problem>> makeProblem(const MatmulDesc &desc,
                                               std::mt19937 &rng) {
  auto problem = std::make_unique<Problem>();
  problem->desc = desc;
  const bool bf16 = desc.dtype == DType::BF16;
  format::QuantizedLinear &layer = problem->layer;
  layer.K = desc.K;
  layer.N = desc.N;
  layer.bits = desc.layout.bits;
  layer.groupSize = desc.layout.groupSize;
  layer.format = desc.layout.format;
  const int levels = 1 << desc.layout.bits;
  const int64_t groups = layer.numGroups();
  std::vector<int32_t> codes(layer.K * layer.N), zeros(groups * layer.N);
  for (int32_t &code : codes)
    code = int32_t(rng() % levels);
  const bool v1 = layer.format == format::CheckpointFormat::GptqV1;
  for (int32_t &zero : zeros)
    zero = desc.layout.sym
               ? levels / 2
               : int32_t(v1 ? 1 + rng() % (levels - 1) : rng() % levels);
  std::uniform_real_distribution<float> scale(0.002f, 0.02f), unit(-1, 1);
  layer.scales.resize(groups * layer.N);
  for (float &value : layer.scales)
    value = roundTo(scale(rng), bf16);
  if (desc.layout.actOrder) {
    layer.gIdx.resize(layer.K);
    for (int32_t &group : layer.gIdx)
      group = int32_t(rng() % groups);
  }
  if (desc.hasBias) {
    layer.bias.resize(layer.N);
    for (float &value : layer.bias)
      value = roundTo(unit(rng), bf16);
  }
  auto qweight = format::packWeights(codes, layer.K, layer.N, layer.bits);
  auto qzeros =
      format::packZeros(zeros, groups, layer.N, layer.bits, layer.format);
  if (!qweight || !qzeros)
    return Status::error("packing failed");
  layer.qweight = qweight.take();
  layer.qzeros = qzeros.take();

  problem->x.resize(desc.M * desc.K);
  for (float &value : problem->x)
    value = roundTo(unit(rng), bf16);
  auto elementBits = [&](const std::vector<float> &values) {
    std::vector<uint16_t> bits(values.size());
    for (size_t i = 0; i < values.size(); ++i)
      bits[i] = bitsOf(values[i], bf16);
    return bits;
  };
  const std::vector<uint16_t> xBits = elementBits(problem->x);
  const std::vector<uint16_t> scaleBits = elementBits(layer.scales);
  const std::vector<uint16_t> biasBits = elementBits(layer.bias);
  struct {
    rt::DeviceBuffer *buffer;
    const void *data;
    size_t bytes;
  } uploads[] = {
      {&problem->dX, xBits.data(), xBits.size() * 2},
      {&problem->dQweight, layer.qweight.data(), layer.qweight.size() * 4},
      {&problem->dQzeros, layer.qzeros.data(), layer.qzeros.size() * 4},
      {&problem->dScales, scaleBits.data(), scaleBits.size() * 2},
      {&problem->dGIdx, layer.gIdx.data(), layer.gIdx.size() * 4},
      {&problem->dBias, biasBits.data(), biasBits.size() * 2},
  };
  for (auto &item : uploads) {
    auto buffer = upload(item.data, item.bytes);
    if (!buffer)
      return buffer.status();
    *item.buffer = buffer.take();
  }
  auto y = rt::DeviceBuffer::create(desc.M * desc.N * 2);
  if (!y)
    return y.status();
  GPTQ_RETURN_IF_ERROR(y->fillBytes(0xff));
  problem->dY = y.take();
  return problem;
}

/// Replaces the problem's random g_idx by GPTQ's: a random channel order,
/// every group exactly group_size channels (what regrouping needs), on the
/// host and on the device.
Status giveGptqActOrder(Problem &p, std::mt19937 &rng) {
  const MatmulDesc &desc = p.desc;
  std::vector<int32_t> order(desc.K);
  for (int64_t k = 0; k < desc.K; ++k)
    order[k] = int32_t(k);
  std::shuffle(order.begin(), order.end(), rng);
  for (int64_t i = 0; i < desc.K; ++i)
    p.layer.gIdx[order[i]] = int32_t(i / desc.layout.groupSize);
  return p.dGIdx.copyFromHost(p.layer.gIdx.data(), p.layer.gIdx.size() * 4);
}

/// ‖y − ref‖ / ‖ref‖ over the finite outputs; `unwritten` counts the rest.
double relativeError(const Problem &problem, int64_t *unwritten) {
  const MatmulDesc &desc = problem.desc;
  std::vector<uint16_t> yBits(desc.M * desc.N);
  EXPECT_TRUE(problem.dY.copyToHost(yBits.data(), yBits.size() * 2).ok());
  auto reference =
      format::referenceDequantMatmul(problem.x, desc.M, problem.layer);
  EXPECT_TRUE(reference.ok()) << reference.message();
  if (!reference)
    return INFINITY;
  double error = 0, norm = 0;
  *unwritten = 0;
  for (size_t i = 0; i < yBits.size(); ++i) {
    const double value = desc.dtype == DType::BF16 ? bf16ToFloat(yBits[i])
                                                   : halfToFloat(yBits[i]);
    if (!std::isfinite(value)) {
      ++*unwritten;
      continue;
    }
    const double ref = (*reference)[i];
    error += (value - ref) * (value - ref);
    norm += ref * ref;
  }
  return std::sqrt(error / norm);
}

/// After the problem's matmul was enqueued: every output written, within
/// 2e-3 (fp16) or 5e-3 (bf16) of the reference; prints the line with
/// `label` before the description.
void expectMatchesReference(const Problem &problem, const char *label) {
  ASSERT_TRUE(rt::synchronize().ok());
  int64_t unwritten = 0;
  const double relative = relativeError(problem, &unwritten);
  std::printf("  %s%-*s rel.err %.3e  unwritten %lld\n", label,
              int(44 - std::strlen(label)), describe(problem.desc).c_str(),
              relative, (long long)unwritten);
  EXPECT_EQ(unwritten, 0);
  EXPECT_LT(relative, problem.desc.dtype == DType::BF16 ? 5e-3 : 2e-3);
}

MatmulDesc makeDesc(int bits, int64_t group, bool actOrder, bool sym,
                    format::CheckpointFormat fmt, DType dtype, bool bias,
                    int64_t K, int64_t N, int64_t M) {
  MatmulDesc desc;
  desc.layout = {bits, group, actOrder, sym, fmt};
  desc.dtype = dtype;
  desc.hasBias = bias;
  desc.K = K;
  desc.N = N;
  desc.M = M;
  return desc;
}

class QmmJitGpuTest : public testing::Test {
protected:
  void SetUp() override {
    std::string whyNot;
    if (!rt::cudaDeviceAvailable(&whyNot))
      GTEST_SKIP() << "No CUDA device: " << whyNot;
    cacheDir = std::filesystem::temp_directory_path() /
               ("gptq-jit-gpu-" + std::to_string(::getpid()) + "-" +
                testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(cacheDir);
  }
  void TearDown() override {
    if (!cacheDir.empty())
      std::filesystem::remove_all(cacheDir);
  }

  std::unique_ptr<QmmJit> createJit() {
    QmmJitOptions options;
    options.kernelCacheDir = cacheDir.string();
    auto jit = QmmJit::create(options);
    EXPECT_TRUE(jit.ok()) << jit.message();
    return jit ? jit.take() : nullptr;
  }

  std::filesystem::path cacheDir;
  std::mt19937 rng{std::random_device{}()};
};

TEST_F(QmmJitGpuTest, CApiMatchesCpuReference) {
  qmm_context_t *ctx = nullptr;
  ASSERT_EQ(qmm_create(0, cacheDir.c_str(), &ctx), QMM_OK) << qmm_last_error();
  auto info = rt::queryDevice(0);
  ASSERT_TRUE(info.ok());
  std::printf("device: %s (%s), driver %d\n", info->name.c_str(),
              info->arch().c_str(), info->driverVersion);
  using F = format::CheckpointFormat;
  const MatmulDesc layouts[] = {
      makeDesc(4, 128, false, true, F::GptqV1, DType::F16, false, 1024, 1024,
               1),
      makeDesc(4, 128, true, false, F::GptqV1, DType::F16, true, 1024, 768, 1),
      makeDesc(3, 64, false, false, F::GptqV2, DType::BF16, false, 768, 512, 1),
      makeDesc(2, 32, true, true, F::GptqV1, DType::F16, false, 512, 1024, 1),
      makeDesc(8, -1, false, false, F::GptqV1, DType::BF16, true, 512, 512, 1),
      makeDesc(4, 32, true, false, F::GptqV2, DType::BF16, false, 512, 768, 1),
  };
  int checks = 0;
  for (MatmulDesc desc : layouts)
    for (int64_t M : {1, 7, 33, 300}) {
      desc.M = M;
      SCOPED_TRACE(describe(desc));
      auto problem = makeProblem(desc, rng);
      ASSERT_TRUE(problem.ok()) << problem.message();
      const qmm_matmul_desc_t cDesc = (*problem)->cDesc();
      const qmm_tensors_t cTensors = (*problem)->cTensors();
      ASSERT_EQ(qmm_matmul(ctx, &cDesc, &cTensors, nullptr), QMM_OK)
          << qmm_last_error();
      expectMatchesReference(**problem, "");
      ++checks;
    }
  std::printf("%d layout/M checks against the CPU reference\n", checks);
  qmm_destroy(ctx);
}

// Act-order weights prepared once by qmm_regroup_act_order run on the
// plain kernels (qmm_matmul with QMM_ACT_ORDER_REGROUPED gathers x into the
// workspace first) and still match the reference computed from the
// checkpoint as stored. g_idx is
// GPTQ's: a random channel order, every group exactly group_size channels.
TEST_F(QmmJitGpuTest, RegroupedActOrderMatchesCpuReference) {
  qmm_context_t *ctx = nullptr;
  ASSERT_EQ(qmm_create(0, cacheDir.c_str(), &ctx), QMM_OK) << qmm_last_error();
  using F = format::CheckpointFormat;
  const MatmulDesc layouts[] = {
      makeDesc(4, 128, true, true, F::GptqV1, DType::F16, false, 1024, 768, 1),
      makeDesc(3, 64, true, false, F::GptqV2, DType::BF16, false, 768, 512, 1),
      makeDesc(2, 32, true, true, F::GptqV1, DType::F16, true, 512, 1024, 1),
      makeDesc(8, 128, true, false, F::GptqV1, DType::F16, false, 1024, 512, 1),
  };
  int checks = 0;
  for (MatmulDesc desc : layouts)
    for (int64_t M : {1, 7, 33, 300}) {
      desc.M = M;
      SCOPED_TRACE(describe(desc));
      auto problem = makeProblem(desc, rng);
      ASSERT_TRUE(problem.ok()) << problem.message();
      Problem &p = **problem;
      ASSERT_TRUE(giveGptqActOrder(p, rng).ok());

      auto regrouped = rt::DeviceBuffer::create(p.layer.qweight.size() * 4);
      auto perm = rt::DeviceBuffer::create(desc.K * 4);
      ASSERT_TRUE(regrouped.ok() && perm.ok());
      qmm_matmul_desc_t cDesc = p.cDesc();
      qmm_tensors_t cTensors = p.cTensors();
      auto pointer = [](const rt::DeviceBuffer &buffer) {
        return reinterpret_cast<void *>(uintptr_t(buffer.ptr()));
      };
      ASSERT_EQ(qmm_regroup_act_order(ctx, &cDesc, cTensors.qweight,
                                      cTensors.g_idx, pointer(*regrouped),
                                      pointer(*perm), nullptr),
                QMM_OK)
          << qmm_last_error();
      cDesc.act_order = QMM_ACT_ORDER_REGROUPED;
      cTensors.qweight = pointer(*regrouped);
      cTensors.g_idx = pointer(*perm);
      // Without a workspace for the gathered x: a clear error.
      EXPECT_EQ(qmm_matmul(ctx, &cDesc, &cTensors, nullptr),
                QMM_ERROR_INVALID_ARGUMENT);
      EXPECT_NE(std::string(qmm_last_error()).find("workspace"),
                std::string::npos)
          << qmm_last_error();
      auto workspace = rt::DeviceBuffer::create(desc.M * desc.K * 2);
      ASSERT_TRUE(workspace.ok());
      cTensors.workspace = pointer(*workspace);
      ASSERT_EQ(qmm_matmul(ctx, &cDesc, &cTensors, nullptr), QMM_OK)
          << qmm_last_error();
      expectMatchesReference(p, "regrouped ");
      ++checks;
    }
  std::printf("%d regrouped layout/M checks against the CPU reference\n",
              checks);

  // A g_idx that is not GPTQ's (group 0 twice the size) cannot be
  // regrouped into contiguous groups: a clear error, nothing written.
  MatmulDesc desc =
      makeDesc(4, 128, true, true, F::GptqV1, DType::F16, false, 512, 256, 1);
  auto problem = makeProblem(desc, rng);
  ASSERT_TRUE(problem.ok()) << problem.message();
  Problem &p = **problem;
  for (int64_t k = 0; k < desc.K; ++k)
    p.layer.gIdx[k] = k < 256 ? 0 : int32_t(k / 128);
  ASSERT_TRUE(
      p.dGIdx.copyFromHost(p.layer.gIdx.data(), p.layer.gIdx.size() * 4).ok());
  auto regrouped = rt::DeviceBuffer::create(p.layer.qweight.size() * 4);
  auto perm = rt::DeviceBuffer::create(desc.K * 4);
  ASSERT_TRUE(regrouped.ok() && perm.ok());
  ASSERT_TRUE(regrouped->fillBytes(0xab).ok());
  const qmm_matmul_desc_t cDesc = p.cDesc();
  const qmm_tensors_t cTensors = p.cTensors();
  EXPECT_EQ(qmm_regroup_act_order(
                ctx, &cDesc, cTensors.qweight, cTensors.g_idx,
                reinterpret_cast<void *>(uintptr_t(regrouped->ptr())),
                reinterpret_cast<void *>(uintptr_t(perm->ptr())), nullptr),
            QMM_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(qmm_last_error()).find("g_idx"), std::string::npos)
      << qmm_last_error();
  std::vector<uint8_t> untouched(p.layer.qweight.size() * 4);
  ASSERT_TRUE(regrouped->copyToHost(untouched.data(), untouched.size()).ok());
  EXPECT_TRUE(std::all_of(untouched.begin(), untouched.end(),
                          [](uint8_t b) { return b == 0xab; }));
  qmm_destroy(ctx);
}

// Where rt::densePreferred says so (from 512 rows, 2048 where the tiles are
// sm_90a's TMA-fed ones; from 256 for act-order weights), with the
// workspace qmm_workspace_bytes asks for, a matmul
// takes the dense path (dequantize + cuBLAS) for every layout: act-order
// by g_idx, regrouped (rows scattered back, x not gathered), bias, bf16,
// group -1. Without a workspace the same calls run the generated kernels.
TEST_F(QmmJitGpuTest, DensePathMatchesCpuReference) {
  std::unique_ptr<QmmJit> jit = createJit();
  ASSERT_TRUE(jit);
  using F = format::CheckpointFormat;
  const MatmulDesc layouts[] = {
      makeDesc(4, 128, false, true, F::GptqV1, DType::F16, false, 1024, 768, 1),
      makeDesc(4, 128, true, false, F::GptqV1, DType::F16, true, 1024, 768, 1),
      makeDesc(3, 64, false, false, F::GptqV2, DType::BF16, false, 768, 512, 1),
      makeDesc(2, 32, true, true, F::GptqV1, DType::F16, false, 512, 1024, 1),
      makeDesc(8, -1, false, false, F::GptqV1, DType::BF16, true, 512, 512, 1),
      makeDesc(4, 32, false, false, F::GptqV2, DType::F16, true, 512, 768, 1),
  };
  int checks = 0;
  for (MatmulDesc desc : layouts)
    for (int64_t M : {256, 300, 512, 600, 2048}) {
      desc.M = M;
      if (!rt::densePreferred(M, desc.layout.actOrder,
                              rt::tmaTiles(jit->arch() == "sm_90a",
                                           desc.layout.bits,
                                           desc.layout.actOrder, desc.K,
                                           desc.layout.groupSize)))
        continue;
      SCOPED_TRACE(describe(desc));
      auto problem = makeProblem(desc, rng);
      ASSERT_TRUE(problem.ok()) << problem.message();
      Problem &p = **problem;
      MatmulTensors t = p.tensors();
      t.workspaceBytes = QmmJit::workspaceBytes(desc);
      ASSERT_EQ(t.workspaceBytes, size_t(2 * desc.K * desc.N));
      auto workspace = rt::DeviceBuffer::create(t.workspaceBytes);
      ASSERT_TRUE(workspace.ok());
      t.workspace = workspace->ptr();
      const uint64_t before = jit->denseMatmuls();
      Status status = jit->matmul(desc, t, nullptr);
      ASSERT_TRUE(status.ok()) << status.message();
      EXPECT_EQ(jit->denseMatmuls(), before + 1);
      expectMatchesReference(p, "dense ");
      ++checks;
      // The generated kernel for the same call: no workspace, no dense path.
      ASSERT_TRUE(p.dY.fillBytes(0xff).ok());
      ASSERT_TRUE(jit->matmul(desc, p.tensors(), nullptr).ok());
      EXPECT_EQ(jit->denseMatmuls(), before + 1);
      expectMatchesReference(p, "tiles ");
    }

  // A regrouped act-order weight: the dequantizer writes channel k to row
  // perm[k], so x goes in as it is.
  MatmulDesc desc =
      makeDesc(4, 128, true, true, F::GptqV1, DType::F16, true, 1024, 512, 300);
  auto problem = makeProblem(desc, rng);
  ASSERT_TRUE(problem.ok()) << problem.message();
  Problem &p = **problem;
  ASSERT_TRUE(giveGptqActOrder(p, rng).ok());
  auto regrouped = rt::DeviceBuffer::create(p.layer.qweight.size() * 4);
  auto perm = rt::DeviceBuffer::create(desc.K * 4);
  ASSERT_TRUE(regrouped.ok() && perm.ok());
  ASSERT_TRUE(jit->regroupActOrder(desc, p.tensors(), regrouped->ptr(),
                                   perm->ptr(), nullptr)
                  .ok());
  desc.layout.regrouped = true;
  MatmulTensors t = p.tensors();
  t.qweight = regrouped->ptr();
  t.gIdx = perm->ptr();
  t.workspaceBytes = QmmJit::workspaceBytes(desc);
  auto workspace = rt::DeviceBuffer::create(t.workspaceBytes);
  ASSERT_TRUE(workspace.ok());
  t.workspace = workspace->ptr();
  const uint64_t before = jit->denseMatmuls();
  Status status = jit->matmul(desc, t, nullptr);
  ASSERT_TRUE(status.ok()) << status.message();
  EXPECT_EQ(jit->denseMatmuls(), before + 1);
  expectMatchesReference(p, "dense regrouped ");
  // A warm dense call: our side allocates nothing (the dequantizer is found
  // by index); what cuBLAS does inside cublasGemmEx is counted too, and
  // reported rather than asserted.
  uint64_t allocations =
      countAllocations([&] { status = jit->matmul(desc, t, nullptr); });
  ASSERT_TRUE(status.ok()) << status.message();
  std::printf("warm dense call: %llu host allocations (ours and cuBLAS's)\n",
              (unsigned long long)allocations);
  std::printf("%d dense layout/M checks (and the tiles on the same calls), "
              "1 regrouped\n",
              checks);
}

// The dense path in column chunks: a workspace of 320 columns runs a
// 768-column weight as 320 + 320 + 128, the bias added per chunk.
TEST_F(QmmJitGpuTest, DensePathChunksMatchCpuReference) {
  auto cublas = rt::cublasApi();
  ASSERT_TRUE(cublas.ok()) << cublas.message();
  auto driver = rt::driverApi();
  ASSERT_TRUE(driver.ok());
  auto context = rt::CudaContext::create(0);
  ASSERT_TRUE(context.ok());
  using F = format::CheckpointFormat;
  MatmulDesc desc = makeDesc(4, 128, false, false, F::GptqV1, DType::F16, true,
                             1024, 768, 257);
  auto problem = makeProblem(desc, rng);
  ASSERT_TRUE(problem.ok()) << problem.message();
  Problem &p = **problem;
  rt::KernelCache cache(cacheDir.string());
  rt::CompileOptions options;
  options.arch = (*context)->info().arch();
  auto dequantizer = rt::loadDequantizer(cache, options, 4, false, false);
  ASSERT_TRUE(dequantizer.ok()) << dequantizer.message();
  const rt::DequantizeFunctions functions = dequantizer->functions;
  cublasHandle_t handle = nullptr;
  ASSERT_EQ((*cublas)->create(&handle), CUBLAS_STATUS_SUCCESS);
  const size_t bytes = 2 * size_t(desc.K) * 320;
  ASSERT_EQ(rt::denseChunkColumns(desc.K, desc.N, bytes), 320);
  auto workspace = rt::DeviceBuffer::create(bytes);
  ASSERT_TRUE(workspace.ok());
  rt::DenseMatmulArgs args;
  const MatmulTensors t = p.tensors();
  args.operands = rt::QmmOperands{t.x,        t.qweight, t.qzeros, t.scales,
                                  /*gIdx=*/0, t.bias,    t.y};
  args.workspace = workspace->ptr();
  args.workspaceBytes = bytes;
  args.M = desc.M;
  args.K = desc.K;
  args.N = desc.N;
  args.bits = 4;
  args.groupSize = 128;
  Status status =
      rt::denseMatmul(**driver, **cublas, handle, functions, args, nullptr);
  EXPECT_TRUE(status.ok()) << status.message();
  expectMatchesReference(p, "dense 3 chunks ");
  // Too small a workspace for one 32-column chunk: a clear error.
  args.workspaceBytes = 2 * size_t(desc.K) * 16;
  status =
      rt::denseMatmul(**driver, **cublas, handle, functions, args, nullptr);
  EXPECT_FALSE(status.ok());
  EXPECT_NE(status.message().find("no 32-column chunk"), std::string::npos)
      << status.message();
  (*cublas)->destroy(handle);
}

// The AutoGPTQ golden cases (../shared/testdata): each checkpoint's qweight,
// qzeros (v1, as written: c4's corrupt zero points included, as the
// reference ran them), scales and g_idx through qmm_matmul on test_x, against
// the reference QuantLinear's test_y.
TEST_F(QmmJitGpuTest, GoldenCasesMatchReferenceOutputs) {
  // $GPTQ_TESTDATA_DIR overrides the build's path: scripts/gpu-check runs
  // this binary on a machine where the test data is carried elsewhere.
  const char *overrideDir = std::getenv("GPTQ_TESTDATA_DIR");
  const std::string path =
      std::string(overrideDir != nullptr && *overrideDir != '\0'
                      ? overrideDir
                      : GPTQ_TESTDATA_DIR) +
      "/gptq_golden_public.safetensors";
  if (!std::filesystem::exists(path))
    GTEST_SKIP() << "golden file not found: " << path;
  auto golden = format::SafetensorsFile::open(path);
  ASSERT_TRUE(golden.ok()) << golden.message();
  qmm_context_t *ctx = nullptr;
  ASSERT_EQ(qmm_create(0, cacheDir.c_str(), &ctx), QMM_OK) << qmm_last_error();
  auto deviceCopy = [&](const std::string &name) {
    const format::TensorInfo *info = golden->find(name);
    EXPECT_NE(info, nullptr) << name;
    format::ByteSpan span = golden->bytes(*info);
    auto buffer = upload(span.data, span.size);
    EXPECT_TRUE(buffer.ok()) << buffer.message();
    return buffer.take();
  };
  int cases = 0;
  for (const auto &[name, settingsText] : golden->metadata()) {
    SCOPED_TRACE(name);
    const nlohmann::json settings = nlohmann::json::parse(settingsText);
    const format::TensorInfo *xInfo = golden->find(name + ".test_x");
    ASSERT_NE(xInfo, nullptr);
    qmm_matmul_desc_t desc = {};
    desc.bits = settings.at("bits");
    desc.group_size = settings.at("g");
    desc.act_order = settings.at("act").get<bool>();
    desc.sym = settings.at("sym").get<bool>();
    desc.format = QMM_FORMAT_GPTQ_V1;
    desc.dtype = QMM_DTYPE_F16;
    desc.m = xInfo->shape[0];
    desc.k = settings.at("K");
    desc.n = settings.at("N");
    rt::DeviceBuffer x = deviceCopy(name + ".test_x"),
                     qweight = deviceCopy(name + ".qweight"),
                     qzeros = deviceCopy(name + ".qzeros"),
                     scales = deviceCopy(name + ".scales"),
                     gIdx = deviceCopy(name + ".packed_g_idx");
    auto y = rt::DeviceBuffer::create(desc.m * desc.n * 2);
    ASSERT_TRUE(y.ok());
    ASSERT_TRUE(y->fillBytes(0xff).ok());
    auto pointer = [](const rt::DeviceBuffer &buffer) {
      return reinterpret_cast<void *>(uintptr_t(buffer.ptr()));
    };
    qmm_tensors_t tensors = {};
    tensors.x = pointer(x);
    tensors.qweight = pointer(qweight);
    tensors.qzeros = pointer(qzeros);
    tensors.scales = pointer(scales);
    tensors.g_idx = pointer(gIdx);
    tensors.y = pointer(*y);
    ASSERT_EQ(qmm_matmul(ctx, &desc, &tensors, nullptr), QMM_OK)
        << qmm_last_error();
    ASSERT_TRUE(rt::synchronize().ok());
    std::vector<uint16_t> ours(desc.m * desc.n), reference(desc.m * desc.n);
    ASSERT_TRUE(y->copyToHost(ours.data(), ours.size() * 2).ok());
    format::ByteSpan expected = golden->bytes(*golden->find(name + ".test_y"));
    ASSERT_EQ(expected.size, reference.size() * 2);
    std::memcpy(reference.data(), expected.data, expected.size);
    double diff = 0.0, norm = 0.0;
    int64_t unwritten = 0;
    for (size_t i = 0; i < ours.size(); ++i) {
      const double a = halfToFloat(ours[i]), b = halfToFloat(reference[i]);
      if (!std::isfinite(a)) {
        ++unwritten;
        continue;
      }
      diff += (a - b) * (a - b);
      norm += b * b;
    }
    const double relative = std::sqrt(diff / norm);
    std::printf("  golden %-22s M=%lld K=%lld N=%lld rel.err vs test_y %.3e  "
                "unwritten %lld\n",
                name.c_str(), (long long)desc.m, (long long)desc.k,
                (long long)desc.n, relative, (long long)unwritten);
    EXPECT_EQ(unwritten, 0);
    EXPECT_LT(relative, 2e-3);
    ++cases;
  }
  EXPECT_EQ(cases, 6);
  qmm_destroy(ctx);
}

TEST_F(QmmJitGpuTest, CApiReportsBadDescriptions) {
  qmm_context_t *ctx = nullptr;
  ASSERT_EQ(qmm_create(0, cacheDir.c_str(), &ctx), QMM_OK) << qmm_last_error();
  auto problem = makeProblem(makeDesc(4, 128, false, true,
                                      format::CheckpointFormat::GptqV1,
                                      DType::F16, false, 256, 256, 4),
                             rng);
  ASSERT_TRUE(problem.ok()) << problem.message();
  qmm_matmul_desc_t desc = (*problem)->cDesc();
  const qmm_tensors_t tensors = (*problem)->cTensors();
  desc.k = 250;
  EXPECT_EQ(qmm_matmul(ctx, &desc, &tensors, nullptr),
            QMM_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(qmm_last_error()).find("K = 250"), std::string::npos)
      << qmm_last_error();
  desc = (*problem)->cDesc();
  desc.bits = 5;
  EXPECT_EQ(qmm_matmul(ctx, &desc, &tensors, nullptr),
            QMM_ERROR_INVALID_ARGUMENT);
  qmm_context_t *other = nullptr;
  EXPECT_EQ(qmm_create(99, cacheDir.c_str(), &other),
            QMM_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(qmm_last_error()).find("device 99"), std::string::npos)
      << qmm_last_error();
  qmm_destroy(ctx);
}

TEST_F(QmmJitGpuTest, WarmPathCompilesAndAllocatesNothing) {
  std::unique_ptr<QmmJit> jit = createJit();
  ASSERT_TRUE(jit);
  auto problem = makeProblem(makeDesc(4, 128, true, false,
                                      format::CheckpointFormat::GptqV1,
                                      DType::F16, true, 1024, 1024, 7),
                             rng);
  ASSERT_TRUE(problem.ok()) << problem.message();
  const MatmulTensors tensors = (*problem)->tensors();
  MatmulDesc desc = (*problem)->desc;
  ASSERT_TRUE(jit->matmul(desc, tensors, nullptr).ok());
  ASSERT_TRUE(rt::synchronize().ok());
  const rt::KernelCache::Stats before = jit->kernelCacheStats();
  const uint64_t specializations = jit->specializations();
  EXPECT_EQ(specializations, 1u);

  // M = 5 is in M = 7's bucket: the same kernel, no compilation.
  desc.M = 5;
  Status status;
  const uint64_t allocations =
      countAllocations([&] { status = jit->matmul(desc, tensors, nullptr); });
  ASSERT_TRUE(status.ok()) << status.message();
  // The counter itself works: a control allocation is seen (kept in a
  // volatile so the compiler cannot elide the new/delete pair).
  static std::vector<int> *volatile sink = nullptr;
  const uint64_t control =
      countAllocations([] { sink = new std::vector<int>(1000); });
  delete sink;
  const rt::KernelCache::Stats after = jit->kernelCacheStats();
  std::printf("warm qmm.matmul: %llu host allocations (control: %llu)\n",
              (unsigned long long)allocations, (unsigned long long)control);
  EXPECT_EQ(allocations, 0u);
  EXPECT_GE(control, 2u);
  EXPECT_EQ(jit->specializations(), specializations);
  EXPECT_EQ(after.misses, before.misses);
  EXPECT_EQ(after.diskHits, before.diskHits);
  EXPECT_EQ(after.memoryHits, before.memoryHits);

  // The C API's warm path too.
  qmm_context_t *ctx = nullptr;
  ASSERT_EQ(qmm_create(0, cacheDir.c_str(), &ctx), QMM_OK) << qmm_last_error();
  const qmm_matmul_desc_t cDesc = (*problem)->cDesc();
  const qmm_tensors_t cTensors = (*problem)->cTensors();
  ASSERT_EQ(qmm_matmul(ctx, &cDesc, &cTensors, nullptr), QMM_OK);
  qmm_status_t cStatus = QMM_ERROR_INTERNAL;
  const uint64_t cAllocations = countAllocations(
      [&] { cStatus = qmm_matmul(ctx, &cDesc, &cTensors, nullptr); });
  EXPECT_EQ(cStatus, QMM_OK) << qmm_last_error();
  std::printf("warm qmm_matmul (C API): %llu host allocations\n",
              (unsigned long long)cAllocations);
  EXPECT_EQ(cAllocations, 0u);
  ASSERT_TRUE(rt::synchronize().ok());
  int64_t unwritten = 0;
  EXPECT_LT(relativeError(**problem, &unwritten), 2e-3);
  EXPECT_EQ(unwritten, 0);
  qmm_destroy(ctx);
}

TEST_F(QmmJitGpuTest, ConcurrentMissesCompileOnce) {
  std::unique_ptr<QmmJit> jit = createJit();
  ASSERT_TRUE(jit);
  auto problem = makeProblem(makeDesc(3, 128, false, false,
                                      format::CheckpointFormat::GptqV2,
                                      DType::BF16, false, 512, 512, 16),
                             rng);
  ASSERT_TRUE(problem.ok()) << problem.message();
  const MatmulTensors tensors = (*problem)->tensors();
  const MatmulDesc desc = (*problem)->desc;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 4; ++i)
        if (!jit->matmul(desc, tensors, nullptr).ok())
          ++failures;
    });
  for (std::thread &thread : threads)
    thread.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(jit->specializations(), 1u);
  EXPECT_EQ(jit->kernelCacheStats().misses, 1u);
  ASSERT_TRUE(rt::synchronize().ok());
  int64_t unwritten = 0;
  EXPECT_LT(relativeError(**problem, &unwritten), 5e-3);
  EXPECT_EQ(unwritten, 0);
}

// Targets (issue 4): one NVRTC compile < 1 s, a cache hit + module load
// < 5 ms. Both are printed; the assertions allow 5x and 10x so a loaded or
// slower machine does not fail the suite — the printed numbers are the
// measurement.
// The decode kernel (M = 1) and the batch kernel (M = 256: on sm_90a the
// wgmma tile, whose 128 accumulators and wgmma pipeline ptxas must
// analyse) each compile in under a second and load from the disk cache in
// under 5 ms (the targets printed; the assertions leave room for a slow
// machine).
TEST_F(QmmJitGpuTest, CompileAndCacheHitTimes) {
  auto info = rt::queryDevice(0);
  ASSERT_TRUE(info.ok());
  auto context = rt::CudaContext::create(0);
  ASSERT_TRUE(context.ok());
  for (int64_t M : {1, 256}) {
    MatmulDesc desc =
        makeDesc(4, 128, false, true, format::CheckpointFormat::GptqV1,
                 DType::F16, false, 4096, 11008, 1);
    desc.M = M;
    auto start = std::chrono::steady_clock::now();
    auto spec = QmmJit::specialize(desc, info->arch());
    const double specializeMs = msSince(start);
    ASSERT_TRUE(spec.ok()) << spec.message();

    rt::CompileOptions options;
    options.arch = info->arch();
    start = std::chrono::steady_clock::now();
    auto compiled = rt::compileCuda(spec->cudaSource, "qmm.cu", options);
    const double compileMs = msSince(start);
    ASSERT_TRUE(compiled.ok()) << compiled.message();

    rt::KernelCache writer(cacheDir.string());
    ASSERT_TRUE(writer.getOrCompile(spec->cudaSource, "qmm.cu", options).ok());
    rt::KernelCache reader(cacheDir.string()); // a fresh process's view
    start = std::chrono::steady_clock::now();
    auto hit = reader.getOrCompile(spec->cudaSource, "qmm.cu", options);
    ASSERT_TRUE(hit.ok()) << hit.message();
    auto module = rt::LoadedModule::load(**hit);
    ASSERT_TRUE(module.ok()) << module.message();
    auto function = module->function(spec->kernelName);
    const double hitMs = msSince(start);
    ASSERT_TRUE(function.ok()) << function.message();
    EXPECT_EQ(reader.stats().diskHits, 1u);
    EXPECT_EQ(reader.stats().misses, 0u);

    std::printf("%s on %s: specialize (MLIR) %.1f ms, NVRTC compile %.0f ms "
                "(target < 1000), cache hit + module load %.2f ms (target < "
                "5)\n",
                spec->kernelName.c_str(), info->arch().c_str(), specializeMs,
                compileMs, hitMs);
    EXPECT_LT(compileMs, 5000.0);
    EXPECT_LT(hitMs, 50.0);
  }
}

/// This executable's path, to start it again as a second process.
std::string selfPath() {
  char path[4096];
  const ssize_t length = ::readlink("/proc/self/exe", path, sizeof(path) - 1);
  return length > 0 ? std::string(path, size_t(length)) : std::string();
}

/// Runs QmmJitChild.DISABLED_ColdStart in a new process with the cache in
/// `cacheDir` and `role` ("first" or "second"); returns its exit status.
int runChild(const std::filesystem::path &cacheDir, const char *role) {
  const std::string self = selfPath();
  std::vector<std::string> environment;
  for (char **variable = environ; *variable; ++variable)
    if (std::strncmp(*variable, "GPTQ_KERNEL_CACHE_DIR=", 22) != 0)
      environment.push_back(*variable);
  environment.push_back("GPTQ_KERNEL_CACHE_DIR=" + cacheDir.string());
  environment.push_back(std::string("GPTQ_JIT_CHILD_ROLE=") + role);
  std::vector<char *> envp;
  for (std::string &variable : environment)
    envp.push_back(variable.data());
  envp.push_back(nullptr);
  std::string filter = "--gtest_filter=QmmJitChild.DISABLED_ColdStart";
  std::string disabled = "--gtest_also_run_disabled_tests";
  char *argv[] = {const_cast<char *>(self.c_str()), filter.data(),
                  disabled.data(), nullptr};
  std::fflush(stdout);
  pid_t pid = 0;
  if (::posix_spawn(&pid, self.c_str(), nullptr, nullptr, argv, envp.data()) !=
      0)
    return -1;
  int status = 0;
  if (::waitpid(pid, &status, 0) != pid)
    return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST_F(QmmJitGpuTest, SecondProcessHitsTheDiskCache) {
  // Each child is a fresh process: no in-memory table, no KernelCache
  // memory. The first compiles and writes the disk cache; the second must
  // find every kernel there (it asserts zero NVRTC compilations).
  ASSERT_EQ(runChild(cacheDir, "first"), 0);
  ASSERT_EQ(runChild(cacheDir, "second"), 0);
}

// Started by SecondProcessHitsTheDiskCache only (disabled otherwise).
TEST(QmmJitChild, DISABLED_ColdStart) {
  const char *role = std::getenv("GPTQ_JIT_CHILD_ROLE");
  ASSERT_NE(role, nullptr) << "run through SecondProcessHitsTheDiskCache";
  const auto processStart = std::chrono::steady_clock::now();
  // Default options: the cache directory comes from GPTQ_KERNEL_CACHE_DIR.
  auto jit = QmmJit::create();
  ASSERT_TRUE(jit.ok()) << jit.message();
  std::mt19937 rng(7);
  auto problem = makeProblem(makeDesc(4, 128, false, true,
                                      format::CheckpointFormat::GptqV1,
                                      DType::F16, false, 4096, 4096, 1),
                             rng);
  ASSERT_TRUE(problem.ok()) << problem.message();
  const auto start = std::chrono::steady_clock::now();
  Status status =
      (*jit)->matmul((*problem)->desc, (*problem)->tensors(), nullptr);
  const double firstCallMs = msSince(start);
  ASSERT_TRUE(status.ok()) << status.message();
  ASSERT_TRUE(rt::synchronize().ok());
  int64_t unwritten = 0;
  EXPECT_LT(relativeError(**problem, &unwritten), 2e-3);
  EXPECT_EQ(unwritten, 0);

  const rt::KernelCache::Stats stats = (*jit)->kernelCacheStats();
  std::printf("%s process: cache %s, NVRTC compilations %llu, disk hits %llu, "
              "first matmul %.1f ms (specialize + cache + load), process "
              "work %.1f ms\n",
              role, (*jit)->kernelCacheDirectory().c_str(),
              (unsigned long long)stats.misses,
              (unsigned long long)stats.diskHits, firstCallMs,
              msSince(processStart));
  EXPECT_EQ(stats.misses + stats.diskHits, 1u);
  if (std::string(role) == "first")
    EXPECT_EQ(stats.misses, 1u) << "the cache directory was not empty";
  else {
    EXPECT_EQ(stats.misses, 0u) << "the second process compiled with NVRTC";
    EXPECT_GE(stats.diskHits, 1u);
  }
}

} // namespace
