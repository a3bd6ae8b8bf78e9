//===- QmmKernels.cpp - Look up, compile and launch generated qmm kernels -===//
//
// The manifest's dynamic-M entries (`rows` = -1) accept any number of
// tokens; entries generated for one row carry the decode tile, whose kernel
// also takes any m and is used for m up to its block_m; entries generated
// for kSmallBatchRows and kMidBatchRows rows carry the tiles of those
// buckets, used up to 16 and 64 rows; entries generated for kPrefillRows
// rows carry the prefill tile, used for m beyond one row block of the
// dynamic-M kernel. The grid follows the manifest's
// formula [out_features / block_n, ceil(m / block_m), split_k]. Bundles are
// generated for sm_90a and for sm_80 (whose tiles use no clusters); the
// kernels of the family of the present GPU are used.
//
//===----------------------------------------------------------------------===//

#include "QmmKernels.h"

#include "gptq/Autotune/TileLegality.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace gptq::model::cuda {

Expected<std::unique_ptr<QmmKernels>>
QmmKernels::create(const std::string &arch, size_t maxWindowBytes) {
  std::unique_ptr<QmmKernels> kernels(new QmmKernels());
  kernels->arch_ = arch;
  kernels->maxWindowBytes_ = maxWindowBytes;
  // The bundle family for this GPU: sm_90a from Hopper on (clusters),
  // else sm_80.
  const std::string family =
      autotune::archVersion(arch) >= 90 ? "sm_90a" : "sm_80";
  const std::vector<QmmBundle> &bundles = qmmBundles();
  for (size_t b = 0; b < bundles.size(); ++b) {
    nlohmann::json manifest =
        nlohmann::json::parse(bundles[b].manifest, nullptr, false);
    if (manifest.is_discarded())
      return Status::error(
          fmt::format("qmm bundle {}: invalid manifest", bundles[b].name));
    try {
      std::map<std::string, const nlohmann::json *> byName;
      for (const auto &kernel : manifest.at("kernels"))
        byName[kernel.at("name").get<std::string>()] = &kernel;
      for (const auto &matmul : manifest.at("matmuls")) {
        const int64_t rows = matmul.at("rows").get<int64_t>();
        if (rows != -1 && rows != 1 && rows != kSmallBatchRows &&
            rows != kMidBatchRows && rows != kPrefillRows)
          continue;
        if (matmul.at("arch") != family)
          continue;
        const nlohmann::json &k = *byName.at(matmul.at("kernel"));
        if (k.at("element_type") != "f16")
          continue;
        QmmKernelSpec spec;
        spec.name = k.at("name");
        spec.bundle = b;
        spec.K = k.at("in_features");
        spec.N = k.at("out_features");
        spec.bits = k.at("bits");
        spec.groupSize = k.at("group_size");
        spec.actOrder = k.at("act_order");
        spec.v1 = k.at("format") == "gptq_v1";
        spec.blockM = k.at("block_m");
        spec.blockN = k.at("block_n");
        spec.blockK = k.at("block_k");
        spec.threads = k.at("threads");
        spec.splitK = k.value("split_k", int64_t(1));
        spec.dynamicSharedBytes = k.value("dynamic_shared_bytes", int64_t(0));
        spec.earlyStart = k.value("early_start", false);
        spec.earlyStartAfterKernel = k.value("early_start_after_kernel", false);
        Expected<rt::QmmParamList> params = rt::QmmParamList::fromRoles(
            k.at("params").get<std::vector<std::string>>(), spec.name);
        if (!params)
          return params.status().withContext(
              fmt::format("qmm bundle {}", bundles[b].name));
        spec.params = *params;
        spec.decodeOnly = rows == 1;
        spec.prefillOnly = rows == kPrefillRows;
        spec.smallBatchOnly = rows == kSmallBatchRows;
        spec.midBatchOnly = rows == kMidBatchRows;
        kernels->specs_.push_back(std::move(spec));
      }
    } catch (const std::exception &error) {
      return Status::error(fmt::format("qmm bundle {}: manifest: {}",
                                       bundles[b].name, error.what()));
    }
  }
  // Link each dynamic-M kernel to the decode kernel of the same layer shape
  // and layout (pointers are stable now that specs_ is complete).
  for (QmmKernelSpec &spec : kernels->specs_) {
    if (spec.variantOnly())
      continue;
    for (const QmmKernelSpec &other : kernels->specs_) {
      if (other.K != spec.K || other.N != spec.N || other.bits != spec.bits ||
          other.groupSize != spec.groupSize ||
          other.actOrder != spec.actOrder || other.v1 != spec.v1)
        continue;
      if (other.decodeOnly)
        spec.decode = &other;
      if (other.prefillOnly)
        spec.prefill = &other;
      if (other.smallBatchOnly && other.name != spec.name)
        spec.smallBatch = &other;
      if (other.midBatchOnly && other.name != spec.name)
        spec.midBatch = &other;
    }
  }
  kernels->cache_ = std::make_unique<rt::KernelCache>();
  return kernels;
}

