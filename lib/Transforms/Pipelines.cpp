//===- Pipelines.cpp - the qmm lowering pipeline --------------------------===//

#include "gptq/Dialect/QMM/Passes.h"

#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"

using namespace mlir;

void mlir::qmm::buildLowerToCudaPipeline(OpPassManager &pm,
                                         const std::string &arch) {
  buildLowerToCudaPipeline(pm, arch, /*autotuneCachePath=*/"");
}

void mlir::qmm::buildLowerToCudaPipeline(OpPassManager &pm,
                                         const std::string &arch,
                                         const std::string &autotuneCachePath,
                                         const std::string &gpuName,
                                         bool reorderActOrder, int64_t sms) {
  pm.addPass(createQMMFuseDequantMatmul());
  // Before tile selection, which gives reordered matmuls stream tiles.
  if (reorderActOrder)
    pm.addPass(createQMMReorderActOrder());
  QMMSelectTileOptions selectOptions;
  selectOptions.arch = arch;
  selectOptions.autotuneCache = autotuneCachePath;
  selectOptions.gpuName = gpuName;
  selectOptions.sms = sms;
  pm.addPass(createQMMSelectTile(selectOptions));
  pm.addPass(createQMMTile());
  pm.addPass(createConvertQMMToCUDA());
}

namespace {
struct LowerToCudaOptions : PassPipelineOptions<LowerToCudaOptions> {
  Option<std::string> arch{*this, "arch",
                           llvm::cl::desc("Target GPU architecture"),
                           llvm::cl::init("sm_90a")};
  Option<std::string> autotuneCache{
      *this, "autotune-cache",
      llvm::cl::desc("Autotune cache (gptq-tune's JSON) to take tiles from"),
      llvm::cl::init("")};
  Option<std::string> gpuName{
      *this, "gpu-name",
      llvm::cl::desc("Use only cache entries of this GPU (default: any GPU "
                     "of the architecture)"),
      llvm::cl::init("")};
  Option<bool> reorderActOrder{
      *this, "reorder-act-order",
      llvm::cl::desc("Regroup act-order weights (qmm-reorder-act-order); the "
                     "runtime must then prepare them at load time"),
      llvm::cl::init(false)};
  Option<int64_t> sms{*this, "sms",
                      llvm::cl::desc("SMs of the target GPU, for the default "
                                     "tiles' grid rules"),
                      llvm::cl::init(gptq::autotune::kReferenceSms)};
};
} // namespace

void mlir::qmm::registerLowerToCudaPipeline() {
  PassPipelineRegistration<LowerToCudaOptions>(
      "qmm-lower-to-cuda",
      "Lower qmm.matmul to CUDA C++: fuse, select tiles, tile, emit",
      [](OpPassManager &pm, const LowerToCudaOptions &options) {
        buildLowerToCudaPipeline(pm, options.arch, options.autotuneCache,
                                 options.gpuName, options.reorderActOrder,
                                 options.sms);
      });
}
