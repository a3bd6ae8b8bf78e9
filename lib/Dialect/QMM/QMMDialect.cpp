//===- QMMDialect.cpp - qmm dialect, attributes and types -----------------===//

#include "gptq/Dialect/QMM/QMMDialect.h"

#include "gptq/Autotune/TileLegality.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::qmm;

#include "QMM/QMMDialect.cpp.inc"
#include "QMM/QMMEnums.cpp.inc"

void QMMDialect::initialize() {
  addAttributes<
#define GET_ATTRDEF_LIST
#include "QMM/QMMAttrs.cpp.inc"
      >();
  addTypes<
#define GET_TYPEDEF_LIST
#include "QMM/QMMTypes.cpp.inc"
      >();
  addOperations<
#define GET_OP_LIST
#include "QMM/QMMOps.cpp.inc"
      >();
}

FailureOr<bool> mlir::qmm::parseBoolKeyword(AsmParser &parser) {
  if (succeeded(parser.parseOptionalKeyword("true")))
    return true;
  if (succeeded(parser.parseOptionalKeyword("false")))
    return false;
  return parser.emitError(parser.getCurrentLocation(),
                          "expected 'true' or 'false'");
}

//===----------------------------------------------------------------------===//
// Attributes
//===----------------------------------------------------------------------===//

LogicalResult LayoutAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                                 unsigned bits, int64_t groupSize,
                                 bool actOrder, bool sym,
                                 CheckpointFormat format, bool reordered) {
  if (bits != 2 && bits != 3 && bits != 4 && bits != 8)
    return emitError() << "bits must be 2, 3, 4 or 8, got " << bits;
  if (groupSize != -1 && groupSize <= 0)
    return emitError() << "group_size must be -1 or positive, got "
                       << groupSize;
  // Regrouping permutes the channels of an act-order weight; without
  // act-order there is no g_idx to derive the permutation from.
  if (reordered && !actOrder)
    return emitError() << "reordered = true requires act_order = true";
  return success();
}

LogicalResult TileAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                               KernelStrategy strategy, int64_t blockM,
                               int64_t blockN, int64_t blockK, int64_t warps,
                               int64_t stages, int64_t splitK) {
  // The rules live in autotune/TileLegality.cpp, shared with the autotune
  // cache and gptq-tune, so that a tile they accept always verifies here.
  gptq::autotune::TileConfig config;
  config.strategy = toAutotuneStrategy(strategy);
  config.blockM = blockM;
  config.blockN = blockN;
  config.blockK = blockK;
  config.warps = warps;
  config.stages = stages;
  config.splitK = splitK;
  gptq::Status status = gptq::autotune::checkTileFields(config);
  if (!status.ok())
    return emitError() << status.message();
  return success();
}

gptq::autotune::TileConfig mlir::qmm::toTileConfig(TileAttr tile) {
  gptq::autotune::TileConfig config;
  config.strategy = toAutotuneStrategy(tile.getStrategy());
  config.blockM = tile.getBlockM();
  config.blockN = tile.getBlockN();
  config.blockK = tile.getBlockK();
  config.warps = tile.getWarps();
  config.stages = tile.getStages();
  config.splitK = tile.getSplitK();
  return config;
}

TileAttr mlir::qmm::toTileAttr(MLIRContext *context,
                               const gptq::autotune::TileConfig &config) {
  return TileAttr::get(context, toKernelStrategy(config.strategy),
                       config.blockM, config.blockN, config.blockK,
                       config.warps, config.stages, config.splitK);
}

gptq::autotune::TileProblem mlir::qmm::toTileProblem(LayoutAttr layout,
                                                     int64_t K, int64_t N) {
  gptq::autotune::TileProblem problem;
  problem.bits = layout.getBits();
  problem.actOrder = layout.getActOrder();
  problem.groupSize = layout.getGroupSize();
  problem.inFeatures = K;
  problem.outFeatures = N;
  return problem;
}

//===----------------------------------------------------------------------===//
// Types: `<RxCxT>`
//===----------------------------------------------------------------------===//

static LogicalResult
verifyTileShape(function_ref<InFlightDiagnostic()> emitError,
                ArrayRef<int64_t> shape) {
  if (shape.size() != 2)
    return emitError() << "tiles are 2-D, got rank " << shape.size();
  for (int64_t dim : shape)
    if (dim <= 0)
      return emitError() << "tile dimensions must be static and positive";
  return success();
}

LogicalResult
SharedTileType::verify(function_ref<InFlightDiagnostic()> emitError,
                       ArrayRef<int64_t> shape, Type elementType) {
  if (!elementType.isF16() && !elementType.isBF16())
    return emitError() << "shared tiles hold f16 or bf16, got " << elementType;
  return verifyTileShape(emitError, shape);
}

LogicalResult
AccumulatorType::verify(function_ref<InFlightDiagnostic()> emitError,
                        ArrayRef<int64_t> shape, Type elementType) {
  if (!elementType.isF32())
    return emitError() << "accumulators are f32, got " << elementType;
  return verifyTileShape(emitError, shape);
}

template <typename TileT> static Type parseTileType(AsmParser &parser) {
  SmallVector<int64_t> shape;
  Type elementType;
  if (parser.parseLess() ||
      parser.parseDimensionList(shape, /*allowDynamic=*/false,
                                /*withTrailingX=*/true) ||
      parser.parseType(elementType) || parser.parseGreater())
    return Type();
  return TileT::getChecked(
      [&] { return parser.emitError(parser.getNameLoc()); },
      parser.getContext(), shape, elementType);
}

template <typename TileT>
static void printTileType(AsmPrinter &printer, TileT type) {
  printer << '<';
  for (int64_t dim : type.getShape())
    printer << dim << 'x';
  printer << type.getElementType() << '>';
}

Type SharedTileType::parse(AsmParser &parser) {
  return parseTileType<SharedTileType>(parser);
}
void SharedTileType::print(AsmPrinter &printer) const {
  printTileType(printer, *this);
}
Type AccumulatorType::parse(AsmParser &parser) {
  return parseTileType<AccumulatorType>(parser);
}
void AccumulatorType::print(AsmPrinter &printer) const {
  printTileType(printer, *this);
}

#define GET_ATTRDEF_CLASSES
#include "QMM/QMMAttrs.cpp.inc"
#define GET_TYPEDEF_CLASSES
#include "QMM/QMMTypes.cpp.inc"
