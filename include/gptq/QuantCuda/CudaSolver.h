//===- CudaSolver.h - GPTQ solver and Hessian on a CUDA device --*- C++ -*-===//
//
// The GPU twin of the CPU reference solver (createCpuSolver): same
// GptqSolver interface, same GptqResult layout, same arithmetic order in the
// column loop, so codes agree with the CPU bit for bit except where a value
// sits within float noise of a rounding tie (the trailing block update is a
// cuBLAS sgemm whose summation order differs from the CPU's).
//
// Why a GPU solver at all: the reference (AutoGPTQ) spends seconds per layer
// in a per-column Python loop of tiny kernel launches. Here the whole solve
// stays on the device: one double-precision Cholesky of the reversed H and
// one triangular inverse (cuSOLVER, cuBLAS) for U, then per block of 128
// columns one kernel that runs the block's columns sequentially with 8
// threads per weight row (rows are independent given U), and sgemms for the
// trailing update. On an H100: 10 ms for a 4096×4096 layer, 88 ms for
// 28672×8192 (bench/solver). The host only sorts diag(H) once for act-order
// and reads the factorization status.
//
// The Hessian accumulator follows FORMAT.md §2 with cuBLAS syrk (fp32, as the
// reference) or, optionally, an fp16 tensor-core GEMM with fp32 accumulation.
//
// Nothing here exposes CUDA types, so callers need no CUDA headers.
//
//===----------------------------------------------------------------------===//

#ifndef GPTQ_QUANTCUDA_CUDASOLVER_H
#define GPTQ_QUANTCUDA_CUDASOLVER_H

#include "gptq/Quant/GptqSolver.h"
#include "gptq/Support/Status.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace gptq::quant {

/// True when a CUDA device can be used; otherwise `whyNot` (if given) says
/// why, starting with "No CUDA device" when none is present.
bool cudaSolverAvailable(std::string *whyNot = nullptr);

/// Where the last solve's time went, from CUDA events on the solver's
/// stream (milliseconds). `deviceMs()` excludes the host<->device copies and
/// host-side input validation: it is what a caller whose tensors already live
/// on the GPU (as in AutoGPTQ's fasterquant) would pay.
struct CudaSolveTimings {
  double uploadMs = 0;  ///< W and H to the device
  double prepareMs = 0; ///< row/static params, dead columns, permutation
  double factorMs = 0;  ///< damping, Cholesky, inverse, Cholesky (+retries)
  /// The last attempt's parts of factorMs: fp64 potrf of the reversed H,
  /// the triangular inverse of its factor, and U from it (pivot checks,
  /// reversal, fp32).
  double choleskyMs = 0, inverseMs = 0, upperMs = 0;
  double columnLoopMs = 0; ///< block kernels and trailing sgemms
  double finishMs = 0;     ///< undoing the permutation
  double downloadMs = 0;   ///< results back to the host
  double wallMs = 0;       ///< the whole solve() call, host work included
  double deviceMs() const {
    return prepareMs + factorMs + columnLoopMs + finishMs;
  }
};

class CudaGptqSolver : public GptqSolver {
public:
  /// Timings of the last successful solve.
  virtual const CudaSolveTimings &lastTimings() const = 0;
};

/// A solver bound to CUDA device `device`. Creating it touches no device;
/// the first solve does, and reports a missing device as an error Status.
/// Block sizes above 128 (GptqOptions::blockSize) are rejected: the column
/// kernel holds a block and U's diagonal block in shared memory.
std::unique_ptr<CudaGptqSolver> createCudaGptqSolver(int device = 0);
std::unique_ptr<GptqSolver> createCudaSolver(int device = 0);

/// H = (2 / n) Σ x xᵀ over calibration batches of fp16 activations, as a
/// running average exactly like HessianAccumulator (FORMAT.md §2), on the
/// device. The K×K fp32 matrix stays on the device until hessian().
class CudaHessian {
public:
  enum class Math {
    /// Inputs scaled by sqrt(2/n) and converted to fp32, then cublasSsyrk in
    /// plain fp32 (no TF32): the reference's arithmetic.
    Fp32,
    /// cublasGemmEx on the raw fp16 inputs with fp32 accumulation on tensor
    /// cores, scaled by 2/n afterwards: products of fp16 values are exact in
    /// fp32, so this differs from Fp32 by rounding only, at ~10x the speed.
    Fp16TensorCores,
  };

  static Expected<std::unique_ptr<CudaHessian>>
  create(int64_t K, int device = 0, Math math = Math::Fp32);
  ~CudaHessian();
  CudaHessian(const CudaHessian &) = delete;
  CudaHessian &operator=(const CudaHessian &) = delete;

  /// Adds `batch` sequences of `tokensPerSequence` tokens; `x` holds
  /// batch · tokensPerSequence rows of K fp16 values (raw bits), on the host.
  Status addBatch(const uint16_t *x, int64_t batch, int64_t tokensPerSequence);
  /// The same with `deviceX` already in device memory (ordered on the legacy
  /// default stream, like everything this class launches).
  Status addBatchDevice(const void *deviceX, int64_t batch,
                        int64_t tokensPerSequence);

  /// The K×K Hessian, row-major, exactly symmetric (waits for the device).
  Expected<std::vector<float>> hessian() const;
  /// The device copy (K×K fp32, only its row-major upper triangle, i.e.
  /// the column-major lower triangle, is valid); for benchmarks.
  const float *deviceData() const;
  int64_t numSamples() const { return numSamples_; }
  int64_t columns() const { return K_; }

private:
  struct Impl;
  CudaHessian(int64_t K, Math math, std::unique_ptr<Impl> impl);
  int64_t K_;
  Math math_;
  int64_t numSamples_ = 0;
  std::unique_ptr<Impl> impl_;
};

/// One-shot helper: the Hessian of `calls` batches, each of
/// `sequencesPerCall` sequences of `tokensPerSequence` tokens of K fp16
/// values (host, consecutive).
Expected<std::vector<float>>
accumulateHessianCuda(const uint16_t *x, int64_t calls,
                      int64_t sequencesPerCall, int64_t tokensPerSequence,
                      int64_t K, int device = 0,
                      CudaHessian::Math math = CudaHessian::Math::Fp32);

} // namespace gptq::quant

#endif // GPTQ_QUANTCUDA_CUDASOLVER_H
