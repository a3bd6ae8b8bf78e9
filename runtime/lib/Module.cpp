//===- Module.cpp - Contexts, device memory, modules and launches ---------===//

#include "gptq/Runtime/Module.h"

#include <fmt/format.h>

#include <utility>

namespace gptq::rt {
namespace {

Expected<const DriverApi *> api() { return driverApi(); }

/// The kernels a PTX module defines (`.entry NAME(`), for error messages.
std::vector<std::string> ptxEntryNames(const std::string &ptx) {
  std::vector<std::string> names;
  const std::string marker = ".entry ";
  for (size_t at = ptx.find(marker); at != std::string::npos;
       at = ptx.find(marker, at + 1)) {
    const size_t begin = at + marker.size();
    const size_t end = ptx.find_first_of("( \n", begin);
    if (end != std::string::npos)
      names.push_back(ptx.substr(begin, end - begin));
  }
  return names;
}

#define GPTQ_CU(call, name)                                                    \
  do {                                                                         \
    auto loaded = api();                                                       \
    if (!loaded.ok())                                                          \
      return loaded.status();                                                  \
    const DriverApi &cu = **loaded;                                            \
    (void)cu;                                                                  \
    GPTQ_RETURN_IF_ERROR(checkCu(call, name));                                 \
  } while (false)

} // namespace

Expected<std::unique_ptr<CudaContext>> CudaContext::create(int ordinal) {
  Expected<DeviceInfo> info = queryDevice(ordinal);
  if (!info.ok())
    return info.status();
  std::unique_ptr<CudaContext> context(new CudaContext());
  context->info_ = info.take();
  GPTQ_CU(cu.cuDeviceGet(&context->device_, ordinal), "cuDeviceGet");
  GPTQ_CU(cu.cuDevicePrimaryCtxRetain(&context->context_, context->device_),
          "cuDevicePrimaryCtxRetain");
  GPTQ_RETURN_IF_ERROR(context->makeCurrent());
  return context;
}

CudaContext::~CudaContext() {
  if (context_)
    if (auto loaded = api(); loaded.ok())
      (*loaded)->cuDevicePrimaryCtxRelease(device_);
}

Status CudaContext::makeCurrent() const {
  GPTQ_CU(cu.cuCtxSetCurrent(context_), "cuCtxSetCurrent");
  return Status::success();
}

Expected<DeviceBuffer> DeviceBuffer::create(size_t bytes) {
  DeviceBuffer buffer;
  buffer.bytes_ = bytes;
  if (bytes == 0)
    return buffer;
  auto loaded = api();
  if (!loaded.ok())
    return loaded.status();
  Status status =
      checkCu((*loaded)->cuMemAlloc(&buffer.ptr_, bytes), "cuMemAlloc");
  if (!status.ok())
    return status.withContext(fmt::format("allocating {} bytes", bytes));
  return buffer;
}

DeviceBuffer::DeviceBuffer(DeviceBuffer &&other) noexcept
    : ptr_(std::exchange(other.ptr_, 0)),
      bytes_(std::exchange(other.bytes_, 0)) {}

DeviceBuffer &DeviceBuffer::operator=(DeviceBuffer &&other) noexcept {
  if (this != &other) {
    this->~DeviceBuffer();
    ptr_ = std::exchange(other.ptr_, 0);
    bytes_ = std::exchange(other.bytes_, 0);
  }
  return *this;
}

DeviceBuffer::~DeviceBuffer() {
  if (ptr_)
    if (auto loaded = api(); loaded.ok())
      (*loaded)->cuMemFree(ptr_);
  ptr_ = 0;
}

Status DeviceBuffer::copyFromHost(const void *data, size_t bytes) {
  if (bytes > bytes_)
    return Status::error(fmt::format(
        "copy of {} bytes into a {}-byte device buffer", bytes, bytes_));
  if (bytes == 0)
    return Status::success();
  GPTQ_CU(cu.cuMemcpyHtoD(ptr_, data, bytes), "cuMemcpyHtoD");
  return Status::success();
}

Status DeviceBuffer::copyToHost(void *data, size_t bytes) const {
  if (bytes > bytes_)
    return Status::error(fmt::format(
        "copy of {} bytes out of a {}-byte device buffer", bytes, bytes_));
  if (bytes == 0)
    return Status::success();
  GPTQ_CU(cu.cuMemcpyDtoH(data, ptr_, bytes), "cuMemcpyDtoH");
  return Status::success();
}

Status DeviceBuffer::fillBytes(unsigned char value) {
  if (bytes_ == 0)
    return Status::success();
  GPTQ_CU(cu.cuMemsetD8(ptr_, value, bytes_), "cuMemsetD8");
  return Status::success();
}

Expected<LoadedModule> LoadedModule::load(const CompileResult &compiled) {
  LoadedModule module;
  const std::string &image =
      compiled.cubin.empty() ? compiled.ptx : compiled.cubin;
  if (image.empty())
    return Status::error(
        "nothing to load: the compile result has neither cubin nor PTX");
  // cuModuleLoadData reads PTX as a NUL-terminated string.
  std::string ptx;
  const void *data = image.data();
  if (compiled.cubin.empty()) {
    ptx = compiled.ptx;
    data = ptx.c_str();
  }
  GPTQ_CU(cu.cuModuleLoadData(&module.module_, data), "cuModuleLoadData");
  module.kernelNames_ = ptxEntryNames(compiled.ptx);
  return module;
}

LoadedModule::LoadedModule(LoadedModule &&other) noexcept
    : module_(std::exchange(other.module_, nullptr)),
      kernelNames_(std::move(other.kernelNames_)) {}

LoadedModule &LoadedModule::operator=(LoadedModule &&other) noexcept {
  if (this != &other) {
    this->~LoadedModule();
    module_ = std::exchange(other.module_, nullptr);
    kernelNames_ = std::move(other.kernelNames_);
  }
  return *this;
}

LoadedModule::~LoadedModule() {
  if (module_)
    if (auto loaded = api(); loaded.ok())
      (*loaded)->cuModuleUnload(module_);
  module_ = nullptr;
}

Expected<KernelFunction> LoadedModule::function(const std::string &name) const {
  KernelFunction function;
  function.name = name;
  auto loaded = api();
  if (!loaded.ok())
    return loaded.status();
  CUresult result =
      (*loaded)->cuModuleGetFunction(&function.handle, module_, name.c_str());
  if (result != CUDA_SUCCESS) {
    std::string known;
    for (const std::string &kernel : kernelNames_)
      known += (known.empty() ? "" : ", ") + kernel;
    return checkCu(result, "cuModuleGetFunction")
        .withContext(fmt::format("kernel '{}' (the module has: {})", name,
                                 known.empty() ? "unknown" : known));
  }
  return function;
}

/// cuFuncSetAttribute for `sharedBytes` of dynamic shared memory.
static Status setDynamicShared(const KernelFunction &function,
                               unsigned sharedBytes) {
  auto loaded = api();
  if (!loaded.ok())
    return loaded.status();
  return checkCu((*loaded)->cuFuncSetAttribute(
                     function.handle,
                     CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES,
                     int(sharedBytes)),
                 "cuFuncSetAttribute")
      .withContext(fmt::format("{}: {} bytes of dynamic shared memory",
                               function.name, sharedBytes));
}

/// Whether launching `function` with `sharedBytes` of dynamic shared memory
/// needs no opt-in: at most the 48 KiB every kernel may have, or what the
/// function was opted in to.
static bool mayLaunchWith(const KernelFunction &function,
                          unsigned sharedBytes) {
  return sharedBytes <= 48 * 1024 ||
         sharedBytes <= function.dynamicSharedAllowed;
}

Status allowDynamicShared(KernelFunction &function, unsigned sharedBytes) {
  if (mayLaunchWith(function, sharedBytes))
    return Status::success();
  GPTQ_RETURN_IF_ERROR(setDynamicShared(function, sharedBytes));
  function.dynamicSharedAllowed = sharedBytes;
  return Status::success();
}

Status launch(const KernelFunction &function, Dim3 grid, Dim3 block,
              unsigned sharedBytes, CUstream stream, void **args,
              bool overlapPrevious, StreamingWindow streaming) {
  auto loaded = api();
  if (!loaded.ok())
    return loaded.status();
  const DriverApi &cu = **loaded;
  if (!mayLaunchWith(function, sharedBytes))
    GPTQ_RETURN_IF_ERROR(setDynamicShared(function, sharedBytes));
  if (block.y != 1 || block.z != 1)
    return Status::error(
        fmt::format("launching {}: blocks are one-dimensional, not ({},{},{})",
                    function.name, block.x, block.y, block.z));
  return checkCu(launchKernel(cu, function.handle, grid.x, grid.y, grid.z,
                              block.x, sharedBytes, stream, args,
                              overlapPrevious, streaming),
                 launchKernelCall(overlapPrevious, streaming))
      .withContext(fmt::format(
          "launching {} on grid ({},{},{}) block ({},{},{})", function.name,
          grid.x, grid.y, grid.z, block.x, block.y, block.z));
}

Status synchronize() {
  GPTQ_CU(cu.cuCtxSynchronize(), "cuCtxSynchronize");
  return Status::success();
}

} // namespace gptq::rt
