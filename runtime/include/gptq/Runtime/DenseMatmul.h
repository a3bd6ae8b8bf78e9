//===- DenseMatmul.h - Large batches: dequantize, then cuBLAS ---*- C++ -*-===//
//
// From 256 rows up a dequant-matmul is compute bound, and on the H100 the
// generated mma.sync tiles reach a third of cuBLAS fp16 there (docs/PERF.md).
// The dense path dequantizes the weight in column chunks into a workspace
// (runtime/device/qmm/dequantize.cuh, exactly the reference's values) and
// hands each chunk to cublasGemmEx: at M = 1024 2.3-2.8x faster than the
// tiles, at M = 4096 about 3x (0.9x of cuBLAS on the fp16 weight). It serves
// act-order weights at the plain weights' speed: the dequantizer reads the
// group of each channel, or scatters a regrouped weight's rows back into
// the input's order.
//
// cuBLAS is loaded with dlopen, like the driver: the runtime's binaries
// start where it is missing, and the path is then reported unavailable.
//
//===----------------------------------------------------------------------===//

#ifndef GPTQ_RUNTIME_DENSEMATMUL_H
#define GPTQ_RUNTIME_DENSEMATMUL_H

#include "gptq/Runtime/CudaDriver.h"
#include "gptq/Runtime/KernelCache.h"
#include "gptq/Runtime/Module.h"
#include "gptq/Runtime/QmmLaunch.h"

#include <cublas_v2.h>
#include <cuda.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace gptq::rt {

/// The cuBLAS entry points the dense path uses. cublasApi() resolves them
/// from libcublas.so.13 (or .12); a program that links cuBLAS itself may
/// fill one with its own functions instead.
struct CublasApi {
  decltype(&::cublasCreate_v2) create = nullptr;
  decltype(&::cublasDestroy_v2) destroy = nullptr;
  decltype(&::cublasSetStream_v2) setStream = nullptr;
  // cublasGemmEx has a C++ overload (cudaDataType compute types): the
  // C entry point's type is spelled out.
  using GemmEx = cublasStatus_t (*)(cublasHandle_t, cublasOperation_t,
                                    cublasOperation_t, int, int, int,
                                    const void *, const void *, cudaDataType,
                                    int, const void *, cudaDataType, int,
                                    const void *, void *, cudaDataType, int,
                                    cublasComputeType_t, cublasGemmAlgo_t);
  GemmEx gemmEx = nullptr;
};

/// Loads cuBLAS once per process; fails with the loader's reason.
Expected<const CublasApi *> cublasApi();

/// Rows from which the dense path may be the faster one (densePreferred):
/// act-order weights take it from kDenseMinRows, the others from
/// kDenseRows; below, the generated tiles always win (M = 64 on the H100:
/// 0.39-0.65x of cuBLAS fp16 against 0.88-1.53x).
constexpr int64_t kDenseMinRows = 256;
constexpr int64_t kDenseRows = 512;
/// Where the large-batch tiles are the TMA-fed warpgroup tiles (tmaTiles
/// below) they stay ahead of the dense path to 2048 rows. Measured on the
/// H100 (2026-11-27 17:47-17:53 UTC): qmm-bench at M = 1024 0.80-0.87x of
/// cuBLAS fp16 against the dense path's 0.63-0.74x on all eight PEERS.md
/// shapes, at 4096 0.76-0.84x against 0.85-1.03x; `gptq-run bench`
/// (Llama-2-7B config, batch 1, two rounds) prefill of 512 tokens 13,779-
/// 13,822 tok/s on the tiles against 12,044-12,075 dense, of 1024 9,220-
/// 9,341 against 8,988-9,012, of 2048 5,577-5,581 against 5,569-5,574.
constexpr int64_t kDenseRowsTma = 2048;

/// Whether a layout's large-batch default tiles are the wgmma_tma ones
/// (autotune/DefaultConfigs.cpp: sm_90a, 4 bits, no act-order, K and the
/// group size multiples of 128, or one group over such a K).
constexpr bool tmaTiles(bool sm90a, int bits, bool actOrder, int64_t K,
                        int64_t groupSize) {
  return sm90a && bits == 4 && !actOrder && K % 128 == 0 &&
         (groupSize <= 0 || groupSize % 128 == 0);
}

