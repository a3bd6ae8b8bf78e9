//===- QMMOps.cpp - qmm operation verifiers -------------------------------===//
//
// The structural rules of GPTQ tensors live here, once, and are shared by
// the tensor ops (qmm.matmul, qmm.dequant) and the tile ops that read the
// same tensors as memrefs.
//
//===----------------------------------------------------------------------===//

#include "gptq/Dialect/QMM/QMMDialect.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"

using namespace mlir;
using namespace mlir::qmm;

namespace {

/// The shaped operands of a quantized weight, tensor or memref alike.
struct WeightOperands {
  ShapedType qweight;
  ShapedType qzeros;
  ShapedType scales;
  ShapedType gIdx; // null when absent
};

bool isStatic(int64_t dim) { return !ShapedType::isDynamic(dim); }

/// Prints a shape as `AxB` with `?` for dynamic dimensions.
std::string shapeString(ArrayRef<int64_t> shape) {
  std::string text;
  llvm::raw_string_ostream os(text);
  llvm::interleave(
      shape, os,
      [&](int64_t dim) {
        if (isStatic(dim))
          os << dim;
        else
          os << '?';
      },
      "x");
  return text;
}

/// Compares `type`'s shape with `expected` where both are static.
LogicalResult expectShape(Operation *op, StringRef name, ShapedType type,
                          ArrayRef<int64_t> expected, StringRef why) {
  if (type.getRank() != int64_t(expected.size()))
    return op->emitOpError() << name << " must have rank " << expected.size()
                             << ", got " << type.getRank();
  for (auto [actual, want] : llvm::zip(type.getShape(), expected))
    if (isStatic(actual) && isStatic(want) && actual != want)
      return op->emitOpError()
             << name << " has shape " << shapeString(type.getShape())
             << ", expected " << shapeString(expected) << " (" << why << ")";
  return success();
}

/// Rules shared by every op that reads a quantized weight of `inFeatures`
/// (K) x `outFeatures` (N); either may be dynamic (ShapedType::kDynamic).
LogicalResult verifyWeight(Operation *op, LayoutAttr layout, int64_t inFeatures,
                           int64_t outFeatures, const WeightOperands &weight,
                           Type activationElementType) {
  const int64_t bits = layout.getBits();
  const int64_t groupSize = layout.getGroupSize();
  if (weight.qweight.getRank() != 2)
    return op->emitOpError() << "qweight must have rank 2";
  // When only qweight knows K, derive it from the packed row count.
  if (!isStatic(inFeatures) && isStatic(weight.qweight.getDimSize(0)))
    inFeatures = weight.qweight.getDimSize(0) * 32 / bits;
  if (!isStatic(outFeatures))
    outFeatures = weight.qweight.getDimSize(1);

  if (isStatic(inFeatures)) {
    if ((inFeatures * bits) % 32 != 0)
      return op->emitOpError()
             << "input features K = " << inFeatures << " times bits = " << bits
             << " is not a multiple of 32: qweight packs whole int32 words";
    if (groupSize != -1 && inFeatures % groupSize != 0)
      return op->emitOpError()
             << "input features K = " << inFeatures
             << " is not divisible by group_size " << groupSize;
  }
  if (isStatic(outFeatures) && (outFeatures * bits) % 32 != 0)
    return op->emitOpError()
           << "output features N = " << outFeatures << " times bits = " << bits
           << " is not a multiple of 32: qzeros packs whole int32 words";

  auto scaled = [](int64_t dim, int64_t bits) {
    return isStatic(dim) ? dim * bits / 32 : ShapedType::kDynamic;
  };
  int64_t numGroups = ShapedType::kDynamic;
  if (groupSize == -1)
    numGroups = 1;
  else if (isStatic(inFeatures))
    numGroups = inFeatures / groupSize;

  if (failed(expectShape(op, "qweight", weight.qweight,
                         {scaled(inFeatures, bits), outFeatures},
                         "K * bits / 32 x N, packed along K")))
    return failure();
  if (failed(expectShape(op, "qzeros", weight.qzeros,
                         {numGroups, scaled(outFeatures, bits)},
                         "groups x N * bits / 32, packed along N")))
    return failure();
  if (failed(expectShape(op, "scales", weight.scales, {numGroups, outFeatures},
                         "groups x N")))
    return failure();
  if (weight.scales.getElementType() != activationElementType)
    return op->emitOpError()
           << "scales element type " << weight.scales.getElementType()
           << " must match the activation element type "
           << activationElementType;

  if (layout.getActOrder() && !weight.gIdx)
    return op->emitOpError()
           << "layout has act_order = true but no g_idx operand";
  if (!layout.getActOrder() && weight.gIdx)
    return op->emitOpError()
           << "g_idx given but layout has act_order = false (the group of "
              "channel k is then k / group_size)";
  if (weight.gIdx &&
      failed(expectShape(op, "g_idx", weight.gIdx, {inFeatures}, "K")))
    return failure();
  return success();
}

ShapedType optionalShaped(Value value) {
  return value ? cast<ShapedType>(value.getType()) : ShapedType();
}

} // namespace

//===----------------------------------------------------------------------===//
// Tensor ops
//===----------------------------------------------------------------------===//

