//===- CudaDriver.cpp - Loading libcuda.so.1 and querying devices ---------===//
//
// The driver is loaded lazily, once, under a function-local static: loading
// and cuInit are not free, and tools that only compile (gptq-opt) never need
// them.
//
//===----------------------------------------------------------------------===//

#include "gptq/Runtime/CudaDriver.h"

#include <algorithm>

#include <fmt/format.h>

#include <dlfcn.h>

namespace gptq::rt {
namespace {

#define GPTQ_STRINGIFY_IMPL(x) #x
#define GPTQ_STRINGIFY(x) GPTQ_STRINGIFY_IMPL(x)

Expected<const DriverApi *> loadDriver() {
  static DriverApi api;
  void *library = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!library) {
    const char *reason = dlerror();
    return Status::error(
        fmt::format("cannot load the CUDA driver (libcuda.so.1): {}",
                    reason ? reason : "unknown reason"));
  }
#define GPTQ_DRIVER_FUNCTION(name)                                             \
  api.name = reinterpret_cast<decltype(api.name)>(                             \
      dlsym(library, GPTQ_STRINGIFY(name)));                                   \
  if (!api.name)                                                               \
    return Status::error(                                                      \
        "the CUDA driver (libcuda.so.1) lacks " GPTQ_STRINGIFY(                \
            name) "; it is older than this program needs");
#include "gptq/Runtime/DriverFunctions.def"

  CUresult result = api.cuInit(0);
  if (result != CUDA_SUCCESS) {
    const char *name = nullptr;
    api.cuGetErrorName(result, &name);
    return Status::error(
        fmt::format("cuInit failed: {}", name ? name : "unknown error"));
  }
  return static_cast<const DriverApi *>(&api);
}

} // namespace

Expected<const DriverApi *> driverApi() {
  static const Expected<const DriverApi *> loaded = loadDriver();
  return loaded;
}

/// Whether a launch needs cuLaunchKernelEx's attributes.
static bool launchesWithAttributes(bool overlapPrevious,
                                   StreamingWindow streaming) {
  return overlapPrevious || streaming.bytes != 0;
}

CUresult launchKernel(const DriverApi &cu, CUfunction function, unsigned gridX,
                      unsigned gridY, unsigned gridZ, unsigned blockX,
                      unsigned sharedBytes, CUstream stream, void **args,
                      bool overlapPrevious, StreamingWindow streaming) {
  if (!launchesWithAttributes(overlapPrevious, streaming))
    return cu.cuLaunchKernel(function, gridX, gridY, gridZ, blockX, 1, 1,
                             sharedBytes, stream, args, nullptr);
  CUlaunchAttribute attributes[2] = {};
  unsigned count = 0;
  if (overlapPrevious) {
    CUlaunchAttribute &overlap = attributes[count++];
    overlap.id = CU_LAUNCH_ATTRIBUTE_PROGRAMMATIC_STREAM_SERIALIZATION;
    overlap.value.programmaticStreamSerializationAllowed = 1;
  }
  if (streaming.bytes != 0) {
    CUlaunchAttribute &window = attributes[count++];
    window.id = CU_LAUNCH_ATTRIBUTE_ACCESS_POLICY_WINDOW;
    window.value.accessPolicyWindow.base_ptr =
        reinterpret_cast<void *>(streaming.base);
    window.value.accessPolicyWindow.num_bytes = streaming.bytes;
    window.value.accessPolicyWindow.hitRatio = 1.0f;
    window.value.accessPolicyWindow.hitProp = CU_ACCESS_PROPERTY_STREAMING;
    window.value.accessPolicyWindow.missProp = CU_ACCESS_PROPERTY_STREAMING;
  }
  CUlaunchConfig config = {};
  config.gridDimX = gridX;
  config.gridDimY = gridY;
  config.gridDimZ = gridZ;
  config.blockDimX = blockX;
  config.blockDimY = 1;
  config.blockDimZ = 1;
  config.sharedMemBytes = sharedBytes;
  config.hStream = stream;
  config.attrs = attributes;
  config.numAttrs = count;
  return cu.cuLaunchKernelEx(&config, function, args, nullptr);
}