/// Whether an M-row matmul runs faster as dequantize + cuBLAS than on the
/// generated tiles. Measured on the H100 (qmm-bench and gptq-tune,
/// 2026-11-26 afternoon, after the pipelined kernel's natural-order loop
/// and 2-way split at 256 rows): at M = 1024 the dense path wins on all
/// eight PEERS.md shapes (1.4-1.7x); at M = 256 the tiles win on all eight
/// (docs/PERF.md). Between 256 and 1024 rows nothing was measured: the
/// switch is at kDenseRows. Act-order weights take it from kDenseMinRows
/// rows (it needs no x gather, and the model's linears that share one
/// gather then agree).
/// With `tma` (tmaTiles), from kDenseRowsTma rows instead.
constexpr bool densePreferred(int64_t M, bool actOrder, bool tma = false) {
  return M >= (actOrder ? kDenseMinRows : tma ? kDenseRowsTma : kDenseRows);
}

/// The workspace a chunk may take by default: 96 MiB (the whole weight of
/// every 7B linear; 96 MiB chunks measured 5-25% faster than 24 MiB ones
/// at M = 256-1024).
constexpr size_t kDenseChunkBudgetBytes = size_t(96) << 20;

/// Output columns per chunk for `workspaceBytes` of 16-bit values: a
/// multiple of 32, at most N; 0 when not even 32 columns fit.
int64_t denseChunkColumns(int64_t K, int64_t N, size_t workspaceBytes);

/// The workspace the dense path wants for a K x N weight: one chunk of at
/// most kDenseChunkBudgetBytes (at least 32 columns).
size_t denseWorkspaceBytes(int64_t K, int64_t N);

/// The dequantizer for a bit width, zero storage (gptq_v2 stores zeros as
/// they are; gptq v1 stores zero - 1) and activation type: the name of its
/// kernel (the bias broadcast is the name + "_bias") and an NVRTC source
/// that defines both.
std::string dequantizeKernelName(int bits, bool zerosAsIs, bool bf16);
std::string dequantizeKernelSource(int bits, bool zerosAsIs, bool bf16);

/// y = x · W (+ bias) for one matmul, by chunks of denseChunkColumns(K, N,
/// workspaceBytes) columns: dequantize the chunk into `workspace`, then
/// cublasGemmEx (fp32 accumulation) into y's columns of the chunk. With a
/// bias, y's chunk is first filled with it and the GEMM adds (beta = 1).
struct DenseMatmulArgs {
  /// x, the packed weight, its scales and zeros, bias (0: none), y, and
  /// as gIdx the group of each input channel (act-order; 0: channel k /
  /// groupSize).
  QmmOperands operands;
  /// Input channel of each weight channel (a regrouped act-order weight);
  /// 0: the identity.
  CUdeviceptr perm = 0;
  CUdeviceptr workspace = 0;
  size_t workspaceBytes = 0;
  int64_t M = 0, K = 0, N = 0;
  int bits = 4;
  /// Channels per group (K for a layout with group size -1).
  int64_t groupSize = 0;
  bool bf16 = false;
};

/// The loaded kernels of one dequantizer (dequantizeKernelName).
struct DequantizeFunctions {
  CUfunction dequantize = nullptr;
  CUfunction bias = nullptr;
};

/// A dequantizer compiled (through `cache`, with `options`) and loaded.
/// `compileFailed`, if given, tells a failed NVRTC compile from a failed
/// load.
struct LoadedDequantizer {
  LoadedModule module;
  DequantizeFunctions functions;
};
Expected<LoadedDequantizer> loadDequantizer(KernelCache &cache,
                                            const CompileOptions &options,
                                            int bits, bool zerosAsIs, bool bf16,
                                            bool *compileFailed = nullptr);

/// The dequantizers of every (bits, zero storage, type), each loaded on
/// first use; a lookup after that allocates nothing. Not thread-safe: the
/// owner serializes calls.
class DequantizerTable {
public:
  Expected<DequantizeFunctions> get(KernelCache &cache,
                                    const CompileOptions &options, int bits,
                                    bool zerosAsIs, bool bf16,
                                    bool *compileFailed = nullptr);

private:
  std::array<std::optional<LoadedDequantizer>, 16> slots_;
};

/// Enqueues the dense matmul on `stream` (the cuBLAS handle is set to it).
/// The caller keeps the handle to itself for the call (cuBLAS handles are
/// not safe to share between threads that set streams).
Status denseMatmul(const DriverApi &cu, const CublasApi &cublas,
                   cublasHandle_t handle, const DequantizeFunctions &kernels,
                   const DenseMatmulArgs &args, CUstream stream);

} // namespace gptq::rt

#endif // GPTQ_RUNTIME_DENSEMATMUL_H
