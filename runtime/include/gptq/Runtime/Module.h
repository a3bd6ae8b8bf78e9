//===- Module.h - Contexts, device memory, modules and launches -*- C++ -*-===//
//
// A thin RAII layer over the driver API: just enough to load what NVRTC
// produced and launch it, with every failure a Status. The runtime uses the
// device's primary context, the one the CUDA runtime API (cuBLAS, PyTorch)
// also uses, so buffers and streams can be shared with them.
//
//===----------------------------------------------------------------------===//

#ifndef GPTQ_RUNTIME_MODULE_H
#define GPTQ_RUNTIME_MODULE_H

#include "gptq/Runtime/CudaDriver.h"
#include "gptq/Runtime/Nvrtc.h"

#include <memory>
#include <string>

namespace gptq::rt {

/// The primary context of one device, made current on the calling thread.
class CudaContext {
public:
  static Expected<std::unique_ptr<CudaContext>> create(int ordinal = 0);
  ~CudaContext();
  CudaContext(const CudaContext &) = delete;
  CudaContext &operator=(const CudaContext &) = delete;

  const DeviceInfo &info() const { return info_; }
  CUcontext handle() const { return context_; }
  /// Makes this context current on the calling thread.
  Status makeCurrent() const;

private:
  CudaContext() = default;
  DeviceInfo info_;
  CUdevice device_ = 0;
  CUcontext context_ = nullptr;
};

/// Device memory owned by one object; moves, never copies.
class DeviceBuffer {
public:
  static Expected<DeviceBuffer> create(size_t bytes);
  DeviceBuffer() = default;
  DeviceBuffer(DeviceBuffer &&other) noexcept;
  DeviceBuffer &operator=(DeviceBuffer &&other) noexcept;
  ~DeviceBuffer();

  CUdeviceptr ptr() const { return ptr_; }
  size_t size() const { return bytes_; }

  /// Copies `bytes` (at most size()) from host memory to the buffer start.
  Status copyFromHost(const void *data, size_t bytes);
  Status copyToHost(void *data, size_t bytes) const;
  /// Sets every byte, e.g. 0xff to poison fp16 outputs with NaN.
  Status fillBytes(unsigned char value);

private:
  CUdeviceptr ptr_ = 0;
  size_t bytes_ = 0;
};

/// A kernel of a loaded module.
struct KernelFunction {
  CUfunction handle = nullptr;
  std::string name;
  /// Dynamic shared memory above 48 KiB this function was opted in to
  /// (allowDynamicShared); launch() needs no attribute call up to it.
  unsigned dynamicSharedAllowed = 0;
};

/// A module loaded from a CompileResult (the cubin if there is one, else the
/// PTX, which the driver then compiles).
class LoadedModule {
public:
  static Expected<LoadedModule> load(const CompileResult &compiled);
  LoadedModule() = default;
  LoadedModule(LoadedModule &&other) noexcept;
  LoadedModule &operator=(LoadedModule &&other) noexcept;
  ~LoadedModule();

  /// The extern "C" kernel called `name`; the error lists what exists.
  Expected<KernelFunction> function(const std::string &name) const;

private:
  CUmodule module_ = nullptr;
  std::vector<std::string> kernelNames_;
};

struct Dim3 {
  unsigned x = 1, y = 1, z = 1;
};

/// Opts `function` in to `sharedBytes` of dynamic shared memory where that
/// is above the 48 KiB every kernel may have (nothing otherwise) and records
/// it in the function. Launchers do this once when they load the function:
/// those that call launchKernel directly (the JIT's warm path) must, and
/// launch() then makes no attribute call.
Status allowDynamicShared(KernelFunction &function, unsigned sharedBytes);

/// Launches `function`; `args` points to one pointer per kernel parameter.
/// Dynamic shared memory above 48 KiB and above what the function was
/// opted in to (allowDynamicShared) is opted into first, at the cost of a
/// driver call on every such launch. With
/// `overlapPrevious` the kernel may start before the previous one on
/// `stream` completes, and with a `streaming` window its accesses there are
/// the first L2 evicts (launchKernel in CudaDriver.h; block.y and .z must
/// be 1).
Status launch(const KernelFunction &function, Dim3 grid, Dim3 block,
              unsigned sharedBytes, CUstream stream, void **args,
              bool overlapPrevious = false, StreamingWindow streaming = {});

/// Waits for all work on the current context; reports asynchronous faults.
Status synchronize();

} // namespace gptq::rt

#endif // GPTQ_RUNTIME_MODULE_H
