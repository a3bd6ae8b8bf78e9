//===- SelectTile.cpp - choose a tile configuration per qmm.matmul --------===//
//
// The tile of a qmm.matmul comes from the autotune cache when it has an
// entry for the op's GPU, layout, shape and M bucket, else from the default
// heuristics (autotune/DefaultConfigs.cpp). The cache is advice: whatever is
// wrong with it becomes a warning and the defaults apply.
//
//===----------------------------------------------------------------------===//

#include "gptq/Autotune/AutotuneCache.h"
#include "gptq/Autotune/DefaultConfigs.h"
#include "gptq/Autotune/TileLegality.h"
#include "gptq/Dialect/QMM/Passes.h"

#include "mlir/IR/BuiltinOps.h"

#include <optional>

namespace mlir::qmm {
#define GEN_PASS_DEF_QMMSELECTTILE
#include "QMM/QMMPasses.h.inc"
} // namespace mlir::qmm

using namespace mlir;
using namespace mlir::qmm;

namespace {

/// The cache key of `op`'s weight layout and activation type.
gptq::autotune::LayoutKey layoutKey(MatmulOp op) {
  LayoutAttr layout = op.getLayout();
  gptq::autotune::LayoutKey key;
  key.bits = layout.getBits();
  key.groupSize = layout.getGroupSize();
  key.actOrder = layout.getActOrder();
  key.sym = layout.getSym();
  key.format = stringifyCheckpointFormat(layout.getFormat()).str();
  key.dtype = op.getX().getType().getElementType().isBF16() ? "bf16" : "f16";
  return key;
}

struct QMMSelectTilePass
    : mlir::qmm::impl::QMMSelectTileBase<QMMSelectTilePass> {
  using QMMSelectTileBase::QMMSelectTileBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    if (sms < 1) {
      emitError(module.getLoc())
          << "qmm-select-tile: sms must be at least 1, got "
          << static_cast<int64_t>(sms);
      return signalPassFailure();
    }
    // Read per run rather than once per pass instance: the file may change
    // between runs (gptq-tune writing it), and it is small.
    std::optional<gptq::autotune::AutotuneCache> cache;
    if (!autotuneCache.empty()) {
      gptq::autotune::GpuSelector selector;
      selector.name = gpuName;
      selector.arch = arch;
      selector.driverVersion = driver;
      gptq::autotune::AutotuneCacheLoad loaded =
          gptq::autotune::AutotuneCache::load(autotuneCache, selector);
      for (const std::string &warning : loaded.warnings)
        emitWarning(module.getLoc()) << warning;
      cache = std::move(loaded.cache);
    }

    WalkResult result = module.walk([&](MatmulOp op) {
      if (TileAttr preset = op.getTileAttr()) {
        // A tile written in the input must still suit the target.
        gptq::Status fits =
            gptq::autotune::checkTileForArch(toTileConfig(preset), arch);
        if (!fits.ok()) {
          op.emitOpError() << fits.message();
          return WalkResult::interrupt();
        }
        return WalkResult::advance();
      }
      RankedTensorType xType = op.getX().getType();
      RankedTensorType resultType = op.getResult().getType();
      gptq::autotune::ProblemShape shape;
      shape.rows =
          ShapedType::isDynamic(xType.getDimSize(0)) ? -1 : xType.getDimSize(0);
      shape.inFeatures = xType.getDimSize(1);
      shape.outFeatures = resultType.getDimSize(1);
      shape.bits = op.getLayout().getBits();
      shape.groupSize = op.getLayout().getGroupSize();
      shape.actOrder = op.getLayout().getActOrder();
      if (ShapedType::isDynamic(shape.inFeatures) ||
          ShapedType::isDynamic(shape.outFeatures)) {
        op.emitOpError() << "needs static K and N to select a kernel tile";
        return WalkResult::interrupt();
      }
      // Only the stream strategy gathers x by a reordered layout's
      // permutation. Its 64-row default serves any M (the grid covers M),
      // and no cache entry describes a reordered kernel (gptq-tune does not
      // generate them; act-order entries measured the per-value path).
      const bool reordered = op.getLayout().getReordered();
      if (reordered && shape.rows > 64)
        shape.rows = 64;
      // The default also checks K and N, so a shape the generator cannot
      // handle fails the same way with or without a cache.
      shape.sms = sms;
      auto config = gptq::autotune::defaultTileConfig(arch, shape);
      if (!config) {
        op.emitOpError() << "cannot be tiled: " << config.message();
        return WalkResult::interrupt();
      }
      gptq::autotune::TileConfig chosen = *config;
      if (cache && !reordered)
        if (std::optional<gptq::autotune::TileConfig> tuned = cache->lookup(
                layoutKey(op), shape.inFeatures, shape.outFeatures, shape.rows))
          chosen = *tuned;
      // Cache entries fit their GPU's arch (the loader checks them against
      // it) and the selector takes only entries of `arch`.
      op.setTileAttr(toTileAttr(&getContext(), chosen));
      return WalkResult::advance();
    });
    if (result.wasInterrupted())
      signalPassFailure();
  }
};

} // namespace
