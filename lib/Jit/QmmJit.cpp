//===- QmmJit.cpp - The kernel table, the warm path and the miss path -----===//
//
// Warm path (key in the table, kernel loaded): validate, build the POD key,
// find() under a shared lock, fill the argument array on the stack, one
// cuLaunchKernel. Nothing on it allocates or compiles; the GPU test counts
// both.
//
// Miss path: insert an empty slot under the exclusive lock, then take the
// slot's own mutex (a per-key once: other keys proceed, threads missing
// the same key wait for the first one), specialize, compile through the
// KernelCache (memory, disk, NVRTC), load, fill the slot and publish it with
// a release store of `ready`. A failed miss leaves the slot unpublished so
// the next call tries again.
//
//===----------------------------------------------------------------------===//

#include "KernelKey.h"

#include "gptq/Autotune/TileLegality.h"
#include "gptq/Format/ActOrder.h"
#include "gptq/Runtime/CudaDriver.h"
#include "gptq/Runtime/DenseMatmul.h"
#include "gptq/Runtime/Module.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <unordered_map>

namespace gptq::jit {
namespace {

/// A compiled kernel and how to launch it. Written once by the miss path
/// before `ready` is set, read without locks afterwards.
struct KernelSlot {
  std::mutex compileMutex;
  std::atomic<bool> ready{false};
  CUfunction function = nullptr;
  LaunchGeometry geometry;
  rt::QmmParamList params;
  std::string kernelName; // for error messages only
};

/// A loaded module of one kernel; kernels are shared by the M buckets that
/// pick the same tile (their names are equal).
struct LoadedKernel {
  rt::LoadedModule module;
  rt::KernelFunction function;
};

/// The tensors' device pointers by kernel parameter role.
rt::QmmOperands operandsOf(const MatmulTensors &tensors) {
  return rt::QmmOperands{tensors.x,      tensors.qweight, tensors.qzeros,
                         tensors.scales, tensors.gIdx,    tensors.bias,
                         tensors.y};
}

void setKind(ErrorKind *kind, ErrorKind value) {
  if (kind)
    *kind = value;
}

} // namespace

struct QmmJit::Impl {
  std::unique_ptr<rt::CudaContext> context;
  const rt::DriverApi *cu = nullptr;
  rt::KernelCache cache;
  std::string autotuneCachePath;
  std::string arch;
  /// arch == "sm_90a" (rt::tmaTiles), decided once at creation.
  bool sm90a = false;
  char archKey[16] = {};

  mutable std::shared_mutex tableMutex;
  std::unordered_map<KernelKey, std::unique_ptr<KernelSlot>, KernelKeyHash>
      table;
  std::mutex kernelsMutex;
  std::map<std::string, LoadedKernel> kernels;
  std::atomic<uint64_t> specializations{0};

  /// qmm_gather_columns (runtime/device/qmm/gather_columns.cuh), compiled
  /// and loaded on first use by a regrouped matmul.
  std::mutex gatherMutex;
  std::atomic<CUfunction> gather{nullptr};
  std::optional<LoadedKernel> gatherKernel;

  /// The dense path (rt/DenseMatmul.h): dequantizers compiled on first
  /// use per (bits, zero storage, type), and one cuBLAS handle, created on
  /// first use; `denseMutex` serializes its use (a handle's stream is
  /// per-handle state).
  std::mutex denseMutex;
  rt::DequantizerTable dequantizers;
  cublasHandle_t cublasHandle = nullptr;
  std::atomic<uint64_t> denseMatmuls{0};
  /// sm_90+: the kernel after the x gather is a programmatic dependent.
  bool overlapAfterGather = false;

  explicit Impl(const std::string &cacheDirectory) : cache(cacheDirectory) {}
  ~Impl() {
    if (cublasHandle)
      if (auto api = rt::cublasApi())
        (*api)->destroy(cublasHandle);
  }

