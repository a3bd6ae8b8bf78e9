//===- qmm-bench.cpp - generated qmm kernels beside cuBLAS fp16 -----------===//
//
// For the PEERS.md shapes and M in {1, 16, 64, 256, 1024, 4096}: our
// generated 4-bit kernel (compiled by NVRTC through the runtime's cache),
// cuBLAS fp16 on the same shape with the weight in nn.Linear layout, the
// device-to-device copy bandwidth and the memory floor at the weight's bit
// width, all measured in the same run; then 2-, 3- and 8-bit weights for
// decode (M = 1 and 16), regrouped act-order 4-bit weights at M = 1 and
// 16, and from M = 64 the dense path (rt/DenseMatmul.h: dequantize in
// chunks + cuBLAS, which the JIT takes from 256 rows). For experiments,
// QMM_BENCH_ROWS=1,16 keeps only those M and QMM_BENCH_NVRTC_OPTIONS adds
// NVRTC options (e.g. -DNAME=1, or the timing switches of
// runtime/device/qmm/ablate.cuh) to the kernels' compilation. Times are medians
// of CUDA-event timings with the L2 flushed before every repetition; inputs are
// random, never zeros. Each row also checks our output against cuBLAS on the
// dequantized weight.
//
//===----------------------------------------------------------------------===//

#include "common/BenchTiming.h"
#include "gptq/Runtime/CudaDriver.h"
#include "gptq/Runtime/DenseMatmul.h"
#include "gptq/Runtime/KernelCache.h"
#include "gptq/Runtime/Module.h"
#include "gptq/Runtime/QmmLaunch.h"
#include "gptq/Support/Half.h"
#include "gptq/Support/XorShift.h"

#include <cublas_v2.h>
#include <cuda_runtime.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>
#include <vector>

using namespace gptq;

namespace {

#define CHECK_CUDA(expr)                                                       \
  do {                                                                         \
    cudaError_t error_ = (expr);                                               \
    if (error_ != cudaSuccess) {                                               \
      std::fprintf(stderr, "qmm-bench: %s failed: %s\n", #expr,                \
                   cudaGetErrorString(error_));                                \
      std::exit(1);                                                            \
    }                                                                          \
  } while (false)

#define CHECK_CUBLAS(expr)                                                     \
  do {                                                                         \
    cublasStatus_t status_ = (expr);                                           \
    if (status_ != CUBLAS_STATUS_SUCCESS) {                                    \
      std::fprintf(stderr, "qmm-bench: %s failed: status %d\n", #expr,         \
                   int(status_));                                              \
      std::exit(1);                                                            \
    }                                                                          \
  } while (false)

template <typename T> T check(Expected<T> value, const char *what) {
  if (!value) {
    std::fprintf(stderr, "qmm-bench: %s: %s\n", what, value.message().c_str());
    std::exit(1);
  }
  return value.take();
}

void check(const Status &status, const char *what) {
  if (!status.ok()) {
    std::fprintf(stderr, "qmm-bench: %s: %s\n", what, status.message().c_str());
    std::exit(1);
  }
}

std::string readFile(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "qmm-bench: cannot read %s\n", path.c_str());
    std::exit(1);
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

using Random = gptq::XorShift64Star;

struct Shape {
  const char *name;
  int64_t K, N;
};

} // namespace

