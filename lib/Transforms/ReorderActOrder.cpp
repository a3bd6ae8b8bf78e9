//===- ReorderActOrder.cpp - regroup act-order weights by group -----------===//
//
// An act-order matmul looks its group up per input channel (g_idx[k]), which
// keeps its kernel on a per-value path. Permuting the weight's channels once
// so that groups are contiguous, and permuting x the same way inside the
// kernel (y = x[:, perm] W[perm, :]), makes it a plain grouped matmul with a
// gather of x. This pass states that rewrite in the IR; the permutation and
// the permuted qweight are computed by the runtime at load time (the two
// preparation ops are never lowered to kernels).
//
//===----------------------------------------------------------------------===//

#include "gptq/Dialect/QMM/Passes.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"

namespace mlir::qmm {
#define GEN_PASS_DEF_QMMREORDERACTORDER
#include "QMM/QMMPasses.h.inc"
} // namespace mlir::qmm

using namespace mlir;
using namespace mlir::qmm;

namespace {

/// Replaces `op` with a matmul on `qweight` and `gIdx` (null: none) under
/// `layout`, keeping x, qzeros, scales, bias and every attribute.
void replaceMatmul(MatmulOp op, Value qweight, Value gIdx, LayoutAttr layout) {
  OpBuilder builder(op);
  auto replacement = MatmulOp::create(
      builder, op.getLoc(), op.getResult().getType(), op.getX(), qweight,
      op.getQzeros(), op.getScales(), gIdx, op.getBias(), layout,
      op.getTileAttr(), op.getKernelAttr());
  replacement->setDiscardableAttrs(op->getDiscardableAttrDictionary());
  op.getResult().replaceAllUsesWith(replacement.getResult());
  op.erase();
}

struct QMMReorderActOrderPass
    : mlir::qmm::impl::QMMReorderActOrderBase<QMMReorderActOrderPass> {
  void runOnOperation() override {
    SmallVector<MatmulOp> candidates;
    getOperation().walk([&](MatmulOp op) {
      LayoutAttr layout = op.getLayout();
      if (layout.getActOrder() && !layout.getReordered() && op.getGIdx())
        candidates.push_back(op);
    });
    for (MatmulOp op : candidates)
      rewrite(op);
  }

  void rewrite(MatmulOp op) {
    MLIRContext *context = &getContext();
    LayoutAttr layout = op.getLayout();
    // Its kernel was generated for the stored layout and the runtime passes
    // it the stored tensors; changing the operands now would disagree.
    if (op.getKernelAttr()) {
      op.emitRemark() << "act-order matmul left as is: it already has a "
                         "kernel";
      return;
    }
    // One group spanning K: every g_idx[k] is 0, so the channel order is
    // irrelevant and the matmul is a plain one without g_idx, whatever its
    // tile (no preparation op needed either).
    if (layout.getGroupSize() == -1) {
      replaceMatmul(op, op.getQweight(), Value(),
                    LayoutAttr::get(context, layout.getBits(), -1,
                                    /*act_order=*/false, layout.getSym(),
                                    layout.getFormat()));
      return;
    }
    // Only the stream building block gathers x by a permutation; a
    // hand-chosen mma tile keeps the act-order (per-channel group) path,
    // and a pipelined tile (no act-order kernel at all) is left for the
    // qmm-tile pass to reject with its reason.
    TileAttr tile = op.getTileAttr();
    if (tile && tile.getStrategy() != KernelStrategy::stream) {
      op.emitRemark() << "act-order matmul left as is: its "
                      << stringifyKernelStrategy(tile.getStrategy())
                      << " tile has no reordered variant (use a stream tile "
                         "or none)";
      return;
    }

    OpBuilder builder(op);
    Value gIdx = op.getGIdx();
    Value perm = ActOrderPermutationOp::create(
        builder, op.getLoc(), gIdx.getType(), gIdx,
        builder.getI64IntegerAttr(layout.getGroupSize()));
    Value qweight = PermutePackedRowsOp::create(
        builder, op.getLoc(), op.getQweight().getType(), op.getQweight(), perm,
        builder.getI64IntegerAttr(layout.getBits()));
    replaceMatmul(op, qweight, perm,
                  LayoutAttr::get(context, layout.getBits(),
                                  layout.getGroupSize(), /*act_order=*/true,
                                  layout.getSym(), layout.getFormat(),
                                  /*reordered=*/true));
  }
};

} // namespace
