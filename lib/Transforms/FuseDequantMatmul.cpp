//===- FuseDequantMatmul.cpp - qmm.dequant + linalg.matmul -> qmm.matmul --===//
//
// A front end that dequantizes the weight and then calls a dense matmul
// would materialize K x N fp16 values, four times the packed bytes. This
// pass folds the pair into one qmm.matmul so the kernel reads packed codes.
//
//===----------------------------------------------------------------------===//

#include "gptq/Dialect/QMM/Passes.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::qmm {
#define GEN_PASS_DEF_QMMFUSEDEQUANTMATMUL
#include "QMM/QMMPasses.h.inc"
} // namespace mlir::qmm

using namespace mlir;
using namespace mlir::qmm;

namespace {

/// linalg.matmul accumulates into its init; the fusion is only exact when
/// that init is all zeros (linalg.fill of 0) or undefined (tensor.empty).
bool isZeroOrEmptyInit(Value init) {
  if (init.getDefiningOp<tensor::EmptyOp>())
    return true;
  auto fill = init.getDefiningOp<linalg::FillOp>();
  if (!fill)
    return false;
  return matchPattern(fill.getInputs()[0], m_AnyZeroFloat());
}

struct FuseDequantIntoMatmul : OpRewritePattern<linalg::MatmulOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(linalg::MatmulOp matmul,
                                PatternRewriter &rewriter) const override {
    if (!matmul.hasPureTensorSemantics() || matmul.getInputs().size() != 2 ||
        matmul->getNumResults() != 1)
      return rewriter.notifyMatchFailure(matmul, "not a plain tensor matmul");
    auto dequant = matmul.getInputs()[1].getDefiningOp<DequantOp>();
    if (!dequant)
      return rewriter.notifyMatchFailure(matmul, "rhs is not a qmm.dequant");
    if (!isZeroOrEmptyInit(matmul.getOutputs()[0]))
      return rewriter.notifyMatchFailure(matmul, "init is not zero or empty");
    // Indexing maps must be the default (no transposes or broadcasts).
    if (matmul.hasUserDefinedMaps())
      return rewriter.notifyMatchFailure(matmul, "non-default indexing maps");

    Value x = matmul.getInputs()[0];
    auto xType = cast<RankedTensorType>(x.getType());
    auto resultType = cast<RankedTensorType>(matmul->getResult(0).getType());
    Type elementType = dequant.getWeight().getType().getElementType();
    if (xType.getElementType() != elementType ||
        resultType.getElementType() != elementType)
      return rewriter.notifyMatchFailure(matmul, "mixed element types");

    auto fused = MatmulOp::create(
        rewriter, matmul.getLoc(), resultType, x, dequant.getQweight(),
        dequant.getQzeros(), dequant.getScales(), dequant.getGIdx(),
        /*bias=*/Value(), dequant.getLayout(), /*tile=*/TileAttr(),
        /*kernel=*/SymbolRefAttr());
    rewriter.replaceOp(matmul, fused.getResult());
    if (dequant->use_empty())
      rewriter.eraseOp(dequant);
    return success();
  }
};

struct QMMFuseDequantMatmulPass
    : mlir::qmm::impl::QMMFuseDequantMatmulBase<QMMFuseDequantMatmulPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<FuseDequantIntoMatmul>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
