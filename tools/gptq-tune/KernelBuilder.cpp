//===- KernelBuilder.cpp - candidate tiles to CUDA C++ -------------------===//

#include "KernelBuilder.h"

#include "gptq/Dialect/QMM/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"

#include <fmt/format.h>

#include <map>

using namespace mlir;

namespace gptq::tune {

/// One function per candidate, `@candidate_<index>`, with M dynamic: the
/// kernels take the row count at launch, so one kernel serves every M.
static std::string moduleText(const autotune::LayoutKey &layout, int64_t K,
                              int64_t N,
                              const std::vector<autotune::TileConfig> &tiles,
                              size_t firstIndex) {
  const int64_t groups = layout.groupSize == -1 ? 1 : K / layout.groupSize;
  const std::string element = layout.dtype;
  const std::string x = fmt::format("tensor<?x{}x{}>", K, element);
  const std::string qweight =
      fmt::format("tensor<{}x{}xi32>", K * layout.bits / 32, N);
  const std::string qzeros =
      fmt::format("tensor<{}x{}xi32>", groups, N * layout.bits / 32);
  const std::string scales =
      fmt::format("tensor<{}x{}x{}>", groups, N, element);
  const std::string gIdx = fmt::format("tensor<{}xi32>", K);
  const std::string y = fmt::format("tensor<?x{}x{}>", N, element);

  std::string text = fmt::format(
      "#layout = #qmm.layout<bits = {}, group_size = {}, act_order = {}, "
      "sym = {}, format = {}>\n",
      layout.bits, layout.groupSize, layout.actOrder, layout.sym,
      layout.format);
  for (size_t i = 0; i < tiles.size(); ++i) {
    const autotune::TileConfig &tile = tiles[i];
    const std::string gArgument =
        layout.actOrder ? fmt::format(", %g: {}", gIdx) : "";
    const std::string gOperand = layout.actOrder ? " g_idx(%g)" : "";
    const std::string gType = layout.actOrder ? ", " + gIdx : "";
    text += fmt::format(
        "func.func @candidate_{}(%x: {}, %qw: {}, %qz: {}, %s: {}{}) -> {} "
        "{{\n"
        "  %y = qmm.matmul %x, %qw, %qz, %s{} {{layout = #layout, tile = "
        "#qmm.tile<strategy = {}, block_m = {}, block_n = {}, block_k = {}, "
        "warps = {}, stages = {}, split_k = {}>}} : ({}, {}, {}, {}{}) -> {}\n"
        "  return %y : {}\n}}\n",
        firstIndex + i, x, qweight, qzeros, scales, gArgument, y, gOperand,
        autotune::strategyName(tile.strategy), tile.blockM, tile.blockN,
        tile.blockK, tile.warps, tile.stages, tile.splitK, x, qweight, qzeros,
        scales, gType, y, y);
  }
  return text;
}

Expected<std::vector<KernelSource>>
buildKernelSources(const autotune::LayoutKey &layout, int64_t inFeatures,
                   int64_t outFeatures,
                   const std::vector<autotune::TileConfig> &candidates,
                   const std::string &arch, size_t kernelsPerSource) {
  DialectRegistry registry;
  registry.insert<qmm::QMMDialect, func::FuncDialect, arith::ArithDialect,
                  gpu::GPUDialect, scf::SCFDialect, memref::MemRefDialect,
                  tensor::TensorDialect, linalg::LinalgDialect>();
  MLIRContext context(registry, MLIRContext::Threading::DISABLED);
  std::string diagnostics;
  ScopedDiagnosticHandler handler(&context, [&](Diagnostic &diagnostic) {
    if (diagnostic.getSeverity() == DiagnosticSeverity::Error ||
        diagnostic.getSeverity() == DiagnosticSeverity::Warning)
      diagnostics += (diagnostics.empty() ? "" : "; ") + diagnostic.str();
    return success();
  });

  std::vector<KernelSource> sources;
  kernelsPerSource = std::max<size_t>(1, kernelsPerSource);
  for (size_t first = 0; first < candidates.size(); first += kernelsPerSource) {
    const size_t last = std::min(candidates.size(), first + kernelsPerSource);
    std::vector<autotune::TileConfig> chunk(candidates.begin() + first,
                                            candidates.begin() + last);
    std::string text =
        moduleText(layout, inFeatures, outFeatures, chunk, first);
    OwningOpRef<ModuleOp> module = parseSourceString<ModuleOp>(text, &context);
    PassManager pm(&context);
    if (module)
      qmm::buildLowerToCudaPipeline(pm, arch);
    if (!module || failed(pm.run(*module)))
      return Status::error(fmt::format(
          "lowering candidates {}..{} for K = {}, N = {} failed: {}", first,
          last - 1, inFeatures, outFeatures, diagnostics));

    KernelSource source;
    source.programName = fmt::format("gptq_tune_k{}_n{}_{}.cu", inFeatures,
                                     outFeatures, first / kernelsPerSource);
    std::map<std::string, std::vector<std::string>> paramsOfKernel;
    module->walk([&](gpu::GPUModuleOp kernels) {
      if (auto text =
              kernels->getAttrOfType<StringAttr>(qmm::kCudaSourceAttrName))
        source.source += text.getValue().str();
    });
    module->walk([&](gpu::GPUFuncOp kernel) {
      std::vector<std::string> params;
      for (unsigned i = 0; i < kernel.getNumArguments(); ++i) {
        auto role = kernel.getArgAttrOfType<StringAttr>(i, qmm::kParamAttrName);
        params.push_back(role ? role.getValue().str() : std::string("?"));
      }
      paramsOfKernel[kernel.getName().str()] = std::move(params);
    });
    Status missing = Status::success();
    module->walk([&](func::FuncOp function) {
      StringRef name = function.getName();
      size_t index = std::stoul(name.drop_front(strlen("candidate_")).str());
      function.walk([&](qmm::MatmulOp matmul) {
        SymbolRefAttr kernel = matmul.getKernelAttr();
        if (!kernel) {
          missing =
              Status::error(fmt::format("candidate {} got no kernel", index));
          return;
        }
        std::string kernelName = kernel.getLeafReference().str();
        source.kernels.push_back(
            {index, kernelName, paramsOfKernel[kernelName]});
      });
    });
    GPTQ_RETURN_IF_ERROR(missing);
    sources.push_back(std::move(source));
  }
  return sources;
}

} // namespace gptq::tune
