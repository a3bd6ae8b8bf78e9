//===- Specialize.cpp - One qmm.matmul lowered to CUDA C++ ----------------===//
//
// The JIT's only MLIR code. It builds the module a user would write for one
// matmul (static K and N; M fixed to its bucket's upper bound, which makes
// qmm-select-tile pick the bucket's tile; the kernel itself takes M at run
// time), runs the same pipeline as `gptq-opt --emit=cuda`, and reads back
// what the passes left on the module: the CUDA source on the gpu.module, the
// kernel's name on the qmm.matmul, and on the gpu.func its block size,
// #qmm.tile and parameter roles. The launch rule (grid N / block_n by
// ceil(M / block_m)) is qmm-tile's, documented in TileMatmul.cpp.
//
//===----------------------------------------------------------------------===//

#include "KernelKey.h"

#include "gptq/Autotune/DefaultConfigs.h"
#include "gptq/Autotune/TileLegality.h"
#include "gptq/Dialect/QMM/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/PassManager.h"

#include <fmt/format.h>

namespace gptq::jit {
namespace {

using namespace mlir;

/// The module `func.func @qmm_jit(x, qweight, qzeros, scales[, g_idx]
/// [, bias]) { qmm.matmul }` for `desc`, M = `rows`.
OwningOpRef<ModuleOp> buildMatmulModule(MLIRContext &context,
                                        const MatmulDesc &desc, int64_t rows) {
  const QuantLayout &layout = desc.layout;
  OpBuilder builder(&context);
  Location loc = NameLoc::get(builder.getStringAttr("qmm_jit"));
  OwningOpRef<ModuleOp> module = ModuleOp::create(loc);

  Type element = desc.dtype == DType::BF16 ? Type(builder.getBF16Type())
                                           : Type(builder.getF16Type());
  Type i32 = builder.getI32Type();
  const int64_t K = desc.K, N = desc.N, bits = layout.bits;
  const int64_t groups = layout.groupSize == -1 ? 1 : K / layout.groupSize;
  SmallVector<Type> inputs = {
      RankedTensorType::get({rows, K}, element),
      RankedTensorType::get({K * bits / 32, N}, i32),
      RankedTensorType::get({groups, N * bits / 32}, i32),
      RankedTensorType::get({groups, N}, element)};
  if (layout.actOrder)
    inputs.push_back(RankedTensorType::get({K}, i32));
  if (desc.hasBias)
    inputs.push_back(RankedTensorType::get({N}, element));
  auto resultType = RankedTensorType::get({rows, N}, element);

  builder.setInsertionPointToEnd(module->getBody());
  auto func = func::FuncOp::create(
      builder, loc, "qmm_jit", builder.getFunctionType(inputs, {resultType}));
  Block *entry = func.addEntryBlock();
  builder.setInsertionPointToStart(entry);
  unsigned next = 4;
  Value gIdx = layout.actOrder ? entry->getArgument(next++) : Value();
  Value bias = desc.hasBias ? entry->getArgument(next++) : Value();
  // A regrouped weight is qmm's reordered layout: g_idx carries the
  // permutation and the kernel gathers x through it.
  auto layoutAttr = qmm::LayoutAttr::get(
      &context, unsigned(bits), layout.groupSize, layout.actOrder, layout.sym,
      layout.format == format::CheckpointFormat::GptqV2
          ? qmm::CheckpointFormat::gptq_v2
          : qmm::CheckpointFormat::gptq_v1,
      layout.regrouped);
  auto matmul = qmm::MatmulOp::create(
      builder, loc, resultType, entry->getArgument(0), entry->getArgument(1),
      entry->getArgument(2), entry->getArgument(3), gIdx, bias, layoutAttr,
      /*tile=*/nullptr, /*kernel=*/nullptr);
  func::ReturnOp::create(builder, loc, matmul.getResult());
  return module;
}

/// Reads the source, kernel name and launch geometry off the lowered module.
Expected<Specialization> readLowered(ModuleOp module, const MatmulDesc &desc,
                                     const std::string &arch) {
  qmm::MatmulOp matmul;
  module.walk([&](qmm::MatmulOp op) { matmul = op; });
  if (!matmul || !matmul.getKernelAttr() || !matmul.getTileAttr())
    return Status::error(
        "qmm.matmul: the lowering left no kernel on the matmul");
  SymbolRefAttr kernelRef = matmul.getKernelAttr();
  auto gpuModule =
      module.lookupSymbol<gpu::GPUModuleOp>(kernelRef.getRootReference());
  if (!gpuModule)
    return Status::error("qmm.matmul: the lowering left no gpu.module");
  auto source = gpuModule->getAttrOfType<StringAttr>(qmm::kCudaSourceAttrName);
  auto kernel =
      gpuModule.lookupSymbol<gpu::GPUFuncOp>(kernelRef.getLeafReference());
  if (!source || !kernel)
    return Status::error(
        "qmm.matmul: the lowering left no CUDA source or no kernel");

  Specialization spec;
  spec.arch = arch;
  spec.kernelName = kernel.getName().str();
  spec.cudaSource = source.getValue().str();
  qmm::TileAttr tile = matmul.getTileAttr();
  {
    llvm::raw_string_ostream os(spec.tile);
    os << tile;
  }
  DenseI32ArrayAttr blockSize = kernel.getKnownBlockSizeAttr();
  if (!blockSize || blockSize.size() != 3 || blockSize[0] <= 0)
    return Status::error(fmt::format(
        "qmm.matmul: kernel {} has no known block size", spec.kernelName));
  spec.geometry.threads = unsigned(blockSize[0]);
  spec.geometry.blockM = unsigned(tile.getBlockM());
  spec.geometry.blockN = unsigned(tile.getBlockN());
  spec.geometry.blockK = unsigned(tile.getBlockK());
  spec.geometry.splitK = unsigned(tile.getSplitK());
  spec.geometry.earlyStart = qmm::startsBeforeGatherEnds(tile.getStrategy());
  // Every shared buffer of the building blocks is static (under 48 KB)
  // except those of wgmma tiles past it, which the launch passes.
  spec.geometry.dynamicSharedBytes =
      unsigned(gptq::autotune::launchDynamicSharedBytes(
          qmm::toTileConfig(tile),
          qmm::toTileProblem(matmul.getLayout(), desc.K, desc.N)));
  if (spec.geometry.blockN == 0 || desc.N % spec.geometry.blockN != 0 ||
      spec.geometry.blockM == 0)
    return Status::error(fmt::format(
        "qmm.matmul: tile {} does not divide N = {}", spec.tile, desc.N));

  std::vector<std::string> roles;
  for (BlockArgument arg : kernel.getArguments()) {
    auto role = kernel.getArgAttrOfType<StringAttr>(arg.getArgNumber(),
                                                    qmm::kParamAttrName);
    if (!role)
      return Status::error(
          fmt::format("qmm.matmul: kernel {} parameter {} has no role",
                      spec.kernelName, arg.getArgNumber()));
    roles.push_back(role.getValue().str());
  }
  Expected<rt::QmmParamList> params =
      rt::QmmParamList::fromRoles(roles, spec.kernelName);
  if (!params)
    return params.status().withContext("qmm.matmul");
  spec.params = *params;
  return spec;
}

} // namespace

Expected<Specialization>
QmmJit::specialize(const MatmulDesc &desc, const std::string &arch,
                   const std::string &autotuneCachePath, int64_t sms) {
  GPTQ_RETURN_IF_ERROR(validate(desc));
  char archKey[16];
  GPTQ_RETURN_IF_ERROR(encodeArch(arch, archKey));
  // A context per specialization: nothing is shared between threads that
  // specialize at once, and the attributes of one matmul do not pile up for
  // the life of the process. No thread pool: the module has one function.
  MLIRContext context(MLIRContext::Threading::DISABLED);
  context.loadDialect<qmm::QMMDialect, func::FuncDialect, arith::ArithDialect,
                      gpu::GPUDialect, scf::SCFDialect, memref::MemRefDialect,
                      tensor::TensorDialect, linalg::LinalgDialect>();
  std::string diagnostics;
  ScopedDiagnosticHandler handler(&context, [&](Diagnostic &diagnostic) {
    if (!diagnostics.empty())
      diagnostics += "; ";
    diagnostics += diagnostic.str();
    return success();
  });

  OwningOpRef<ModuleOp> module =
      buildMatmulModule(context, desc, autotune::rowBucket(desc.M));
  PassManager pm(&context);
  // Tiles come from the autotune cache where it has an entry for this
  // problem on a GPU of `arch` (its warnings are only collected: a corrupt
  // or foreign cache falls back to the per-arch defaults), else from the
  // defaults.
  mlir::qmm::buildLowerToCudaPipeline(pm, arch, autotuneCachePath,
                                      /*gpuName=*/"",
                                      /*reorderActOrder=*/false, sms);
  if (failed(pm.run(*module)))
    return Status::error(fmt::format(
        "qmm.matmul: lowering K = {}, N = {}, M bucket {} for {} failed: {}",
        desc.K, desc.N, autotune::rowBucket(desc.M), arch,
        diagnostics.empty() ? std::string("no diagnostic") : diagnostics));
  return readLowered(*module, desc, arch);
}

} // namespace gptq::jit
