//===- CudaCheck.h - CUDA/cuBLAS errors as Status, owned allocations -----===//
//
// Shared by the whole-model forward and the one-layer forward so that both
// report failures the same way and free their device memory the same way.
// Internal to GPTQModelCuda.
//
//===----------------------------------------------------------------------===//

#ifndef GPTQ_LIB_MODEL_CUDA_CUDACHECK_H
#define GPTQ_LIB_MODEL_CUDA_CUDACHECK_H

#include "gptq/Support/Status.h"

#include <cublas_v2.h>
#include <cuda_runtime_api.h>

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <vector>

namespace gptq::model::cuda {

inline Status cudaStatus(cudaError_t error, const char *call) {
  if (error == cudaSuccess)
    return Status::success();
  return Status::error(fmt::format("{}: {} ({})", call, cudaGetErrorName(error),
                                   cudaGetErrorString(error)));
}

inline Status cublasStatus(cublasStatus_t status, const char *call) {
  if (status == CUBLAS_STATUS_SUCCESS)
    return Status::success();
  return Status::error(
      fmt::format("{}: {}", call, cublasGetStatusString(status)));
}

/// Device buffers freed together when the owner goes away.
class DeviceAllocations {
public:
  DeviceAllocations() = default;
  DeviceAllocations(const DeviceAllocations &) = delete;
  DeviceAllocations &operator=(const DeviceAllocations &) = delete;
  ~DeviceAllocations() {
    for (void *pointer : pointers_)
      cudaFree(pointer);
  }

  /// `count` elements of T (at least one, so a zero-sized tensor still has
  /// a distinct address).
  template <typename T> Expected<T *> allocate(int64_t count) {
    void *pointer = nullptr;
    cudaError_t error =
        cudaMalloc(&pointer, size_t(std::max<int64_t>(count, 1)) * sizeof(T));
    if (error != cudaSuccess)
      return cudaStatus(error, "cudaMalloc")
          .withContext(fmt::format("allocating {} bytes", count * sizeof(T)));
    pointers_.push_back(pointer);
    return static_cast<T *>(pointer);
  }

private:
  std::vector<void *> pointers_;
};

} // namespace gptq::model::cuda

#define CUDA_TRY(call)                                                         \
  GPTQ_RETURN_IF_ERROR(::gptq::model::cuda::cudaStatus((call), #call))
#define CUBLAS_TRY(call)                                                       \
  GPTQ_RETURN_IF_ERROR(::gptq::model::cuda::cublasStatus((call), #call))

#endif // GPTQ_LIB_MODEL_CUDA_CUDACHECK_H