const QmmKernelSpec *QmmKernels::find(int64_t K, int64_t N, int bits,
                                      int64_t groupSize, bool actOrder,
                                      bool v1) const {
  for (const QmmKernelSpec &spec : specs_)
    if (!spec.variantOnly() && spec.K == K && spec.N == N &&
        spec.bits == bits && spec.groupSize == groupSize &&
        spec.actOrder == actOrder && spec.v1 == v1)
      return &spec;
  return nullptr;
}

Expected<const rt::KernelFunction *>
QmmKernels::function(const QmmKernelSpec &spec) {
  if (auto it = functions_.find(spec.name); it != functions_.end())
    return &it->second;
  if (!modules_.count(spec.bundle)) {
    const QmmBundle &bundle = qmmBundles()[spec.bundle];
    rt::CompileOptions options;
    options.arch = arch_;
    options.wantCubin = true;
    auto compiled = cache_->getOrCompile(
        bundle.source, std::string(bundle.name) + ".cu", options);
    if (!compiled)
      return compiled.status();
    auto module = rt::LoadedModule::load(**compiled);
    if (!module)
      return module.status();
    modules_.emplace(spec.bundle, module.take());
  }
  auto function = modules_.at(spec.bundle).function(spec.name);
  if (!function)
    return function.status();
  // Opted in once here, so that launches make no attribute call.
  GPTQ_RETURN_IF_ERROR(
      rt::allowDynamicShared(*function, unsigned(spec.dynamicSharedBytes)));
  return &functions_.emplace(spec.name, function.take()).first->second;
}

Status QmmKernels::launch(const QmmKernelSpec &general,
                          const QmmOperands &operands, int64_t m,
                          CUstream stream, Overlap overlap) {
  const QmmKernelSpec &spec =
      general.decode && m <= general.decode->blockM ? *general.decode
      : general.smallBatch && m <= kSmallBatchRows  ? *general.smallBatch
      : general.midBatch && m <= kMidBatchRows      ? *general.midBatch
      : general.prefill && m > general.blockM       ? *general.prefill
                                                    : general;
  Expected<const rt::KernelFunction *> function = this->function(spec);
  if (!function)
    return function.status();
  rt::QmmArgs args;
  // The model runs fp16 activations (launchDense's dequantizer too).
  const rt::QmmMapShape maps{spec.K,      spec.N,      spec.groupSize,
                             spec.blockM, spec.blockN, /*bf16=*/false,
                             spec.blockK};
  GPTQ_RETURN_IF_ERROR(
      args.bind(spec.params, operands, int(m), spec.name, maps));
  const rt::Dim3 grid =
      rt::qmmGrid(spec.N, m, unsigned(spec.blockN), unsigned(spec.blockM),
                  unsigned(spec.splitK));
  rt::Dim3 block{unsigned(spec.threads), 1, 1};
  return rt::launch(**function, grid, block, unsigned(spec.dynamicSharedBytes),
                    stream, args.data(), startsEarly(spec, overlap),
                    rt::qmmWeightWindow(operands.qweight, spec.K, spec.N,
                                        spec.bits, maxWindowBytes_));
}

bool QmmKernels::startsEarly(const QmmKernelSpec &spec, Overlap overlap) {
  switch (overlap) {
  case Overlap::AfterGather:
    return spec.earlyStart;
  case Overlap::AfterKernel:
    return spec.earlyStartAfterKernel;
  case Overlap::None:
    break;
  }
  return false;
}

Status QmmKernels::launchDense(const QmmKernelSpec &spec,
                               const QmmOperands &operands, CUdeviceptr perm,
                               int64_t m, CUdeviceptr workspace,
                               size_t workspaceBytes, cublasHandle_t handle,
                               CUstream stream) {
  rt::CompileOptions options;
  options.arch = arch_;
  Expected<rt::DequantizeFunctions> dequantizer =
      dequantizers_.get(*cache_, options, spec.bits, /*zerosAsIs=*/!spec.v1,
                        /*bf16=*/false);
  if (!dequantizer)
    return dequantizer.status();
  auto driver = rt::driverApi();
  if (!driver)
    return driver.status();
  // cuBLAS is linked here: the dense path takes it as it is.
  static const rt::CublasApi linked = {
      &cublasCreate_v2, &cublasDestroy_v2, &cublasSetStream_v2,
      static_cast<rt::CublasApi::GemmEx>(&cublasGemmEx)};
  rt::DenseMatmulArgs args;
  args.operands = operands;
  args.perm = perm;
  args.workspace = workspace;
  args.workspaceBytes = workspaceBytes;
  args.M = m;
  args.K = spec.K;
  args.N = spec.N;
  args.bits = spec.bits;
  args.groupSize = spec.groupSize == -1 ? spec.K : spec.groupSize;
  return rt::denseMatmul(**driver, linked, handle, *dequantizer, args, stream);
}

} // namespace gptq::model::cuda