const char *launchKernelCall(bool overlapPrevious, StreamingWindow streaming) {
  return launchesWithAttributes(overlapPrevious, streaming) ? "cuLaunchKernelEx"
                                                            : "cuLaunchKernel";
}

Status checkCu(CUresult result, const char *call) {
  if (result == CUDA_SUCCESS)
    return Status::success();
  const char *name = nullptr, *text = nullptr;
  auto api = driverApi();
  if (api.ok()) {
    (*api)->cuGetErrorName(result, &name);
    (*api)->cuGetErrorString(result, &text);
  }
  return Status::error(
      fmt::format("{}: {} ({})", call,
                  name ? name : fmt::format("CUresult {}", int(result)),
                  text ? text : "no description"));
}

bool cudaDeviceAvailable(std::string *whyNot) {
  auto api = driverApi();
  if (!api.ok()) {
    if (whyNot)
      *whyNot = api.message();
    return false;
  }
  int count = 0;
  Status status = checkCu((*api)->cuDeviceGetCount(&count), "cuDeviceGetCount");
  if (!status.ok() || count == 0) {
    if (whyNot)
      *whyNot =
          status.ok() ? "the driver reports no CUDA device" : status.message();
    return false;
  }
  return true;
}

std::string DeviceInfo::arch() const {
  // The "a" variant unlocks Hopper's architecture-specific instructions; the
  // code only runs on exactly that architecture, which is the device at hand.
  std::string arch = fmt::format("sm_{}{}", computeMajor, computeMinor);
  if (computeMajor == 9 && computeMinor == 0)
    arch += "a";
  return arch;
}

Expected<DeviceInfo> queryDevice(int ordinal) {
  auto api = driverApi();
  if (!api.ok())
    return api.status();
  const DriverApi &cu = **api;
  CUdevice device;
  GPTQ_RETURN_IF_ERROR(
      checkCu(cu.cuDeviceGet(&device, ordinal),
              fmt::format("cuDeviceGet({})", ordinal).c_str()));
  DeviceInfo info;
  info.ordinal = ordinal;
  char name[256] = {};
  GPTQ_RETURN_IF_ERROR(checkCu(cu.cuDeviceGetName(name, sizeof(name), device),
                               "cuDeviceGetName"));
  info.name = name;
  struct {
    CUdevice_attribute attribute;
    int *value;
  } attributes[] = {
      {CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, &info.computeMajor},
      {CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, &info.computeMinor},
      {CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT, &info.multiprocessors},
      {CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN,
       &info.maxSharedBytesPerBlockOptin},
  };
  for (auto &entry : attributes)
    GPTQ_RETURN_IF_ERROR(
        checkCu(cu.cuDeviceGetAttribute(entry.value, entry.attribute, device),
                "cuDeviceGetAttribute"));
  // Optional: a driver that does not know the attribute gets no windows.
  int windowBytes = 0;
  if (cu.cuDeviceGetAttribute(&windowBytes,
                              CU_DEVICE_ATTRIBUTE_MAX_ACCESS_POLICY_WINDOW_SIZE,
                              device) != CUDA_SUCCESS)
    windowBytes = 0;
  info.maxAccessPolicyWindowBytes = size_t(std::max(windowBytes, 0));
  GPTQ_RETURN_IF_ERROR(checkCu(
      cu.cuDeviceTotalMem(&info.totalMemoryBytes, device), "cuDeviceTotalMem"));
  GPTQ_RETURN_IF_ERROR(checkCu(cu.cuDriverGetVersion(&info.driverVersion),
                               "cuDriverGetVersion"));
  return info;
}

} // namespace gptq::rt