int main(int argc, char **argv) {
  std::string whyNot;
  if (!rt::cudaDeviceAvailable(&whyNot)) {
    std::fprintf(stderr, "qmm-bench: no CUDA device: %s\n", whyNot.c_str());
    return 1;
  }
  const std::string sourcePath = argc > 1 ? argv[1] : GPTQ_BENCH_KERNELS_CU;
  const std::string manifestPath = argc > 2 ? argv[2] : GPTQ_BENCH_KERNELS_JSON;

  auto context = check(rt::CudaContext::create(0), "CUDA context");
  const rt::DeviceInfo info = context->info();
  CHECK_CUDA(cudaSetDevice(0));

  // Compile (or load from the disk cache) the generated kernels.
  const std::string source = readFile(sourcePath);
  nlohmann::json manifest = nlohmann::json::parse(readFile(manifestPath));
  rt::KernelCache cache;
  rt::CompileOptions options;
  options.arch = info.arch();
  // Experiments: extra NVRTC options (e.g. -DNAME=VALUE) from the
  // environment, space separated; QMM_BENCH_ROWS limits the M values.
  if (const char *extra = std::getenv("QMM_BENCH_NVRTC_OPTIONS")) {
    std::istringstream words(extra);
    for (std::string word; words >> word;)
      options.extraOptions.push_back(word);
  }
  std::vector<int64_t> onlyRows;
  if (const char *rows = std::getenv("QMM_BENCH_ROWS")) {
    std::istringstream list(rows);
    for (std::string item; std::getline(list, item, ',');)
      onlyRows.push_back(std::stoll(item));
  }
  auto compileStart = std::chrono::steady_clock::now();
  auto compiled = check(cache.getOrCompile(source, "qmm-bench.cu", options),
                        "compiling the bench kernels");
  double compileSeconds = std::chrono::duration<double>(
                              std::chrono::steady_clock::now() - compileStart)
                              .count();
  auto module = check(rt::LoadedModule::load(*compiled), "loading kernels");
  std::map<std::string, nlohmann::json> kernels;
  for (const auto &kernel : manifest.at("kernels"))
    kernels[kernel.at("name")] = kernel;
  std::map<std::string, std::string> kernelOfFunction;
  for (const auto &matmul : manifest.at("matmuls"))
    kernelOfFunction[matmul.at("function")] = matmul.at("kernel");

  // The x gather that runs a regrouped act-order weight on the plain
  // kernels (what the JIT does), compiled on its own.
  auto gatherCompiled =
      check(cache.getOrCompile("#include \"qmm/gather_columns.cuh\"\n",
                               "qmm_gather_columns.cu", options),
            "compiling qmm_gather_columns");
  auto gatherModule =
      check(rt::LoadedModule::load(*gatherCompiled), "loading the gather");
  rt::KernelFunction gatherFunction =
      check(gatherModule.function("qmm_gather_columns"), "the gather kernel");

  // The large-batch path (rt/DenseMatmul.h), as the JIT runs it: the
  // weight dequantized in column chunks, then cuBLAS.
  rt::LoadedDequantizer dequantizer =
      check(rt::loadDequantizer(cache, options, 4, false, false),
            "loading the dequantizer");
  const rt::DequantizeFunctions &dequantFunctions = dequantizer.functions;
  const rt::CublasApi *cublasApi = check(rt::cublasApi(), "loading cuBLAS");
  const rt::DriverApi *driver = check(rt::driverApi(), "the CUDA driver");

  cublasHandle_t cublas;
  CHECK_CUBLAS(cublasCreate(&cublas));

  // L2 flush buffer (well above the 50 MB L2) and the copy ceiling.
  const size_t flushBytes = size_t(256) << 20;
  void *flush;
  CHECK_CUDA(cudaMalloc(&flush, flushBytes));
  const double copyBytesPerUs = bench::copyCeilingBytesPerUs(flush, flushBytes);

  std::printf("# qmm-bench: %s (%s, %d SMs), driver %d\n", info.name.c_str(),
              info.arch().c_str(), info.multiprocessors, info.driverVersion);
  std::printf("# copy ceiling %.2f TB/s (read + write); NVRTC compile of %zu "
              "kernels %.2f s (%s)\n",
              copyBytesPerUs / 1e6, kernels.size(), compileSeconds,
              cache.stats().misses ? "compiled" : "disk cache hit");
  if (!options.extraOptions.empty()) {
    std::string joined;
    for (const std::string &option : options.extraOptions)
      joined += " " + option;
    std::printf("# extra NVRTC options:%s\n", joined.c_str());
  }
  std::printf("# group 128, asymmetric, fp16; times are medians in "
              "microseconds, L2 flushed; floor = (packed weights + scales and "
              "zeros + x + y) / copy ceiling\n\n");
  std::printf(
      "| shape (K×N) | bits | M | kernel | ours µs | cuBLAS fp16 µs | ours ÷ "
      "fp16 speedup | floor µs | floor ÷ ours | rel.err vs cuBLAS |\n");
  std::printf("|---|---|---|---|---|---|---|---|---|---|\n");

  const Shape shapes[] = {
      {"7B.qkv", 4096, 12288},     {"7B.o", 4096, 4096},
      {"7B.gateup", 4096, 22016},  {"7B.down", 11008, 4096},
      {"70B.qkv", 8192, 10240},    {"70B.o", 8192, 8192},
      {"70B.gateup", 8192, 57344}, {"70B.down", 28672, 8192}};
  Random random{0x9e3779b97f4a7c15ull};
  for (const Shape &shape : shapes) {
    for (int bits : {4, 2, 3, 8}) {
      const int64_t K = shape.K, N = shape.N, groups = K / 128;
      // Random packed codes and zero points, positive fp16 scales.
      std::vector<uint32_t> qweight(K * bits / 32 * N),
          qzeros(groups * N * bits / 32);
      for (auto &word : qweight)
        word = uint32_t(random.next());
      for (auto &word : qzeros)
        word = uint32_t(random.next());
      std::vector<uint16_t> scales(groups * N);
      for (auto &scale : scales)
        scale = floatToHalf(0.001f + 0.01f * random.uniform());
      // The same weight dequantized, in nn.Linear layout [N][K], for cuBLAS.
      std::vector<uint16_t> linearWeight(N * K);
      {
        std::vector<std::thread> workers;
        unsigned count = std::max(1u, std::thread::hardware_concurrency());
        for (unsigned w = 0; w < count; ++w)
          workers.emplace_back([&, w] {
            // Both tensors are little-endian bit streams of `bits`-bit values
            // over 32-bit words: down each column of qweight (word rows N
            // apart), along each row of qzeros; 3-bit values may straddle.
            const uint32_t mask = (1u << bits) - 1u;
            auto field = [&](const uint32_t *words, int64_t stride,
                             int64_t index) {
              const int64_t bit = index * bits;
              uint64_t value = words[(bit >> 5) * stride];
              if ((bit & 31) + bits > 32)
                value |= uint64_t(words[((bit >> 5) + 1) * stride]) << 32;
              return int((value >> (bit & 31)) & mask);
            };
            for (int64_t n = w; n < N; n += count)
              for (int64_t k = 0; k < K; ++k) {
                const int64_t group = k / 128;
                int code = field(qweight.data() + n, N, k);
                int zero =
                    field(qzeros.data() + group * N * bits / 32, 1, n) + 1;
                float scale = halfToFloat(scales[group * N + n]);
                linearWeight[n * K + k] = floatToHalf(scale * (code - zero));
              }
          });
        for (auto &worker : workers)
          worker.join();
      }
      void *dQweight, *dQzeros, *dScales, *dWeight;
      CHECK_CUDA(cudaMalloc(&dQweight, qweight.size() * 4));
      CHECK_CUDA(cudaMalloc(&dQzeros, qzeros.size() * 4));
      CHECK_CUDA(cudaMalloc(&dScales, scales.size() * 2));
      CHECK_CUDA(cudaMalloc(&dWeight, linearWeight.size() * 2));
      CHECK_CUDA(cudaMemcpy(dQweight, qweight.data(), qweight.size() * 4,
                            cudaMemcpyHostToDevice));
      CHECK_CUDA(cudaMemcpy(dQzeros, qzeros.data(), qzeros.size() * 4,
                            cudaMemcpyHostToDevice));
      CHECK_CUDA(cudaMemcpy(dScales, scales.data(), scales.size() * 2,
                            cudaMemcpyHostToDevice));
      CHECK_CUDA(cudaMemcpy(dWeight, linearWeight.data(),
                            linearWeight.size() * 2, cudaMemcpyHostToDevice));

      const std::vector<int64_t> rowCounts =
          bits == 4 ? std::vector<int64_t>{1, 16, 64, 256, 1024, 4096}
                    : std::vector<int64_t>{1, 16};
      // Rows: (M, act-order variant). At 4 bits, decode and M = 16 also
      // run a regrouped act-order weight (this weight read as the regrouped
      // one, with a random permutation; cuBLAS gets x gathered on the
      // host) three ways: the reordered kernel, which gathers x per value
      // inside the matmul; qmm_gather_columns then the plain kernel (both
      // timed together); and the same with the matmul launched as a
      // programmatic dependent of the gather, as the JIT runs it on sm_90+.
      enum class ActOrder {
        None,
        InKernelGather,
        GatherThenPlain,
        GatherOverlapped,
        Dense
      };
      std::vector<std::pair<int64_t, ActOrder>> rows;
      for (int64_t M : rowCounts) {
        if (!onlyRows.empty() &&
            std::find(onlyRows.begin(), onlyRows.end(), M) == onlyRows.end())
          continue;
        rows.push_back({M, ActOrder::None});
        if (bits == 4 && M >= 64)
          rows.push_back({M, ActOrder::Dense});
        if (bits == 4 && M <= 16) {
          rows.push_back({M, ActOrder::InKernelGather});
          rows.push_back({M, ActOrder::GatherThenPlain});
          rows.push_back({M, ActOrder::GatherOverlapped});
        }
      }
      for (auto [M, actOrder] : rows) {
        const bool dense = actOrder == ActOrder::Dense;
        const bool gathers = actOrder == ActOrder::GatherThenPlain ||
                             actOrder == ActOrder::GatherOverlapped;
        const bool regrouped = actOrder == ActOrder::InKernelGather || gathers;
        const bool inKernel = actOrder == ActOrder::InKernelGather;
        std::string function = std::string("llama") + shape.name +
                               (bits == 4 ? "" : "_w" + std::to_string(bits)) +
                               (inKernel ? "_reord" : "") + "_m" +
                               std::to_string(M);
        std::replace(function.begin(), function.end(), '.', '_');
        const nlohmann::json &kernel =
            kernels.at(kernelOfFunction.at(function));
        // The runtime overlaps only kernels the manifest marks early_start
        // with the gather (jit::LaunchGeometry::earlyStart): no such row
        // for the others.
        if (actOrder == ActOrder::GatherOverlapped &&
            !kernel.value("early_start", false))
          continue;
        rt::KernelFunction entry =
            check(module.function(kernel.at("name")), "kernel");
        // wgmma tiles past 48 KB take their buffers dynamically: opted in
        // here, so that the timed launches make no attribute call.
        const unsigned sharedBytes = kernel.value("dynamic_shared_bytes", 0u);
        check(rt::allowDynamicShared(entry, sharedBytes),
              "opting in to dynamic shared memory");

        std::vector<uint16_t> x(M * K);
        for (auto &value : x)
          value = floatToHalf(2.0f * random.uniform() - 1.0f);
        // Regrouped: channel k of the weight is input channel perm[k].
        std::vector<int32_t> perm;
        std::vector<uint16_t> xGathered = x;
        if (regrouped) {
          perm.resize(K);
          for (int64_t k = 0; k < K; ++k)
            perm[k] = int32_t(k);
          for (int64_t k = K - 1; k > 0; --k)
            std::swap(perm[k], perm[random.next() % uint64_t(k + 1)]);
          for (int64_t m = 0; m < M; ++m)
            for (int64_t k = 0; k < K; ++k)
              xGathered[m * K + k] = x[m * K + perm[k]];
        }
        void *dX, *dXReference, *dPerm = nullptr, *dGathered = nullptr, *dY,
                                *dYReference;
        CHECK_CUDA(cudaMalloc(&dX, x.size() * 2));
        CHECK_CUDA(cudaMalloc(&dXReference, x.size() * 2));
        CHECK_CUDA(cudaMalloc(&dY, M * N * 2));
        CHECK_CUDA(cudaMalloc(&dYReference, M * N * 2));
        CHECK_CUDA(
            cudaMemcpy(dX, x.data(), x.size() * 2, cudaMemcpyHostToDevice));
        CHECK_CUDA(cudaMemcpy(dXReference, xGathered.data(),
                              xGathered.size() * 2, cudaMemcpyHostToDevice));
        if (regrouped) {
          CHECK_CUDA(cudaMalloc(&dPerm, perm.size() * 4));
          CHECK_CUDA(cudaMemcpy(dPerm, perm.data(), perm.size() * 4,
                                cudaMemcpyHostToDevice));
          CHECK_CUDA(cudaMalloc(&dGathered, x.size() * 2));
        }
        CHECK_CUDA(cudaMemset(dY, 0xff, M * N * 2));

        CUdeviceptr pX = CUdeviceptr(dX), pPerm = CUdeviceptr(dPerm),
                    pGathered = CUdeviceptr(dGathered);
        int rowCount = int(M);
        // The reordered kernel takes the permutation in its g_idx slot.
        rt::QmmOperands operands;
        operands.x = gathers ? pGathered : pX;
        operands.qweight = CUdeviceptr(dQweight);
        operands.qzeros = CUdeviceptr(dQzeros);
        operands.scales = CUdeviceptr(dScales);
        operands.gIdx = inKernel ? pPerm : 0;
        operands.y = CUdeviceptr(dY);
        const std::string kernelName = kernel.at("name");
        const rt::QmmParamList params =
            check(rt::QmmParamList::fromRoles(
                      kernel.at("params").get<std::vector<std::string>>(),
                      kernelName),
                  "kernel parameters");
        // wgmma_tma kernels take tensor maps of x and the weights.
        const rt::QmmMapShape maps{K,
                                   N,
                                   kernel.at("group_size").get<int64_t>(),
                                   kernel.at("block_m").get<int64_t>(),
                                   kernel.at("block_n").get<int64_t>(),
                                   /*bf16=*/false,
                                   kernel.at("block_k").get<int64_t>()};
        rt::QmmArgs args;
        if (Status bound =
                args.bind(params, operands, rowCount, kernelName, maps);
            !bound.ok()) {
          std::fprintf(stderr, "qmm-bench: %s\n", bound.message().c_str());
          return 1;
        }
        int gatherCols = int(K);
        void *gatherArgs[] = {&pX, &pPerm, &pGathered, &rowCount, &gatherCols};
        const rt::Dim3 gatherGrid{unsigned((M * K + 255) / 256), 1, 1};
        const rt::Dim3 grid = rt::qmmGrid(
            N, M, kernel.at("block_n").get<unsigned>(),
            kernel.at("block_m").get<unsigned>(), kernel.value("split_k", 1u));
        rt::Dim3 block{unsigned(kernel.at("threads").get<int>()), 1, 1};
        // Dense path: the workspace QmmJit::workspaceBytes asks for.
        void *dWorkspace = nullptr;
        rt::DenseMatmulArgs denseArgs;
        if (dense) {
          denseArgs.workspaceBytes = rt::denseWorkspaceBytes(K, N);
          CHECK_CUDA(cudaMalloc(&dWorkspace, denseArgs.workspaceBytes));
          // The dense path reads x ungathered (no act-order rows here).
          denseArgs.operands = operands;
          denseArgs.workspace = CUdeviceptr(dWorkspace);
          denseArgs.M = M;
          denseArgs.K = K;
          denseArgs.N = N;
          denseArgs.bits = bits;
          denseArgs.groupSize = 128;
        }
        auto runOurs = [&] {
          if (dense) {
            Status status =
                rt::denseMatmul(*driver, *cublasApi, cublas, dequantFunctions,
                                denseArgs, nullptr);
            if (!status.ok()) {
              std::fprintf(stderr, "qmm-bench: %s\n", status.message().c_str());
              std::exit(1);
            }
            return;
          }
          if (gathers) {
            Status gathered = rt::launch(gatherFunction, gatherGrid, {256}, 0,
                                         nullptr, gatherArgs);
            if (!gathered.ok()) {
              std::fprintf(stderr, "qmm-bench: %s\n",
                           gathered.message().c_str());
              std::exit(1);
            }
          }
          // Overlapped: the matmul starts before the gather completes
          // (programmatic dependent launch, as the JIT does on sm_90+).
          // The L2 window the JIT gives the weights (rt::qmmWeightWindow).
          Status status =
              rt::launch(entry, grid, block, sharedBytes, nullptr, args.data(),
                         actOrder == ActOrder::GatherOverlapped,
                         rt::qmmWeightWindow(operands.qweight, K, N, bits,
                                             info.maxAccessPolicyWindowBytes));
          if (!status.ok()) {
            std::fprintf(stderr, "qmm-bench: %s\n", status.message().c_str());
            std::exit(1);
          }
        };
        const float alpha32 = 1.0f, beta32 = 0.0f;
        auto runCublas = [&] {
          // y[M][N] = x[M][K] · Wᵀ with W [N][K] row-major: column-major
          // yᵀ (N x M) = W (op T of a K x N column-major) · xᵀ (K x M).
          CHECK_CUBLAS(cublasGemmEx(
              cublas, CUBLAS_OP_T, CUBLAS_OP_N, int(N), int(M), int(K),
              &alpha32, dWeight, CUDA_R_16F, int(K), dXReference, CUDA_R_16F,
              int(K), &beta32, dYReference, CUDA_R_16F, int(N),
              CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT));
        };
        double oursUs = bench::medianMicroseconds(runOurs, flush, flushBytes);
        double cublasUs =
            bench::medianMicroseconds(runCublas, flush, flushBytes);

        std::vector<uint16_t> y(M * N), reference(M * N);
        CHECK_CUDA(
            cudaMemcpy(y.data(), dY, y.size() * 2, cudaMemcpyDeviceToHost));
        CHECK_CUDA(cudaMemcpy(reference.data(), dYReference,
                              reference.size() * 2, cudaMemcpyDeviceToHost));
        double errorSquared = 0, referenceSquared = 0;
        for (size_t i = 0; i < y.size(); ++i) {
          double a = halfToFloat(y[i]), b = halfToFloat(reference[i]);
          errorSquared += (a - b) * (a - b);
          referenceSquared += b * b;
        }
        const double relative = std::sqrt(errorSquared / referenceSquared);

        const double bytes = K * N * bits / 8.0 +
                             groups * N * (2.0 + bits / 8.0) + M * K * 2.0 +
                             M * N * 2.0;
        const double floorUs = bytes / copyBytesPerUs;
        std::string strategy = kernel.at("strategy").get<std::string>();
        if (const int splitK = kernel.value("split_k", 1); splitK > 1)
          strategy += " split-K " + std::to_string(splitK);
        if (inKernel)
          strategy += ", act-order regrouped, x gathered in the kernel";
        if (actOrder == ActOrder::GatherThenPlain)
          strategy += ", act-order regrouped, gather + plain kernel";
        if (actOrder == ActOrder::GatherOverlapped)
          strategy += ", act-order regrouped, gather + plain kernel "
                      "overlapped (PDL)";
        if (dense) {
          const int64_t chunk =
              rt::denseChunkColumns(K, N, denseArgs.workspaceBytes);
          strategy = chunk < N ? fmt::format("dense: dequantize + cuBLAS, {} "
                                             "chunks of {} columns",
                                             (N + chunk - 1) / chunk, chunk)
                               : "dense: dequantize + cuBLAS";
        }
        std::printf(
            "| %s (%lld×%lld) | %d | %lld | %s | %.1f | %.1f | %.2f× | %.1f | "
            "%.0f%% | %.1e |\n",
            shape.name, (long long)K, (long long)N, bits, (long long)M,
            strategy.c_str(), oursUs, cublasUs, cublasUs / oursUs, floorUs,
            100.0 * floorUs / oursUs, relative);
        std::fflush(stdout);
        if (dWorkspace)
          CHECK_CUDA(cudaFree(dWorkspace));
        CHECK_CUDA(cudaFree(dX));
        CHECK_CUDA(cudaFree(dXReference));
        if (dPerm)
          CHECK_CUDA(cudaFree(dPerm));
        if (dGathered)
          CHECK_CUDA(cudaFree(dGathered));
        CHECK_CUDA(cudaFree(dY));
        CHECK_CUDA(cudaFree(dYReference));
      }
      CHECK_CUDA(cudaFree(dQweight));
      CHECK_CUDA(cudaFree(dQzeros));
      CHECK_CUDA(cudaFree(dScales));
      CHECK_CUDA(cudaFree(dWeight));
    }
  }
  CHECK_CUBLAS(cublasDestroy(cublas));
  CHECK_CUDA(cudaFree(flush));
  return 0;
}
