//===- CudaStatus.h - CUDA, cuBLAS and cuSOLVER errors as Status -*- C++
//-*-===//
//
// Internal to GPTQQuantCuda. Every runtime or library call goes through one
// of these macros, so that a failure becomes a Status naming the call and
// the library's own error string instead of an abort or a silent sticky
// error that surfaces in some later, unrelated call.
//
//===----------------------------------------------------------------------===//

#ifndef GPTQ_LIB_QUANTCUDA_CUDASTATUS_H
#define GPTQ_LIB_QUANTCUDA_CUDASTATUS_H

#include "gptq/Support/Status.h"

#include <cublas_v2.h>
#include <cuda_runtime.h>
#include <cusolverDn.h>

#include <string>

namespace gptq::quant::detail {

inline Status cudaStatus(cudaError_t error, const char *call) {
  if (error == cudaSuccess)
    return Status::success();
  return Status::error(std::string(call) +
                       " failed: " + cudaGetErrorName(error) + " (" +
                       cudaGetErrorString(error) + ")");
}

inline Status cublasStatus(cublasStatus_t status, const char *call) {
  if (status == CUBLAS_STATUS_SUCCESS)
    return Status::success();
  return Status::error(std::string(call) +
                       " failed: " + cublasGetStatusName(status) + " (" +
                       cublasGetStatusString(status) + ")");
}

inline Status cusolverStatus(cusolverStatus_t status, const char *call) {
  if (status == CUSOLVER_STATUS_SUCCESS)
    return Status::success();
  return Status::error(std::string(call) + " failed: cusolverStatus_t " +
                       std::to_string(int(status)));
}

} // namespace gptq::quant::detail

#define GPTQ_CUDA(call)                                                        \
  GPTQ_RETURN_IF_ERROR(::gptq::quant::detail::cudaStatus((call), #call))
#define GPTQ_CUBLAS(call)                                                      \
  GPTQ_RETURN_IF_ERROR(::gptq::quant::detail::cublasStatus((call), #call))
#define GPTQ_CUSOLVER(call)                                                    \
  GPTQ_RETURN_IF_ERROR(::gptq::quant::detail::cusolverStatus((call), #call))
/// After a kernel launch: launch-configuration errors show up here.
#define GPTQ_CUDA_LAUNCH(what)                                                 \
  GPTQ_RETURN_IF_ERROR(                                                        \
      ::gptq::quant::detail::cudaStatus(cudaGetLastError(), what))

#endif // GPTQ_LIB_QUANTCUDA_CUDASTATUS_H