LogicalResult MatmulOp::verify() {
  RankedTensorType xType = getX().getType();
  RankedTensorType resultType = getResult().getType();
  if (xType.getRank() != 2)
    return emitOpError() << "x must have rank 2 (M x K), got rank "
                         << xType.getRank();
  if (resultType.getRank() != 2)
    return emitOpError() << "result must have rank 2 (M x N), got rank "
                         << resultType.getRank();
  if (resultType.getElementType() != xType.getElementType())
    return emitOpError() << "result element type "
                         << resultType.getElementType()
                         << " must match x's element type "
                         << xType.getElementType();
  int64_t rowsX = xType.getDimSize(0), rowsY = resultType.getDimSize(0);
  if (isStatic(rowsX) && isStatic(rowsY) && rowsX != rowsY)
    return emitOpError() << "result has " << rowsY << " rows but x has "
                         << rowsX;
  const int64_t inFeatures = xType.getDimSize(1);
  const int64_t outFeatures = resultType.getDimSize(1);
  WeightOperands weight{getQweight().getType(), getQzeros().getType(),
                        getScales().getType(), optionalShaped(getGIdx())};
  if (failed(verifyWeight(*this, getLayout(), inFeatures, outFeatures, weight,
                          xType.getElementType())))
    return failure();
  if (Value bias = getBias()) {
    auto biasType = cast<RankedTensorType>(bias.getType());
    if (biasType.getElementType() != xType.getElementType())
      return emitOpError() << "bias element type " << biasType.getElementType()
                           << " must match x's element type "
                           << xType.getElementType();
    if (failed(expectShape(*this, "bias", biasType, {outFeatures}, "N")))
      return failure();
  }
  return success();
}

LogicalResult DequantOp::verify() {
  RankedTensorType weightType = getWeight().getType();
  if (weightType.getRank() != 2)
    return emitOpError() << "result must have rank 2 (K x N), got rank "
                         << weightType.getRank();
  // A reordered weight is only meaningful next to the permutation of x
  // that qmm.matmul applies; dequantized alone (and fused back into a
  // matmul of the unpermuted x) its rows would be in the wrong order.
  if (getLayout().getReordered())
    return emitOpError() << "reordered layouts are only valid on qmm.matmul";
  WeightOperands weight{getQweight().getType(), getQzeros().getType(),
                        getScales().getType(), optionalShaped(getGIdx())};
  return verifyWeight(*this, getLayout(), weightType.getDimSize(0),
                      weightType.getDimSize(1), weight,
                      weightType.getElementType());
}

//===----------------------------------------------------------------------===//
// Tile ops
//===----------------------------------------------------------------------===//

LogicalResult TileLoadActOp::verify() {
  SharedTileType dest = getDest().getType();
  Type sourceElement = getSource().getType().getElementType();
  if (dest.getElementType() != sourceElement)
    return emitOpError() << "destination element type " << dest.getElementType()
                         << " must match the source's " << sourceElement;
  // Rows are copied in 16-byte vectors.
  if (dest.getCols() % 8 != 0)
    return emitOpError() << "destination columns must be a multiple of 8, got "
                         << dest.getCols();
  return success();
}

LogicalResult TileLoadDequantOp::verify() {
  SharedTileType dest = getDest().getType();
  MemRefType scales = getScales().getType();
  if (dest.getElementType() != scales.getElementType())
    return emitOpError() << "destination element type " << dest.getElementType()
                         << " must match the scales' "
                         << scales.getElementType();
  if (dest.getCols() % 32 != 0)
    return emitOpError() << "destination columns (input channels per step) "
                            "must be a multiple of 32, got "
                         << dest.getCols();
  // load_dequant feeds the mma strategy, which cannot gather x by a
  // permutation (qmm-tile rejects the combination earlier, naming the
  // matmul).
  if (getLayout().getReordered())
    return emitOpError() << "reordered layouts have no mma kernel; use a "
                            "stream tile";
  WeightOperands weight{getQweight().getType(), getQzeros().getType(), scales,
                        optionalShaped(getGIdx())};
  return verifyWeight(*this, getLayout(), ShapedType::kDynamic,
                      ShapedType::kDynamic, weight, scales.getElementType());
}

LogicalResult TileMmaOp::verify() {
  SharedTileType lhs = getLhs().getType(), rhs = getRhs().getType();
  AccumulatorType acc = getAcc().getType();
  if (lhs.getElementType() != rhs.getElementType())
    return emitOpError() << "operand element types differ: "
                         << lhs.getElementType() << " and "
                         << rhs.getElementType();
  if (lhs.getCols() != rhs.getCols())
    return emitOpError() << "lhs has " << lhs.getCols()
                         << " columns (K) but rhs has " << rhs.getCols();
  if (lhs.getRows() != acc.getRows() || rhs.getRows() != acc.getCols())
    return emitOpError() << "accumulator " << acc.getRows() << "x"
                         << acc.getCols() << " does not match lhs rows "
                         << lhs.getRows() << " x rhs rows " << rhs.getRows();
  if (lhs.getRows() % 16 != 0 || rhs.getRows() % 8 != 0 ||
      lhs.getCols() % 16 != 0)
    return emitOpError() << "mma.sync m16n8k16 needs M % 16, N % 8 and "
                            "K % 16 to be 0";
  return success();
}

LogicalResult TileStoreOp::verify() {
  AccumulatorType acc = getAcc().getType();
  MemRefType dest = getDest().getType();
  if (Value bias = getBias()) {
    auto biasType = cast<MemRefType>(bias.getType());
    if (biasType.getElementType() != dest.getElementType())
      return emitOpError() << "bias element type " << biasType.getElementType()
                           << " must match the destination's "
                           << dest.getElementType();
  }
  if (acc.getCols() % 2 != 0)
    return emitOpError() << "accumulator columns must be even";
  return success();
}

#define GET_OP_CLASSES
#include "QMM/QMMOps.cpp.inc"