  const KernelSlot *find(const KernelKey &key) const;
  Expected<const KernelSlot *> prepare(const KernelKey &key,
                                       const MatmulDesc &desc, ErrorKind *kind);
  /// With `overlapPrevious` the kernel may start while the previous one
  /// on the stream (the x gather) finishes (rt::launchKernel).
  Status launch(const KernelSlot &slot, const MatmulDesc &desc,
                const MatmulTensors &tensors, CUstream stream, ErrorKind *kind,
                bool overlapPrevious = false) const;
  /// The caller may have another context current (or none, on a new
  /// thread); the kernels live in the device's primary context.
  Status makePrimaryCurrent(ErrorKind *kind) const {
    CUcontext current = nullptr;
    if (cu->cuCtxGetCurrent(&current) != CUDA_SUCCESS ||
        current != context->handle()) {
      Status made = context->makeCurrent();
      if (!made.ok()) {
        setKind(kind, ErrorKind::Launch);
        return made;
      }
    }
    return Status::success();
  }
  /// y = x · W (+ bias) by the dense path, when it applies (M, workspace,
  /// cuBLAS present): sets `taken` and enqueues it.
  Status denseMatmul(const MatmulDesc &desc, const MatmulTensors &tensors,
                     CUstream stream, bool &taken, ErrorKind *kind);
  /// workspace[m][k] = x[m][perm[k]] on `stream`.
  Status gatherColumns(const MatmulDesc &desc, const MatmulTensors &tensors,
                       CUstream stream, ErrorKind *kind);
};

Status QmmJit::Impl::gatherColumns(const MatmulDesc &desc,
                                   const MatmulTensors &tensors,
                                   CUstream stream, ErrorKind *kind) {
  GPTQ_RETURN_IF_ERROR(makePrimaryCurrent(kind));
  CUfunction function = gather.load(std::memory_order_acquire);
  if (!function) {
    std::lock_guard<std::mutex> lock(gatherMutex);
    function = gather.load(std::memory_order_acquire);
    if (!function) {
      rt::CompileOptions options;
      options.arch = arch;
      options.wantCubin = true;
      auto compiled =
          cache.getOrCompile("#include \"qmm/gather_columns.cuh\"\n",
                             "qmm_gather_columns.cu", options);
      if (!compiled) {
        setKind(kind, ErrorKind::Compile);
        return compiled.status().withContext("qmm.matmul: the x gather");
      }
      Expected<rt::LoadedModule> module = rt::LoadedModule::load(**compiled);
      if (!module) {
        setKind(kind, ErrorKind::Launch);
        return module.status().withContext("qmm.matmul: the x gather");
      }
      Expected<rt::KernelFunction> kernel =
          module->function("qmm_gather_columns");
      if (!kernel) {
        setKind(kind, ErrorKind::Launch);
        return kernel.status();
      }
      function = kernel->handle;
      gatherKernel.emplace(LoadedKernel{module.take(), kernel.take()});
      gather.store(function, std::memory_order_release);
    }
  }
  CUdeviceptr x = tensors.x, perm = tensors.gIdx, out = tensors.workspace;
  int rows = int(desc.M), cols = int(desc.K);
  void *args[] = {&x, &perm, &out, &rows, &cols};
  constexpr unsigned kThreads = 256;
  const int64_t blocks = (desc.M * desc.K + kThreads - 1) / kThreads;
  CUresult result =
      cu->cuLaunchKernel(function, unsigned(blocks), 1, 1, kThreads, 1, 1, 0,
                         stream, args, nullptr);
  if (result != CUDA_SUCCESS) {
    setKind(kind, ErrorKind::Launch);
    return rt::checkCu(result, "cuLaunchKernel")
        .withContext("qmm.matmul: the x gather of a regrouped weight");
  }
  return Status::success();
}

Status QmmJit::Impl::denseMatmul(const MatmulDesc &desc,
                                 const MatmulTensors &tensors, CUstream stream,
                                 bool &taken, ErrorKind *kind) {
  taken = false;
  if (!rt::densePreferred(desc.M, desc.layout.actOrder,
                          rt::tmaTiles(sm90a, desc.layout.bits,
                                       desc.layout.actOrder, desc.K,
                                       desc.layout.groupSize)) ||
      tensors.workspace == 0 ||
      tensors.workspaceBytes < rt::denseWorkspaceBytes(desc.K, desc.N))
    return Status::success();
  auto cublas = rt::cublasApi();
  if (!cublas)
    return Status::success(); // the generated kernels serve every M
  GPTQ_RETURN_IF_ERROR(makePrimaryCurrent(kind));
  const QuantLayout &layout = desc.layout;
  const bool zerosAsIs = layout.format == format::CheckpointFormat::GptqV2;
  const bool bf16 = desc.dtype == DType::BF16;
  std::lock_guard<std::mutex> lock(denseMutex);
  rt::CompileOptions options;
  options.arch = arch;
  options.wantCubin = true;
  bool compileFailed = false;
  Expected<rt::DequantizeFunctions> dequantizer = dequantizers.get(
      cache, options, layout.bits, zerosAsIs, bf16, &compileFailed);
  if (!dequantizer) {
    setKind(kind, compileFailed ? ErrorKind::Compile : ErrorKind::Launch);
    return dequantizer.status().withContext("qmm.matmul");
  }
  if (!cublasHandle &&
      (*cublas)->create(&cublasHandle) != CUBLAS_STATUS_SUCCESS) {
    cublasHandle = nullptr;
    setKind(kind, ErrorKind::Launch);
    return Status::error("qmm.matmul: cublasCreate failed");
  }

  rt::DenseMatmulArgs args;
  args.operands = operandsOf(tensors);
  args.operands.bias = desc.hasBias ? tensors.bias : 0;
  // Act-order: the group of each channel; regrouped: channels in group
  // order, written back to the input's order through the permutation.
  args.operands.gIdx = layout.actOrder && !layout.regrouped ? tensors.gIdx : 0;
  args.perm = layout.regrouped ? tensors.gIdx : 0;
  args.workspace = tensors.workspace;
  args.workspaceBytes = tensors.workspaceBytes;
  args.M = desc.M;
  args.K = desc.K;
  args.N = desc.N;
  args.bits = layout.bits;
  args.groupSize = layout.groupSize == -1 ? desc.K : layout.groupSize;
  args.bf16 = bf16;
  Status status =
      rt::denseMatmul(*cu, **cublas, cublasHandle, *dequantizer, args, stream);
  if (!status.ok()) {
    setKind(kind, ErrorKind::Launch);
    return status.withContext("qmm.matmul (dense path)");
  }
  taken = true;
  denseMatmuls.fetch_add(1, std::memory_order_relaxed);
  return Status::success();
}

const KernelSlot *QmmJit::Impl::find(const KernelKey &key) const {
  std::shared_lock<std::shared_mutex> lock(tableMutex);
  auto found = table.find(key);
  if (found == table.end())
    return nullptr;
  const KernelSlot *slot = found->second.get();
  return slot->ready.load(std::memory_order_acquire) ? slot : nullptr;
}

Expected<const KernelSlot *> QmmJit::Impl::prepare(const KernelKey &key,
                                                   const MatmulDesc &desc,
                                                   ErrorKind *kind) {
  KernelSlot *slot = nullptr;
  {
    std::unique_lock<std::shared_mutex> lock(tableMutex);
    std::unique_ptr<KernelSlot> &entry = table[key];
    if (!entry)
      entry = std::make_unique<KernelSlot>();
    slot = entry.get();
  }
  std::lock_guard<std::mutex> once(slot->compileMutex);
  if (slot->ready.load(std::memory_order_acquire))
    return static_cast<const KernelSlot *>(slot);

  const int sms = context->info().multiprocessors;
  Expected<Specialization> spec = QmmJit::specialize(
      desc, arch, autotuneCachePath, sms > 0 ? sms : autotune::kReferenceSms);
  if (!spec) {
    setKind(kind, ErrorKind::Compile);
    return spec.status();
  }
  rt::CompileOptions options;
  options.arch = arch;
  options.wantCubin = true; // loads without a driver JIT step
  auto compiled =
      cache.getOrCompile(spec->cudaSource, spec->kernelName + ".cu", options);
  if (!compiled) {
    setKind(kind, ErrorKind::Compile);
    return compiled.status().withContext(
        fmt::format("qmm.matmul: compiling {}", spec->kernelName));
  }

  CUfunction function = nullptr;
  {
    std::lock_guard<std::mutex> lock(kernelsMutex);
    auto loaded = kernels.find(spec->kernelName);
    if (loaded == kernels.end()) {
      Status current = context->makeCurrent();
      if (!current.ok()) {
        setKind(kind, ErrorKind::Launch);
        return current;
      }
      Expected<rt::LoadedModule> module = rt::LoadedModule::load(**compiled);
      if (!module) {
        setKind(kind, ErrorKind::Launch);
        return module.status().withContext(
            fmt::format("qmm.matmul: loading {}", spec->kernelName));
      }
      Expected<rt::KernelFunction> kernel = module->function(spec->kernelName);
      if (!kernel) {
        setKind(kind, ErrorKind::Launch);
        return kernel.status();
      }
      // The warm path launches with no attribute calls: opt in to the
      // tile's dynamic shared memory (wgmma tiles past 48 KB) now.
      if (Status allowed = rt::allowDynamicShared(
              *kernel, spec->geometry.dynamicSharedBytes);
          !allowed.ok()) {
        setKind(kind, ErrorKind::Launch);
        return allowed;
      }
      loaded = kernels
                   .emplace(spec->kernelName,
                            LoadedKernel{module.take(), kernel.take()})
                   .first;
    }
    function = loaded->second.function.handle;
  }

  slot->function = function;
  slot->geometry = spec->geometry;
  slot->params = spec->params;
  slot->kernelName = spec->kernelName;
  specializations.fetch_add(1, std::memory_order_relaxed);
  slot->ready.store(true, std::memory_order_release);
  return static_cast<const KernelSlot *>(slot);
}

Status QmmJit::Impl::launch(const KernelSlot &slot, const MatmulDesc &desc,
                            const MatmulTensors &tensors, CUstream stream,
                            ErrorKind *kind, bool overlapPrevious) const {
  const LaunchGeometry &geometry = slot.geometry;
  const int64_t rowBlocks = (desc.M + geometry.blockM - 1) / geometry.blockM;
  if (rowBlocks > 65535) {
    setKind(kind, ErrorKind::InvalidArgument);
    return Status::error(fmt::format(
        "qmm.matmul: M = {} needs {} row blocks of {}, over the grid's 65535",
        desc.M, rowBlocks, geometry.blockM));
  }

  GPTQ_RETURN_IF_ERROR(makePrimaryCurrent(kind));

  const rt::QmmOperands operands = operandsOf(tensors);
  rt::QmmArgs args;
  rt::QmmMapShape maps;
  maps.inFeatures = desc.K;
  maps.outFeatures = desc.N;
  maps.groupSize = desc.layout.groupSize;
  maps.blockM = geometry.blockM;
  maps.blockN = geometry.blockN;
  maps.blockK = geometry.blockK;
  maps.bf16 = desc.dtype == DType::BF16;
  if (Status bound =
          args.bind(slot.params, operands, int(desc.M), slot.kernelName, maps);
      !bound.ok()) {
    setKind(kind, ErrorKind::InvalidArgument);
    return bound.withContext("qmm.matmul");
  }
  const rt::Dim3 grid = rt::qmmGrid(desc.N, desc.M, geometry.blockN,
                                    geometry.blockM, geometry.splitK);
  const rt::StreamingWindow weights =
      rt::qmmWeightWindow(tensors.qweight, desc.K, desc.N, desc.layout.bits,
                          context->info().maxAccessPolicyWindowBytes);
  CUresult result =
      rt::launchKernel(*cu, slot.function, grid.x, grid.y, grid.z,
                       geometry.threads, geometry.dynamicSharedBytes, stream,
                       args.data(), overlapPrevious, weights);
  if (result != CUDA_SUCCESS) {
    setKind(kind, ErrorKind::Launch);
    return rt::checkCu(result, rt::launchKernelCall(overlapPrevious, weights))
        .withContext(fmt::format("qmm.matmul: launching {} for M = {}",
                                 slot.kernelName, desc.M));
  }
  return Status::success();
}

QmmJit::QmmJit(std::unique_ptr<Impl> impl, std::string arch, int device)
    : impl_(std::move(impl)), arch_(std::move(arch)), device_(device) {}

QmmJit::~QmmJit() {
  // Modules unload from the current context: make it the one they live in.
  if (impl_ && impl_->context)
    (void)impl_->context->makeCurrent();
}

Expected<std::unique_ptr<QmmJit>> QmmJit::create(const QmmJitOptions &options,
                                                 ErrorKind *kind) {
  setKind(kind, ErrorKind::None);
  std::string whyNot;
  if (!rt::cudaDeviceAvailable(&whyNot)) {
    setKind(kind, ErrorKind::NoDevice);
    return Status::error("qmm: no CUDA device: " + whyNot);
  }
  auto api = rt::driverApi();
  int count = 0;
  if (!api || (*api)->cuDeviceGetCount(&count) != CUDA_SUCCESS ||
      options.device < 0 || options.device >= count) {
    setKind(kind, ErrorKind::InvalidArgument);
    return Status::error(
        fmt::format("qmm: device {} does not exist ({} CUDA devices)",
                    options.device, count));
  }
  auto context = rt::CudaContext::create(options.device);
  if (!context) {
    setKind(kind, ErrorKind::NoDevice);
    return context.status().withContext(
        fmt::format("qmm: device {}", options.device));
  }

  auto impl = std::make_unique<Impl>(options.kernelCacheDir);
  impl->cu = *api;
  impl->arch = options.arch.empty() ? (*context)->info().arch() : options.arch;
  impl->autotuneCachePath = options.autotuneCachePath;
  impl->overlapAfterGather = autotune::archVersion(impl->arch) >= 90;
  impl->sm90a = impl->arch == "sm_90a";
  Status arch = encodeArch(impl->arch, impl->archKey);
  if (!arch.ok()) {
    setKind(kind, ErrorKind::InvalidArgument);
    return arch;
  }
  impl->context = context.take();
  // Room for a model's linears times a few M buckets before any rehash.
  impl->table.reserve(256);
  std::string archName = impl->arch;
  return std::unique_ptr<QmmJit>(
      new QmmJit(std::move(impl), std::move(archName), options.device));
}

Status QmmJit::matmul(const MatmulDesc &desc, const MatmulTensors &tensors,
                      CUstream stream, ErrorKind *kind) {
  setKind(kind, ErrorKind::None);
  Status valid = validate(desc, tensors);
  if (!valid.ok()) {
    setKind(kind, ErrorKind::InvalidArgument);
    return valid;
  }
  // Large batches: dequantize + cuBLAS where the caller gave the workspace.
  bool dense = false;
  GPTQ_RETURN_IF_ERROR(impl_->denseMatmul(desc, tensors, stream, dense, kind));
  if (dense)
    return Status::success();
  // A regrouped act-order weight is a plain grouped weight over x's
  // columns in the permuted order: gather them into the workspace, then
  // run the plain kernel (all strategies, split-K included) on it.
  const MatmulDesc *run = &desc;
  const MatmulTensors *operands = &tensors;
  MatmulDesc plain;
  MatmulTensors gathered;
  if (desc.layout.regrouped) {
    const size_t gatherBytes = size_t(desc.M) * size_t(desc.K) * 2;
    if (tensors.workspaceBytes != 0 && tensors.workspaceBytes < gatherBytes) {
      setKind(kind, ErrorKind::InvalidArgument);
      return Status::error(fmt::format(
          "qmm.matmul: workspace_bytes = {} is under the {} bytes (M x K) "
          "the regrouped layout's x gather needs",
          tensors.workspaceBytes, gatherBytes));
    }
    GPTQ_RETURN_IF_ERROR(impl_->gatherColumns(desc, tensors, stream, kind));
    plain = desc;
    plain.layout.actOrder = false;
    plain.layout.regrouped = false;
    gathered = tensors;
    gathered.x = tensors.workspace;
    gathered.gIdx = 0;
    run = &plain;
    operands = &gathered;
  }
  const KernelKey key = makeKernelKey(*run, impl_->archKey);
  const KernelSlot *slot = impl_->find(key);
  if (!slot) {
    Expected<const KernelSlot *> prepared = impl_->prepare(key, *run, kind);
    if (!prepared)
      return prepared.status();
    slot = *prepared;
  }
  // After the gather a stream kernel starts early on sm_90+ (programmatic
  // dependent launch): its weight loads overlap the gather's tail, and it
  // reads x only once the gather has completed (qmm::wait_for_prior_grids;
  // LaunchGeometry::earlyStart).
  return impl_->launch(*slot, *run, *operands, stream, kind,
                       desc.layout.regrouped && impl_->overlapAfterGather &&
                           slot->geometry.earlyStart);
}

Status QmmJit::regroupActOrder(const MatmulDesc &desc,
                               const MatmulTensors &tensors,
                               CUdeviceptr regroupedQweight, CUdeviceptr perm,
                               CUstream stream, ErrorKind *kind) {
  setKind(kind, ErrorKind::InvalidArgument);
  GPTQ_RETURN_IF_ERROR(validateRegroup(desc, tensors, regroupedQweight, perm));
  setKind(kind, ErrorKind::Launch);
  GPTQ_RETURN_IF_ERROR(impl_->makePrimaryCurrent(kind));
  const rt::DriverApi &cu = *impl_->cu;
  GPTQ_RETURN_IF_ERROR(
      rt::checkCu(cu.cuStreamSynchronize(stream), "cuStreamSynchronize"));
  const int64_t words = desc.K * desc.layout.bits / 32 * desc.N;
  std::vector<int32_t> qweight(static_cast<size_t>(words));
  std::vector<int32_t> gIdx(static_cast<size_t>(desc.K));
  GPTQ_RETURN_IF_ERROR(rt::checkCu(
      cu.cuMemcpyDtoH(qweight.data(), tensors.qweight, qweight.size() * 4),
      "cuMemcpyDtoH (qweight)"));
  GPTQ_RETURN_IF_ERROR(
      rt::checkCu(cu.cuMemcpyDtoH(gIdx.data(), tensors.gIdx, gIdx.size() * 4),
                  "cuMemcpyDtoH (g_idx)"));
  setKind(kind, ErrorKind::InvalidArgument);
  auto order = format::actOrderPermutation(gIdx, desc.layout.groupSize);
  if (!order)
    return order.status().withContext("qmm regroup: g_idx");
  auto permuted = format::permutePackedRows(qweight, desc.K, desc.N,
                                            desc.layout.bits, *order);
  if (!permuted)
    return permuted.status().withContext("qmm regroup");
  setKind(kind, ErrorKind::Launch);
  GPTQ_RETURN_IF_ERROR(rt::checkCu(
      cu.cuMemcpyHtoD(regroupedQweight, permuted->data(), permuted->size() * 4),
      "cuMemcpyHtoD (regrouped qweight)"));
  GPTQ_RETURN_IF_ERROR(
      rt::checkCu(cu.cuMemcpyHtoD(perm, order->data(), order->size() * 4),
                  "cuMemcpyHtoD (perm)"));
  setKind(kind, ErrorKind::None);
  return Status::success();
}

rt::KernelCache::Stats QmmJit::kernelCacheStats() const {
  return impl_->cache.stats();
}

const std::string &QmmJit::kernelCacheDirectory() const {
  return impl_->cache.directory();
}

uint64_t QmmJit::specializations() const {
  return impl_->specializations.load(std::memory_order_relaxed);
}

uint64_t QmmJit::denseMatmuls() const {
  return impl_->denseMatmuls.load(std::memory_order_relaxed);
}

size_t QmmJit::workspaceBytes(const MatmulDesc &desc) {
  if (desc.M <= 0 || desc.K <= 0 || desc.N <= 0)
    return 0;
  const size_t gather =
      desc.layout.regrouped ? size_t(desc.M) * size_t(desc.K) * 2 : 0;
  const size_t dense = rt::densePreferred(desc.M, desc.layout.actOrder)
                           ? rt::denseWorkspaceBytes(desc.K, desc.N)
                           : 0;
  return std::max(gather, dense);
}

} // namespace gptq::jit
