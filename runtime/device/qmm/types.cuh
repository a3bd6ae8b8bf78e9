// types.cuh - scalar types and conversions shared by the qmm building blocks.
//
// Emitted kernels are compiled by NVRTC, which has no C++ standard library
// on its include path, so the fixed-width integers come from here.
#pragma once

#include <cuda_bf16.h>
#include <cuda_fp16.h>

#if defined(__CUDACC_RTC__)
typedef unsigned int uint32_t;
typedef int int32_t;
typedef long long int64_t;
typedef unsigned long long uint64_t;
#else
#include <cstdint>
#endif

namespace qmm {

__device__ __forceinline__ float to_float(__half value) {
  return __half2float(value);
}
__device__ __forceinline__ float to_float(__nv_bfloat16 value) {
  return __bfloat162float(value);
}

template <typename T> __device__ __forceinline__ T from_float(float value);
template <> __device__ __forceinline__ __half from_float<__half>(float value) {
  return __float2half_rn(value);
}
template <>
__device__ __forceinline__ __nv_bfloat16
from_float<__nv_bfloat16>(float value) {
  return __float2bfloat16_rn(value);
}

/// Two floats rounded to T and packed into one 32-bit word (low half first),
/// the layout of a half2 / bfloat162 store.
template <typename T>
__device__ __forceinline__ uint32_t pack2(float lo, float hi);
template <>
__device__ __forceinline__ uint32_t pack2<__half>(float lo, float hi) {
  __half2 pair = __floats2half2_rn(lo, hi);
  return *reinterpret_cast<uint32_t *>(&pair);
}
template <>
__device__ __forceinline__ uint32_t pack2<__nv_bfloat16>(float lo, float hi) {
  __nv_bfloat162 pair = __floats2bfloat162_rn(lo, hi);
  return *reinterpret_cast<uint32_t *>(&pair);
}

/// Programmatic dependent launch (sm_90 and newer). A kernel launched with
/// the programmatic-serialization attribute may start while the kernel
/// before it on the stream still runs; wait_for_prior_grids() then blocks
/// until that kernel has completed and its writes are visible. Without the
/// attribute it returns at once, and before sm_90 it compiles to nothing.
/// The qmm kernels call it before their first read of x (the stream kernel
/// after issuing its first weight loads), so a launcher may overlap them
/// with the kernel that writes x, e.g. the act-order gather.
__device__ __forceinline__ void wait_for_prior_grids() {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
  asm volatile("griddepcontrol.wait;\n" ::: "memory");
#endif
}

/// Lets the dependent kernel (launched with the attribute) start now; it
/// still waits in wait_for_prior_grids() for this kernel's writes.
__device__ __forceinline__ void allow_dependent_grids() {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
  asm volatile("griddepcontrol.launch_dependents;\n" ::: "memory");
#endif
}

} // namespace qmm
