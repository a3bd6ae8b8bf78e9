//===- SelectTile.cpp - choose a tile configuration per qmm.matmul --------===//

#include "gptq/Autotune/DefaultConfigs.h"
#include "gptq/Dialect/QMM/Passes.h"

#include "mlir/IR/BuiltinOps.h"

namespace mlir::qmm {
#define GEN_PASS_DEF_QMMSELECTTILE
#include "QMM/QMMPasses.h.inc"
} // namespace mlir::qmm

using namespace mlir;
using namespace mlir::qmm;

namespace {

struct QMMSelectTilePass
    : mlir::qmm::impl::QMMSelectTileBase<QMMSelectTilePass> {
  using QMMSelectTileBase::QMMSelectTileBase;

  void runOnOperation() override {
    WalkResult result = getOperation().walk([&](MatmulOp op) {
      if (op.getTileAttr())
        return WalkResult::advance();
      RankedTensorType xType = op.getX().getType();
      RankedTensorType resultType = op.getResult().getType();
      gptq::autotune::ProblemShape shape;
      shape.rows =
          ShapedType::isDynamic(xType.getDimSize(0)) ? -1 : xType.getDimSize(0);
      shape.inFeatures = xType.getDimSize(1);
      shape.outFeatures = resultType.getDimSize(1);
      shape.bits = op.getLayout().getBits();
      if (ShapedType::isDynamic(shape.inFeatures) ||
          ShapedType::isDynamic(shape.outFeatures)) {
        op.emitOpError() << "needs static K and N to select a kernel tile";
        return WalkResult::interrupt();
      }
      auto config = gptq::autotune::defaultTileConfig(arch, shape);
      if (!config) {
        op.emitOpError() << "cannot be tiled: " << config.message();
        return WalkResult::interrupt();
      }
      KernelStrategy strategy =
          config->strategy == gptq::autotune::Strategy::Stream
              ? KernelStrategy::stream
              : KernelStrategy::mma;
      op.setTileAttr(TileAttr::get(&getContext(), strategy, config->blockM,
                                   config->blockN, config->blockK,
                                   config->warps, config->stages));
      return WalkResult::advance();
    });
    if (result.wasInterrupted())
      signalPassFailure();
  }
};

} // namespace
