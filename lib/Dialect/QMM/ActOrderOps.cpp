//===- ActOrderOps.cpp - verifiers of the act-order preparation ops -------===//
//
// qmm.act_order_permutation and qmm.permute_packed_rows describe work the
// runtime does on the host when it loads an act-order weight
// (include/gptq/Format/ActOrder.h). Their verifiers check what the IR can
// know statically: the shapes agree and the attributes are ones the host
// functions accept.
//
//===----------------------------------------------------------------------===//

#include "gptq/Dialect/QMM/QMMDialect.h"

using namespace mlir;
using namespace mlir::qmm;

namespace {
bool isStatic(int64_t dim) { return !ShapedType::isDynamic(dim); }
} // namespace

LogicalResult ActOrderPermutationOp::verify() {
  const int64_t groupSize = getGroupSize();
  if (groupSize != -1 && groupSize <= 0)
    return emitOpError() << "group_size must be -1 or positive, got "
                         << groupSize;
  const int64_t channels = getGIdx().getType().getDimSize(0);
  const int64_t permChannels = getPerm().getType().getDimSize(0);
  if (isStatic(channels) && isStatic(permChannels) && channels != permChannels)
    return emitOpError() << "result has " << permChannels
                         << " channels but g_idx has " << channels
                         << " (a permutation of K channels)";
  return success();
}

LogicalResult PermutePackedRowsOp::verify() {
  const int64_t bits = getBits();
  if (bits != 2 && bits != 3 && bits != 4 && bits != 8)
    return emitOpError() << "bits must be 2, 3, 4 or 8, got " << bits;
  RankedTensorType qweight = getQweight().getType();
  if (getResult().getType() != qweight)
    return emitOpError() << "result type " << getResult().getType()
                         << " must equal the qweight type " << qweight;
  const int64_t channels = getPerm().getType().getDimSize(0);
  if (!isStatic(channels))
    return success();
  if ((channels * bits) % 32 != 0)
    return emitOpError() << "perm has " << channels << " channels; K times bits"
                         << " = " << bits
                         << " must be a multiple of 32 (whole int32 words)";
  const int64_t packedRows = qweight.getDimSize(0);
  if (isStatic(packedRows) && packedRows != channels * bits / 32)
    return emitOpError() << "qweight has " << packedRows
                         << " packed rows, expected K * bits / 32 = "
                         << channels * bits / 32 << " for K = " << channels
                         << " channels of perm";
  return success();
}
