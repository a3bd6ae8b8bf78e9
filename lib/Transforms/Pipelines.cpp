//===- Pipelines.cpp - the qmm lowering pipeline --------------------------===//

#include "gptq/Dialect/QMM/Passes.h"

#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"

using namespace mlir;

void mlir::qmm::buildLowerToCudaPipeline(OpPassManager &pm,
                                         const std::string &arch) {
  pm.addPass(createQMMFuseDequantMatmul());
  QMMSelectTileOptions selectOptions;
  selectOptions.arch = arch;
  pm.addPass(createQMMSelectTile(selectOptions));
  pm.addPass(createQMMTile());
  pm.addPass(createConvertQMMToCUDA());
}

namespace {
struct LowerToCudaOptions : PassPipelineOptions<LowerToCudaOptions> {
  Option<std::string> arch{*this, "arch",
                           llvm::cl::desc("Target GPU architecture"),
                           llvm::cl::init("sm_90a")};
};
} // namespace

void mlir::qmm::registerLowerToCudaPipeline() {
  PassPipelineRegistration<LowerToCudaOptions>(
      "qmm-lower-to-cuda",
      "Lower qmm.matmul to CUDA C++: fuse, select tiles, tile, emit",
      [](OpPassManager &pm, const LowerToCudaOptions &options) {
        buildLowerToCudaPipeline(pm, options.arch);
      });
}
