//===- DeviceArray.h - Owning device allocations ----------------*- C++ -*-===//
//
// Internal to GPTQQuantCuda. Device buffers that free themselves, so that
// every early `return status` path of a solve leaves no allocation behind,
// and that only grow, so that repeated solves of one layer shape (the
// benchmark, or a model's identical layers) allocate once.
//
//===----------------------------------------------------------------------===//

#ifndef GPTQ_LIB_QUANTCUDA_DEVICEARRAY_H
#define GPTQ_LIB_QUANTCUDA_DEVICEARRAY_H

#include "CudaStatus.h"

#include <cstddef>
#include <string>
#include <utility>

namespace gptq::quant::detail {

template <typename T> class DeviceArray {
public:
  DeviceArray() = default;
  ~DeviceArray() { release(); }
  DeviceArray(const DeviceArray &) = delete;
  DeviceArray &operator=(const DeviceArray &) = delete;
  DeviceArray(DeviceArray &&other) noexcept
      : data_(std::exchange(other.data_, nullptr)),
        capacity_(std::exchange(other.capacity_, 0)) {}

  /// Makes room for at least `count` elements (contents are not kept).
  Status reserve(size_t count, const char *what) {
    if (count <= capacity_)
      return Status::success();
    release();
    void *pointer = nullptr;
    cudaError_t error = cudaMalloc(&pointer, count * sizeof(T));
    if (error != cudaSuccess)
      return Status::error(std::string("cudaMalloc of ") +
                           std::to_string(count * sizeof(T)) + " bytes for " +
                           what + " failed: " + cudaGetErrorString(error));
    data_ = static_cast<T *>(pointer);
    capacity_ = count;
    return Status::success();
  }

  void release() {
    if (data_)
      cudaFree(data_);
    data_ = nullptr;
    capacity_ = 0;
  }

  T *get() const { return data_; }

private:
  T *data_ = nullptr;
  size_t capacity_ = 0;
};

} // namespace gptq::quant::detail

#endif // GPTQ_LIB_QUANTCUDA_DEVICEARRAY_H
