//===- CudaHessian.cu - GPTQ's running-average Hessian on a GPU -----------===//
//
// FORMAT.md §2 with cuBLAS: per batch, H ← decay · H + Xᵀ X where decay =
// n / (n + b) and X = sqrt(2 / (n + b)) · inputs. The rescale rides on the
// syrk/GEMM's beta, so each batch is one conversion kernel plus one cuBLAS
// call. The factors are computed in double and applied in float, as in
// HessianAccumulator, so the two agree to fp32 summation-order noise.
//
// The Fp32 path computes only the lower triangle (column-major), i.e. the
// row-major upper one, and hessian() mirrors it, so the result is exactly
// symmetric like the CPU accumulator's.
//
//===----------------------------------------------------------------------===//

#include "gptq/QuantCuda/CudaSolver.h"

#include "CudaStatus.h"
#include "DeviceArray.h"

#include <cuda_fp16.h>

#include <cmath>

#include <fmt/format.h>

namespace gptq::quant {

using namespace detail;

namespace {

__global__ void scaleToFloatKernel(const __half *x, float *out, int64_t count,
                                   float scale) {
  for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < count;
       i += int64_t(gridDim.x) * blockDim.x)
    out[i] = __fmul_rn(scale, __half2float(x[i]));
}

} // namespace

struct CudaHessian::Impl {
  int device = 0;
  cublasHandle_t blas = nullptr;
  DeviceArray<float> hessian;
  DeviceArray<float> scaled;    // Fp32: the batch as scaled floats
  DeviceArray<uint16_t> staged; // addBatch: the host batch on the device

  ~Impl() {
    if (blas) {
      cudaSetDevice(device);
      cublasDestroy(blas);
    }
  }
};

CudaHessian::CudaHessian(int64_t K, Math math, std::unique_ptr<Impl> impl)
    : K_(K), math_(math), impl_(std::move(impl)) {}

CudaHessian::~CudaHessian() = default;

Expected<std::unique_ptr<CudaHessian>>
CudaHessian::create(int64_t K, int device, Math math) {
  if (K <= 0 || K > (int64_t(1) << 30) / 2)
    return Status::error(fmt::format("Hessian size K = {} out of range", K));
  std::string whyNot;
  if (!cudaSolverAvailable(&whyNot))
    return Status::error(whyNot);
  auto impl = std::make_unique<Impl>();
  impl->device = device;
  GPTQ_CUDA(cudaSetDevice(device));
  GPTQ_RETURN_IF_ERROR(impl->hessian.reserve(size_t(K * K), "the Hessian"));
  GPTQ_CUDA(cudaMemset(impl->hessian.get(), 0, K * K * sizeof(float)));
  GPTQ_CUBLAS(cublasCreate(&impl->blas));
  // Legacy default stream: callers order their own work and events on it.
  GPTQ_CUBLAS(cublasSetStream(impl->blas, nullptr));
  GPTQ_CUBLAS(cublasSetMathMode(impl->blas, CUBLAS_DEFAULT_MATH));
  return std::unique_ptr<CudaHessian>(
      new CudaHessian(K, math, std::move(impl)));
}

Status CudaHessian::addBatch(const uint16_t *x, int64_t batch,
                             int64_t tokensPerSequence) {
  if (batch <= 0)
    return Status::success();
  size_t count = size_t(batch * tokensPerSequence * K_);
  GPTQ_CUDA(cudaSetDevice(impl_->device));
  GPTQ_RETURN_IF_ERROR(impl_->staged.reserve(count, "a calibration batch"));
  GPTQ_CUDA(cudaMemcpy(impl_->staged.get(), x, count * sizeof(uint16_t),
                       cudaMemcpyHostToDevice));
  return addBatchDevice(impl_->staged.get(), batch, tokensPerSequence);
}

Status CudaHessian::addBatchDevice(const void *deviceX, int64_t batch,
                                   int64_t tokensPerSequence) {
  if (batch <= 0)
    return Status::success();
  const int64_t tokens = batch * tokensPerSequence;
  if (tokens <= 0 || tokens > (int64_t(1) << 31) - 1)
    return Status::error(
        fmt::format("a batch of {} tokens is out of range", tokens));
  GPTQ_CUDA(cudaSetDevice(impl_->device));
  float decay = float(double(numSamples_) / double(numSamples_ + batch));
  int64_t samples = numSamples_ + batch;
  const int n = int(K_), k = int(tokens);
  const __half *x = static_cast<const __half *>(deviceX);
  if (math_ == Math::Fp32) {
    float scale = float(std::sqrt(2.0 / double(samples)));
    size_t count = size_t(tokens * K_);
    GPTQ_RETURN_IF_ERROR(impl_->scaled.reserve(count, "the scaled batch"));
    unsigned grid = unsigned(std::min<int64_t>((count + 255) / 256, 1 << 20));
    scaleToFloatKernel<<<grid, 256>>>(x, impl_->scaled.get(), int64_t(count),
                                      scale);
    GPTQ_CUDA_LAUNCH("scaleToFloatKernel");
    // Column-major, the batch is K × tokens; C = X Xᵀ is H's lower triangle.
    const float one = 1.0f;
    GPTQ_CUBLAS(cublasSsyrk(impl_->blas, CUBLAS_FILL_MODE_LOWER, CUBLAS_OP_N, n,
                            k, &one, impl_->scaled.get(), n, &decay,
                            impl_->hessian.get(), n));
  } else {
    float alpha = float(2.0 / double(samples));
    GPTQ_CUBLAS(cublasGemmEx(impl_->blas, CUBLAS_OP_N, CUBLAS_OP_T, n, n, k,
                             &alpha, x, CUDA_R_16F, n, x, CUDA_R_16F, n, &decay,
                             impl_->hessian.get(), CUDA_R_32F, n,
                             CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT));
  }
  numSamples_ = samples;
  return Status::success();
}

Expected<std::vector<float>> CudaHessian::hessian() const {
  GPTQ_CUDA(cudaSetDevice(impl_->device));
  std::vector<float> raw(size_t(K_ * K_));
  GPTQ_CUDA(cudaMemcpy(raw.data(), impl_->hessian.get(),
                       raw.size() * sizeof(float), cudaMemcpyDeviceToHost));
  // Column-major lower = row-major upper: mirror it downwards.
  for (int64_t r = 0; r < K_; ++r)
    for (int64_t c = 0; c < r; ++c)
      raw[r * K_ + c] = raw[c * K_ + r];
  return raw;
}

const float *CudaHessian::deviceData() const { return impl_->hessian.get(); }

Expected<std::vector<float>>
accumulateHessianCuda(const uint16_t *x, int64_t calls,
                      int64_t sequencesPerCall, int64_t tokensPerSequence,
                      int64_t K, int device, CudaHessian::Math math) {
  Expected<std::unique_ptr<CudaHessian>> hessian =
      CudaHessian::create(K, device, math);
  if (!hessian)
    return hessian.status();
  const int64_t perCall = sequencesPerCall * tokensPerSequence * K;
  for (int64_t call = 0; call < calls; ++call)
    GPTQ_RETURN_IF_ERROR((*hessian)->addBatch(
        x + call * perCall, sequencesPerCall, tokensPerSequence));
  return (*hessian)->hessian();
}

} // namespace gptq::quant
