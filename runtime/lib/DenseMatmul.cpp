//===- DenseMatmul.cpp - Dequantized chunks through cuBLAS ----------------===//

#include "gptq/Runtime/DenseMatmul.h"

#include <fmt/format.h>

#include <dlfcn.h>

#include <algorithm>
#include <cstdlib>
#include <vector>

namespace gptq::rt {
namespace {

Expected<const CublasApi *> loadCublas() {
  static CublasApi api;
  void *library = nullptr;
  std::string reasons;
  // The sonames first (the loader's search path, or a cuBLAS this process
  // already links), then the toolkit's usual home.
  std::vector<std::string> candidates = {"libcublas.so.13", "libcublas.so.12"};
  for (const char *root : std::initializer_list<const char *>{
           std::getenv("CUDA_HOME"), std::getenv("CUDA_PATH"),
           static_cast<const char *>("/usr/local/cuda")})
    if (root && *root)
      candidates.push_back(std::string(root) + "/lib64/libcublas.so.13");
  for (const std::string &name : candidates) {
    library = dlopen(name.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (library)
      break;
    const char *reason = dlerror();
    reasons += fmt::format("{}{}: {}", reasons.empty() ? "" : "; ", name,
                           reason ? reason : "unknown reason");
  }
  if (!library)
    return Status::error("cannot load cuBLAS: " + reasons);
  auto resolve = [&](auto &slot, const char *symbol) {
    slot = reinterpret_cast<std::remove_reference_t<decltype(slot)>>(
        dlsym(library, symbol));
    return slot != nullptr;
  };
  if (!resolve(api.create, "cublasCreate_v2") ||
      !resolve(api.destroy, "cublasDestroy_v2") ||
      !resolve(api.setStream, "cublasSetStream_v2") ||
      !resolve(api.gemmEx, "cublasGemmEx"))
    return Status::error("the loaded cuBLAS lacks cublasCreate_v2, "
                         "cublasDestroy_v2, cublasSetStream_v2 or "
                         "cublasGemmEx");
  return static_cast<const CublasApi *>(&api);
}

Status checkCublas(cublasStatus_t status, const char *call) {
  if (status == CUBLAS_STATUS_SUCCESS)
    return Status::success();
  return Status::error(fmt::format("{} failed with cuBLAS status {}", call,
                                   static_cast<int>(status)));
}

} // namespace

Expected<const CublasApi *> cublasApi() {
  static const Expected<const CublasApi *> loaded = loadCublas();
  return loaded;
}

int64_t denseChunkColumns(int64_t K, int64_t N, size_t workspaceBytes) {
  if (K <= 0 || N <= 0)
    return 0;
  const int64_t fit = int64_t(workspaceBytes / (2 * size_t(K))) / 32 * 32;
  return std::min(N, fit);
}

size_t denseWorkspaceBytes(int64_t K, int64_t N) {
  const int64_t columns =
      std::max<int64_t>(32, denseChunkColumns(K, N, kDenseChunkBudgetBytes));
  return 2 * size_t(K) * size_t(std::min(N, columns));
}

std::string dequantizeKernelName(int bits, bool zerosAsIs, bool bf16) {
  return fmt::format("qmm_dequantize_b{}_z{}_{}", bits, zerosAsIs ? 0 : 1,
                     bf16 ? "bf16" : "f16");
}

std::string dequantizeKernelSource(int bits, bool zerosAsIs, bool bf16) {
  return fmt::format("#include \"qmm/dequantize.cuh\"\n"
                     "QMM_DEQUANTIZE_KERNELS({}, {}, {}, {})\n",
                     dequantizeKernelName(bits, zerosAsIs, bf16), bits,
                     zerosAsIs ? "AsIs" : "MinusOne",
                     bf16 ? "__nv_bfloat16" : "__half");
}

Expected<LoadedDequantizer> loadDequantizer(KernelCache &cache,
                                            const CompileOptions &options,
                                            int bits, bool zerosAsIs, bool bf16,
                                            bool *compileFailed) {
  if (compileFailed)
    *compileFailed = false;
  const std::string name = dequantizeKernelName(bits, zerosAsIs, bf16);
  auto compiled = cache.getOrCompile(
      dequantizeKernelSource(bits, zerosAsIs, bf16), name + ".cu", options);
  if (!compiled) {
    if (compileFailed)
      *compileFailed = true;
    return compiled.status().withContext("the dequantizer");
  }
  Expected<LoadedModule> module = LoadedModule::load(**compiled);
  if (!module)
    return module.status().withContext("the dequantizer");
  Expected<KernelFunction> kernel = module->function(name);
  if (!kernel)
    return kernel.status();
  Expected<KernelFunction> bias = module->function(name + "_bias");
  if (!bias)
    return bias.status();
  LoadedDequantizer loaded{module.take(), {}};
  loaded.functions.dequantize = kernel->handle;
  loaded.functions.bias = bias->handle;
  return loaded;
}

Expected<DequantizeFunctions>
DequantizerTable::get(KernelCache &cache, const CompileOptions &options,
                      int bits, bool zerosAsIs, bool bf16,
                      bool *compileFailed) {
  if (compileFailed)
    *compileFailed = false;
  if (bits != 2 && bits != 3 && bits != 4 && bits != 8)
    return Status::error(
        fmt::format("dequantizer: bits = {} is not 2, 3, 4 or 8", bits));
  const int bitsIndex = bits == 2 ? 0 : bits == 3 ? 1 : bits == 4 ? 2 : 3;
  std::optional<LoadedDequantizer> &slot =
      slots_[size_t(bitsIndex * 4 + zerosAsIs * 2 + bf16)];
  if (!slot) {
    Expected<LoadedDequantizer> loaded =
        loadDequantizer(cache, options, bits, zerosAsIs, bf16, compileFailed);
    if (!loaded)
      return loaded.status();
    slot.emplace(loaded.take());
  }
  return slot->functions;
}

Status denseMatmul(const DriverApi &cu, const CublasApi &cublas,
                   cublasHandle_t handle, const DequantizeFunctions &kernels,
                   const DenseMatmulArgs &args, CUstream stream) {
  const int64_t chunk = denseChunkColumns(args.K, args.N, args.workspaceBytes);
  if (chunk <= 0)
    return Status::error(fmt::format(
        "dense matmul: a workspace of {} bytes holds no 32-column chunk of "
        "a K = {} weight ({} bytes needed)",
        args.workspaceBytes, args.K, 2 * 32 * args.K));
  if (args.bits != 2 && args.bits != 3 && args.bits != 4 && args.bits != 8)
    return Status::error(
        fmt::format("dense matmul: bits = {} is not 2, 3, 4 or 8", args.bits));
  if (args.groupSize <= 0 || args.groupSize % 32 != 0)
    return Status::error(fmt::format(
        "dense matmul: group size {} is not a positive multiple of 32",
        args.groupSize));
  GPTQ_RETURN_IF_ERROR(checkCublas(
      cublas.setStream(handle, reinterpret_cast<cudaStream_t>(stream)),
      "cublasSetStream"));
  const cudaDataType type = args.bf16 ? CUDA_R_16BF : CUDA_R_16F;
  constexpr unsigned kThreads = 256;
  for (int64_t n0 = 0; n0 < args.N; n0 += chunk) {
    const int64_t cols = std::min(chunk, args.N - n0);
    // Dequantize: one thread per 8 columns of one packed unit (a word of
    // 32 / bits values; 3 bits: three words of 32).
    CUdeviceptr qweight = args.operands.qweight, qzeros = args.operands.qzeros,
                scales = args.operands.scales, gIdx = args.operands.gIdx,
                perm = args.perm, workspace = args.workspace;
    int K = int(args.K), N = int(args.N), groupSize = int(args.groupSize),
        n0Arg = int(n0), colsArg = int(cols);
    void *dequantArgs[] = {&qweight,   &qzeros,    &scales, &gIdx,
                           &perm,      &workspace, &K,      &N,
                           &groupSize, &n0Arg,     &colsArg};
    const int64_t units =
        args.bits == 3 ? args.K / 32 : args.K * args.bits / 32;
    const int64_t items = units * (cols / 8);
    CUresult launched = cu.cuLaunchKernel(
        kernels.dequantize, unsigned((items + kThreads - 1) / kThreads), 1, 1,
        kThreads, 1, 1, 0, stream, dequantArgs, nullptr);
    GPTQ_RETURN_IF_ERROR(checkCu(launched, "cuLaunchKernel (dequantize)"));

    CUdeviceptr y = args.operands.y + CUdeviceptr(2 * n0);
    float beta = 0.0f;
    if (args.operands.bias) {
      CUdeviceptr bias = args.operands.bias + CUdeviceptr(2 * n0);
      int rows = int(args.M), ld = int(args.N);
      void *biasArgs[] = {&bias, &y, &rows, &colsArg, &ld};
      const int64_t values = args.M * cols;
      launched = cu.cuLaunchKernel(
          kernels.bias, unsigned((values + kThreads - 1) / kThreads), 1, 1,
          kThreads, 1, 1, 0, stream, biasArgs, nullptr);
      GPTQ_RETURN_IF_ERROR(checkCu(launched, "cuLaunchKernel (bias)"));
      beta = 1.0f;
    }
    // Row-major y[M][N] = x[M][K] · Wc[K][cols] is, column-major,
    // yᵀ (cols x M, ld N) = Wcᵀ (cols x K, ld cols) · xᵀ (K x M, ld K).
    const float alpha = 1.0f;
    GPTQ_RETURN_IF_ERROR(checkCublas(
        cublas.gemmEx(handle, CUBLAS_OP_N, CUBLAS_OP_N, colsArg, int(args.M), K,
                      &alpha, reinterpret_cast<const void *>(workspace), type,
                      colsArg, reinterpret_cast<const void *>(args.operands.x),
                      type, K, &beta, reinterpret_cast<void *>(y), type, N,
                      CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT),
        "cublasGemmEx"));
  }
  return Status::success();
}

} // namespace gptq::rt
