//===- CudaDriver.h - The CUDA driver API, loaded at run time ---*- C++ -*-===//
//
// The runtime talks to the GPU through the driver API, but it loads
// libcuda.so.1 with dlopen instead of linking it: every binary of the project
// (gptq-opt, the tests, the tools) must start on machines without a GPU driver,
// where GPU work is then reported as unavailable rather than the loader
// refusing to run the program. Every driver error becomes a Status whose
// message names the call and the driver's own error name and text.
//
//===----------------------------------------------------------------------===//

#ifndef GPTQ_RUNTIME_CUDADRIVER_H
#define GPTQ_RUNTIME_CUDADRIVER_H

#include "gptq/Support/Status.h"

#include <cuda.h>

#include <string>

namespace gptq::rt {

/// The driver entry points the runtime uses, resolved once from libcuda.so.1.
struct DriverApi {
#define GPTQ_DRIVER_FUNCTION(name) decltype(&::name) name = nullptr;
#include "gptq/Runtime/DriverFunctions.def"
};

/// Loads libcuda.so.1 and calls cuInit(0) once per process. Fails with the
/// loader's or the driver's reason when there is no usable driver.
Expected<const DriverApi *> driverApi();

/// True when a driver is loaded and at least one CUDA device is present;
/// otherwise false with the reason in `whyNot` (if given).
bool cudaDeviceAvailable(std::string *whyNot = nullptr);

/// Turns a driver result into a Status naming the call, e.g.
/// "cuModuleLoadData: CUDA_ERROR_INVALID_PTX (a PTX JIT compilation failed)".
Status checkCu(CUresult result, const char *call);

/// An L2 access-policy window for one launch: the kernel's accesses to
/// [base, base + bytes) are marked streaming, so L2 evicts those lines
/// before any other (for data read once, such as a matmul's weights). No
/// window where `bytes` is 0. `bytes` must not exceed the device's
/// DeviceInfo::maxAccessPolicyWindowBytes.
struct StreamingWindow {
  CUdeviceptr base = 0;
  size_t bytes = 0;
};

/// cuLaunchKernel; with `overlapPrevious` or a `streaming` window,
/// cuLaunchKernelEx with those launch attributes. `overlapPrevious` asks for
/// programmatic stream serialization (sm_90+): the kernel may start before
/// the previous kernel on `stream` completes, and must not read that
/// kernel's output before qmm::wait_for_prior_grids() (runtime/device/qmm/
/// types.cuh; every qmm kernel does so before reading x).
CUresult launchKernel(const DriverApi &cu, CUfunction function, unsigned gridX,
                      unsigned gridY, unsigned gridZ, unsigned blockX,
                      unsigned sharedBytes, CUstream stream, void **args,
                      bool overlapPrevious = false,
                      StreamingWindow streaming = {});

/// The driver call launchKernel makes for these options
/// ("cuLaunchKernelEx" where it passes launch attributes, else
/// "cuLaunchKernel"), for checkCu's messages.
const char *launchKernelCall(bool overlapPrevious, StreamingWindow streaming);

/// What the runtime needs to know about a device to specialize for it.
struct DeviceInfo {
  int ordinal = 0;
  std::string name;
  int computeMajor = 0, computeMinor = 0;
  int multiprocessors = 0;
  /// cuDriverGetVersion, e.g. 13000.
  int driverVersion = 0;
  int maxSharedBytesPerBlockOptin = 0;
  size_t totalMemoryBytes = 0;
  /// The largest L2 access-policy window a launch may give
  /// (StreamingWindow); 0 where the device has none (before sm_80).
  size_t maxAccessPolicyWindowBytes = 0;

  /// The NVRTC target for this device: "sm_90a" on Hopper (so wgmma and
  /// setmaxnreg are available), "sm_<major><minor>" elsewhere.
  std::string arch() const;
};

Expected<DeviceInfo> queryDevice(int ordinal);

} // namespace gptq::rt

#endif // GPTQ_RUNTIME_CUDADRIVER_H
